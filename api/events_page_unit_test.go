package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// FuzzAppendJSONString: appendJSONString writes every string as
// encoding/json does.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `quo"te\back`, "a&b<c>d", "tab\tnl\ncr\r\b\f\x00\x1f\x7f",
		"Панҷ", "\u2028\u2029", "bad \xff utf8", "http://h/x?bbox=1,2&limit=3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("x"), s); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json %s", s, got[1:], want)
		}
	})
}

// TestAppendEventCollectionEqualsEncode: the collection written around
// cached features is what encode writes for the same eventCollection.
func TestAppendEventCollectionEqualsEncode(t *testing.T) {
	acc := 25.0
	events := []record.Event{
		{ID: uuid.New(), Kind: record.KindSeizure, OccurredAt: time.Date(2024, 3, 9, 4, 30, 0, 0, time.UTC), Location: orb.Point{69.09911, 37.23634},
			AgencyID: "tj-dca", Sharing: "regional", Place: "Панҷ <bridge> & ferry", Items: []record.Item{{Drug: "heroin", Quantity: 47.37, Unit: "kg"}},
			TotalKG: 47.37, Version: 3, CreatedAt: time.Date(2024, 3, 9, 5, 0, 0, 123456000, time.UTC), UpdatedAt: time.Now()},
		{ID: uuid.New(), Kind: record.KindIncident, OccurredAt: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), Location: orb.Point{68.5, 37},
			AccuracyM: &acc, AgencyID: "af-border", Sharing: "bilateral", Category: "arrest", Severity: 2, Coarsened: true, Notes: "\"quoted\"\n"},
	}
	var features [][]byte
	for _, e := range events {
		b, err := json.Marshal(eventToFeature(e))
		if err != nil {
			t.Fatal(err)
		}
		features = append(features, b)
	}
	links := []link{{Href: "http://h/collections/events/items?bbox=1%2C2%2C3%2C4&limit=2", Rel: "self", Type: mediaGeoJSON},
		{Href: "http://h/collections/events/items?bbox=1&cursor=x&limit=2", Rel: "next", Type: mediaGeoJSON, Title: "Next page"}}
	for _, tc := range []struct {
		name     string
		features [][]byte
		matched  int64
		links    []link
	}{
		{"first page", features, 17, links},
		{"later page", features, -1, links},
		{"empty", nil, 0, links[:1]},
		{"empty, not counted", nil, -1, []link{{Href: "x", Rel: "self"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := eventCollection{Type: "FeatureCollection", Features: make([]eventFeature, 0, len(tc.features)),
				NumberReturned: len(tc.features), TimeStamp: "2026-12-03T17:00:00Z", Links: tc.links}
			for i := range tc.features {
				out.Features = append(out.Features, eventToFeature(events[i]))
			}
			if tc.matched >= 0 {
				out.NumberMatched = &tc.matched
			}
			rec := httptest.NewRecorder()
			if err := encode(rec, 200, mediaGeoJSON, out); err != nil {
				t.Fatal(err)
			}
			got := appendEventCollection(nil, tc.features, tc.matched, "2026-12-03T17:00:00Z", tc.links)
			if !bytes.Equal(got, rec.Body.Bytes()) {
				t.Fatalf("appendEventCollection:\n%s\nencode:\n%s", got, rec.Body.Bytes())
			}
		})
	}
}

// TestFeatureCacheKeepsAboutItsBudget: the cache holds what it was given
// until the newer generation fills half the budget, keeps entries used
// since in the newer one, and never holds much more than the budget.
func TestFeatureCacheKeepsAboutItsBudget(t *testing.T) {
	c := newFeatureCache(10_000)
	key := func(i int, coarse bool) data.EventKey {
		return data.EventKey{ID: uuid.UUID{byte(i), byte(i >> 8)}, Version: 1, Form: geo.Form{Coarse: coarse, CoarsenM: 5000}}
	}
	body := bytes.Repeat([]byte("x"), 100)
	c.put(key(0, false), body)
	c.put(key(0, true), []byte("coarse"))
	out := make([][]byte, 3)
	if miss := c.get([]data.EventKey{key(0, false), key(0, true)}, out[:2]); len(miss) != 0 || string(out[1]) != "coarse" {
		t.Fatalf("missing %v, got %q", miss, out[1])
	}
	for i := 1; i < 1000; i++ {
		c.put(key(i, false), body)
		if i%10 == 0 {
			c.get([]data.EventKey{key(0, false)}, out[:1])
		}
		if held := c.curBytes + int64(len(c.old))*100; held > 10_100 {
			t.Fatalf("after %d puts the cache holds %d bytes", i, held)
		}
	}
	if miss := c.get([]data.EventKey{key(0, false), key(1, false), key(999, false)}, out[:3]); len(miss) != 1 || miss[0] != 1 {
		t.Fatalf("missing %v, want only the old, unused key 1", miss)
	}
}

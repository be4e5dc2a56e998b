package api_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

const validSeizure = `{"type": "Feature",
 "geometry": {"type": "Point", "coordinates": [69.09911, 37.23634]},
 "properties": {"kind": "seizure", "occurred_at": "2024-03-09T04:30:00Z", "agency": "tj-dca",
   "place": "Panj", "source_ref": "TJ-2024-001",
   "items": [{"drug": "heroin", "quantity": 47.37, "unit": "kg"}, {"drug": "opium", "quantity": 12, "unit": "kg", "qualifier": "about"}]}}`

func TestEventLifecycle(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do(t, "POST", "/collections/events/items", validSeizure, "Content-Type", "application/geo+json")
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	etag := resp.Header.Get("ETag")
	if loc == "" || etag == "" {
		t.Fatalf("create: Location %q ETag %q", loc, etag)
	}
	u, _ := url.Parse(loc)
	path := u.Path
	f := decodeJSON(t, b)
	props := f["properties"].(map[string]any)
	if props["total_kg"].(float64) != 59.37 || props["drugs"] != "heroin,opium" {
		t.Errorf("derived properties wrong: %v", props)
	}

	resp, b = e.do(t, "GET", path, "")
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != etag {
		t.Fatalf("get: %d etag %q: %s", resp.StatusCode, resp.Header.Get("ETag"), b)
	}
	resp, _ = e.do(t, "GET", path, "", "If-None-Match", etag)
	if resp.StatusCode != 304 {
		t.Errorf("conditional get: %d, want 304", resp.StatusCode)
	}
	// A weak validator, or the current ETag in a list, also matches.
	resp, _ = e.do(t, "GET", path, "", "If-None-Match", `"stale", W/`+etag)
	if resp.StatusCode != 304 {
		t.Errorf("conditional get with a list of weak ETags: %d, want 304", resp.StatusCode)
	}

	// A change without If-Match is refused: nobody overwrites blindly.
	edited := strings.Replace(validSeizure, "47.37", "50", 1)
	resp, b = e.do(t, "PUT", path, edited)
	if resp.StatusCode != 428 || !slices.Contains(problemParams(t, resp, b), "If-Match") {
		t.Fatalf("put without If-Match: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "PUT", path, edited, "If-Match", etag)
	if resp.StatusCode != 200 {
		t.Fatalf("put: %d %s", resp.StatusCode, b)
	}
	etag2 := resp.Header.Get("ETag")
	if etag2 == etag {
		t.Fatal("ETag did not change on update")
	}
	// The second analyst still holds the old ETag: 412, nothing written.
	resp, b = e.do(t, "PUT", path, strings.Replace(validSeizure, "47.37", "99", 1), "If-Match", etag)
	if resp.StatusCode != 412 {
		t.Fatalf("stale put: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "PATCH", path, `{"properties": {"notes": "cache in a boat", "place": null}}`, "If-Match", etag)
	if resp.StatusCode != 412 {
		t.Fatalf("stale patch: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "PATCH", path, `{"properties": {"notes": "cache in a boat", "place": null}}`,
		"If-Match", etag2, "Content-Type", "application/merge-patch+json")
	if resp.StatusCode != 200 {
		t.Fatalf("patch: %d %s", resp.StatusCode, b)
	}
	props = decodeJSON(t, b)["properties"].(map[string]any)
	if props["notes"] != "cache in a boat" || props["place"] != nil || props["items"].([]any)[0].(map[string]any)["quantity"].(float64) != 50 {
		t.Errorf("patch result wrong: %v", props)
	}
	resp, b = e.do(t, "PATCH", path, `{"properties": {"items": [{"drug": "crack", "quantity": 1, "unit": "kg"}]}}`, "If-Match", "*")
	if resp.StatusCode != 400 || !slices.Contains(problemParams(t, resp, b), "items[0].drug") {
		t.Errorf("invalid patch: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "DELETE", path, "", "If-Match", etag2)
	if resp.StatusCode != 412 {
		t.Errorf("stale delete: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "DELETE", path, "", "If-Match", "*")
	if resp.StatusCode != 204 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	resp, _ = e.do(t, "GET", path, "")
	if resp.StatusCode != 404 {
		t.Errorf("get after delete: %d", resp.StatusCode)
	}
	// Re-posting the same source_ref is a conflict, not a duplicate.
	resp, _ = e.do(t, "POST", "/collections/events/items", validSeizure)
	if resp.StatusCode != 201 {
		t.Fatalf("re-create: %d", resp.StatusCode)
	}
	resp, b = e.do(t, "POST", "/collections/events/items", validSeizure)
	if resp.StatusCode != 409 {
		t.Errorf("duplicate source_ref: %d %s", resp.StatusCode, b)
	}
	if n := e.countEvents(t); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}

func TestCreateEventRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	incident := `{"type": "Feature", "geometry": {"type": "Point", "coordinates": [68.6, 37.2]},
	  "properties": {"kind": "incident", "occurred_at": "2024-05-01", "agency": "tj-dca", "category": "armed_clash", "severity": 4}}`
	cases := []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"longitude out of range", strings.Replace(validSeizure, "69.09911", "200", 1), 400, "geometry"},
		{"latitude out of range", strings.Replace(validSeizure, "37.23634", "-91", 1), 400, "geometry"},
		{"unknown drug", strings.Replace(validSeizure, `"heroin"`, `"krokodil"`, 1), 400, "items[0].drug"},
		{"negative quantity", strings.Replace(validSeizure, "47.37", "-1", 1), 400, "items[0].quantity"},
		{"unknown unit", strings.Replace(validSeizure, `"unit": "kg"}`, `"unit": "lb"}`, 1), 400, "items[0].unit"},
		{"bad kind", strings.Replace(validSeizure, `"seizure"`, `"robbery"`, 1), 400, "kind"},
		{"bad date", strings.Replace(validSeizure, "2024-03-09T04:30:00Z", "09/03/2024", 1), 400, "occurred_at"},
		{"another agency", strings.Replace(validSeizure, `"tj-dca"`, `"af-border"`, 1), 403, "agency"},
		{"unknown agency", strings.Replace(validSeizure, `"tj-dca"`, `"xx-none"`, 1), 403, "agency"},
		{"unknown field", strings.Replace(validSeizure, `"place"`, `"plaec"`, 1), 400, "plaec"},
		{"wrong type", strings.Replace(incident, `"severity": 4`, `"severity": "high"`, 1), 400, "properties.severity"},
		{"severity out of range", strings.Replace(incident, `"severity": 4`, `"severity": 9`, 1), 400, "severity"},
		{"incident without category", strings.Replace(incident, `"category": "armed_clash", `, "", 1), 400, "category"},
		{"not a point", strings.Replace(validSeizure, `{"type": "Point", "coordinates": [69.09911, 37.23634]}`,
			`{"type": "LineString", "coordinates": [[69, 37], [70, 38]]}`, 1), 400, "geometry.coordinates"},
		{"malformed JSON", validSeizure[:40], 400, "body"},
		{"SQL-looking text is just text", strings.Replace(validSeizure, `"kind": "seizure"`, `"kind": "seizure'; DROP TABLE events; --"`, 1), 400, "kind"},
		{"deeply nested", strings.Repeat("[", 100) + strings.Repeat("]", 100), 400, "body"},
		{"oversized body", `{"type": "Feature", "properties": {"notes": "` + strings.Repeat("x", 2<<20) + `"}}`, 413, "body"},
		{"empty body", "", 400, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "POST", "/collections/events/items", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			if params := problemParams(t, resp, b); !slices.Contains(params, tc.field) {
				t.Errorf("invalid_params %v do not name %q: %s", params, tc.field, b)
			}
			if strings.Contains(string(b), "SQLSTATE") || strings.Contains(string(b), "pgx") {
				t.Errorf("internal error text leaked: %s", b)
			}
		})
	}
	if n := e.countEvents(t); n != 0 {
		t.Errorf("%d events written by rejected requests", n)
	}
	resp, b := e.do(t, "POST", "/collections/events/items", incident)
	if resp.StatusCode != 201 {
		t.Errorf("valid incident: %d %s", resp.StatusCode, b)
	}
}

// seedEvents stores n events spread over the Tajik–Afghan border, one a
// day from 2020-01-01, alternating seizures of heroin/hashish and incidents.
func seedEvents(t *testing.T, e *testEnv, n int) {
	t.Helper()
	seedEventsFrom(t, e, 0, n)
}

// seedEventsFrom stores events from to from+n-1 of seedEvents's sequence.
func seedEventsFrom(t *testing.T, e *testEnv, from, n int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < from+n; i++ {
		ev := record.Event{
			OccurredAt: time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, i),
			Location:   orb.Point{67.5 + float64(i%50)*0.1, 37.0 + float64(i%7)*0.1},
			AgencyID:   "tj-dca",
			SourceRef:  fmt.Sprintf("T%04d", i),
		}
		switch i % 3 {
		case 0:
			ev.Kind, ev.Items = "seizure", []record.Item{{Drug: "heroin", Quantity: 10, Unit: "kg"}}
		case 1:
			ev.Kind, ev.Items = "seizure", []record.Item{{Drug: "hashish", Quantity: 5, Unit: "kg"}}
		default:
			ev.Kind, ev.Category, ev.Severity = "incident", "border_violation", 2
		}
		if _, err := e.sys.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// collect follows next links from path and returns all feature ids.
func collect(t *testing.T, e *testEnv, path string) (ids []string, matched float64) {
	t.Helper()
	return collectAs(t, e, e.token, path)
}

// collectAs is collect with the given token.
func collectAs(t *testing.T, e *testEnv, token, path string) (ids []string, matched float64) {
	t.Helper()
	matched = -1
	for pages := 0; path != ""; pages++ {
		if pages > 100 {
			t.Fatal("too many pages")
		}
		resp, b := e.do(t, "GET", path, "", "Authorization", "Bearer "+token)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		fc := decodeJSON(t, b)
		if m, ok := fc["numberMatched"].(float64); ok && matched < 0 {
			matched = m
		}
		feats := fc["features"].([]any)
		if int(fc["numberReturned"].(float64)) != len(feats) {
			t.Fatalf("numberReturned %v != %d features", fc["numberReturned"], len(feats))
		}
		for _, f := range feats {
			ids = append(ids, f.(map[string]any)["id"].(string))
		}
		path = ""
		for _, l := range fc["links"].([]any) {
			if lm := l.(map[string]any); lm["rel"] == "next" {
				u, err := url.Parse(lm["href"].(string))
				if err != nil {
					t.Fatal(err)
				}
				path = u.RequestURI()
			}
		}
	}
	return ids, matched
}

func TestListEventsPagingAndFilters(t *testing.T) {
	e := newEnv(t)
	seedEvents(t, e, 240)
	cases := []struct {
		name  string
		query string
		want  int
	}{
		{"all", "limit=50", 240},
		{"kind", "kind=incident&limit=30", 80},
		{"drug", "drug=heroin", 80},
		{"two drugs", "drug=heroin,hashish&limit=1000", 160},
		{"two drug parameters", "drug=heroin&drug=hashish&limit=70", 160},
		{"agency", "agency=tj-dca&limit=7", 240},
		{"other agency", "agency=af-border", 0},
		{"category", "category=border_violation&limit=33", 80},
		{"datetime interval", "datetime=2020-01-01T00:00:00Z/2020-01-10T23:59:59Z", 10},
		{"open start", "datetime=../2020-01-05", 5},
		{"open end", "datetime=2020-08-01/..&limit=13", 240 - 213},
		{"instant date", "datetime=2020-01-03", 1},
		{"bbox", "bbox=67.45,36.95,67.75,37.05", -1},
	}
	// The bbox case: lon 67.5..67.7 (i%50 in 0..2) and lat 37.0 (i%7 == 0).
	bboxWant := 0
	for i := 0; i < 240; i++ {
		if i%50 <= 2 && i%7 == 0 {
			bboxWant++
		}
	}
	cases[len(cases)-1].want = bboxWant
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ids, matched := collect(t, e, "/collections/events/items?"+tc.query)
			if len(ids) != tc.want {
				t.Errorf("paged through %d events, want %d", len(ids), tc.want)
			}
			if int(matched) != tc.want {
				t.Errorf("numberMatched %v, want %d", matched, tc.want)
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("event %s returned twice", id)
				}
				seen[id] = true
			}
		})
	}
}

func TestListEventsRejectsBadParameters(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ query, param string }{
		{"bbox=1,2,3", "bbox"},
		{"bbox=68,38,67,37", "bbox"},
		{"bbox=a,b,c,d", "bbox"},
		{"bbox=-200,0,10,10", "bbox"},
		{"bbox=0,-95,10,10", "bbox"},
		{"datetime=yesterday", "datetime"},
		{"datetime=2020-05-01/2020-01-01", "datetime"},
		{"datetime=../..", "datetime"},
		{"limit=0", "limit"},
		{"limit=10001", "limit"},
		{"limit=ten", "limit"},
		{"drug=krokodil", "drug"},
		{"kind=robbery", "kind"},
		{"category=party", "category"},
		{"agency=%27%3B%20DROP%20TABLE%20events", "agency"},
		{"cursor=not-a-uuid", "cursor"},
		{"colour=red", "colour"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			resp, b := e.do(t, "GET", "/collections/events/items?"+tc.query, "")
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, b)
			}
			if params := problemParams(t, resp, b); !slices.Contains(params, tc.param) {
				t.Errorf("invalid_params %v do not name %q", params, tc.param)
			}
		})
	}
}

func TestCreateEventIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(validSeizure, `"source_ref": "TJ-2024-001",`, "", 1)
	var first string
	for i := 0; i < 3; i++ {
		resp, b := e.do(t, "POST", "/collections/events/items", body, "Idempotency-Key", "field-office-7/42")
		if resp.StatusCode != 201 {
			t.Fatalf("attempt %d: %d %s", i, resp.StatusCode, b)
		}
		if i == 0 {
			first = resp.Header.Get("Location")
		} else if resp.Header.Get("Location") != first || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry %d created %s (replayed %q), want %s", i, resp.Header.Get("Location"), resp.Header.Get("Idempotent-Replayed"), first)
		}
	}
	resp, b := e.do(t, "POST", "/collections/events/items", strings.Replace(body, "47.37", "1", 1), "Idempotency-Key", "field-office-7/42")
	if resp.StatusCode != 422 {
		t.Errorf("key reused for another request: %d %s", resp.StatusCode, b)
	}
	if n := e.countEvents(t); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}

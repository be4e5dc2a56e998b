package api

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

var featureSeeds = []string{
	`{"type": "Feature", "geometry": {"type": "Point", "coordinates": [69.1, 37.2]},
	  "properties": {"kind": "seizure", "occurred_at": "2024-03-09T04:30:00Z", "agency": "tj-dca",
	  "items": [{"drug": "heroin", "quantity": 47.37, "unit": "kg"}]}}`,
	`{"type": "Feature", "geometry": {"type": "Point", "coordinates": [68.6, 37.2]},
	  "properties": {"kind": "incident", "occurred_at": "2024-05-01", "agency": "tj-dca", "category": "armed_clash", "severity": 4}}`,
	`{"type": "Feature", "geometry": null, "properties": {}}`,
	`{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1e400, 0]}, "properties": {"kind": "seizure"}}`,
	`{"type": "FeatureCollection", "features": []}`,
	`[[[[[[[[[[]]]]]]]]]]`,
	`{"properties": {"items": [{"drug": "heroin", "quantity": "12"}]}}`,
	`{"type": "Feature", "properties": {"severity": 2.5}}`,
}

// TestDecodeFeatureErrorsNameTheField checks that every rejected body
// produces a client error that names a field.
func TestDecodeFeatureErrorsNameTheField(t *testing.T) {
	cases := map[string]string{
		`{"type": "Feature", "properties": {"severity": "high"}}`:                           "properties.severity",
		`{"type": "Feature", "geometry": {"type": "Point", "coordinates": "x"}}`:            "geometry.coordinates",
		`{"type": "Feature", "extra": 1}`:                                                   "extra",
		`{"type": "Feature", "properties": {"items": [{"drug": "heroin", "colour": "x"}]}}`: "colour",
		`{"type": `: "body",
	}
	for body, field := range cases {
		var f eventFeature
		err := decodeBytes([]byte(body), &f)
		var br *badRequest
		if !errors.As(err, &br) || len(br.params) == 0 || br.params[0].Name != field {
			t.Errorf("decode %s: %v, want an error naming %q", body, err, field)
		}
	}
}

// FuzzDecodeFeature feeds arbitrary bodies through the strict decoder and
// the conversion to an event: no panic, and every failure is a client error
// naming at least one field.
func FuzzDecodeFeature(f *testing.F) {
	for _, s := range featureSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if jsonDepth([]byte(body)) > maxJSONDepth {
			return // rejected before decoding
		}
		var feat eventFeature
		if err := decodeBytes([]byte(body), &feat); err != nil {
			var br *badRequest
			if !errors.As(err, &br) || len(br.params) == 0 {
				t.Fatalf("decode error without a field: %v", err)
			}
			return
		}
		e, err := featureToEvent(feat, "tj-dca")
		if err != nil {
			var br *badRequest
			if !errors.As(err, &br) || len(br.params) == 0 {
				t.Fatalf("conversion error without a field: %v", err)
			}
			for _, p := range br.params {
				if strings.TrimSpace(p.Name) == "" || p.Reason == "" {
					t.Fatalf("empty field error %+v", p)
				}
			}
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("accepted an event that does not validate: %v", err)
		}
	})
}

// FuzzParseAuditPage: any query either parses to a page within bounds or is
// refused naming before, limit or a parameter it does not know.
func FuzzParseAuditPage(f *testing.F) {
	for _, s := range []string{"", "before=1&limit=1", "limit=500", "limit=0", "before=-1", "before=x", "limit=9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		before, limit, err := parseAuditPage(q)
		if err != nil {
			var br *badRequest
			if !errors.As(err, &br) || len(br.params) != 1 {
				t.Fatalf("%q: %v", raw, err)
			}
			switch name := br.params[0].Name; {
			case name == "before" || name == "limit":
			case q.Has(name):
				// An unknown parameter is named as given.
			default:
				t.Fatalf("%q: refused naming %q, which the query does not hold: %v", raw, name, err)
			}
			return
		}
		if before < 0 || limit < 1 || limit > 500 {
			t.Fatalf("%q: before %d, limit %d", raw, before, limit)
		}
	})
}

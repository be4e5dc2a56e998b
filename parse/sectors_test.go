package parse_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

const sectorFixture = `{"type": "FeatureCollection", "features": [
 {"type": "Feature", "id": "pyanj-east", "properties": {"name": "Pyanj east", "border": "tjk-afg", "side": "TJK"},
  "geometry": {"type": "Polygon", "coordinates": [[[68,37],[69,37],[69,38],[68,38],[68,37]]]}},
 {"type": "Feature", "properties": {"id": "p2"},
  "geometry": {"type": "MultiPolygon", "coordinates": [[[[70,37],[71,37],[71,38],[70,37]]]]}},
 {"type": "Feature", "properties": {},
  "geometry": {"type": "Polygon", "coordinates": [[[72,37],[73,37],[73,38],[72,37]]]}}
]}`

func TestParseSectorGeoJSON(t *testing.T) {
	secs, err := parse.SectorsGeoJSON(strings.NewReader(sectorFixture), "mine")
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 3 || secs[0].ID != "pyanj-east" || secs[1].ID != "p2" || secs[2].ID != "mine-003" {
		t.Fatalf("ids: %+v", secs)
	}
	if secs[0].BorderID != "AFG-TJK" || secs[0].Side != "TJK" || secs[0].Name != "Pyanj east" || secs[2].Name != "mine-003" {
		t.Errorf("properties: %+v", secs[0])
	}
	for _, tc := range []struct {
		name, doc, set, field string
	}{
		{"bad set", sectorFixture, "Bad Set", "set"},
		{"not json", "{", "s", "file"},
		{"point", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`, "s", "features[0].geometry"},
		{"open ring", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,3]]]},"properties":{}}`, "s", "features[0].geometry"},
		{"out of range", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[200,2],[2,3],[1,2]]]},"properties":{}}`, "s", "features[0].geometry"},
		{"bad border", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]},"properties":{"border":"Tajikistan"}}`, "s", "features[0].properties.border"},
		{"duplicate ids", `{"type":"FeatureCollection","features":[
			{"type":"Feature","id":"a","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]},"properties":{}},
			{"type":"Feature","id":"a","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]},"properties":{}}]}`, "s", "features[1].id"},
		{"empty", `{"type":"FeatureCollection","features":[]}`, "s", "features"},
		{"wrong type", `{"type":"Polygon","coordinates":[]}`, "s", "type"},
		{"name not a string", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]},"properties":{"name":[]}}`, "s", "features[0].properties.name"},
		{"side not a string", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]},"properties":{"side":7}}`, "s", "features[0].properties.side"},
		{"id property not a string", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]},"properties":{"id":[]}}`, "s", "features[0].properties.id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse.SectorsGeoJSON(strings.NewReader(tc.doc), tc.set)
			if names := record.FieldNames(err); !slices.Contains(names, tc.field) {
				t.Errorf("error names %v, want %q", names, tc.field)
			}
		})
	}
}

func FuzzParseSectorGeoJSON(f *testing.F) {
	f.Add(sectorFixture)
	f.Add(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]},"properties":{"id":"x"}}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`)
	// Regression: a non-string property once panicked in orb's MustString.
	f.Add(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,2]]]},"properties":{"agency":[]}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		secs, err := parse.SectorsGeoJSON(strings.NewReader(doc), "fuzz")
		if err != nil {
			var ve *record.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error is not a record.ValidationError: %v", err)
			}
			return
		}
		for _, s := range secs {
			if s.ID == "" || len(s.Geometry) == 0 || s.Set != "fuzz" {
				t.Fatalf("accepted an incomplete sector %+v", s)
			}
		}
	})
}

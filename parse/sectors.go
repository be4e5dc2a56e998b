package parse

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

var reSectorID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

// SectorsGeoJSON reads user sector polygons from a GeoJSON
// FeatureCollection (or a single Feature). Each feature needs a Polygon or
// MultiPolygon geometry with valid lon/lat; its id is the feature's id or
// its "id" property, else "<set>-<n>" by position (n from 1). Optional
// properties: "name", "agency", "border" (a country pair such as
// "AFG-TJK"), "side" (ISO3), "section". Every offending feature is named in
// the returned *record.ValidationError as features[i].field.
func SectorsGeoJSON(r io.Reader, set string) ([]record.Sector, error) {
	if !record.ValidSectorSet(set) {
		return nil, fileError("set", "must be 1–63 lowercase letters, digits, _ or -, starting with a letter or digit")
	}
	feats, err := sectorFeatures(r)
	if err != nil {
		return nil, err
	}
	var fe record.Fields
	out := make([]record.Sector, 0, len(feats))
	seen := map[string]int{}
	for i, f := range feats {
		at := fmt.Sprintf("features[%d]", i)
		out = append(out, sectorOfFeature(&fe, f, at, set, i, seen))
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// fileError is a *record.ValidationError of the whole file.
func fileError(field, reason string) error {
	return &record.ValidationError{Fields: []record.FieldError{{Field: field, Reason: reason}}}
}

// sectorFeatures reads the features of a FeatureCollection or a single
// Feature; an empty collection is an error.
func sectorFeatures(r io.Reader) ([]*geojson.Feature, error) {
	b, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("read sectors: %w", err)
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fileError("file", "not JSON: "+err.Error())
	}
	var feats []*geojson.Feature
	switch head.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return nil, fileError("file", "not a GeoJSON FeatureCollection: "+err.Error())
		}
		feats = fc.Features
	case "Feature":
		f, err := geojson.UnmarshalFeature(b)
		if err != nil {
			return nil, fileError("file", "not a GeoJSON Feature: "+err.Error())
		}
		feats = []*geojson.Feature{f}
	default:
		return nil, fileError("type", `must be "FeatureCollection" or "Feature"`)
	}
	if len(feats) == 0 {
		return nil, fileError("features", "no features")
	}
	return feats, nil
}

// sectorOfFeature reads the sector of features[i] (prefix at), adding
// every problem to fe; seen maps the ids read so far to their feature.
func sectorOfFeature(fe *record.Fields, f *geojson.Feature, at, set string, i int, seen map[string]int) record.Sector {
	sec := record.Sector{Set: set, Source: "imported"}
	sec.ID = featureID(fe, f, at)
	if sec.ID == "" {
		sec.ID = fmt.Sprintf("%s-%03d", set, i+1)
	}
	if !reSectorID.MatchString(sec.ID) {
		fe.Add(at+".id", "must be 1–100 letters, digits, _, . or -, starting with a letter or digit")
	} else if j, dup := seen[sec.ID]; dup {
		fe.Add(at+".id", "repeats the id of features[%d]", j)
	} else {
		seen[sec.ID] = i
	}
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		sec.Geometry = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		sec.Geometry = g
	case nil:
		fe.Add(at+".geometry", "required: a Polygon or MultiPolygon")
	default:
		fe.Add(at+".geometry", "must be a Polygon or MultiPolygon, not %s", g.GeoJSONType())
	}
	if sec.Geometry != nil && !validPolygonCoords(sec.Geometry) {
		fe.Add(at+".geometry", "needs closed rings of at least 4 valid lon/lat positions")
	}
	sec.Name = propString(fe, f.Properties, at, "name", sec.ID)
	if len(sec.Name) == 0 || len(sec.Name) > 200 {
		fe.Add(at+".properties.name", "must be 1–200 characters")
	}
	sec.AgencyID = propString(fe, f.Properties, at, "agency", "")
	sec.BorderID = strings.ToUpper(propString(fe, f.Properties, at, "border", ""))
	sec.Side = strings.ToUpper(propString(fe, f.Properties, at, "side", ""))
	sec.SectionID = propString(fe, f.Properties, at, "section", "")
	if sec.BorderID != "" {
		if p, ok := record.NormalizePair(sec.BorderID); ok {
			sec.BorderID = p
		} else {
			fe.Add(at+".properties.border", "must be a country pair such as AFG-TJK")
		}
	}
	if sec.Side != "" && !record.ValidISO3(sec.Side) {
		fe.Add(at+".properties.side", "must be an ISO 3166-1 alpha-3 code")
	}
	if len(sec.SectionID) > 100 {
		fe.Add(at+".properties.section", "longer than 100 characters")
	}
	return sec
}

// propString reads an optional string property of features[i] (prefix at);
// absent or null gives def, any other JSON type is a field error.
func propString(fe *record.Fields, props geojson.Properties, at, key, def string) string {
	v, ok := props[key]
	if !ok || v == nil {
		return def
	}
	s, ok := v.(string)
	if !ok {
		fe.Add(at+".properties."+key, "must be a string")
		return def
	}
	return s
}

// featureID is the feature's id, or its "id" property when it has none
// ("" when neither is set); a property that is not a string is a field
// error, not a panic.
func featureID(fe *record.Fields, f *geojson.Feature, at string) string {
	switch v := f.ID.(type) {
	case string:
		return v
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return fmt.Sprintf("%d", int64(v))
		}
		return fmt.Sprint(v)
	}
	return propString(fe, f.Properties, at, "id", "")
}

func validPolygonCoords(mp orb.MultiPolygon) bool {
	if len(mp) == 0 {
		return false
	}
	for _, pg := range mp {
		if len(pg) == 0 {
			return false
		}
		for _, r := range pg {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				return false
			}
			for _, p := range r {
				if !geo.ValidLonLat(p) {
					return false
				}
			}
		}
	}
	return true
}

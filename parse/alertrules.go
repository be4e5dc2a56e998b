package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/record"
)

// alertRuleBody is an alert rule as clients write it (POST and PUT
// /api/alert-rules). zone is a GeoJSON Polygon or MultiPolygon (or a
// Feature of one), lon/lat.
type alertRuleBody struct {
	Name       string          `json:"name"`
	Kind       string          `json:"kind"`
	Team       *RefID          `json:"team"`
	ZoneSource string          `json:"zone_source"`
	Sector     string          `json:"sector"`
	Zone       json.RawMessage `json:"zone"`
	DistanceM  *float64        `json:"distance_m"`
	Minutes    *float64        `json:"minutes"`
	BatteryPct *float64        `json:"battery_pct"`
	BaseM      *float64        `json:"base_m"`
	Enabled    *bool           `json:"enabled"`
}

// AlertRule reads an alert rule from a JSON body and validates it; every
// offending field is named in a *record.ValidationError. Unknown fields
// are refused.
func AlertRule(body []byte) (record.AlertRule, error) {
	var b alertRuleBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return record.AlertRule{}, &record.ValidationError{Fields: []record.FieldError{jsonFieldError(err)}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return record.AlertRule{}, &record.ValidationError{Fields: []record.FieldError{{Field: "body", Reason: "must hold one JSON object"}}}
	}
	r := record.AlertRule{Name: b.Name, Kind: b.Kind, ZoneSource: b.ZoneSource, SectorID: b.Sector,
		DistanceM: b.DistanceM, Minutes: b.Minutes, BatteryPct: b.BatteryPct, BaseM: b.BaseM, Enabled: true}
	if b.Team != nil {
		r.TeamID = int(*b.Team)
		if *b.Team <= 0 {
			r.TeamID = -1
		}
	}
	if b.Enabled != nil {
		r.Enabled = *b.Enabled
	}
	var fe record.Fields
	if present(b.Zone) {
		mp, reason := zoneOf(b.Zone)
		if reason != "" {
			fe.Add("zone", "%s", reason)
		}
		r.Zone = mp
	}
	if err := r.Validate(); err != nil {
		var ve *record.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				if f.Field != "zone" || len(fe) == 0 {
					fe = append(fe, f)
				}
			}
		}
	}
	if err := fe.Err(); err != nil {
		return record.AlertRule{}, err
	}
	return r, nil
}

// zoneOf reads a GeoJSON Polygon, MultiPolygon or a Feature of one.
func zoneOf(raw json.RawMessage) (orb.MultiPolygon, string) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, "must be a GeoJSON Polygon or MultiPolygon"
	}
	var g orb.Geometry
	if probe.Type == "Feature" {
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil || f.Geometry == nil {
			return nil, "must be a GeoJSON Polygon or MultiPolygon"
		}
		g = f.Geometry
	} else {
		gg, err := geojson.UnmarshalGeometry(raw)
		if err != nil || gg.Coordinates == nil {
			return nil, "must be a GeoJSON Polygon or MultiPolygon"
		}
		g = gg.Geometry()
	}
	switch t := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{t}, ""
	case orb.MultiPolygon:
		return t, ""
	}
	return nil, fmt.Sprintf("must be a Polygon or MultiPolygon, not %s", g.GeoJSONType())
}

// jsonFieldError names the field a JSON decoding error is about.
func jsonFieldError(err error) record.FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return record.FieldError{Field: te.Field, Reason: fmt.Sprintf("must be a JSON %s", te.Type.Kind())}
	}
	return record.FieldError{Field: "body", Reason: "not a JSON object of the expected fields: " + record.Truncate(err.Error(), 200)}
}

package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data/ref"
)

// borderGap is a stretch of a shared border that the OpenStreetMap line
// lacks; SOURCE-borders.md documents it. The Natural Earth line between From
// and To fills it.
type borderGap struct {
	CountryA, CountryB string
	From, To           orb.Point
}

// borderGaps are the documented gaps of borders_osm_odbl.geojson.
var borderGaps = []borderGap{
	{CountryA: "AFG", CountryB: "TKM", From: orb.Point{65.268, 37.236}, To: orb.Point{65.700, 37.535}},
}

// borderRow is one shared border ready to be stored.
type borderRow struct {
	ID, CountryA, CountryB, Source, License string
	Geom                                    orb.MultiLineString
}

// buildBorders returns the OpenStreetMap border lines, each documented gap
// filled with the matching stretch of the Natural Earth line.
func buildBorders() ([]borderRow, error) {
	osm, err := fs.ReadFile(ref.FS, ref.BordersOSM)
	if err != nil {
		return nil, err
	}
	ne, err := fs.ReadFile(ref.FS, ref.BordersNE)
	if err != nil {
		return nil, err
	}
	osmFC, err := geojson.UnmarshalFeatureCollection(osm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.BordersOSM, err)
	}
	neFC, err := geojson.UnmarshalFeatureCollection(ne)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.BordersNE, err)
	}
	var out []borderRow
	for _, f := range osmFC.Features {
		a, b := f.Properties.MustString("country_a", ""), f.Properties.MustString("country_b", "")
		if a > b {
			a, b = b, a
		}
		row := borderRow{
			ID: a + "-" + b, CountryA: a, CountryB: b,
			Source:  f.Properties.MustString("source", ""),
			License: f.Properties.MustString("license", "") + "; attribution: " + ref.AttributionOSM,
		}
		switch g := f.Geometry.(type) {
		case orb.MultiLineString:
			row.Geom = append(row.Geom, g...)
		case orb.LineString:
			row.Geom = append(row.Geom, g)
		default:
			return nil, fmt.Errorf("%s: border %s is a %s", ref.BordersOSM, row.ID, f.Geometry.GeoJSONType())
		}
		for _, gap := range borderGaps {
			if gap.CountryA != a || gap.CountryB != b {
				continue
			}
			piece, src, err := neGapPiece(neFC, gap)
			if err != nil {
				return nil, err
			}
			row.Geom = append(row.Geom, piece)
			row.Source += fmt.Sprintf("; gap %.3f°E %.3f°N – %.3f°E %.3f°N filled from %s",
				gap.From[0], gap.From[1], gap.To[0], gap.To[1], src)
			row.License += "; gap piece " + neSourceLicense
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// neGapPiece cuts the Natural Earth main line of gap's pair between the
// vertices nearest to gap.From and gap.To.
func neGapPiece(fc *geojson.FeatureCollection, gap borderGap) (orb.LineString, string, error) {
	for _, f := range fc.Features {
		a, b := f.Properties.MustString("country_a", ""), f.Properties.MustString("country_b", "")
		if a > b {
			a, b = b, a
		}
		if a != gap.CountryA || b != gap.CountryB || f.Properties.MustString("part", "") != "main" {
			continue
		}
		line, ok := f.Geometry.(orb.LineString)
		if !ok {
			continue
		}
		i, j := nearestVertex(line, gap.From), nearestVertex(line, gap.To)
		if i > j {
			i, j = j, i
		}
		if j-i < 1 {
			return nil, "", fmt.Errorf("border gap %s-%s: Natural Earth line has no vertices there", a, b)
		}
		return append(orb.LineString(nil), line[i:j+1]...), f.Properties.MustString("source", ""), nil
	}
	return nil, "", fmt.Errorf("border gap %s-%s: no Natural Earth main line", gap.CountryA, gap.CountryB)
}

func nearestVertex(l orb.LineString, p orb.Point) int {
	best, bestD := 0, math.Inf(1)
	for i, q := range l {
		if d := orbgeo.Distance(p, q); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

func seedBorders(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := buildBorders()
	if err != nil {
		return 0, err
	}
	b := &pgx.Batch{}
	for _, r := range rows {
		gj, err := json.Marshal(geojson.NewGeometry(r.Geom))
		if err != nil {
			return 0, err
		}
		b.Queue(sqlUpsertBorder, r.ID, r.CountryA, r.CountryB, r.Source, r.License, string(gj))
	}
	return len(rows), sendBatch(ctx, tx, b)
}

package data

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"
)

// SRIDWGS84 is the SRID of every stored geometry.
const SRIDWGS84 = 4326

// decodeEWKB decodes PostGIS EWKB into an orb geometry. A nil or empty input
// gives a nil geometry.
func decodeEWKB(b []byte) (orb.Geometry, error) {
	if len(b) == 0 {
		return nil, nil
	}
	g, err := ewkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("decode ewkb: %w", err)
	}
	return toOrb(g)
}

func toOrb(g geom.T) (orb.Geometry, error) {
	switch t := g.(type) {
	case *geom.Point:
		return pointOf(t.Coords()), nil
	case *geom.LineString:
		return lineOf(t.Coords()), nil
	case *geom.MultiLineString:
		out := make(orb.MultiLineString, t.NumLineStrings())
		for i := range out {
			out[i] = lineOf(t.LineString(i).Coords())
		}
		return out, nil
	case *geom.Polygon:
		return polygonOf(t.Coords()), nil
	case *geom.MultiPolygon:
		out := make(orb.MultiPolygon, t.NumPolygons())
		for i := range out {
			out[i] = polygonOf(t.Polygon(i).Coords())
		}
		return out, nil
	case *geom.MultiPoint:
		out := make(orb.MultiPoint, t.NumPoints())
		for i := range out {
			out[i] = pointOf(t.Point(i).Coords())
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported geometry type %T", g)
}

func pointOf(c geom.Coord) orb.Point { return orb.Point{c[0], c[1]} }

func lineOf(cs []geom.Coord) orb.LineString {
	out := make(orb.LineString, len(cs))
	for i, c := range cs {
		out[i] = pointOf(c)
	}
	return out
}

func polygonOf(rings [][]geom.Coord) orb.Polygon {
	out := make(orb.Polygon, len(rings))
	for i, r := range rings {
		out[i] = orb.Ring(lineOf(r))
	}
	return out
}

// encodeEWKB encodes an orb geometry as EWKB with SRID 4326 for PostGIS.
func encodeEWKB(g orb.Geometry) ([]byte, error) {
	var t geom.T
	switch v := g.(type) {
	case orb.Point:
		t = geom.NewPointFlat(geom.XY, []float64{v[0], v[1]}).SetSRID(SRIDWGS84)
	case orb.LineString:
		t = geom.NewLineStringFlat(geom.XY, flatLine(v)).SetSRID(SRIDWGS84)
	case orb.MultiLineString:
		ml := geom.NewMultiLineString(geom.XY).SetSRID(SRIDWGS84)
		for _, l := range v {
			if err := ml.Push(geom.NewLineStringFlat(geom.XY, flatLine(l))); err != nil {
				return nil, err
			}
		}
		t = ml
	case orb.Polygon:
		t = polygonGeom(v).SetSRID(SRIDWGS84)
	case orb.MultiPolygon:
		mp := geom.NewMultiPolygon(geom.XY).SetSRID(SRIDWGS84)
		for _, p := range v {
			if err := mp.Push(polygonGeom(p)); err != nil {
				return nil, err
			}
		}
		t = mp
	default:
		return nil, fmt.Errorf("unsupported geometry type %T", g)
	}
	b, err := ewkb.Marshal(t, ewkb.NDR)
	if err != nil {
		return nil, fmt.Errorf("encode ewkb: %w", err)
	}
	return b, nil
}

func flatLine(l []orb.Point) []float64 {
	out := make([]float64, 0, 2*len(l))
	for _, p := range l {
		out = append(out, p[0], p[1])
	}
	return out
}

func polygonGeom(p orb.Polygon) *geom.Polygon {
	flat := []float64{}
	ends := []int{}
	for _, r := range p {
		flat = append(flat, flatLine(r)...)
		ends = append(ends, len(flat))
	}
	return geom.NewPolygonFlat(geom.XY, flat, ends)
}

package data

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/borderwatch/borderwatch/geo"
)

// PostRoad is a post (a MOBIT base, a border outpost, a team's base or a
// crossing, on each side) with the nearest road of its country that is not
// synthetic.
type PostRoad struct {
	Country string
	Point   orb.Point
	// Polygon is the country's outline.
	Polygon orb.MultiPolygon
	// Road is the nearest mapped or inferred road tagged with the country
	// or with none, nil when there is none; DistanceM is the distance to
	// it, +Inf without one.
	Road      orb.LineString
	DistanceM float64
}

// sqlPostRoads takes the 5 nearest roads by the index's planar distance in
// degrees; the nearest in metres is chosen among them.
const sqlPostRoads = `WITH posts AS (
	  SELECT o.country AS c, o.geom FROM offices o
	   WHERE o.kind IN ('mobit_base', 'border_outpost') AND o.geom IS NOT NULL
	  UNION SELECT t.country, t.geom FROM teams t
	  UNION SELECT x.country_a, x.geom FROM crossings x
	  UNION SELECT x.country_b, x.geom FROM crossings x)
	SELECT p.c, ST_AsEWKB(p.geom), ST_AsEWKB(c.geom),
	  (SELECT array_agg(ST_AsEWKB(n.geom)) FROM (
	     SELECT r.geom FROM roads r
	      WHERE r.kind <> 'synthetic' AND (r.country = p.c OR r.country IS NULL)
	      ORDER BY r.geom <-> p.geom LIMIT 5) n)
	FROM posts p JOIN countries c ON c.iso3 = p.c
	ORDER BY p.c, ST_X(p.geom), ST_Y(p.geom)`

// PostRoads returns every post with its nearest road that is not
// synthetic, so that the demo can tell which posts no road reaches.
func (s *Store) PostRoads(ctx context.Context) ([]PostRoad, error) {
	rows, err := s.pool.Query(ctx, sqlPostRoads)
	if err != nil {
		return nil, fmt.Errorf("post roads: %w", mapErr(err))
	}
	defer rows.Close()
	polys := map[string]orb.MultiPolygon{}
	var out []PostRoad
	for rows.Next() {
		var (
			pr     PostRoad
			pg, cg []byte
			near   [][]byte
		)
		if err := rows.Scan(&pr.Country, &pg, &cg, &near); err != nil {
			return nil, fmt.Errorf("post roads: %w", err)
		}
		p, err := decodeEWKB(pg)
		if err != nil {
			return nil, fmt.Errorf("post roads: %w", err)
		}
		pr.Point, _ = p.(orb.Point)
		if pr.Polygon = polys[pr.Country]; pr.Polygon == nil {
			c, err := decodeEWKB(cg)
			if err != nil {
				return nil, fmt.Errorf("post roads: %w", err)
			}
			pr.Polygon, _ = c.(orb.MultiPolygon)
			polys[pr.Country] = pr.Polygon
		}
		pr.DistanceM = math.Inf(1)
		q := geo.Project(pr.Point)
		for _, b := range near {
			g, err := decodeEWKB(b)
			if err != nil {
				return nil, fmt.Errorf("post roads: %w", err)
			}
			line, ok := g.(orb.LineString)
			if !ok {
				continue
			}
			if d := planar.DistanceFrom(geo.ProjectLineString(line), q); d < pr.DistanceM {
				pr.Road, pr.DistanceM = line, d
			}
		}
		out = append(out, pr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("post roads: %w", mapErr(err))
	}
	return out, nil
}

// MappedRoads returns the number of stored roads that are not synthetic.
func (s *Store) MappedRoads(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM roads WHERE kind <> 'synthetic'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("mapped roads: %w", mapErr(err))
	}
	return n, nil
}

package data

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
)

// NamedPlace is a named place or border crossing of the reference data.
type NamedPlace struct {
	Name  string
	Point orb.Point
}

// sqlNearestPlaces finds, for each point, the nearest named place or
// crossing within $3 metres (by the GiST indexes' distance ordering, then
// exactly on the spheroid).
const sqlNearestPlaces = `SELECT p.i, n.name, ST_X(n.geom), ST_Y(n.geom)
FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
CROSS JOIN LATERAL (
	SELECT name, geom FROM (
		(SELECT name, geom FROM places ORDER BY geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 5)
		UNION ALL
		(SELECT name, geom FROM crossings ORDER BY geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 5)
	) c
	WHERE ST_DWithin(c.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, $3)
	ORDER BY ST_Distance(c.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography)
	LIMIT 1
) n`

// NearestPlaces returns for each of pts the nearest named place or border
// crossing of the reference data within maxM metres; ok[i] is false where
// there is none.
func (s *Store) NearestPlaces(ctx context.Context, pts []orb.Point, maxM float64) (out []NamedPlace, ok []bool, err error) {
	out, ok = make([]NamedPlace, len(pts)), make([]bool, len(pts))
	if len(pts) == 0 {
		return out, ok, nil
	}
	lons, lats := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		lons[i], lats[i] = p[0], p[1]
	}
	rows, err := s.pool.Query(ctx, sqlNearestPlaces, lons, lats, maxM)
	if err != nil {
		return nil, nil, fmt.Errorf("nearest places: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			i int64
			n NamedPlace
		)
		if err := rows.Scan(&i, &n.Name, &n.Point[0], &n.Point[1]); err != nil {
			return nil, nil, fmt.Errorf("nearest places: %w", err)
		}
		out[i-1], ok[i-1] = n, true
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("nearest places: %w", mapErr(err))
	}
	return out, ok, nil
}

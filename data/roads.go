package data

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// RoadImportSummary reports what ImportRoads changed.
type RoadImportSummary struct {
	Source   string
	Deleted  int64
	Inserted int64
	// WithCountry is the number of inserted roads that lie entirely within
	// one country.
	WithCountry int64
	// Version is the road network version after the import.
	Version int64
	// Vertices and Edges count the routable graph of all roads after the
	// import (road_edges); Edges counts each piece once, whichever its
	// directions.
	Vertices, Edges int64
}

// validSource reports whether s is a valid roads.source value.
func validSource(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			i > 0 && strings.ContainsRune("_.:-", r)
		if !ok {
			return false
		}
	}
	return true
}

// checkRoad validates one road before it is written.
func checkRoad(i int, r *record.Road) error {
	bad := func(format string, args ...any) error {
		return &record.ValidationError{Fields: []record.FieldError{{Field: fmt.Sprintf("roads[%d]", i), Reason: fmt.Sprintf(format, args...)}}}
	}
	switch {
	case len(r.Line) < 2:
		return bad("fewer than two points")
	case !(r.SpeedKPH > 0) || r.SpeedKPH > record.MaxRoadSpeedKPH:
		return bad("speed %g km/h is not in (0, %d]", r.SpeedKPH, record.MaxRoadSpeedKPH)
	case r.Highway == "" || len(r.Highway) > 100:
		return bad("highway class must have 1 to 100 characters")
	case len(r.Name) > 500:
		return bad("name longer than 500 characters")
	case r.Country != "" && !record.ValidISO3(r.Country):
		return bad("country %q is not an ISO 3166-1 alpha-3 code", r.Country)
	case r.Kind != "" && !slices.Contains(record.RoadKinds, r.Kind):
		return bad("kind %q is not one of %v", r.Kind, record.RoadKinds)
	}
	distinct := false
	for _, p := range r.Line {
		if !geo.ValidLonLat(p) {
			return bad("invalid coordinate %v", p)
		}
		distinct = distinct || p != r.Line[0]
	}
	if !distinct {
		return bad("all points are equal")
	}
	return nil
}

const sqlRoadsCountry = `UPDATE roads r SET country = c.iso3
	FROM countries c
	WHERE r.source = $1 AND r.country IS NULL AND ST_CoveredBy(r.geom, c.geom)`

const sqlAllRoadsCountry = `UPDATE roads r SET country = c.iso3
	FROM countries c
	WHERE r.country IS NULL AND ST_CoveredBy(r.geom, c.geom)`

// TagRoadCountries gives every road without a country the country it lies
// in entirely, if any: roads imported before the countries were loaded.
// It returns the number of roads tagged.
func (s *Store) TagRoadCountries(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, sqlAllRoadsCountry)
	if err != nil {
		return 0, fmt.Errorf("tag road countries: %w", mapErr(err))
	}
	return tag.RowsAffected(), nil
}

// ImportRoads replaces the roads of source with roads in one transaction:
// either all of them are stored or none. Roads without a country get the
// country they lie in entirely, if any. progress, if set, is called with
// the number of roads written so far. The routable graph of all roads
// (road_edges) is rebuilt in the same transaction. The import is audited.
func (s *Store) ImportRoads(ctx context.Context, source string, roads []record.Road, progress func(written int64)) (RoadImportSummary, error) {
	sum := RoadImportSummary{Source: source}
	if !validSource(source) {
		return sum, &record.ValidationError{Fields: []record.FieldError{{Field: "source", Reason: "must be 1 to 100 letters, digits, '_', '.', ':' or '-'"}}}
	}
	for i := range roads {
		if err := checkRoad(i, &roads[i]); err != nil {
			return sum, err
		}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM roads WHERE source = $1`, source)
		if err != nil {
			return mapErr(err)
		}
		sum.Deleted = tag.RowsAffected()
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(roads) {
				return nil, nil
			}
			r := &roads[i]
			i++
			if progress != nil && i%10000 == 0 {
				progress(int64(i))
			}
			g, err := encodeEWKB(r.Line)
			if err != nil {
				return nil, err
			}
			var osmID *int64
			if r.OSMID != 0 {
				osmID = &r.OSMID
			}
			kind := r.Kind
			if kind == "" {
				kind = record.RoadMapped
			}
			return []any{source, osmID, nullIfEmpty(r.Name), r.Highway, r.SpeedKPH, r.Oneway, nullIfEmpty(r.Country), kind, g}, nil
		})
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"roads"},
			[]string{"source", "osm_id", "name", "highway", "speed_kph", "oneway", "country", "kind", "geom"}, src)
		if err != nil {
			return fmt.Errorf("copy roads: %w", mapErr(err))
		}
		sum.Inserted = n
		if progress != nil {
			progress(n)
		}
		if _, err := tx.Exec(ctx, sqlRoadsCountry, source); err != nil {
			return fmt.Errorf("roads country: %w", mapErr(err))
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM roads WHERE source = $1 AND country IS NOT NULL`, source).Scan(&sum.WithCountry); err != nil {
			return mapErr(err)
		}
		if err := tx.QueryRow(ctx, `SELECT version FROM road_network`).Scan(&sum.Version); err != nil {
			return mapErr(err)
		}
		if sum.Vertices, sum.Edges, err = rebuildRoadEdges(ctx, tx); err != nil {
			return err
		}
		return s.audit(ctx, tx, "roads.import", source, map[string]any{
			"deleted": sum.Deleted, "inserted": sum.Inserted, "version": sum.Version,
			"vertices": sum.Vertices, "edges": sum.Edges})
	})
	if err != nil {
		return RoadImportSummary{Source: source}, fmt.Errorf("import roads: %w", err)
	}
	return sum, nil
}

// RoadsVersion returns the road network version, which every change of
// the roads increases.
func (s *Store) RoadsVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, `SELECT version FROM road_network`).Scan(&v); err != nil {
		return 0, fmt.Errorf("roads version: %w", mapErr(err))
	}
	return v, nil
}

const sqlLoadRoads = `SELECT id, source, coalesce(osm_id, 0), coalesce(name, ''), highway, speed_kph, oneway,
	coalesce(country, ''), kind, ST_AsEWKB(geom) FROM roads ORDER BY id`

// LoadRoads returns every road with the road network version they belong
// to, read from one snapshot.
func (s *Store) LoadRoads(ctx context.Context) ([]record.Road, int64, error) {
	var (
		roads   []record.Road
		version int64
	)
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, 0, fmt.Errorf("load roads: %w", mapErr(err))
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.QueryRow(ctx, `SELECT version FROM road_network`).Scan(&version); err != nil {
		return nil, 0, fmt.Errorf("load roads: %w", mapErr(err))
	}
	rows, err := tx.Query(ctx, sqlLoadRoads)
	if err != nil {
		return nil, 0, fmt.Errorf("load roads: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r record.Road
			g []byte
		)
		if err := rows.Scan(&r.ID, &r.Source, &r.OSMID, &r.Name, &r.Highway, &r.SpeedKPH, &r.Oneway, &r.Country, &r.Kind, &g); err != nil {
			return nil, 0, fmt.Errorf("load roads: %w", err)
		}
		geom, err := decodeEWKB(g)
		if err != nil {
			return nil, 0, fmt.Errorf("load road %d: %w", r.ID, err)
		}
		line, ok := geom.(orb.LineString)
		if !ok {
			return nil, 0, fmt.Errorf("load road %d: geometry is %T", r.ID, geom)
		}
		r.Line = line
		roads = append(roads, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("load roads: %w", mapErr(err))
	}
	return roads, version, nil
}

// TrackSide is one country's side of one border line, with the places a
// synthetic track network on that side should link to.
type TrackSide struct {
	BorderID string
	Country  string
	Border   orb.MultiLineString
	Polygon  orb.MultiPolygon
	// Anchors are the MOBIT bases and teams, the crossings of the border
	// and the towns of the country near it.
	Anchors []orb.Point
}

const sqlTrackSides = `SELECT b.id, c.iso3, ST_AsEWKB(b.geom), ST_AsEWKB(c.geom)
	FROM borders b JOIN countries c ON c.iso3 IN (b.country_a, b.country_b)
	ORDER BY b.id, c.iso3`

const sqlTrackAnchors = `SELECT ST_AsEWKB(p) FROM (
	  SELECT o.geom AS p FROM offices o WHERE o.country = $1 AND o.geom IS NOT NULL AND o.kind = 'mobit_base'
	  UNION ALL SELECT t.geom FROM teams t WHERE t.country = $1
	  UNION ALL SELECT x.geom FROM crossings x WHERE $1 IN (x.country_a, x.country_b) AND $2 IN (x.country_a, x.country_b)
	  UNION ALL SELECT pl.geom FROM places pl WHERE pl.country = $1 AND pl.rank <= $3
	) a
	GROUP BY a.p ORDER BY ST_X(a.p), ST_Y(a.p)`

// TrackSides returns, for every border line and each of its two
// countries, the inputs of a synthetic track network on that side: the
// country's MOBIT bases and teams, the crossings of the border and the
// country's towns up to rank maxRank. How far an anchor may be from the
// tracks is the track builder's decision.
func (s *Store) TrackSides(ctx context.Context, maxRank int) ([]TrackSide, error) {
	rows, err := s.pool.Query(ctx, sqlTrackSides)
	if err != nil {
		return nil, fmt.Errorf("track sides: %w", mapErr(err))
	}
	var sides []TrackSide
	for rows.Next() {
		var (
			ts     TrackSide
			bg, cg []byte
		)
		if err := rows.Scan(&ts.BorderID, &ts.Country, &bg, &cg); err != nil {
			rows.Close()
			return nil, fmt.Errorf("track sides: %w", err)
		}
		b, err := decodeEWKB(bg)
		if err != nil {
			rows.Close()
			return nil, err
		}
		c, err := decodeEWKB(cg)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ts.Border, _ = b.(orb.MultiLineString)
		ts.Polygon, _ = c.(orb.MultiPolygon)
		sides = append(sides, ts)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track sides: %w", mapErr(err))
	}
	for i := range sides {
		ts := &sides[i]
		other, _, _ := strings.Cut(ts.BorderID, "-")
		if other == ts.Country {
			_, other, _ = strings.Cut(ts.BorderID, "-")
		}
		rows, err := s.pool.Query(ctx, sqlTrackAnchors, ts.Country, other, maxRank)
		if err != nil {
			return nil, fmt.Errorf("track anchors: %w", mapErr(err))
		}
		for rows.Next() {
			var g []byte
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return nil, fmt.Errorf("track anchors: %w", err)
			}
			p, err := decodeEWKB(g)
			if err != nil {
				rows.Close()
				return nil, err
			}
			if pt, ok := p.(orb.Point); ok {
				ts.Anchors = append(ts.Anchors, pt)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("track anchors: %w", mapErr(err))
		}
	}
	return sides, nil
}

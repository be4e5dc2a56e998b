package data

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/borderwatch/borderwatch/geo"
)

// The routes collection holds one feature per team route of the stored
// patrol plans the caller may read: the plans table under its row-level
// security, so exactly the caller's agency's plans, as GET /api/plans
// lists them. A route's id is "{plan id}.{team id}"; its time is the
// shift, from depart to return.

// RoutesCollectionID is the id of the collection of the stored plans'
// routes.
const RoutesCollectionID = "routes"

// RouteQuery selects routes of the caller's stored plans.
type RouteQuery struct {
	BBox *orb.Bound
	// Interval selects the routes whose shift [depart, return] meets it.
	Interval geo.Interval
	// Limit is the page size (1..MaxLimit).
	Limit int
	// After is the keyset cursor: only routes whose id sorts after it.
	After string
}

// sqlRoutes is the table of the caller's routes: id, geometry, props (the
// attributes served), depart and return.
const sqlRoutes = `(SELECT p.id::text || '.' || (f -> 'properties' ->> 'team') COLLATE "C" AS id,
    ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326) AS geom,
    (f -> 'properties' ->> 'depart')::timestamptz AS depart,
    (f -> 'properties' ->> 'return')::timestamptz AS return_at,
    jsonb_strip_nulls(jsonb_build_object('plan', p.id::text, 'team', f -> 'properties' ->> 'team',
      'team_name', f -> 'properties' -> 'team_name', 'country', f -> 'properties' -> 'country',
      'length_km', f -> 'properties' -> 'length_km', 'offroad_km', f -> 'properties' -> 'offroad_km',
      'duration_h', f -> 'properties' -> 'duration_h', 'score', f -> 'properties' -> 'score',
      'stops', f -> 'properties' -> 'stops', 'depart', f -> 'properties' -> 'depart',
      'return', f -> 'properties' -> 'return', 'planned_at', p.created_at,
      'planned_by', nullif(p.created_by_name, ''))) AS props
  FROM plans p, jsonb_array_elements(p.result -> 'features') f
  WHERE f -> 'properties' ->> 'kind' = 'route' AND f -> 'geometry' ->> 'type' = 'LineString') r`

// routeFilter adds q's bbox and interval to b.
func routeFilter(b *sqlBuilder, q RouteQuery) {
	if q.BBox != nil {
		b.where("r.geom && ST_MakeEnvelope(" + b.arg(q.BBox.Min[0]) + ", " + b.arg(q.BBox.Min[1]) + ", " +
			b.arg(q.BBox.Max[0]) + ", " + b.arg(q.BBox.Max[1]) + ", 4326)")
	}
	if !q.Interval.Start.IsZero() {
		b.where("r.return_at >= " + b.arg(q.Interval.Start))
	}
	if !q.Interval.End.IsZero() {
		b.where("r.depart <= " + b.arg(q.Interval.End))
	}
}

// Routes returns one page of the caller's routes matching q, ordered by id.
func (s *Store) Routes(ctx context.Context, q RouteQuery) (FeaturePage, error) {
	if q.Limit < 1 || q.Limit > MaxLimit {
		return FeaturePage{}, pageSizeError()
	}
	var b sqlBuilder
	routeFilter(&b, q)
	page := FeaturePage{}
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+sqlRoutes+b.clause(), b.args...).Scan(&page.NumberMatched); err != nil {
		return FeaturePage{}, fmt.Errorf("count routes: %w", mapErr(err))
	}
	if q.After != "" {
		b.where("r.id > " + b.arg(q.After))
	}
	sql := "SELECT r.id, ST_AsEWKB(r.geom), r.props FROM " + sqlRoutes + b.clause() + " ORDER BY r.id LIMIT " + b.arg(q.Limit+1)
	rows, err := s.pool.Query(ctx, sql, b.args...)
	if err != nil {
		return FeaturePage{}, fmt.Errorf("list routes: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFeature(rows)
		if err != nil {
			return FeaturePage{}, fmt.Errorf("list routes: %w", err)
		}
		page.Features = append(page.Features, f)
	}
	if err := rows.Err(); err != nil {
		return FeaturePage{}, fmt.Errorf("list routes: %w", mapErr(err))
	}
	if len(page.Features) > q.Limit {
		page.Features = page.Features[:q.Limit]
		page.Next = page.Features[q.Limit-1].ID
	}
	return page, nil
}

// Route returns one of the caller's routes by id, or ErrNotFound (also for
// another agency's route).
func (s *Store) Route(ctx context.Context, id string) (Feature, error) {
	f, err := scanFeature(s.pool.QueryRow(ctx, "SELECT r.id, ST_AsEWKB(r.geom), r.props FROM "+sqlRoutes+" WHERE r.id = $1", id))
	if err != nil {
		return Feature{}, fmt.Errorf("route %s: %w", id, mapErr(err))
	}
	return f, nil
}

// RouteExtent returns the bounding box and the time span (RFC 3339, UTC)
// of the caller's routes; ok is false when there are none.
func (s *Store) RouteExtent(ctx context.Context) (bbox orb.Bound, start, end *string, ok bool, err error) {
	var v [4]*float64
	err = s.pool.QueryRow(ctx, `SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x),
		to_char(d AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(e AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
		FROM (SELECT ST_Extent(r.geom)::geometry AS x, min(r.depart) AS d, max(r.return_at) AS e FROM `+sqlRoutes+`) s`).
		Scan(&v[0], &v[1], &v[2], &v[3], &start, &end)
	if err != nil {
		return orb.Bound{}, nil, nil, false, fmt.Errorf("route extent: %w", mapErr(err))
	}
	if v[0] == nil {
		return orb.Bound{}, nil, nil, false, nil
	}
	return orb.Bound{Min: orb.Point{*v[0], *v[1]}, Max: orb.Point{*v[2], *v[3]}}, start, end, true, nil
}

// RouteTile returns the Mapbox Vector Tile t of the caller's routes
// matching q (its bbox, limit and cursor are ignored): one layer, "routes",
// whose lines carry id and the items' properties, clipped to the tile with
// a buffer of 64 units so that lines join across tiles. An empty tile is
// an empty slice.
func (s *Store) RouteTile(ctx context.Context, t maptile.Tile, q RouteQuery) ([]byte, error) {
	q.BBox = nil
	var b sqlBuilder
	env := tileEnvelopeArgs(&b, t)
	b.where("r.geom && ST_Transform(ST_TileEnvelope(" + b.arg(int32(t.Z)) + "::integer, " + b.arg(int32(t.X)) + "::integer, " +
		b.arg(int32(t.Y)) + "::integer, margin => 0.015625), 4326)")
	routeFilter(&b, q)
	sql := `SELECT coalesce(ST_AsMVT(m.*, 'routes', 4096, 'geom'), '') FROM (
  SELECT ST_AsMVTGeom(ST_Transform(r.geom, 3857), ` + env + `, 4096, 64, true) AS geom, r.id, r.props
  FROM ` + sqlRoutes + b.clause() + `) m`
	var tile []byte
	if err := s.pool.QueryRow(ctx, sql, b.args...).Scan(&tile); err != nil {
		return nil, fmt.Errorf("routes tile %v: %w", t, mapErr(err))
	}
	return tile, nil
}

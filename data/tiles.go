package data

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb/maptile"
)

// Event tiles are Mapbox Vector Tiles of the caller's events view, in one
// layer, "events", whose features all carry count, the number of events
// they stand for.
//
// Aggregation rule: a tile at zoom EventDetailZoom or deeper holding at
// most MaxTileEvents matching events carries each of them as a point with
// count = 1 and its id, kind, occurred_at, agency, drugs, total_kg,
// category and coarsened. Any other tile (every tile above
// EventDetailZoom, and a denser one below it) divides itself into a grid
// of EventClusterGrid × EventClusterGrid cells and carries one point per
// cell with events, at their mean position (in Web Mercator), with count,
// seizures (how many are seizures) and total_kg (their seized kilograms).
// A clustered tile thus holds at most EventClusterGrid² = 4096 features of
// a few bytes each, and a detailed one at most MaxTileEvents: either stays
// well under 500 KB however many events the tile covers.
//
// Tiles read the events view as the caller (coarsened records at their
// coarsened points) with the filters of the items (EventQuery without
// bbox, limit and cursor).
const (
	// EventDetailZoom is the first zoom level whose tiles may carry each
	// event.
	EventDetailZoom = 12
	// MaxTileEvents is the most events a detailed tile carries.
	MaxTileEvents = 2000
	// EventClusterGrid is the number of cluster cells along a tile's side.
	EventClusterGrid = 64
)

// tileExtent is the size of a tile in MVT coordinates.
const tileExtent = 4096

// mercatorMax is half the width of the Web Mercator plane (EPSG:3857) in
// meters.
const mercatorMax = 20037508.342789244

// tileEnvelopeArgs adds the tile's z, x, y to b and returns the SQL of its
// Web Mercator envelope.
func tileEnvelopeArgs(b *sqlBuilder, t maptile.Tile) string {
	return "ST_TileEnvelope(" + b.arg(int32(t.Z)) + "::integer, " + b.arg(int32(t.X)) + "::integer, " + b.arg(int32(t.Y)) + "::integer)"
}

// sqlEventTileDetail selects each event of the tile; %s are the tile's
// envelope and the WHERE clause.
const sqlEventTileDetail = `SELECT coalesce(ST_AsMVT(m.*, 'events', 4096, 'geom'), '') FROM (
  SELECT ST_AsMVTGeom(ST_Transform(e.geom, 3857), %[1]s, 4096, 0, false) AS geom,
    1 AS "count", e.id::text AS id, e.kind, e.agency_id AS agency,
    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS occurred_at,
    CASE WHEN e.kind = 'seizure' THEN e.total_kg END AS total_kg,
    (SELECT string_agg(i->>'drug', ',') FROM jsonb_array_elements(e.items) i) AS drugs,
    e.category, e.coarsened
  FROM events e%[2]s) m`

// sqlEventTileClusters groups the tile's events by grid cell: Web
// Mercator x and y computed from lon/lat (cheaper than ST_Transform on
// each of a million points), cells counted from the tile's top-left
// corner; %s are the tile's envelope, the WHERE clause, its left edge, its
// top edge and the cell size.
const sqlEventTileClusters = `SELECT coalesce(ST_AsMVT(m.*, 'events', 4096, 'geom'), '') FROM (
  SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(avg(s.mx), avg(s.my)), 3857), %[1]s, 4096, 0, false) AS geom,
    count(*) AS "count", count(*) FILTER (WHERE s.kind = 'seizure') AS seizures,
    round(sum(s.total_kg)::numeric, 1)::float8 AS total_kg
  FROM (SELECT 6378137 * radians(ST_X(e.geom)) AS mx,
          6378137 * ln(tan(pi() / 4 + radians(least(greatest(ST_Y(e.geom), -85.0511), 85.0511)) / 2)) AS my,
          e.kind, e.total_kg
        FROM events e%[2]s) s
  GROUP BY floor((s.mx - %[3]s) / %[5]s), floor((%[4]s - s.my) / %[5]s)) m`

// EventTile returns the Mapbox Vector Tile t of the events matching q that
// the context's principal sees (see EventDetailZoom for what it holds); an
// empty tile is an empty slice. q's bbox, limit and cursor are ignored.
func (s *Store) EventTile(ctx context.Context, t maptile.Tile, q EventQuery) ([]byte, error) {
	var b sqlBuilder
	env, where, err := eventTileWhere(&b, t, &q)
	if err != nil {
		return nil, err
	}
	detail := t.Z >= EventDetailZoom
	if detail {
		// Count at most one more than a detailed tile may carry.
		var n int
		sql := "SELECT count(*) FROM (SELECT 1 FROM events e" + where + " LIMIT " + b.arg(MaxTileEvents+1) + ") s"
		if err := s.pool.QueryRow(ctx, sql, b.args...).Scan(&n); err != nil {
			return nil, fmt.Errorf("event tile %v: %w", t, mapErr(err))
		}
		b.args = b.args[:len(b.args)-1]
		detail = n <= MaxTileEvents
	}
	if detail {
		return s.eventTileDetail(ctx, t, env, where, b.args)
	}
	size := 2 * mercatorMax / math.Exp2(float64(t.Z))
	left := b.arg(-mercatorMax + float64(t.X)*size)
	top := b.arg(mercatorMax - float64(t.Y)*size)
	cell := b.arg(size / EventClusterGrid)
	sql := fmt.Sprintf(sqlEventTileClusters, env, where, left+"::float8", top+"::float8", cell+"::float8")
	var tile []byte
	if err := s.pool.QueryRow(ctx, sql, b.args...).Scan(&tile); err != nil {
		return nil, fmt.Errorf("event tile %v: %w", t, mapErr(err))
	}
	return tile, nil
}

// eventTileDetail reads tile t with each of its events (at most
// MaxTileEvents); env and where are the tile's envelope and the WHERE
// clause over args.
func (s *Store) eventTileDetail(ctx context.Context, t maptile.Tile, env, where string, args []any) ([]byte, error) {
	var tile []byte
	if err := s.pool.QueryRow(ctx, fmt.Sprintf(sqlEventTileDetail, env, where), args...).Scan(&tile); err != nil {
		return nil, fmt.Errorf("event tile %v: %w", t, mapErr(err))
	}
	return tile, nil
}

// eventTileWhere checks q and returns the envelope of t and the WHERE
// clause of an events tile query in b.
func eventTileWhere(b *sqlBuilder, t maptile.Tile, q *EventQuery) (env, where string, err error) {
	q.BBox, q.After, q.Count = nil, nil, false
	if fe := eventFilterErrors(q); fe.Err() != nil {
		return "", "", fe.Err()
	}
	env = tileEnvelopeArgs(b, t)
	b.where("e.geom && ST_Transform(" + env + ", 4326)")
	eventFilter(b, q)
	return env, b.clause(), nil
}

// ReferenceTile returns the Mapbox Vector Tile t of reference collection c:
// one layer named after the collection, whose features carry the
// collection's id and properties, clipped to the tile with a buffer of 64
// units (1/64 of the tile) so that lines and outlines join across tiles.
// An empty tile is an empty slice.
func (s *Store) ReferenceTile(ctx context.Context, c Collection, t maptile.Tile) ([]byte, error) {
	var tile []byte
	if err := s.pool.QueryRow(ctx, c.tileSQL, int32(t.Z), int32(t.X), int32(t.Y)).Scan(&tile); err != nil {
		return nil, fmt.Errorf("%s tile %v: %w", c.ID, t, mapErr(err))
	}
	return tile, nil
}

// refTileSQL is the tile query of a reference table with an id, a
// geometry and a props expression (jsonb, which ST_AsMVT spreads into
// attributes). layer is the collection's id, a constant of this package.
func refTileSQL(layer, table, props string) string {
	return `SELECT coalesce(ST_AsMVT(m.*, '` + layer + `', 4096, 'geom'), '') FROM (
  SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1::integer, $2::integer, $3::integer), 4096, 64, true) AS geom,
    id::text AS id, ` + props + ` AS props
  FROM ` + table + `
  WHERE geom && ST_Transform(ST_TileEnvelope($1::integer, $2::integer, $3::integer, margin => 0.015625), 4326)) m`
}

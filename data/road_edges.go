package data

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/geo"
)

const sqlRoadLines = `SELECT id, speed_kph, oneway, ST_AsEWKB(geom) FROM roads ORDER BY id`

// rebuildRoadEdges replaces road_edges by the graph of every stored road,
// cut at shared vertices (geo.NodeLines), and returns the numbers of its
// vertices and edges. Travel times are the road's length at its speed.
func rebuildRoadEdges(ctx context.Context, tx pgx.Tx) (vertices, edges int64, err error) {
	type road struct {
		id     int64
		speed  float64
		oneway bool
	}
	var (
		roads []road
		lines []orb.LineString
	)
	rows, err := tx.Query(ctx, sqlRoadLines)
	if err != nil {
		return 0, 0, fmt.Errorf("road graph: %w", mapErr(err))
	}
	for rows.Next() {
		var (
			r road
			g []byte
		)
		if err := rows.Scan(&r.id, &r.speed, &r.oneway, &g); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("road graph: %w", err)
		}
		geom, err := decodeEWKB(g)
		if err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("road graph: road %d: %w", r.id, err)
		}
		line, ok := geom.(orb.LineString)
		if !ok {
			rows.Close()
			return 0, 0, fmt.Errorf("road graph: road %d is a %T", r.id, geom)
		}
		roads = append(roads, r)
		lines = append(lines, line)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("road graph: %w", mapErr(err))
	}
	nd := geo.NodeLines(lines)
	if _, err := tx.Exec(ctx, `TRUNCATE road_edges`); err != nil {
		return 0, 0, fmt.Errorf("road graph: %w", mapErr(err))
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(nd.Pieces) {
			return nil, nil
		}
		p := nd.Pieces[i]
		i++
		r := roads[p.Line]
		lengthM := orbgeo.LengthHaversine(lines[p.Line][p.First : p.Last+1])
		cost := lengthM / 1000 / r.speed * 3600
		back := cost
		if r.oneway {
			back = -1
		}
		return []any{int64(i), r.id, int64(p.From), int64(p.To), int32(p.First), int32(p.Last), lengthM, cost, back}, nil
	})
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"road_edges"},
		[]string{"id", "road_id", "source", "target", "first_point", "last_point", "length_m", "cost", "reverse_cost"}, src)
	if err != nil {
		return 0, 0, fmt.Errorf("road graph: copy edges: %w", mapErr(err))
	}
	return int64(len(nd.Vertices)), n, nil
}

// RoadEdge is one edge of the stored road graph (road_edges): travel
// times in seconds, ReverseCostS -1 on a one-way road.
type RoadEdge struct {
	Source, Target      int64
	CostS, ReverseCostS float64
}

// LoadRoadEdges returns the stored road graph's edges in id order.
func (s *Store) LoadRoadEdges(ctx context.Context) ([]RoadEdge, error) {
	rows, err := s.pool.Query(ctx, `SELECT source, target, cost, reverse_cost FROM road_edges ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("road edges: %w", mapErr(err))
	}
	defer rows.Close()
	var out []RoadEdge
	for rows.Next() {
		var e RoadEdge
		if err := rows.Scan(&e.Source, &e.Target, &e.CostS, &e.ReverseCostS); err != nil {
			return nil, fmt.Errorf("road edges: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("road edges: %w", mapErr(err))
	}
	return out, nil
}

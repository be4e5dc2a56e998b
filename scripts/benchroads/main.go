// Command benchroads measures the planner's travel-time matrix on the
// imported road network against pgRouting's pgr_dijkstraCostMatrix, in
// the same run, on the same graph and the same points:
//
//   - ours: planner.Network.TravelMatrix on the graph the service builds
//     from the stored roads (cut at shared vertices, as road_edges is),
//     warm (the network restricted once before timing);
//   - pgRouting on road_edges, the stored graph itself (junction vertices);
//   - pgRouting on bench_road_segments, the same roads with a vertex at
//     every point of their geometry (about 1.8M vertices for the main OSM
//     file), when the table exists (scripts/bench-roads.sh makes it).
//
// It checks that every pair agrees (relative difference ≤ 1e-6) and
// prints the times and the ratios. The points are vertices of road_edges
// drawn at random from the largest connected part of the network.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/planner"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchroads:", err)
		os.Exit(1)
	}
}

func run() error {
	dbURL := flag.String("db", os.Getenv("DATABASE_URL"), "database URL (the owner's)")
	n := flag.Int("n", 50, "points of the matrix")
	runs := flag.Int("runs", 5, "timed runs of our matrix")
	pgRuns := flag.Int("pg-runs", 2, "timed runs of each pgRouting matrix")
	seed := flag.Uint64("seed", 1, "random seed of the points")
	flag.Parse()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := data.NewFromPool(pool)
	start := time.Now()
	roads, _, err := store.LoadRoads(ctx)
	if err != nil {
		return err
	}
	pr := make([]planner.Road, 0, len(roads))
	points := 0
	for _, r := range roads {
		pr = append(pr, planner.Road{Line: r.Line, SpeedKPH: r.SpeedKPH, Oneway: r.Oneway})
		points += len(r.Line)
	}
	g, err := planner.NewGraph(pr, 0)
	if err != nil {
		return err
	}
	fmt.Printf("roads: %d lines, %d points; graph: %d vertices, %d directed edges (built in %s)\n",
		len(roads), points, len(g.Nodes), len(g.Edges), time.Since(start).Round(time.Millisecond))
	ids, pts, err := pickVertices(ctx, pool, g, *n, *seed)
	if err != nil {
		return err
	}
	// Each point is linked to its own vertex only (no off-road shortcut).
	net := g.Restrict(planner.Access{Links: 1, MaxOffroadM: 0.01, OffroadKPH: 15})
	ours, oursT, err := timeOurs(ctx, net, pts, *runs)
	if err != nil {
		return err
	}
	fmt.Printf("ours: %d×%d matrix, median of %d warm runs %.1f ms\n", len(pts), len(pts), *runs, ms(oursT))
	for _, table := range []string{"road_edges", "bench_road_segments"} {
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists); err != nil || !exists {
			continue
		}
		var nv int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT source FROM `+table+` UNION SELECT target FROM `+table+`) v`).Scan(&nv); err != nil {
			return err
		}
		pg, pgT, err := timePgRouting(ctx, pool, table, ids, *pgRuns)
		if err != nil {
			return err
		}
		bad, pairs := compare(ours, pg, ids)
		fmt.Printf("pgr_dijkstraCostMatrix on %s (%d vertices): median of %d runs %.1f ms; %d pairs agree, %d differ\n",
			table, nv, *pgRuns, ms(pgT), pairs-bad, bad)
		fmt.Printf("ratio (pgRouting on %s / ours): %.1f×\n", table, float64(pgT)/float64(oursT))
		if bad > 0 {
			return fmt.Errorf("%d pairs differ from pgRouting on %s", bad, table)
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// cpuTime returns the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pickVertices draws n vertices of road_edges at random from the largest
// weakly connected part of g and returns their ids and positions.
func pickVertices(ctx context.Context, pool *pgxpool.Pool, g *planner.Graph, n int, seed uint64) ([]int64, []orb.Point, error) {
	rows, err := pool.Query(ctx, `SELECT DISTINCT e.source, ST_X(p), ST_Y(p) FROM road_edges e JOIN roads r ON r.id = e.road_id,
		LATERAL ST_PointN(r.geom, e.first_point + 1) p ORDER BY 1`)
	if err != nil {
		return nil, nil, err
	}
	idOf := map[orb.Point]int64{}
	for rows.Next() {
		var (
			id   int64
			x, y float64
		)
		if err := rows.Scan(&id, &x, &y); err != nil {
			rows.Close()
			return nil, nil, err
		}
		idOf[orb.Point{x, y}] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	comp := planner.Components(g)
	size := map[int]int{}
	for _, c := range comp {
		size[c]++
	}
	big := 0
	for c, k := range size {
		if k > size[big] || k == size[big] && c < big {
			big = c
		}
	}
	var cands []int
	for v, c := range comp {
		if _, ok := idOf[g.Nodes[v]]; ok && c == big {
			cands = append(cands, v)
		}
	}
	if len(cands) < n {
		return nil, nil, fmt.Errorf("only %d vertices in the largest part", len(cands))
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	var (
		ids []int64
		pts []orb.Point
	)
	for _, v := range cands[:n] {
		ids = append(ids, idOf[g.Nodes[v]])
		pts = append(pts, g.Nodes[v])
	}
	fmt.Printf("points: %d vertices of the largest connected part (%d of %d vertices)\n", n, size[big], len(g.Nodes))
	return ids, pts, nil
}

// timeOurs runs the matrix once untimed, then runs times, and returns the
// last matrix and the median time.
func timeOurs(ctx context.Context, net *planner.Network, pts []orb.Point, runs int) (*planner.Matrix, time.Duration, error) {
	m, err := net.TravelMatrix(ctx, pts, math.Inf(1))
	if err != nil {
		return nil, 0, err
	}
	var ts []time.Duration
	cpu0 := cpuTime()
	for range runs {
		t0 := time.Now()
		if m, err = net.TravelMatrix(ctx, pts, math.Inf(1)); err != nil {
			return nil, 0, err
		}
		ts = append(ts, time.Since(t0))
	}
	fmt.Printf("ours: %.1f ms of CPU per matrix (all cores)\n", ms(cpuTime()-cpu0)/float64(runs))
	slices.Sort(ts)
	return m, ts[len(ts)/2], nil
}

// timePgRouting runs pgr_dijkstraCostMatrix over table, runs times, and
// returns the costs by vertex pair and the median time.
func timePgRouting(ctx context.Context, pool *pgxpool.Pool, table string, ids []int64, runs int) (map[[2]int64]float64, time.Duration, error) {
	q := `SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCostMatrix(
		'SELECT id, source, target, cost, reverse_cost FROM ` + table + `', $1::bigint[], directed => true)`
	var (
		ts  []time.Duration
		out map[[2]int64]float64
	)
	for range runs {
		out = map[[2]int64]float64{}
		t0 := time.Now()
		rows, err := pool.Query(ctx, q, ids)
		if err != nil {
			return nil, 0, err
		}
		for rows.Next() {
			var (
				a, b int64
				c    float64
			)
			if err := rows.Scan(&a, &b, &c); err != nil {
				rows.Close()
				return nil, 0, err
			}
			out[[2]int64{a, b}] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
		ts = append(ts, time.Since(t0))
	}
	slices.Sort(ts)
	return out, ts[len(ts)/2], nil
}

// compare counts the pairs whose costs differ by more than 1e-6
// relative, a pair missing on one side counting as different.
func compare(ours *planner.Matrix, pg map[[2]int64]float64, ids []int64) (bad, pairs int) {
	for i, a := range ids {
		for j, b := range ids {
			if i == j {
				continue
			}
			pairs++
			c, ok := pg[[2]int64{a, b}]
			o := ours.At(i, j)
			switch {
			case !ok && math.IsInf(o, 1):
			case !ok || math.Abs(c-o) > 1e-6*math.Max(1, c):
				bad++
			}
		}
	}
	return bad, pairs
}

package data_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/parse"
)

// TestRoadGraphSplitsAtSharedVertices imports a fixture whose lines run
// through junctions, sharing the vertex there as the OpenStreetMap export
// does, and holds the stored graph (road_edges) to a golden file written
// by hand: A is cut where B crosses it and where D ends on it, F crosses A
// without a shared vertex (a bridge) and is not cut, the connector E is
// stored as inferred, the footway G has no speed and is left out; each
// edge's cost is its length at its class's speed, -1 backwards on the
// one-way C.
func TestRoadGraphSplitsAtSharedVertices(t *testing.T) {
	pool := datatest.Pool(t)
	store := data.NewFromPool(pool)
	ctx := context.Background()
	roads, st, err := parse.RoadsGeoJSON(openFixture(t, "roads_junctions.geojson"), parse.DefaultRoadSpeeds())
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 1 || len(roads) != 6 {
		t.Fatalf("parsed %d roads, stats %+v; want 6 and the footway skipped", len(roads), st)
	}
	sum, err := store.ImportRoads(ctx, "junctions", roads, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Vertices != 11 || sum.Edges != 9 {
		t.Errorf("graph of %d vertices, %d edges; want 11, 9", sum.Vertices, sum.Edges)
	}
	got := storedEdges(t, ctx, pool)
	b, err := os.ReadFile("testdata/roads_junctions.golden.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("road_edges\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var bad int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM road_edges e JOIN roads r ON r.id = e.road_id
		WHERE abs(e.cost - e.length_m / 1000 / r.speed_kph * 3600) > 1e-6
		   OR e.reverse_cost <> CASE WHEN r.oneway THEN -1 ELSE e.cost END
		   OR abs(e.length_m - ST_Length(ST_MakeLine(ARRAY(
		        SELECT d.geom FROM ST_DumpPoints(r.geom) d
		         WHERE d.path[1] BETWEEN e.first_point + 1 AND e.last_point + 1 ORDER BY d.path[1]))::geography, false))
		      > 0.005 * e.length_m`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d edges whose cost, reverse cost or length disagree with their road", bad)
	}
}

// storedEdges reads road_edges as golden-file lines: the road's name
// (or ref), its kind, the piece's point range, its vertices and whether
// it is one-way, in edge order.
func storedEdges(t *testing.T, ctx context.Context, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(ctx, `SELECT r.name, r.kind, e.first_point, e.last_point, e.source, e.target, e.reverse_cost = -1
		FROM road_edges e JOIN roads r ON r.id = e.road_id ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			name, kind     string
			first, last    int
			source, target int64
			oneway         bool
		)
		if err := rows.Scan(&name, &kind, &first, &last, &source, &target, &oneway); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d\t%t", name, kind, first, last, source, target, oneway))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRoadImportFailureKeepsTheGraph imports a network, then a smaller
// one that fails after its roads were written (the context is cancelled
// once the copy is done, before the graph is rebuilt): the roads and the
// graph are the old ones.
func TestRoadImportFailureKeepsTheGraph(t *testing.T) {
	pool := datatest.Pool(t)
	store := data.NewFromPool(pool)
	ctx := context.Background()
	roads, _, err := parse.RoadsGeoJSON(openFixture(t, "roads_junctions.geojson"), parse.DefaultRoadSpeeds())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ImportRoads(ctx, "junctions", roads, nil); err != nil {
		t.Fatal(err)
	}
	before := storedEdges(t, ctx, pool)
	var nRoads int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM roads`).Scan(&nRoads); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	written := int64(0)
	_, err = store.ImportRoads(cctx, "junctions", roads[:3], func(n int64) {
		written = n
		if n == 3 {
			cancel()
		}
	})
	if err == nil || written != 3 {
		t.Fatalf("import cancelled after the copy of %d roads: %v", written, err)
	}
	var nAfter int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM roads`).Scan(&nAfter); err != nil || nAfter != nRoads {
		t.Errorf("%d roads after the failed import, %d before (%v)", nAfter, nRoads, err)
	}
	if after := storedEdges(t, ctx, pool); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("graph changed by a failed import:\n%v\nwas\n%v", after, before)
	}
}

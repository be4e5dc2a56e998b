package data_test

import (
	"context"
	"os"
	"testing"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// openFixture opens one of the road parser's fixtures.
func openFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("../parse/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestImportRoads(t *testing.T) {
	pool := datatest.Pool(t)
	store := data.NewFromPool(pool)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO countries (iso3, name, source, license, geom) VALUES
		('TJK', 'Tajikistan', 'test', 'test', ST_Multi(ST_MakeEnvelope(67, 36.6, 75, 41, 4326)))`); err != nil {
		t.Fatal(err)
	}
	v0, err := store.RoadsVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	osmRoads, _, err := parse.RoadsOSM(ctx, openFixture(t, "roads_small.osm"), parse.RoadFormatOSM, parse.DefaultRoadSpeeds())
	if err != nil {
		t.Fatal(err)
	}
	sum, err := store.ImportRoads(ctx, "osm-small", osmRoads, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Inserted != 5 || sum.WithCountry != 5 || sum.Version <= v0 {
		t.Fatalf("osm import: %+v (version before %d)", sum, v0)
	}
	gj, _, err := parse.RoadsGeoJSON(openFixture(t, "roads_small.geojson"), parse.DefaultRoadSpeeds())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ImportRoads(ctx, "geojson-small", gj, nil); err != nil {
		t.Fatal(err)
	}
	// Re-importing a source replaces its roads.
	sum, err = store.ImportRoads(ctx, "osm-small", osmRoads[:2], nil)
	if err != nil || sum.Deleted != 5 || sum.Inserted != 2 {
		t.Fatalf("re-import: %+v, %v", sum, err)
	}
	roads, version, err := store.LoadRoads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(roads) != 6 || version != sum.Version {
		t.Fatalf("loaded %d roads at version %d, want 6 at %d", len(roads), version, sum.Version)
	}
	for _, r := range roads {
		if r.Country != "TJK" || len(r.Line) < 2 || r.SpeedKPH <= 0 {
			t.Errorf("road %+v", r)
		}
	}
	// A bad road rolls back the whole import.
	bad := append([]record.Road{}, gj...)
	bad = append(bad, record.Road{Highway: "track", SpeedKPH: 20, Line: orb.LineString{{1, 1}, {1, 1}}})
	if _, err := store.ImportRoads(ctx, "geojson-small", bad, nil); err == nil {
		t.Fatal("degenerate road accepted")
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM roads WHERE source = 'geojson-small'`).Scan(&n); err != nil || n != 4 {
		t.Errorf("after failed import: %d roads, %v; want the 4 before", n, err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'roads.import'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("audited imports: %d, %v; want 3", n, err)
	}
}

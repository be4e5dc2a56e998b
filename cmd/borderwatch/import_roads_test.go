package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data/datatest"
)

// TestImportRoadsGzipAndMalformedFiles runs "import roads" on the junction
// fixture compressed with gzip (read as it is), then on a truncated copy
// and on a compressed file that is not GeoJSON: both fail, and the roads
// and the road graph stay those of the first import.
func TestImportRoadsGzipAndMalformedFiles(t *testing.T) {
	url := datatest.URL(t)
	ctx := context.Background()
	raw, err := os.ReadFile("../../parse/testdata/roads_junctions.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	dir := t.TempDir()
	good := filepath.Join(dir, "roads.geojson.gz")
	truncated := filepath.Join(dir, "truncated.geojson.gz")
	notJSON := filepath.Join(dir, "other.geojson.gz")
	var other bytes.Buffer
	zw = gzip.NewWriter(&other)
	zw.Write([]byte(`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"highway": 7}`))
	zw.Close()
	for name, b := range map[string][]byte{good: gz.Bytes(), truncated: gz.Bytes()[:gz.Len()/2], notJSON: other.Bytes()} {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if err := runImportRoads(ctx, []string{good, "-db", url, "-source", "osm"}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "imported 6 roads (1 inferred connectors)") || !strings.Contains(out.String(), "11 vertices, 9 edges") {
		t.Errorf("output: %s", out.String())
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	state := func() (roads, edges, version int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM roads), (SELECT count(*) FROM road_edges), (SELECT version FROM road_network)`).Scan(&roads, &edges, &version); err != nil {
			t.Fatal(err)
		}
		return
	}
	r0, e0, v0 := state()
	for _, bad := range []string{truncated, notJSON} {
		out.Reset()
		err := runImportRoads(ctx, []string{"-db", url, "-source", "osm", bad}, noEnv, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("%s: err %v", filepath.Base(bad), err)
		}
		if r, e, v := state(); r != r0 || e != e0 || v != v0 || r != 6 || e != 9 {
			t.Errorf("%s: %d roads, %d edges, version %d after the failed import; before %d, %d, %d", filepath.Base(bad), r, e, v, r0, e0, v0)
		}
	}
}

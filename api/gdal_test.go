package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestGDALReadsEveryEvent checks the acceptance criterion of the feature
// API: GDAL's OAPIF driver, with no configuration, lists the collections
// and reads every event by following the next links.
func TestGDALReadsEveryEvent(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogrinfo (gdal-bin) is not installed; scripts/test.sh installs it")
		}
		t.Skip("ogrinfo (gdal-bin) not installed")
	}
	e := newEnv(t)
	const n = 1234
	seedEvents(t, e, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ds := "OAPIF:" + e.srv.URL

	// GDAL passes the token as a header (GDAL_HTTP_HEADERS, GDAL ≥ 3.6).
	env := append(os.Environ(), "GDAL_HTTP_HEADERS=Authorization: Bearer "+e.token)
	info := exec.CommandContext(ctx, ogrinfo, "-ro", "-q", ds)
	info.Env = env
	out, err := info.CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, layer := range []string{"events", "borders", "countries", "provinces", "crossings", "offices", "teams"} {
		if !bytes.Contains(out, []byte(": "+layer)) {
			t.Errorf("ogrinfo does not list layer %q:\n%s", layer, out)
		}
	}

	// Small pages force GDAL through many next links.
	cmd := exec.CommandContext(ctx, "ogr2ogr", "-f", "CSV", "/vsistdout/", ds, "events", "-oo", "PAGE_SIZE=100", "-lco", "GEOMETRY=AS_XY")
	cmd.Env = env
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("ogr2ogr: %v", err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("ogr2ogr output is not CSV: %v", err)
	}
	if len(rows)-1 != n {
		t.Fatalf("GDAL read %d events, want %d", len(rows)-1, n)
	}
	header := strings.Join(rows[0], ",")
	for _, col := range []string{"X", "Y", "kind", "occurred_at", "agency"} {
		if !strings.Contains(header, col) {
			t.Errorf("column %q missing from %s", col, header)
		}
	}
	refs := map[string]bool{}
	refCol := -1
	for i, h := range rows[0] {
		if h == "source_ref" {
			refCol = i
		}
	}
	if refCol < 0 {
		t.Fatalf("no source_ref column in %s", header)
	}
	for _, r := range rows[1:] {
		refs[r[refCol]] = true
	}
	if len(refs) != n {
		t.Errorf("GDAL read %d distinct events, want %d", len(refs), n)
	}

	// Without the token GDAL gets nothing.
	anon := exec.CommandContext(ctx, ogrinfo, "-ro", "-q", ds)
	if out, err := anon.CombinedOutput(); err == nil && bytes.Contains(out, []byte(": events")) {
		t.Errorf("ogrinfo listed layers without a token:\n%s", out)
	}
}

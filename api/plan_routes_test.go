package api_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// routesFixture stores one plan of tj-dca (team 7, a number as plans are
// stored) and one of af-border (team 9), whose routes meet the same zoom 8
// tile, and returns the plans' ids.
func routesFixture(t *testing.T, e *testEnv) (tj, af string) {
	t.Helper()
	plan := func(agency string, team int, line string, depart, ret string) string {
		result := fmt.Sprintf(`{"type": "FeatureCollection", "score": 3, "features": [
			{"type": "Feature", "geometry": {"type": "LineString", "coordinates": %s},
			 "properties": {"kind": "route", "team": %d, "team_name": "MOBIT %d", "country": "TJK", "length_km": 40.5,
			   "duration_h": 6, "score": 3, "stops": 1, "depart": %q, "return": %q}},
			{"type": "Feature", "geometry": {"type": "Point", "coordinates": [68.4, 36.8]},
			 "properties": {"kind": "stop", "team": %d, "seq": 1}}]}`, line, team, team, depart, ret, team)
		var id string
		if err := e.pool.QueryRow(context.Background(), `INSERT INTO plans (agency_id, created_by, request, result)
			VALUES ($1, 'test', '{"teams": [1]}', $2) RETURNING id::text`, agency, result).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	tj = plan("tj-dca", 7, "[[68.3, 36.75], [68.45, 36.85], [68.6, 36.9]]", "2024-05-01T04:00:00Z", "2024-05-01T12:00:00Z")
	af = plan("af-border", 9, "[[68.35, 36.7], [68.5, 36.5]]", "2024-05-02T04:00:00Z", "2024-05-02T12:00:00Z")
	return tj, af
}

// TestRoutesCollection checks the routes collection's items, item and
// tiles: each agency sees its own plans' routes only, team ids are
// strings, and bbox and datetime select.
func TestRoutesCollection(t *testing.T) {
	e := newEnv(t)
	tjPlan, afPlan := routesFixture(t, e)
	afToken := e.tokenFor(t, "af-border", "viewer")

	resp, b := e.do(t, "GET", "/collections/routes/items", "")
	if resp.StatusCode != 200 {
		t.Fatalf("items: %d %s", resp.StatusCode, b)
	}
	fc := decodeJSON(t, b)
	fs := fc["features"].([]any)
	if len(fs) != 1 {
		t.Fatalf("tj-dca sees %d routes, want its one: %s", len(fs), b)
	}
	f := fs[0].(map[string]any)
	props := f["properties"].(map[string]any)
	if f["id"] != tjPlan+".7" || props["team"] != "7" || props["plan"] != tjPlan || props["team_name"] != "MOBIT 7" {
		t.Errorf("route: id %v, properties %v", f["id"], props)
	}
	if resp, _ := e.do(t, "GET", "/collections/routes/items/"+afPlan+".9", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another agency's route: %d, want 404", resp.StatusCode)
	}
	if resp, b := e.do(t, "GET", "/collections/routes/items/"+tjPlan+".7", ""); resp.StatusCode != 200 || !strings.Contains(string(b), `"LineString"`) {
		t.Errorf("own route: %d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct {
		name, query string
		want        int
	}{
		{"bbox around", "bbox=68,36.6,69,37", 1},
		{"bbox elsewhere", "bbox=70,38,71,39", 0},
		{"datetime during the shift", "datetime=2024-05-01T10:00:00Z", 1},
		{"datetime the day after", "datetime=2024-05-02", 0},
		{"interval over it", "datetime=2024-04-30T00:00:00Z/2024-05-01T05:00:00Z", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, b := e.do(t, "GET", "/collections/routes/items?"+tc.query, "")
			if n := len(decodeJSON(t, b)["features"].([]any)); n != tc.want {
				t.Errorf("%d routes, want %d: %s", n, tc.want, b)
			}
		})
	}

	tl := maptile.At(orb.Point{68.45, 36.8}, 8)
	for _, tc := range []struct {
		name, token, want, other string
	}{
		{"tj-dca", e.token, tjPlan + ".7", afPlan},
		{"af-border", afToken, afPlan + ".9", tjPlan},
	} {
		layers, _ := getTile(t, e, tc.token, tilePath("routes", tl))
		if len(layers) != 1 || layers[0].Name != "routes" || len(layers[0].Features) != 1 {
			t.Fatalf("%s: routes tile %v", tc.name, layers)
		}
		ft := layers[0].Features[0]
		if ft.Properties["id"] != tc.want || strings.Contains(fmt.Sprint(ft.Properties), tc.other) {
			t.Errorf("%s sees %v in the tile, want %s only", tc.name, ft.Properties, tc.want)
		}
		if _, ok := ft.Geometry.(orb.LineString); !ok {
			t.Errorf("%s: route is a %T", tc.name, ft.Geometry)
		}
	}
	if layers, _ := getTile(t, e, e.token, tilePath("routes", tl)+"?datetime=2024-06-01"); layers != nil {
		t.Errorf("a tile of another day holds %v", layers)
	}
	resp, b = e.do(t, "GET", "/collections/routes/tiles/WebMercatorQuad", "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"geometryDimension":1`) {
		t.Errorf("tileset: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "GET", "/collections", "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"id":"routes"`) {
		t.Errorf("collections lack routes: %d %s", resp.StatusCode, b)
	}
}

// TestGDALReadsRouteTile checks that GDAL's MVT driver reads a routes
// tile: its layer, its one line and the line's attributes.
func TestGDALReadsRouteTile(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogrinfo (gdal-bin) is not installed; scripts/test.sh installs it")
		}
		t.Skip("ogrinfo (gdal-bin) not installed")
	}
	e := newEnv(t)
	tjPlan, _ := routesFixture(t, e)
	tl := maptile.At(orb.Point{68.45, 36.8}, 9)
	_, raw := getTile(t, e, e.token, tilePath("routes", tl))
	dir := filepath.Join(t.TempDir(), fmt.Sprint(tl.Z), fmt.Sprint(tl.X))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, fmt.Sprint(tl.Y)+".pbf")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ogrinfo, "-ro", "-al", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"Layer name: routes", "Feature Count: 1", "LINESTRING (", "team (String) = 7", "id (String) = " + tjPlan + ".7"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, out)
		}
	}
}

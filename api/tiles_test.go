package api_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// tilePath is the path of tile t of collection id.
func tilePath(id string, t maptile.Tile) string {
	return fmt.Sprintf("/collections/%s/tiles/WebMercatorQuad/%d/%d/%d", id, t.Z, t.Y, t.X)
}

// getTile fetches and decodes a tile (nil layers for 204), projected to
// lon/lat.
func getTile(t *testing.T, e *testEnv, token, path string) (mvt.Layers, []byte) {
	t.Helper()
	resp, b := e.do(t, "GET", path, "", "Authorization", "Bearer "+token)
	if resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("%s: not a vector tile: %v", path, err)
	}
	parts := strings.Split(path[strings.Index(path, "WebMercatorQuad/")+len("WebMercatorQuad/"):], "/")
	var z, y, x uint32
	fmt.Sscan(parts[0], &z)
	fmt.Sscan(parts[1], &y)
	fmt.Sscan(strings.SplitN(parts[2], "?", 2)[0], &x)
	layers.ProjectToWGS84(maptile.New(x, y, maptile.Zoom(z)))
	return layers, b
}

// tileCount sums the count attribute of the events layer.
func tileCount(t *testing.T, layers mvt.Layers) int {
	t.Helper()
	n := 0
	for _, l := range layers {
		if l.Name != "events" {
			t.Fatalf("unexpected layer %q", l.Name)
		}
		for _, f := range l.Features {
			c, ok := f.Properties["count"].(float64)
			if !ok || c < 1 {
				t.Fatalf("feature without a count: %v", f.Properties)
			}
			n += int(c)
		}
	}
	return n
}

// TestEventTileVisibility checks that an events tile holds exactly the
// events the caller may see: another agency's agency-only event is absent
// and a coarsening partner sees the bilateral event at its coarsened
// point, not at the true one.
func TestEventTileVisibility(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	cases := []struct {
		viewer  string
		visible []string
		coarse  bool
	}{
		{"tj-dca", []string{"agency", "bilateral", "regional"}, false},
		{"af-border", []string{"bilateral", "regional"}, false},
		{"uz-border", []string{"regional"}, true}, // bilateral coarsened, elsewhere
		{"kg-border", []string{"regional"}, false},
	}
	exact := maptile.At(f.loc, 16)
	for _, tc := range cases {
		t.Run(tc.viewer, func(t *testing.T) {
			tok := e.tokenFor(t, tc.viewer, "viewer")
			layers, _ := getTile(t, e, tok, tilePath("events", exact))
			var got []string
			for _, l := range layers {
				for _, ft := range l.Features {
					id, _ := ft.Properties["id"].(string)
					for level, lid := range f.ids {
						if lid == id {
							got = append(got, level)
						}
					}
					if p, ok := ft.Geometry.(orb.Point); !ok || planar.Distance(p, f.loc) > 1e-4 {
						t.Errorf("event %s drawn at %v, not at %v", id, ft.Geometry, f.loc)
					}
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, tc.visible) {
				t.Errorf("tile at the true point shows %v, want %v", got, tc.visible)
			}
			if !tc.coarse {
				return
			}
			// The coarsened point the items give is where the tile draws it.
			resp, b := e.do(t, "GET", "/collections/events/items/"+f.ids["bilateral"], "", "Authorization", "Bearer "+tok)
			if resp.StatusCode != 200 {
				t.Fatalf("item: %d %s", resp.StatusCode, b)
			}
			c := decodeJSON(t, b)["geometry"].(map[string]any)["coordinates"].([]any)
			coarse := orb.Point{c[0].(float64), c[1].(float64)}
			found := false
			layers, _ = getTile(t, e, tok, tilePath("events", maptile.At(coarse, 16)))
			for _, l := range layers {
				for _, ft := range l.Features {
					if ft.Properties["id"] == f.ids["bilateral"] {
						found = true
						if ft.Properties["coarsened"] != true || planar.Distance(ft.Geometry.(orb.Point), coarse) > 1e-4 {
							t.Errorf("coarsened event drawn at %v (coarsened %v), want %v", ft.Geometry, ft.Properties["coarsened"], coarse)
						}
					}
				}
			}
			if !found {
				t.Errorf("the tile at the coarsened point %v lacks the bilateral event", coarse)
			}
		})
	}
}

// TestEventTileFilters checks that the items' filters reduce a tile, in
// its clustered form (low zoom) and its detailed one.
func TestEventTileFilters(t *testing.T) {
	e := newEnv(t)
	seedEvents(t, e, 300) // a third each heroin, hashish, incidents
	// Clustered tiles come from the live index: let it catch up.
	if err := e.live.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	low := maptile.At(orb.Point{70, 37.3}, 3)
	for _, tc := range []struct {
		name  string
		query string
		want  int
	}{
		{"no filter", "", 300},
		{"kind", "kind=incident", 100},
		{"drug", "drug=heroin,hashish", 200},
		{"datetime", "datetime=2020-01-01/2020-01-10", 10},
		{"cql2", "filter=" + url.QueryEscape("drug = 'heroin'"), 100},
		{"agency", "agency=af-border", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layers, _ := getTile(t, e, e.token, tilePath("events", low)+"?"+tc.query)
			if got := tileCount(t, layers); got != tc.want {
				t.Errorf("clustered tile counts %d events, want %d", got, tc.want)
			}
			for _, l := range layers {
				if len(l.Features) >= tc.want && tc.want > 50 {
					t.Errorf("low zoom tile has %d features for %d events: not clustered", len(l.Features), tc.want)
				}
			}
		})
	}
	// A detailed tile carries each event with its attributes.
	spot := orb.Point{66.123, 36.456}
	for i, kind := range []string{"seizure", "seizure", "incident"} {
		ev := record.Event{Kind: kind, OccurredAt: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), Location: spot,
			AgencyID: "tj-dca", SourceRef: fmt.Sprintf("spot-%d", i)}
		if kind == "seizure" {
			ev.Items = []record.Item{{Drug: "opium", Quantity: 3, Unit: "kg"}}
		} else {
			ev.Category, ev.Severity = "border_violation", 2
		}
		if _, err := e.sys.CreateEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.live.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	detail := tilePath("events", maptile.At(spot, data.EventDetailZoom))
	layers, _ := getTile(t, e, e.token, detail)
	if got := tileCount(t, layers); got != 3 || len(layers[0].Features) != 3 {
		t.Fatalf("detailed tile holds %d events in %d features, want 3 single events", got, len(layers[0].Features))
	}
	for _, ft := range layers[0].Features {
		p := ft.Properties
		if p["id"] == nil || p["occurred_at"] != "2021-03-01T00:00:00Z" || p["agency"] != "tj-dca" ||
			(p["kind"] == "seizure") != (p["drugs"] == "opium" && p["total_kg"] == 3.0) {
			t.Errorf("detailed feature: %v", p)
		}
	}
	layers, _ = getTile(t, e, e.token, detail+"?kind=seizure")
	if got := tileCount(t, layers); got != 2 {
		t.Errorf("detailed tile with kind=seizure holds %d events, want 2", got)
	}
}

// TestEventTileSizeBound checks the aggregation rule on dense data: with
// 100,000 events in one detailed tile, that tile and the low-zoom tile
// over it stay under 500 KB and still count every event.
func TestEventTileSizeBound(t *testing.T) {
	e := newEnv(t)
	const n = 100000
	center := orb.Point{68.6, 37.2}
	detail := maptile.At(center, data.EventDetailZoom)
	b := detail.Bound()
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, items, synthetic)
		SELECT 'seizure', '2020-01-01'::timestamptz + g * interval '1 minute',
		  ST_SetSRID(ST_MakePoint($1::float8 + random() * ($3::float8 - $1::float8), $2::float8 + random() * ($4::float8 - $2::float8)), 4326), 'tj-dca', 'agency',
		  jsonb_build_array(jsonb_build_object('drug', 'heroin', 'quantity', 1 + g % 50, 'unit', 'kg')), true
		FROM generate_series(1, $5) g`, b.Min[0]+1e-6, b.Min[1]+1e-6, b.Max[0]-1e-6, b.Max[1]-1e-6, n); err != nil {
		t.Fatal(err)
	}
	if err := e.live.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tl := range []maptile.Tile{detail, maptile.At(center, 8), maptile.At(center, 5)} {
		layers, raw := getTile(t, e, e.token, tilePath("events", tl))
		if len(raw) > 500<<10 {
			t.Errorf("tile %v is %d bytes, over 500 KB", tl, len(raw))
		}
		if got := tileCount(t, layers); got != n {
			t.Errorf("tile %v counts %d events, want %d", tl, got, n)
		}
		if f := len(layers[0].Features); f > data.EventClusterGrid*data.EventClusterGrid {
			t.Errorf("tile %v has %d features", tl, f)
		}
		t.Logf("tile %v: %d bytes, %d features", tl, len(raw), len(layers[0].Features))
	}
}

// TestTileRequests checks the tile endpoints' answers: bad tile
// coordinates and unknown parameters are 400 naming them, unknown
// collections 404, an empty tile 204, and tiles carry ETag and a private
// Cache-Control and answer 304 to their ETag.
func TestTileRequests(t *testing.T) {
	e := newEnv(t)
	seedEvents(t, e, 10)
	for _, tc := range []struct {
		path  string
		param string
	}{
		{"/collections/events/tiles/WebMercatorQuad/23/0/0", "z"},
		{"/collections/events/tiles/WebMercatorQuad/2/4/0", "y"},
		{"/collections/events/tiles/WebMercatorQuad/2/0/x", "x"},
		{"/collections/borders/tiles/WebMercatorQuad/-1/0/0", "z"},
		{"/collections/events/tiles/WebMercatorQuad/2/0/0?limit=5", "limit"},
		{"/collections/events/tiles/WebMercatorQuad/2/0/0?kind=theft", "kind"},
		{"/collections/events/tiles/WebMercatorQuad/2/0/0?filter=" + url.QueryEscape("kind = "), "filter"},
	} {
		resp, b := e.do(t, "GET", tc.path, "")
		if resp.StatusCode != 400 || !slices.Contains(problemParams(t, resp, b), tc.param) {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.path, resp.StatusCode, b, tc.param)
		}
	}
	for _, p := range []string{"/collections/nope/tiles/WebMercatorQuad/0/0/0", "/collections/nope/tiles",
		"/collections/nope/tiles/WebMercatorQuad", "/tileMatrixSets/WorldCRS84Quad"} {
		if resp, b := e.do(t, "GET", p, ""); resp.StatusCode != 404 {
			t.Errorf("%s: %d %s, want 404", p, resp.StatusCode, b)
		}
	}
	for _, p := range []string{"/collections/events/tiles/WebMercatorQuad/10/0/0", "/collections/crossings/tiles/WebMercatorQuad/10/0/0"} {
		if resp, b := e.do(t, "GET", p, ""); resp.StatusCode != 204 || len(b) != 0 {
			t.Errorf("%s (no data): %d, %d bytes, want 204", p, resp.StatusCode, len(b))
		}
	}
	for _, p := range []string{tilePath("events", maptile.At(orb.Point{67.7, 37.1}, 6)), tilePath("crossings", maptile.At(orb.Point{68.6053, 37.1946}, 6))} {
		resp, b := e.do(t, "GET", p, "")
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || len(b) == 0 || etag == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
			t.Fatalf("%s: %d, ETag %q, Cache-Control %q", p, resp.StatusCode, etag, resp.Header.Get("Cache-Control"))
		}
		if resp, _ := e.do(t, "GET", p, "", "If-None-Match", etag); resp.StatusCode != 304 {
			t.Errorf("%s with its ETag: %d, want 304", p, resp.StatusCode)
		}
	}
}

// TestTilesetMetadata checks the tileset list and description, the tile
// matrix set, the declared conformance classes and the collections' links.
func TestTilesetMetadata(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"events", "borders", "sectors"} {
		resp, b := e.do(t, "GET", "/collections/"+id+"/tiles", "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s tiles: %d %s", id, resp.StatusCode, b)
		}
		ts := decodeJSON(t, b)["tilesets"].([]any)[0].(map[string]any)
		if ts["dataType"] != "vector" || ts["tileMatrixSetURI"] != "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad" {
			t.Errorf("%s tileset: %v", id, ts)
		}
		resp, b = e.do(t, "GET", "/collections/"+id+"/tiles/WebMercatorQuad", "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s tileset: %d %s", id, resp.StatusCode, b)
		}
		m := decodeJSON(t, b)
		var template string
		for _, l := range m["links"].([]any) {
			l := l.(map[string]any)
			if l["rel"] == "item" && l["templated"] == true && l["type"] == "application/vnd.mapbox-vector-tile" {
				template = l["href"].(string)
			}
		}
		if !strings.HasSuffix(template, "/collections/"+id+"/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}") {
			t.Errorf("%s tileset has no tile template: %v", id, m["links"])
		}
		if layers := m["layers"].([]any); len(layers) != 1 || layers[0].(map[string]any)["id"] != id {
			t.Errorf("%s tileset layers: %v", id, layers)
		}
	}
	resp, b := e.do(t, "GET", "/tileMatrixSets/WebMercatorQuad", "")
	if resp.StatusCode != 200 {
		t.Fatalf("tile matrix set: %d %s", resp.StatusCode, b)
	}
	tms := decodeJSON(t, b)["tileMatrices"].([]any)
	z10 := tms[10].(map[string]any)
	if z10["id"] != "10" || z10["matrixWidth"] != 1024.0 || math.Abs(z10["scaleDenominator"].(float64)-545978.7734655) > 1e-3 {
		t.Errorf("tile matrix 10: %v", z10)
	}
	_, b = e.do(t, "GET", "/conformance", "")
	conf := decodeJSON(t, b)["conformsTo"].([]any)
	for _, c := range []string{"core", "tileset", "tilesets-list", "geodata-tilesets", "mvt"} {
		if !slices.Contains(conf, any("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"+c)) {
			t.Errorf("conformance lacks tiles class %s", c)
		}
	}
	_, b = e.do(t, "GET", "/collections/events", "")
	if !strings.Contains(string(b), `"rel":"http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"`) {
		t.Errorf("events collection has no tilesets-vector link: %s", b)
	}
}

// TestReferenceTile checks that a reference collection's tile holds its
// features with their properties, where they are.
func TestReferenceTile(t *testing.T) {
	e := newEnv(t)
	panj := orb.Point{68.6053, 37.1946}
	layers, _ := getTile(t, e, e.token, tilePath("crossings", maptile.At(panj, 12)))
	if len(layers) != 1 || layers[0].Name != "crossings" || len(layers[0].Features) != 1 {
		t.Fatalf("crossings tile: %v", layers)
	}
	ft := layers[0].Features[0]
	if ft.Properties["name"] != "Panji Poyon bridge" || ft.Properties["kind"] != "bridge" || planar.Distance(ft.Geometry.(orb.Point), panj) > 1e-3 {
		t.Errorf("crossing feature: %v at %v", ft.Properties, ft.Geometry)
	}
	layers, _ = getTile(t, e, e.token, tilePath("countries", maptile.At(orb.Point{66, 37}, 5)))
	var names []string
	for _, ft := range layers[0].Features {
		names = append(names, ft.Properties["iso3"].(string))
	}
	sort.Strings(names)
	if !slices.Equal(names, []string{"AFG", "TJK"}) {
		t.Errorf("countries tile holds %v, want AFG and TJK", names)
	}
}

// TestGDALReadsTile checks that GDAL's MVT driver reads an events tile:
// the layer, its events and their attributes.
func TestGDALReadsTile(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogrinfo (gdal-bin) is not installed; scripts/test.sh installs it")
		}
		t.Skip("ogrinfo (gdal-bin) not installed")
	}
	e := newEnv(t)
	spot := orb.Point{68.61, 37.2}
	for i := 0; i < 5; i++ {
		ev := record.Event{Kind: "seizure", OccurredAt: time.Date(2022, 5, 1+i, 0, 0, 0, 0, time.UTC),
			Location: orb.Point{spot[0] + float64(i)*0.001, spot[1]}, AgencyID: "tj-dca", SourceRef: fmt.Sprintf("gdal-%d", i),
			Items: []record.Item{{Drug: "heroin", Quantity: 2, Unit: "kg"}}}
		if _, err := e.sys.CreateEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.live.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	tl := maptile.At(spot, 13)
	_, raw := getTile(t, e, e.token, tilePath("events", tl))
	// The driver georeferences a tile named {z}/{x}/{y}.pbf.
	dir := filepath.Join(t.TempDir(), fmt.Sprint(tl.Z), fmt.Sprint(tl.X))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, fmt.Sprint(tl.Y)+".pbf")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ogrinfo, "-ro", "-al", "-so", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"Layer name: events", "Feature Count: 5", "kind: String", "occurred_at: String", "total_kg: Real"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, out)
		}
	}
	// Its extent lies around the events, in Web Mercator.
	out, err = exec.Command(ogrinfo, "-ro", "-al", "-q", "-where", "occurred_at = '2022-05-03T00:00:00Z'", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "POINT (76378") {
		t.Errorf("ogrinfo -where: %v\n%s", err, out)
	}
}

// TestRoadsTileByZoomAndKind imports the junction fixture and a synthetic
// track: a zoom 7 tile holds the trunk, the inferred connector and the
// synthetic track but not the tertiary, secondary or track roads, which a
// zoom 11 tile adds; every feature carries its kind and highway class.
func TestRoadsTileByZoomAndKind(t *testing.T) {
	e := newEnv(t)
	f, err := os.Open("../parse/testdata/roads_junctions.geojson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	roads, _, err := parse.RoadsGeoJSON(f, parse.DefaultRoadSpeeds())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.sys.ImportRoads(ctx, "junctions", roads, nil); err != nil {
		t.Fatal(err)
	}
	track := record.Road{Name: "synthetic track to a post", Highway: "synthetic_track", Kind: record.RoadSynthetic, SpeedKPH: 25,
		Line: orb.LineString{{68.2, 37.0}, {68.2, 36.95}}}
	if _, err := e.sys.ImportRoads(ctx, "synthetic", []record.Road{track}, nil); err != nil {
		t.Fatal(err)
	}
	kinds := func(p orb.Point, z maptile.Zoom) map[string]string {
		t.Helper()
		layers, _ := getTile(t, e, e.token, tilePath("roads", maptile.At(p, z)))
		out := map[string]string{}
		for _, l := range layers {
			for _, ft := range l.Features {
				out[ft.Properties["name"].(string)] = ft.Properties["kind"].(string) + " " + ft.Properties["highway"].(string)
			}
		}
		return out
	}
	want7 := map[string]string{"A": "mapped trunk", "C": "mapped primary", "E-04": "inferred trunk",
		"synthetic track to a post": "synthetic synthetic_track"}
	if got := kinds(orb.Point{68.2, 37.0}, 7); !maps.Equal(got, want7) {
		t.Errorf("zoom 7 tile: %v, want %v", got, want7)
	}
	got11 := kinds(orb.Point{68.12, 37.0}, 11)
	for _, name := range []string{"A", "B", "D", "F", "synthetic track to a post"} {
		if _, ok := got11[name]; !ok {
			t.Errorf("zoom 11 tile lacks road %s: %v", name, got11)
		}
	}
}

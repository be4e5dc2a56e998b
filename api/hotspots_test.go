package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// seedAnalysisEvents adds two agencies and the agreements of the access
// matrix to e, and n events of every agency at every sharing level:
//
//	tj-dca ↔ af-border  exact
//	tj-dca ↔ uz-border  coarsened: 1234 m cells, month
//	kg-border           no agreement (a third agency)
func seedAnalysisEvents(t *testing.T, e *testEnv, n int) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO agencies (id, name, country, kind) VALUES
			('uz-border', 'Uzbek Border Troops (test)', 'UZB', 'border_guard'),
			('kg-border', 'Kyrgyz Border Service (test)', 'KGZ', 'border_guard')`,
		`INSERT INTO sharing_agreements (agency_a, agency_b) VALUES ('af-border', 'tj-dca')`,
		`INSERT INTO sharing_agreements (agency_a, agency_b, coarsen_m, coarsen_time) VALUES ('tj-dca', 'uz-border', 1234, 'month')`,
	} {
		if _, err := e.pool.Exec(ctx, q); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	agencies := []string{"tj-dca", "af-border", "uz-border", "kg-border"}
	sharing := []string{"agency", "bilateral", "regional"}
	drugs := []string{"heroin", "opium", "hashish"}
	t0 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := &pgx.Batch{}
	for i := 0; i < n; i++ {
		ag, sh := agencies[i%4], sharing[(i/4)%3]
		// Three dense spots and a scatter, inside 68.4–69.6 E, 36.9–38.1 N.
		var lon, lat float64
		if i%3 == 0 {
			lon, lat = 68.5+rng.Float64()*1.0, 37.0+rng.Float64()*1.0
		} else {
			c := [][2]float64{{68.8, 37.3}, {69.2, 37.7}, {68.7, 37.8}}[i%3]
			lon, lat = c[0]+rng.NormFloat64()*0.03, c[1]+rng.NormFloat64()*0.03
		}
		at := t0.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour)))).Truncate(time.Second)
		if i%2 == 0 {
			unit := "kg"
			if i%10 == 0 {
				unit = "l"
			}
			items := fmt.Sprintf(`[{"drug":%q,"quantity":%.2f,"unit":%q}]`, drugs[rng.IntN(3)], 1+rng.ExpFloat64()*30, unit)
			batch.Queue(`INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, items)
				VALUES ('seizure', $1, ST_SetSRID(ST_MakePoint($2, $3), 4326), $4, $5, $6::jsonb)`, at, lon, lat, ag, sh, items)
		} else {
			batch.Queue(`INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, category, severity)
				VALUES ('incident', $1, ST_SetSRID(ST_MakePoint($2, $3), 4326), $4, $5, 'border_violation', 2)`, at, lon, lat, ag, sh)
		}
	}
	if err := e.pool.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatalf("seed events: %v", err)
	}
	if err := e.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
}

// viewRow is an event as the events view shows it to one agency, with its
// point projected by PostGIS.
type viewRow struct {
	id        string
	x, y      float64
	lon, lat  float64
	at        time.Time
	kg        float64
	heroinKG  float64
	heroin    bool
	coarsened bool
	kind      string
}

// viewRows reads, acting as agency in PostgreSQL exactly as the service
// does, the events view's rows in the lon/lat box.
func viewRows(t *testing.T, e *testEnv, agency string, bbox [4]float64) []viewRow {
	t.Helper()
	ctx := context.Background()
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT set_config('role', 'bw_app', true), set_config('bw.agency', $1, true), set_config('bw.role', 'viewer', true)`, agency); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `SELECT id::text, ST_X(p), ST_Y(p), ST_X(geom), ST_Y(geom), occurred_at, total_kg,
			coalesce((SELECT sum((it->>'quantity')::float8) FROM jsonb_array_elements(items) it
			          WHERE it->>'drug' = 'heroin' AND it->>'unit' = 'kg'), 0),
			items @> '[{"drug":"heroin"}]', coarsened, kind
		FROM (SELECT *, ST_Transform(geom, $5) AS p FROM events) ev
		WHERE ST_X(geom) BETWEEN $1 AND $3 AND ST_Y(geom) BETWEEN $2 AND $4`, bbox[0], bbox[1], bbox[2], bbox[3], geo.LAEAProj4)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (viewRow, error) {
		var v viewRow
		err := r.Scan(&v.id, &v.x, &v.y, &v.lon, &v.lat, &v.at, &v.kg, &v.heroinKG, &v.heroin, &v.coarsened, &v.kind)
		return v, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type hotspotFC struct {
	NCells   int     `json:"n_cells"`
	Mean     float64 `json:"mean"`
	Std      float64 `json:"std"`
	Events   int     `json:"events"`
	Features []struct {
		Properties struct {
			Q, R       int32
			XM         float64 `json:"x_m"`
			YM         float64 `json:"y_m"`
			Value      float64 `json:"value"`
			Count      int     `json:"count"`
			GiZ        float64 `json:"gi_z"`
			GiBin      int     `json:"gi_bin"`
			Neighbors  int     `json:"neighbors"`
			DensityKM2 float64 `json:"density_km2"`
		} `json:"properties"`
	} `json:"features"`
}

func getJSON(t *testing.T, e *testEnv, token, path string, v any) {
	t.Helper()
	resp, b := e.do(t, "GET", path, "", "Authorization", "Bearer "+token)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func TestAnalysesEqualTheEventsView(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 480)
	box := [4]float64{68.4, 36.9, 69.6, 38.1}
	bbox := "68.4,36.9,69.6,38.1"
	const cellM = 5000.0
	grid := geo.HexGrid{CellM: cellM}
	tokens := map[string]string{}
	for _, ag := range []string{"tj-dca", "af-border", "uz-border", "kg-border"} {
		tokens[ag] = e.tokenFor(t, ag, "viewer")
	}
	// all is every event, for the checks that hidden ones stay hidden.
	var all []viewRow
	{
		rows, err := e.pool.Query(context.Background(), `SELECT id::text, ST_X(geom), ST_Y(geom), occurred_at FROM event_records`)
		if err != nil {
			t.Fatal(err)
		}
		all, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (viewRow, error) {
			var v viewRow
			return v, r.Scan(&v.id, &v.lon, &v.lat, &v.at)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for viewer, token := range tokens {
		t.Run(viewer, func(t *testing.T) {
			rows := viewRows(t, e, viewer, box)
			nCoarse := 0
			for _, r := range rows {
				if r.coarsened {
					nCoarse++
				}
			}
			if len(rows) == 0 || len(rows) >= len(all) {
				t.Fatalf("%d of %d events visible: the matrix does not restrict", len(rows), len(all))
			}
			if (viewer == "tj-dca" || viewer == "uz-border") != (nCoarse > 0) {
				t.Fatalf("%d coarsened rows for %s", nCoarse, viewer)
			}

			// Gi*, count and kg of heroin: cell values equal an independent (masses
			// are float32 in the index, so to 1e-6 relative)
			// binning of the view's rows, and so do mean and std.
			for _, value := range []string{"count", "kg"} {
				var fc hotspotFC
				q := "/api/hotspots?method=gistar&cell_m=5000&radius_m=12000&bbox=" + bbox + "&value=" + value
				if value == "kg" {
					q += "&drug=heroin"
				}
				getJSON(t, e, token, q, &fc)
				want := map[geo.Hex]float64{}
				wantN := map[geo.Hex]int{}
				for _, r := range rows {
					h := grid.Cell(r.x, r.y)
					if value == "count" {
						want[h]++
						wantN[h]++
					} else if r.heroin { // a heroin item in litres counts, with 0 kg
						want[h] += r.heroinKG
						wantN[h]++
					}
				}
				if fc.NCells != len(fc.Features) || fc.NCells < 100 {
					t.Fatalf("%s: n_cells %d, %d features", value, fc.NCells, len(fc.Features))
				}
				var sum, sum2 float64
				nEvents := 0
				for _, f := range fc.Features {
					p := f.Properties
					h := geo.Hex{Q: p.Q, R: p.R}
					if math.Abs(p.Value-want[h]) > 1e-3 || p.Count != wantN[h] {
						t.Fatalf("%s: cell %v: value %v count %d, the view gives %v, %d", value, h, p.Value, p.Count, want[h], wantN[h])
					}
					sum += want[h]
					sum2 += want[h] * want[h]
					nEvents += wantN[h]
				}
				mean := sum / float64(fc.NCells)
				std := math.Sqrt(sum2/float64(fc.NCells) - mean*mean)
				if math.Abs(fc.Mean-mean) > 1e-6*math.Max(1, mean) || math.Abs(fc.Std-std) > 1e-6*math.Max(1, std) || fc.Events != nEvents {
					t.Fatalf("%s: mean %v std %v events %d; the view gives %v %v %d", value, fc.Mean, fc.Std, fc.Events, mean, std, nEvents)
				}
			}

			// KDE: the quartic kernel density of the view's rows at each
			// cell centre, 3/(πh²)·(1−d²/h²)² per m², ×10⁶ per km².
			{
				var fc hotspotFC
				const h = 15000.0
				getJSON(t, e, token, "/api/hotspots?method=kde&cell_m=5000&bandwidth_m=15000&bbox="+bbox, &fc)
				for _, f := range fc.Features {
					p := f.Properties
					var d float64
					for _, r := range rows {
						d2 := (r.x-p.XM)*(r.x-p.XM) + (r.y-p.YM)*(r.y-p.YM)
						if d2 < h*h {
							u := 1 - d2/(h*h)
							d += 3 / (math.Pi * h * h) * u * u * 1e6
						}
					}
					if math.Abs(d-p.DensityKM2) > 1e-6 {
						t.Fatalf("kde: cell %d,%d: %v, the view gives %v", p.Q, p.R, p.DensityKM2, d)
					}
				}
			}

			// DBSCAN: the same numbers of clusters and noise points as
			// PostGIS's ST_ClusterDBSCAN over the view's rows; every hull
			// vertex and time bound is a position and time the view shows.
			{
				var fc struct {
					NPoints  int `json:"n_points"`
					NNoise   int `json:"n_noise"`
					Features []struct {
						Geometry struct {
							Type        string          `json:"type"`
							Coordinates json.RawMessage `json:"coordinates"`
						} `json:"geometry"`
						Properties struct {
							Count int       `json:"count"`
							Start time.Time `json:"start"`
							End   time.Time `json:"end"`
						} `json:"properties"`
					} `json:"features"`
				}
				getJSON(t, e, token, "/api/clusters?eps_m=3000&min_points=4&bbox="+bbox, &fc)
				nClusters, nNoise := postgisDBSCAN(t, e, viewer, box, 3000, 4)
				if fc.NPoints != len(rows) || fc.NNoise != nNoise || len(fc.Features) != nClusters {
					t.Fatalf("clusters: %d points, %d noise, %d clusters; the view gives %d, %d, %d",
						fc.NPoints, fc.NNoise, len(fc.Features), len(rows), nNoise, nClusters)
				}
				times := map[int64]bool{}
				for _, r := range rows {
					times[r.at.Unix()] = true
				}
				for _, f := range fc.Features {
					for _, pt := range coordsOf(t, f.Geometry.Type, f.Geometry.Coordinates) {
						if !shownNear(rows, pt, 2e-7) {
							t.Fatalf("cluster hull vertex %v is not a position the view shows", pt)
						}
					}
					if !times[f.Properties.Start.Unix()] || !times[f.Properties.End.Unix()] {
						t.Fatalf("cluster time span %v–%v is not made of times the view shows", f.Properties.Start, f.Properties.End)
					}
				}
			}

			// Emerging hot spots: each analysed cell's monthly series equals
			// the view's rows binned by cell and (coarsened) month.
			{
				var fc struct {
					Steps []struct {
						Start time.Time `json:"start"`
					} `json:"steps"`
					Features []struct {
						Properties struct {
							Q, R   int32
							Values []float64 `json:"values"`
						} `json:"properties"`
					} `json:"features"`
				}
				getJSON(t, e, token, "/api/hotspots/emerging?step=month&cell_m=5000&datetime=2023-01-01/2024-12-31&bbox="+bbox, &fc)
				if len(fc.Steps) != 24 {
					t.Fatalf("emerging: %d steps", len(fc.Steps))
				}
				want := map[geo.Hex][]float64{}
				for _, r := range rows {
					h := grid.Cell(r.x, r.y)
					if want[h] == nil {
						want[h] = make([]float64, 24)
					}
					want[h][(r.at.Year()-2023)*12+int(r.at.Month())-1]++
				}
				for _, f := range fc.Features {
					h := geo.Hex{Q: f.Properties.Q, R: f.Properties.R}
					w := want[h]
					for k := range f.Properties.Values {
						if w == nil || f.Properties.Values[k] != w[k] {
							t.Fatalf("emerging: cell %v: %v, the view gives %v", h, f.Properties.Values, w)
						}
					}
					delete(want, h)
				}
				for h := range want {
					if inBox(grid, h, box) {
						t.Fatalf("emerging: cell %v with events is missing", h)
					}
				}
			}
		})
	}
}

// shownNear reports whether a row lies within tol degrees of pt (the
// output rounds coordinates to 1e-7°).
func shownNear(rows []viewRow, pt [2]float64, tol float64) bool {
	for _, r := range rows {
		if math.Abs(r.lon-pt[0]) <= tol && math.Abs(r.lat-pt[1]) <= tol {
			return true
		}
	}
	return false
}

// inBox reports whether the centre of h lies in the lon/lat box.
func inBox(g geo.HexGrid, h geo.Hex, box [4]float64) bool {
	x, y := g.Center(h)
	lon, lat := geo.UnprojectXY(x, y)
	return lon >= box[0] && lon <= box[2] && lat >= box[1] && lat <= box[3]
}

// postgisDBSCAN returns the number of clusters and of noise points of
// ST_ClusterDBSCAN over the events view's rows in the box for agency.
func postgisDBSCAN(t *testing.T, e *testEnv, agency string, box [4]float64, eps float64, minPoints int) (int, int) {
	t.Helper()
	ctx := context.Background()
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT set_config('role', 'bw_app', true), set_config('bw.agency', $1, true), set_config('bw.role', 'viewer', true)`, agency); err != nil {
		t.Fatal(err)
	}
	var nClusters, nNoise int
	err = tx.QueryRow(ctx, `SELECT count(DISTINCT c), count(*) FILTER (WHERE c IS NULL) FROM (
			SELECT ST_ClusterDBSCAN(ST_Transform(geom, $5), $6, $7) OVER () AS c FROM events
			WHERE ST_X(geom) BETWEEN $1 AND $3 AND ST_Y(geom) BETWEEN $2 AND $4) s`,
		box[0], box[1], box[2], box[3], geo.LAEAProj4, eps, minPoints).Scan(&nClusters, &nNoise)
	if err != nil {
		t.Fatal(err)
	}
	return nClusters, nNoise
}

// coordsOf returns the positions of a Point, LineString or Polygon.
func coordsOf(t *testing.T, typ string, raw json.RawMessage) [][2]float64 {
	t.Helper()
	var out [][2]float64
	var err error
	switch typ {
	case "Point":
		var p [2]float64
		err = json.Unmarshal(raw, &p)
		out = append(out, p)
	case "LineString":
		err = json.Unmarshal(raw, &out)
	case "Polygon":
		var rings [][][2]float64
		err = json.Unmarshal(raw, &rings)
		for _, r := range rings {
			out = append(out, r...)
		}
	default:
		t.Fatalf("cluster geometry %q", typ)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHotspotsDefaultCorridorETagAndLiveWrites(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `INSERT INTO borders (id, country_a, country_b, length_km, source, license, geom)
		VALUES ('AFG-TJK', 'AFG', 'TJK', 700, 'test', 'test',
		        ST_Multi(ST_MakeLine(ARRAY[ST_MakePoint(67.8, 37.2), ST_MakePoint(68.5, 37.5), ST_MakePoint(69.4, 37.1), ST_MakePoint(70.1, 37.6)])))`); err != nil {
		t.Fatal(err)
	}
	// The running index picks the new border line up with its next pull.
	if err := e.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	path := "/api/hotspots?cell_m=5000&radius_m=12000"
	var fc map[string]any
	getJSON(t, e, e.token, path, &fc)
	params := fc["parameters"].(map[string]any)
	if params["corridor_km"] != 50.0 || fc["n_cells"].(float64) < 1000 || fc["events"].(float64) != 0 {
		t.Fatalf("default corridor: %v, %v cells, %v events", params, fc["n_cells"], fc["events"])
	}
	resp, _ := e.do(t, "GET", path, "")
	tag := resp.Header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	if resp, _ := e.do(t, "GET", path, "", "If-None-Match", tag); resp.StatusCode != 304 {
		t.Fatalf("If-None-Match with the current ETag: %d, want 304", resp.StatusCode)
	}
	// Another agency's view of the same query has another ETag.
	if resp, _ := e.do(t, "GET", path, "", "Authorization", "Bearer "+e.tokenFor(t, "af-border", "viewer"), "If-None-Match", tag); resp.StatusCode != 200 {
		t.Fatalf("another agency with the first one's ETag: %d, want 200", resp.StatusCode)
	}
	// A write through the API reaches the index within a second, and
	// changes the ETag.
	body := `{"type":"Feature","geometry":{"type":"Point","coordinates":[68.5,37.45]},
		"properties":{"kind":"seizure","occurred_at":"2024-05-01T10:00:00Z","items":[{"drug":"heroin","quantity":12,"unit":"kg"}]}}`
	if resp, b := e.do(t, "POST", "/collections/events/items", body, "Content-Type", "application/geo+json"); resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	deadline := time.Now().Add(time.Second)
	for {
		resp, b := e.do(t, "GET", path, "", "If-None-Match", tag)
		if resp.StatusCode == 200 {
			var fc map[string]any
			if err := json.Unmarshal(b, &fc); err != nil {
				t.Fatal(err)
			}
			if fc["events"].(float64) != 1 {
				t.Fatalf("after the write: %v events", fc["events"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the write did not reach the index within 1 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHotspotsBadParameters(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, query, param string
	}{
		{"negative radius", "bbox=68,37,69,38&radius_m=-5", "radius_m"},
		{"radius below cell", "bbox=68,37,69,38&cell_m=5000&radius_m=4000", "radius_m"},
		{"reversed window", "bbox=68,37,69,38&datetime=2024-02-01/2024-01-01", "datetime"},
		{"reversed from/to", "bbox=68,37,69,38&from=2024-02-01&to=2024-01-01", "to"},
		{"too many cells", "bbox=60,30,75,45&cell_m=100", "max_cells"},
		{"max_cells", "bbox=68,37,69,38&max_cells=10", "max_cells"},
		{"unknown method", "bbox=68,37,69,38&method=idw", "method"},
		{"unknown drug", "bbox=68,37,69,38&drug=tea", "drug"},
		{"two areas", "bbox=68,37,69,38&corridor_km=20", "area"},
		{"unknown parameter", "bbox=68,37,69,38&colour=red", "colour"},
		{"unknown sector", "sector=nowhere", "sector"},
		{"no borders loaded", "cell_m=5000", "corridor_km"},
		{"kde with radius", "method=kde&bbox=68,37,69,38&radius_m=9000", "radius_m"},
		{"min_bin", "bbox=68,37,69,38&min_bin=4", "min_bin"},
		{"min_density with gistar", "bbox=68,37,69,38&min_density=0.1", "min_density"},
		{"negative min_density", "method=kde&bbox=68,37,69,38&min_density=-1", "min_density"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "GET", "/api/hotspots?"+tc.query, "")
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, b)
			}
			if names := problemParams(t, resp, b); len(names) == 0 || names[0] != tc.param {
				t.Fatalf("invalid_params %v, want %s", names, tc.param)
			}
		})
	}
	for _, tc := range []struct{ path, param string }{
		{"/api/clusters?bbox=68,37,69,38&eps_m=-1", "eps_m"},
		{"/api/clusters?bbox=68,37,69,38&min_points=0", "min_points"},
		{"/api/hotspots/emerging?bbox=68,37,69,38&step=month", "datetime"},
		{"/api/hotspots/emerging?bbox=68,37,69,38&datetime=2023-01-01/2023-12-31", "step"},
		{"/api/hotspots/emerging?bbox=68,37,69,38&datetime=2023-01-01/2023-12-31&step=day", "step"},
	} {
		resp, b := e.do(t, "GET", tc.path, "")
		if names := problemParams(t, resp, b); resp.StatusCode != 400 || len(names) == 0 || names[0] != tc.param {
			t.Errorf("%s: %d %v, want 400 naming %s", tc.path, resp.StatusCode, names, tc.param)
		}
	}
	if resp, _ := e.do(t, "GET", "/api/hotspots?bbox=68,37,69,38", "", "Authorization", ""); resp.StatusCode != 401 {
		t.Errorf("without a token: %d, want 401", resp.StatusCode)
	}
}

// TestUnknownAgenciesAreNotRegistered: every valid-looking slug in an
// agency filter used to be numbered in the live index for good, and 655
// requests of 100 slugs filled its 65,536 numbers, after which every pull
// failed for every agency. An agency that does not exist is now refused
// and leaves no trace; one that exists but has no events is answered.
func TestUnknownAgenciesAreNotRegistered(t *testing.T) {
	e := newEnv(t)
	// The caller's own agency is numbered by its first analysis.
	if resp, b := e.do(t, "GET", "/api/hotspots?bbox=68,37,69,38", ""); resp.StatusCode != 200 {
		t.Fatalf("hotspots: %d %s", resp.StatusCode, b)
	}
	before := e.live.NumAgencies()
	for i := 0; i < 20; i++ {
		slugs := make([]string, 50)
		for j := range slugs {
			slugs[j] = fmt.Sprintf("ghost-%d-%d", i, j)
		}
		for _, path := range []string{"/api/hotspots", "/api/clusters"} {
			resp, b := e.do(t, "GET", path+"?bbox=68,37,69,38&agency="+strings.Join(slugs, ","), "", "Cache-Control", "no-cache")
			if names := problemParams(t, resp, b); resp.StatusCode != 400 || len(names) == 0 || names[0] != "agency" {
				t.Fatalf("%s with unknown agencies: %d %v, want 400 naming agency", path, resp.StatusCode, names)
			}
		}
	}
	if after := e.live.NumAgencies(); after != before {
		t.Fatalf("unknown agencies grew the index's agency table from %d to %d", before, after)
	}
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO agencies (id, name, country, kind) VALUES ('kg-quiet', 'No events yet (test)', 'KGZ', 'police')`); err != nil {
		t.Fatal(err)
	}
	// A new agency is known after the next pull, on every replica.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, b := e.do(t, "GET", "/api/hotspots?bbox=68,37,69,38&agency=kg-quiet", "", "Cache-Control", "no-cache")
		if resp.StatusCode == 200 {
			if n := decodeJSON(t, b)["events"]; n != 0.0 {
				t.Fatalf("kg-quiet has %v events, want 0", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a new agency is still refused: %d %s", resp.StatusCode, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestHotspotsKDEMinDensity checks that a KDE surface leaves out the cells
// of density 0 by default and those below min_density when asked, while
// n_cells, mean and std still describe every cell of the area.
func TestHotspotsKDEMinDensity(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 120)
	token := e.tokenFor(t, "tj-dca", "viewer")
	const base = "/api/hotspots?method=kde&cell_m=5000&bandwidth_m=9000&bbox=67.5,36.5,70.5,38.5"
	var all hotspotFC
	getJSON(t, e, token, base+"&min_density=0", &all)
	if len(all.Features) != all.NCells {
		t.Fatalf("min_density=0: %d features of %d cells", len(all.Features), all.NCells)
	}
	var positive []float64
	for _, f := range all.Features {
		if d := f.Properties.DensityKM2; d > 0 {
			positive = append(positive, d)
		}
	}
	if len(positive) == 0 || len(positive) == all.NCells {
		t.Fatalf("%d of %d cells have a density: the test needs both kinds", len(positive), all.NCells)
	}
	slices.Sort(positive)
	median := positive[len(positive)/2]
	for _, tc := range []struct {
		name, query string
		min         float64
		want        int
	}{
		{"default", "", 0, len(positive)},
		{"median", fmt.Sprintf("&min_density=%v", median), median, len(positive) - len(positive)/2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fc hotspotFC
			getJSON(t, e, token, base+tc.query, &fc)
			if len(fc.Features) != tc.want {
				t.Errorf("%d features, want %d", len(fc.Features), tc.want)
			}
			if fc.NCells != all.NCells || fc.Mean != all.Mean || fc.Std != all.Std || fc.Events != all.Events {
				t.Errorf("n_cells %d mean %v std %v events %d, want those of every cell: %d %v %v %d",
					fc.NCells, fc.Mean, fc.Std, fc.Events, all.NCells, all.Mean, all.Std, all.Events)
			}
			for _, f := range fc.Features {
				if d := f.Properties.DensityKM2; d == 0 || d < tc.min {
					t.Fatalf("cell %d,%d of density %v returned", f.Properties.Q, f.Properties.R, d)
				}
			}
		})
	}
	var params struct {
		Parameters map[string]any `json:"parameters"`
	}
	getJSON(t, e, token, base+"&min_density=0.5", &params)
	if params.Parameters["min_density"] != 0.5 {
		t.Errorf("parameters %v, want min_density 0.5", params.Parameters)
	}
}

var timeStampRE = regexp.MustCompile(`"timeStamp":"[^"]*"`)

// TestHiddenWritesLeaveOthersAnswersAlone: analysis answers used to carry
// the global index version, and their ETags changed on any write, so an
// agency learnt when another recorded something it may not see. A record
// that only its agency sees now changes that agency's answers and no one
// else's: not items or numberMatched, not the hotspots, KDE, clusters,
// emerging hot spots, sector risk or report, not index_version, not an ETag.
func TestHiddenWritesLeaveOthersAnswersAlone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('kg-border', 'Kyrgyz border service (test)', 'KGZ', 'border_guard')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO sectors (id, sector_set, name, border_km, area_km2, source, geom)
		VALUES ('TEST-1', 'imported', 'Panji Poyon test sector', 25, 500, 'imported',
		        ST_Multi(ST_MakeEnvelope(68.0, 37.0, 69.0, 38.0, 4326)))`); err != nil {
		t.Fatal(err)
	}
	// A regional history both agencies see, so that every analysis has
	// something to say: 60 seizures over 2023 around two places.
	for i := 0; i < 60; i++ {
		lon, lat := 68.3+float64(i%6)*0.01, 37.3+float64(i%5)*0.01
		if i%2 == 1 {
			lon, lat = 68.8+float64(i%4)*0.01, 37.7+float64(i%3)*0.01
		}
		if _, err := e.sys.CreateEvent(ctx, record.Event{Kind: "seizure", OccurredAt: time.Date(2023, time.Month(1+i%12), 1+i%27, 6, 0, 0, 0, time.UTC),
			Location: orb.Point{lon, lat}, AgencyID: "tj-dca", Sharing: "regional",
			Items: []record.Item{{Drug: "heroin", Quantity: float64(1 + i%7), Unit: "kg"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	other := "Bearer " + e.tokenFor(t, "kg-border", "viewer")
	paths := []string{
		"/collections/events/items?bbox=67,36,71,39&limit=100",
		"/api/hotspots?bbox=67,36,71,39&cell_m=5000&radius_m=12000",
		"/api/hotspots?bbox=67,36,71,39&method=kde&cell_m=5000&bandwidth_m=15000",
		"/api/clusters?bbox=67,36,71,39&eps_m=5000&min_points=2",
		"/api/hotspots/emerging?bbox=67,36,71,39&datetime=2023-01-01/2024-12-31&step=month&all_cells=true",
		"/api/sectors/risk?set=imported&from=2023&to=2024",
		"/api/report?from=2023&to=2024&by=year",
	}
	type answer struct {
		etag, body string
	}
	get := func(auth, path string) answer {
		resp, b := e.do(t, "GET", path, "", "Authorization", auth, "Cache-Control", "no-cache")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		// An items page says when it was answered; that may differ.
		return answer{resp.Header.Get("ETag"), timeStampRE.ReplaceAllString(string(b), "")}
	}
	before := map[string]answer{}
	for _, p := range paths {
		before[p] = get(other, p)
	}
	ownBefore := get("Bearer "+e.token, paths[1])
	// tj-dca records an agency-only seizure (sharing defaults to agency)
	// in the middle of everything.
	body := `{"type":"Feature","geometry":{"type":"Point","coordinates":[68.32,37.31]},
		"properties":{"kind":"seizure","occurred_at":"2024-05-01T10:00:00Z","items":[{"drug":"heroin","quantity":12,"unit":"kg"}]}}`
	if resp, b := e.do(t, "POST", "/collections/events/items", body, "Content-Type", "application/geo+json"); resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	// tj-dca's own answer changes once the index has the record …
	deadline := time.Now().Add(5 * time.Second)
	for get("Bearer "+e.token, paths[1]).etag == ownBefore.etag {
		if time.Now().After(deadline) {
			t.Fatal("the write did not reach tj-dca's answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// … and kg-border's answers, computed afresh, are the same bytes with
	// the same ETag, which a conditional request confirms.
	for _, p := range paths {
		got := get(other, p)
		if got.body != before[p].body {
			a, b := before[p].body, got.body
			i := 0
			for i < len(a) && i < len(b) && a[i] == b[i] {
				i++
			}
			t.Errorf("%s: kg-border's answer changed after tj-dca's hidden write, at byte %d: %q → %q", p, i, a[max(0, i-60):min(len(a), i+60)], b[max(0, i-60):min(len(b), i+60)])
		}
		if got.etag != before[p].etag {
			t.Errorf("%s: kg-border's ETag changed after tj-dca's hidden write: %s → %s", p, before[p].etag, got.etag)
		}
		if before[p].etag != "" {
			if resp, _ := e.do(t, "GET", p, "", "Authorization", other, "If-None-Match", before[p].etag); resp.StatusCode != 304 {
				t.Errorf("%s: kg-border's old ETag gives %d, want 304", p, resp.StatusCode)
			}
		}
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/geo"
)

// sectorForecastEnv seeds the analysis events and generates sectors along
// a border line through them (68.5–69.5 E at 37.312 N, 20 km deep on
// each side; at 37.3 N a row of 5 km cell centres lies on it).
func sectorForecastEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newEnv(t)
	seedAnalysisEvents(t, e, 480)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE countries SET geom = ST_Multi(ST_MakeEnvelope(60, 29, 75, 37.312, 4326)) WHERE iso3 = 'AFG'`,
		`INSERT INTO borders (id, country_a, country_b, length_km, source, license, geom) VALUES
			('AFG-TJK', 'AFG', 'TJK', 89, 'test', 'test', ST_Multi(ST_MakeLine(ST_MakePoint(68.5, 37.312), ST_MakePoint(69.5, 37.312)))::geometry(MultiLineString, 4326))`,
	} {
		if _, err := e.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.sys.GenerateSectors(ctx, 25, 20); err != nil {
		t.Fatal(err)
	}
	return e
}

type sectorForecastFC struct {
	Total    float64 `json:"total"`
	Features []struct {
		ID         string `json:"id"`
		Properties struct {
			Risk  float64 `json:"risk"`
			Cells int     `json:"cells"`
		} `json:"properties"`
	} `json:"features"`
}

// TestSectorForecastAgainstPostGIS: the naive forecast of each sector for
// the year from November 2024 is the number of events of the 365 days
// before it that
// the events view shows the caller (coarsened where its agreements say)
// whose hex cell's centre PostGIS finds in the sector (ST_Intersects in
// the LAEA plane, where the grid's cells are taken). The generated sectors
// of this border overlap (the test has no outline of Tajikistan to clip
// them by), and an event whose cell lies in two sectors counts in both.
func TestSectorForecastAgainstPostGIS(t *testing.T) {
	e := sectorForecastEnv(t)
	ctx := context.Background()
	const cellM = 5000.0
	g := geo.HexGrid{CellM: cellM}
	for _, agency := range []string{"tj-dca", "kg-border"} {
		t.Run(agency, func(t *testing.T) {
			tok := e.tokenFor(t, agency, "viewer")
			var fc sectorForecastFC
			getJSON(t, e, tok, "/api/sectors/forecast?cell_m=5000&method=naive&as_of=2024-11-01&until=2025-11-01", &fc)
			if len(fc.Features) < 4 {
				t.Fatalf("%d sectors", len(fc.Features))
			}
			hi := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)
			lo := hi.Add(-365 * 24 * time.Hour)
			want := map[string]float64{}
			for _, r := range viewRows(t, e, agency, [4]float64{67, 36, 71, 39}) {
				if r.at.Before(lo) || !r.at.Before(hi) {
					continue
				}
				cx, cy := g.Center(g.Cell(r.x, r.y))
				var ids []string
				rows, err := e.pool.Query(ctx, `SELECT id FROM sectors WHERE sector_set = 'generated'
					AND ST_Intersects(ST_Transform(geom, $1::text), ST_MakePoint($2, $3))`, geo.LAEAProj4, cx, cy)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id string
					if err := rows.Scan(&id); err != nil {
						t.Fatal(err)
					}
					ids = append(ids, id)
				}
				rows.Close()
				for _, id := range ids {
					want[id]++
				}
			}
			var sum, nonzero float64
			for _, f := range fc.Features {
				sum += f.Properties.Risk
				if f.Properties.Risk != want[f.ID] {
					t.Errorf("sector %s: risk %v, PostGIS %v", f.ID, f.Properties.Risk, want[f.ID])
				}
				if f.Properties.Risk > 0 {
					nonzero++
				}
				if f.Properties.Cells == 0 {
					t.Errorf("sector %s has no cells", f.ID)
				}
			}
			if nonzero < 2 {
				t.Fatalf("%v sectors with events in the period: too few to compare", nonzero)
			}
			if fc.Total <= 0 || sum < fc.Total-1e-9 {
				t.Errorf("sectors add up to %v, total %v", sum, fc.Total)
			}
		})
	}
}

// TestSectorForecastBadParameters: the area's parameters are refused, as
// are a bad set, a missing as_of and an until before as_of, each naming
// the parameter.
func TestSectorForecastBadParameters(t *testing.T) {
	e := sectorForecastEnv(t)
	for _, tc := range []struct{ query, param string }{
		{"as_of=2024-11-01&until=2024-12-01&bbox=68,37,69,38", "bbox"},
		{"as_of=2024-11-01&until=2024-12-01&set=Bad%20Set", "set"},
		{"until=2024-12-01", "as_of"},
		{"as_of=2024-11-01&until=2024-10-01", "until"},
		{"as_of=2024-11-01&until=2024-12-01&method=magic", "method"},
	} {
		resp, b := e.do(t, "GET", "/api/sectors/forecast?"+tc.query, "")
		var p struct {
			InvalidParams []struct {
				Name string `json:"name"`
			} `json:"invalid_params"`
		}
		_ = json.Unmarshal(b, &p)
		if resp.StatusCode != 400 || len(p.InvalidParams) == 0 || p.InvalidParams[0].Name != tc.param {
			t.Errorf("%s: %d %s; want 400 naming %s", tc.query, resp.StatusCode, strings.TrimSpace(string(b)), tc.param)
		}
	}
}

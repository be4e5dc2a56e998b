package api_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

type forecastFC struct {
	Used struct {
		Method string `json:"method"`
	} `json:"used"`
	Fit *struct {
		Theta float64 `json:"theta"`
		Omega float64 `json:"omega_per_day"`
	} `json:"fit"`
	NCells   int     `json:"n_cells"`
	Total    float64 `json:"total"`
	Events   int     `json:"events"`
	Features []struct {
		Properties struct {
			Q, R int32
			XM   float64 `json:"x_m"`
			YM   float64 `json:"y_m"`
			Risk float64 `json:"risk"`
		} `json:"properties"`
	} `json:"features"`
}

// risks returns the forecast's risk by cell.
func (f forecastFC) risks() map[geo.Hex]float64 {
	out := map[geo.Hex]float64{}
	for _, ft := range f.Features {
		out[geo.Hex{Q: ft.Properties.Q, R: ft.Properties.R}] = ft.Properties.Risk
	}
	return out
}

const forecastBox = "68.4,36.9,69.7,38.2"

// TestForecastNaiveEqualsTheEventsView: the naive forecast of November
// 2024 (30 days) is, cell by cell, the number of events of the 30 days
// before it (2 – 31 October) that the events view shows the caller
// (coarsened where its agreements say: a month-coarsened October event
// falls on 1 October, outside the period) in that cell.
func TestForecastNaiveEqualsTheEventsView(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 480)
	g := geo.HexGrid{CellM: 10000}
	for _, agency := range []string{"tj-dca", "kg-border"} {
		t.Run(agency, func(t *testing.T) {
			tok := e.tokenFor(t, agency, "viewer")
			var fc forecastFC
			getJSON(t, e, tok, "/api/forecast?bbox="+forecastBox+"&cell_m=10000&method=naive&as_of=2024-11-01&until=2024-12-01&min_risk=0", &fc)
			got := fc.risks() // every cell of the area, zeros included
			if len(got) != fc.NCells {
				t.Fatalf("%d cells returned with min_risk=0, n_cells %d", len(got), fc.NCells)
			}
			want := map[geo.Hex]float64{}
			hi := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)
			lo := hi.Add(-30 * 24 * time.Hour)
			for _, r := range viewRows(t, e, agency, [4]float64{68.4, 36.9, 69.7, 38.2}) {
				if _, inArea := got[g.Cell(r.x, r.y)]; inArea && !r.at.Before(lo) && r.at.Before(hi) {
					want[g.Cell(r.x, r.y)]++
				}
			}
			if len(want) == 0 {
				t.Fatal("the view has no events in October 2024")
			}
			for h, v := range got {
				if v != want[h] {
					t.Errorf("cell %v: risk %v, the view has %v events", h, v, want[h])
				}
			}
		})
	}
}

// TestForecastMethodsAndBacktest answers every method and the backtest.
func TestForecastMethodsAndBacktest(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 480)
	for _, m := range []string{"naive", "average", "kde", "seppp", "auto"} {
		var fc forecastFC
		getJSON(t, e, e.token, "/api/forecast?bbox="+forecastBox+"&cell_m=10000&as_of=2024-11-01&until=2024-12-01&method="+m, &fc)
		var sum float64
		for _, f := range fc.Features {
			sum += f.Properties.Risk
		}
		if fc.Total <= 0 || math.Abs(sum-fc.Total) > 1e-9*fc.Total || len(fc.Features) == 0 {
			t.Errorf("%s: total %v, sum of risks %v over %d cells", m, fc.Total, sum, len(fc.Features))
		}
		if m != "auto" && fc.Used.Method != m {
			t.Errorf("%s: used %q", m, fc.Used.Method)
		}
		if (m == "seppp") != (fc.Fit != nil) {
			t.Errorf("%s: fit %v", m, fc.Fit)
		}
	}
	var bt struct {
		Origins []time.Time `json:"origins"`
		Best    string      `json:"best"`
		Methods []struct {
			Name   string `json:"name"`
			Scores []struct {
				Events  int       `json:"events"`
				HitRate []float64 `json:"hit_rate"`
			} `json:"scores"`
		} `json:"methods"`
	}
	getJSON(t, e, e.token, "/api/forecast/backtest?bbox="+forecastBox+"&cell_m=10000&as_of=2024-11-01&until=2024-12-01&periods=6", &bt)
	if len(bt.Origins) != 6 || !bt.Origins[5].Equal(time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("origins %v", bt.Origins)
	}
	if len(bt.Methods) != 7 || bt.Best == "" {
		t.Fatalf("%d methods, best %q", len(bt.Methods), bt.Best)
	}
	for _, m := range bt.Methods {
		if len(m.Scores) != 6 || len(m.Scores[0].HitRate) != 4 {
			t.Errorf("%s: %d scores", m.Name, len(m.Scores))
		}
	}
}

// TestForecastVisibilityAndFuture: an agency-only event of tj-dca before
// as_of changes tj-dca's forecast and leaves kg-border's alone; an event
// after as_of changes nobody's.
func TestForecastVisibilityAndFuture(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 480)
	ctx := context.Background()
	other := e.tokenFor(t, "kg-border", "viewer")
	methods := []string{"naive", "kde", "seppp", "average"}
	path := func(m string) string {
		return "/api/forecast?bbox=" + forecastBox + "&cell_m=10000&as_of=2024-11-01&until=2024-12-01&min_risk=0&method=" + m
	}
	snapshot := func(tok string) map[string]map[geo.Hex]float64 {
		out := map[string]map[geo.Hex]float64{}
		for _, m := range methods {
			var fc forecastFC
			getJSON(t, e, tok, path(m), &fc)
			out[m] = fc.risks()
		}
		return out
	}
	add := func(at time.Time, sharing string) {
		t.Helper()
		if _, err := e.sys.CreateEvent(ctx, record.Event{Kind: "seizure", OccurredAt: at, Location: orb.Point{69.0, 37.5},
			AgencyID: "tj-dca", Sharing: sharing, Items: []record.Item{{Drug: "heroin", Quantity: 5, Unit: "kg"}}}); err != nil {
			t.Fatal(err)
		}
		if err := e.live.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	same := func(a, b map[string]map[geo.Hex]float64) string {
		for _, m := range methods {
			for h, v := range a[m] {
				if b[m][h] != v {
					return fmt.Sprintf("%s cell %v: %v → %v", m, h, v, b[m][h])
				}
			}
		}
		return ""
	}
	own0, other0 := snapshot(e.token), snapshot(other)

	add(time.Date(2024, 12, 15, 0, 0, 0, 0, time.UTC), "regional") // after as_of
	add(time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC), "regional")  // at as_of: not history
	if d := same(own0, snapshot(e.token)); d != "" {
		t.Errorf("events at or after as_of changed the forecast: %s", d)
	}

	add(time.Date(2024, 10, 20, 0, 0, 0, 0, time.UTC), "agency") // hidden from kg-border
	if d := same(other0, snapshot(other)); d != "" {
		t.Errorf("another agency's hidden event changed kg-border's forecast: %s", d)
	}
	own1 := snapshot(e.token)
	for _, m := range methods {
		if same(map[string]map[geo.Hex]float64{m: own0[m]}, map[string]map[geo.Hex]float64{m: own1[m]}) == "" {
			t.Errorf("%s: tj-dca's own event before as_of did not change its forecast", m)
		}
	}
}

func TestForecastBadParameters(t *testing.T) {
	e := newEnv(t)
	base := "bbox=68,37,69,38&"
	for _, tc := range []struct {
		name, path, param string
	}{
		{"no as_of", "/api/forecast?" + base + "until=2024-12-01", "as_of"},
		{"no until", "/api/forecast?" + base + "as_of=2024-12-01", "until"},
		{"as_of after until", "/api/forecast?" + base + "as_of=2024-12-01&until=2024-11-01", "until"},
		{"as_of equals until", "/api/forecast?" + base + "as_of=2024-12-01&until=2024-12-01", "until"},
		{"bad as_of", "/api/forecast?" + base + "as_of=yesterday&until=2024-12-01", "as_of"},
		{"period too long", "/api/forecast?" + base + "as_of=2020-01-01&until=2024-12-01", "until"},
		{"unknown method", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&method=oracle", "method"},
		{"bandwidth without kde", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&method=seppp&bandwidth_m=5000", "bandwidth_m"},
		{"bandwidth too wide", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&method=kde&bandwidth_m=1e9", "bandwidth_m"},
		{"half-life", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&method=kde&half_life_days=-3", "half_life_days"},
		{"cell_m", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&cell_m=5", "cell_m"},
		{"to", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&to=2024-10-01", "to"},
		{"datetime", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&datetime=2023-01-01/2024-10-01", "datetime"},
		{"from after as_of", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&from=2024-11-15", "from"},
		{"unknown parameter", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&colour=red", "colour"},
		{"min_risk on backtest", "/api/forecast/backtest?" + base + "as_of=2024-11-01&until=2024-12-01&min_risk=1", "min_risk"},
		{"periods", "/api/forecast/backtest?" + base + "as_of=2024-11-01&until=2024-12-01&periods=1000", "periods"},
		{"backtest as_of after until", "/api/forecast/backtest?" + base + "as_of=2024-12-01&until=2024-11-01", "until"},
		{"unknown drug", "/api/forecast?" + base + "as_of=2024-11-01&until=2024-12-01&drug=tea", "drug"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "GET", tc.path, "")
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, b)
			}
			if names := problemParams(t, resp, b); len(names) == 0 || names[0] != tc.param {
				t.Fatalf("invalid_params %v, want %s", names, tc.param)
			}
		})
	}
}

package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// TestPlanPatrolsOnForecast plans on the forecast and checks that the
// stops include the cells of highest predicted risk the teams can reach,
// as GET /api/forecast ranks them with the same parameters, and that the
// plan records what it was planned on.
func TestPlanPatrolsOnForecast(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	tok := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	asOf := time.Now().UTC().Truncate(time.Hour)
	until := asOf.Add(30 * 24 * time.Hour)
	q := url.Values{"method": {"naive"}, "as_of": {asOf.Format(time.RFC3339)}, "until": {until.Format(time.RFC3339)},
		"cell_m": {"5000"}, "corridor_km": {"50"}}
	resp, b := e.do(t, "GET", "/api/forecast?"+q.Encode(), "", "Authorization", tok)
	if resp.StatusCode != 200 {
		t.Fatalf("forecast: %d %s", resp.StatusCode, b)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Coordinates [][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	type cell struct {
		id       string
		risk     float64
		lon, lat float64
	}
	var cells []cell
	for _, ft := range fc.Features {
		p := ft.Properties
		// The teams' country is north of the border at lat 36.6; cells
		// whose centre lies south of it are not theirs to visit.
		lon, lat := centre(ft.Geometry.Coordinates)
		if p["risk"].(float64) > 0 && lat > 36.6 {
			cells = append(cells, cell{fmt.Sprintf("forecast:%v,%v", p["q"], p["r"]), p["risk"].(float64), lon, lat})
		}
	}
	sort.Slice(cells, func(i, j int) bool { return cells[i].risk > cells[j].risk })
	if len(cells) < 3 {
		t.Fatalf("the forecast has %d cells of positive risk in Tajikistan: %s", len(cells), b)
	}

	body := fmt.Sprintf(`{"teams": [%d, %d], "budget_h": 4, "targets": "forecast",
		"forecast": {"method": "naive", "as_of": %q, "until": %q}}`,
		f.teams[0], f.teams[1], asOf.Format(time.RFC3339), until.Format(time.RFC3339))
	resp, b = e.do(t, "POST", "/api/patrols/plan", body, "Authorization", tok)
	if resp.StatusCode != 201 {
		t.Fatalf("plan: %d %s", resp.StatusCode, b)
	}
	var plan struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		PlannedOn   map[string]any `json:"planned_on"`
		Unreachable []string       `json:"unreachable"`
	}
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	visited := map[string]float64{}
	for _, ft := range plan.Features {
		if ft.Properties["target_kind"] == "forecast" {
			visited[ft.Properties["target"].(string)] = ft.Properties["risk"].(float64)
		}
		if ft.Properties["target_kind"] == "hotspot" {
			t.Errorf("a plan on the forecast visits a hot spot: %v", ft.Properties)
		}
	}
	// The cell of highest risk a team can reach and be back from within
	// its budget (within half of it at 60 km/h of a base, the planner's
	// candidates, and not listed as unreachable by road) is visited: with
	// 4 hours the teams cannot visit every reachable cell, and a plan that
	// weighed the cells alike visits others.
	var top []cell
	for _, c := range cells {
		near := false
		for _, b := range f.bases {
			near = near || orbgeo.Distance(b, orb.Point{c.lon, c.lat}) <= 60e3*4/2
		}
		if near && !slices.Contains(plan.Unreachable, c.id) && len(top) < 1 {
			top = append(top, c)
		}
	}
	if len(top) < 1 {
		t.Fatalf("no reachable cells: %v, unreachable %v", cells, plan.Unreachable)
	}
	for _, c := range top {
		r, ok := visited[c.id]
		if !ok {
			t.Errorf("the cell %s of risk %.2f (the riskiest reachable) is not visited; visited %v, unreachable %v", c.id, c.risk, visited, plan.Unreachable)
		} else if d := r - c.risk; d > 1e-3 || d < -1e-3 {
			t.Errorf("cell %s: the plan's risk %v, the forecast's %v", c.id, r, c.risk)
		}
	}
	on := plan.PlannedOn
	if on["targets"] != "forecast" || on["method"] != "naive" || on["as_of"] != asOf.Format(time.RFC3339) ||
		on["until"] != until.Format(time.RFC3339) {
		t.Errorf("planned_on %v", on)
	}
}

// centre returns the mean of a hexagon's corners.
func centre(poly [][][2]float64) (lon, lat float64) {
	if len(poly) == 0 || len(poly[0]) < 2 {
		return 0, 0
	}
	ring := poly[0][:len(poly[0])-1]
	for _, p := range ring {
		lon += p[0] / float64(len(ring))
		lat += p[1] / float64(len(ring))
	}
	return lon, lat
}

func TestPlanPatrolsOnForecastRejectsBadRequests(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	tok := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	for _, tc := range []struct{ name, extra, param string }{
		{"unknown source", `"targets": "rumours"`, "targets"},
		{"forecast block on hot spots", `"forecast": {"method": "kde"}`, "forecast"},
		{"unknown method", `"targets": "forecast", "forecast": {"method": "oracle"}`, "forecast.method"},
		{"bad as_of", `"targets": "forecast", "forecast": {"as_of": "soon"}`, "forecast.as_of"},
		{"until before as_of", `"targets": "forecast", "forecast": {"as_of": "2025-03-01", "until": "2025-02-01"}`, "forecast.until"},
		{"cell too small", `"targets": "forecast", "forecast": {"cell_m": 1}`, "forecast.cell_m"},
		{"unknown forecast field", `"targets": "forecast", "forecast": {"bandwidth": 3}`, "bandwidth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "POST", "/api/patrols/plan", fmt.Sprintf(`{"teams": [%d], %s}`, f.teams[0], tc.extra), "Authorization", tok)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			if names := problemParams(t, resp, b); len(names) == 0 || names[0] != tc.param {
				t.Errorf("invalid_params %v, want %s: %s", names, tc.param, b)
			}
		})
	}
}

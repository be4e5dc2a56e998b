package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"
)

// TestPlanPatrolsOnEffortAdjustedForecast records a team's track and plans
// on the effort-adjusted forecast: the plan records the adjustment and the
// track's samples, each forecast stop carries the risk GET /api/forecast
// gives its cell with effort=adjusted and the same parameters, and bad
// effort fields are refused by name.
func TestPlanPatrolsOnEffortAdjustedForecast(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	ctx := context.Background()
	pf := &posFixture{env: e, team: f.teams[0]}
	var err error
	if pf.secret, pf.device, err = e.sys.CreateDevice(ctx, f.teams[0], "team leader's phone"); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-48 * time.Hour).Truncate(time.Minute)
	for k := range 25 {
		pf.sendSum(t, "GET", osmandQuery(pf.secret, start.Add(time.Duration(k)*5*time.Minute), 36.75, 68.3+float64(k)*0.0004), "", "")
	}
	tok := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	asOf := time.Now().UTC().Truncate(time.Hour)
	until := asOf.Add(30 * 24 * time.Hour)
	body := fmt.Sprintf(`{"teams": [%d, %d], "budget_h": 4, "targets": "forecast",
		"forecast": {"method": "average", "as_of": %q, "until": %q, "effort": "adjusted", "effort_prior_h": 12}}`,
		f.teams[0], f.teams[1], asOf.Format(time.RFC3339), until.Format(time.RFC3339))
	resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", tok)
	if resp.StatusCode != 201 {
		t.Fatalf("plan: %d %s", resp.StatusCode, b)
	}
	var plan struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		PlannedOn map[string]any `json:"planned_on"`
	}
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	on := plan.PlannedOn
	if n, _ := on["effort_samples"].(float64); on["effort"] != "adjusted" || on["effort_prior_h"] != 12.0 || n < 20 {
		t.Fatalf("planned_on %v: want effort adjusted, prior 12 h and the track's 24 segments", on)
	}
	q := url.Values{"method": {"average"}, "as_of": {asOf.Format(time.RFC3339)}, "until": {until.Format(time.RFC3339)},
		"cell_m": {"5000"}, "corridor_km": {"50"}, "effort": {"adjusted"}, "effort_prior_h": {"12"}, "min_risk": {"0"}}
	resp, b = e.do(t, "GET", "/api/forecast?"+q.Encode(), "", "Authorization", tok)
	if resp.StatusCode != 200 {
		t.Fatalf("forecast: %d %s", resp.StatusCode, b)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	risk := map[string]float64{}
	for _, ft := range fc.Features {
		risk[fmt.Sprintf("forecast:%v,%v", ft.Properties["q"], ft.Properties["r"])] = ft.Properties["risk"].(float64)
	}
	stops := 0
	for _, ft := range plan.Features {
		p := ft.Properties
		if p["target_kind"] != "forecast" {
			continue
		}
		stops++
		want, ok := risk[p["target"].(string)]
		if d := p["risk"].(float64) - want; !ok || d > 1e-3 || d < -1e-3 {
			t.Errorf("stop %v: risk %v, the adjusted forecast's %v (found %v)", p["target"], p["risk"], want, ok)
		}
	}
	if stops == 0 {
		t.Fatalf("no forecast stops: %s", b)
	}
	for _, tc := range []struct{ name, forecast, param string }{
		{"unknown effort", `{"effort": "maybe"}`, "forecast.effort"},
		{"prior without the adjustment", `{"effort_prior_h": 5}`, "forecast.effort_prior_h"},
		{"negative prior", `{"effort": "adjusted", "effort_prior_h": -1}`, "forecast.effort_prior_h"},
	} {
		resp, b := e.do(t, "POST", "/api/patrols/plan", fmt.Sprintf(`{"teams": [%d], "targets": "forecast", "forecast": %s}`, f.teams[0], tc.forecast), "Authorization", tok)
		if names := problemParams(t, resp, b); resp.StatusCode != 400 || len(names) == 0 || names[0] != tc.param {
			t.Errorf("%s: %d %v", tc.name, resp.StatusCode, names)
		}
	}
}

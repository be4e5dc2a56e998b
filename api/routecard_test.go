package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestRouteCards: the cards of a stored plan list each team's stops in
// order with times and each position in the three forms, agree with the
// plan's own stops, are audited as an export, and are not found by
// another agency.
func TestRouteCards(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	planner := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	body := fmt.Sprintf(`{"teams": [%d, %d], "budget_h": 6, "variety": 0}`, f.teams[0], f.teams[1])
	resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", planner)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("plan: %d %s", resp.StatusCode, b)
	}
	var plan struct {
		ID       string `json:"id"`
		Features []struct {
			Geometry struct {
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	stops := 0
	for _, ft := range plan.Features {
		if ft.Properties["kind"] == "stop" {
			stops++
		}
	}
	if stops == 0 {
		t.Fatal("the fixture's plan has no stops")
	}
	resp, b = e.do(t, "GET", "/api/plans/"+plan.ID+"/cards", "", "Authorization", planner)
	if resp.StatusCode != 200 {
		t.Fatalf("cards: %d %s", resp.StatusCode, b)
	}
	var cards struct {
		Plan  string `json:"plan"`
		Teams []struct {
			Name   string      `json:"name"`
			Depart string      `json:"depart"`
			Route  [][]float64 `json:"route"`
			Base   *struct {
				MGRS string `json:"mgrs"`
			} `json:"base"`
			Stops []struct {
				Seq      int    `json:"seq"`
				Name     string `json:"name"`
				ETA      string `json:"eta"`
				Position struct {
					Lon, Lat      float64
					DD, DMS, MGRS string
				} `json:"position"`
			} `json:"stops"`
		} `json:"teams"`
	}
	if err := json.Unmarshal(b, &cards); err != nil {
		t.Fatal(err)
	}
	if cards.Plan != plan.ID || len(cards.Teams) != 2 {
		t.Fatalf("cards of %s with %d teams: %s", cards.Plan, len(cards.Teams), b)
	}
	mgrs := regexp.MustCompile(`^4[12][RST][A-HJ-NP-Z]{2} \d{5} \d{5}$`)
	dms := regexp.MustCompile(`^\d{1,2}°\d{2}′\d{2}\.\d″N \d{2}°\d{2}′\d{2}\.\d″E$`)
	n := 0
	for _, tm := range cards.Teams {
		if len(tm.Route) < 2 || tm.Base == nil || !mgrs.MatchString(tm.Base.MGRS) || tm.Depart == "" {
			t.Errorf("team %s: route of %d points, base %+v, depart %q", tm.Name, len(tm.Route), tm.Base, tm.Depart)
		}
		for i, s := range tm.Stops {
			n++
			if s.Seq != i+1 || s.ETA == "" || s.Name == "" {
				t.Errorf("team %s stop %d: seq %d, eta %q, name %q", tm.Name, i, s.Seq, s.ETA, s.Name)
			}
			p := s.Position
			if want := fmt.Sprintf("%.5f, %.5f", p.Lat, p.Lon); p.DD != want {
				t.Errorf("stop %d: dd %q, want %q", s.Seq, p.DD, want)
			}
			if !dms.MatchString(p.DMS) || !mgrs.MatchString(p.MGRS) {
				t.Errorf("stop %d: dms %q, mgrs %q", s.Seq, p.DMS, p.MGRS)
			}
		}
	}
	if n != stops {
		t.Errorf("the cards have %d stops, the plan %d", n, stops)
	}
	var audited int
	if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'plan.export' AND target = $1 AND detail->>'format' = 'cards'`, plan.ID).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 1 {
		t.Errorf("%d audit entries for the cards, want 1", audited)
	}
	other := "Bearer " + e.tokenFor(t, "af-border", "planner")
	if resp, b := e.do(t, "GET", "/api/plans/"+plan.ID+"/cards", "", "Authorization", other); resp.StatusCode != 404 {
		t.Errorf("another agency read the cards: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do(t, "GET", "/api/plans/"+plan.ID+"/cards?f=pdf", "", "Authorization", planner); resp.StatusCode != 400 || !strings.Contains(string(b), `"f"`) {
		t.Errorf("unknown parameter: %d %s", resp.StatusCode, b)
	}
}

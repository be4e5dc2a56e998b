package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"
)

// TestPlanFlagsUnmappedLegs plans on the patrol fixture, whose Tajik roads
// are all synthetic tracks: every leg of the plan, to each stop and back
// to the base, is flagged with its km on synthetic tracks (at most the
// leg's length, none on inferred connectors), and GPX, KML and the route
// cards say so in words.
func TestPlanFlagsUnmappedLegs(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	auth := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	body := fmt.Sprintf(`{"teams": [%d, %d], "budget_h": 6}`, f.teams[0], f.teams[1])
	resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", auth)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("plan: %d %s", resp.StatusCode, b)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	id := fc.ExtraMembers["id"].(string)
	stops := 0
	for _, ft := range fc.Features {
		p := ft.Properties
		prefix := "leg_"
		if p.MustString("kind", "") == "route" {
			prefix = "return_"
		} else {
			stops++
		}
		syn, inf := p.MustFloat64(prefix+"synthetic_km", -1), p.MustFloat64(prefix+"inferred_km", -1)
		unmapped, _ := p[prefix+"unmapped"].(bool)
		if syn <= 0 || inf != 0 || !unmapped {
			t.Errorf("%s %v: %ssynthetic_km %v, inferred_km %v, unmapped %v", p.MustString("kind", ""), p["seq"], prefix, syn, inf, p[prefix+"unmapped"])
		}
	}
	if stops == 0 {
		t.Fatal("the fixture's plan has no stops")
	}
	for _, q := range []string{"?f=gpx", "?f=kml", "/cards"} {
		resp, b := e.do(t, "GET", "/api/plans/"+id+q, "", "Authorization", auth)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, b)
		}
		// Every stop and the way back say it.
		if n := strings.Count(string(b), "km on synthetic track"); n < stops+2 {
			t.Errorf("%s names the synthetic tracks %d times, want one per stop (%d) and per route back (2): %.600s", q, n, stops, b)
		}
		if strings.Contains(string(b), "inferred connector") {
			t.Errorf("%s names inferred connectors the plan does not use", q)
		}
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/api"
)

// TestAlertsAndShiftOverHTTP: fixes sent as OsmAnd does raise one border
// alert, which the agency lists and acknowledges once and a partner
// neither lists nor acknowledges; the shift answers the track beside the
// plan, its stops visited or skipped and the distance driven.
func TestAlertsAndShiftOverHTTP(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	ctx := context.Background()
	if _, err := f.env.pool.Exec(ctx, `INSERT INTO borders (id, country_a, country_b, length_km, source, license, geom) VALUES
		('AFG-TJK', 'AFG', 'TJK', 100, 't', 't', ST_Multi(ST_Segmentize(ST_SetSRID(ST_MakeLine(ST_MakePoint(68, 37.1), ST_MakePoint(69, 37.1)), 4326), 0.02)))`); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	start := now.Add(-90 * time.Minute)
	fixes := []orb.Point{{68.60, 37.20}, {68.62, 37.20}, {68.62, 37.105}, {68.63, 37.104}}
	for i, p := range fixes {
		if s := f.sendSum(t, http.MethodGet, osmandQuery(f.secret, start.Add(time.Duration(i)*10*time.Minute), p[1], p[0]), "", ""); s.Stored != 1 {
			t.Fatalf("fix %d: %+v", i, s)
		}
	}
	resp, b := f.env.do(t, http.MethodGet, "/api/alerts?open=true", "")
	var list struct {
		Alerts []struct {
			ID   int64  `json:"id"`
			Kind string `json:"kind"`
			Team int    `json:"team"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(b, &list); resp.StatusCode != http.StatusOK || err != nil || len(list.Alerts) != 1 ||
		list.Alerts[0].Kind != "border_near" || list.Alerts[0].Team != f.team {
		t.Fatalf("alerts %d %s", resp.StatusCode, b)
	}
	id := list.Alerts[0].ID
	partner := f.env.tokenFor(t, "af-border", "admin")
	if _, b := f.env.do(t, http.MethodGet, "/api/alerts", "", "Authorization", "Bearer "+partner); !strings.Contains(string(b), `"alerts":[]`) {
		t.Fatalf("a partner lists %s", b)
	}
	ackPath := fmt.Sprintf("/api/alerts/%d/ack", id)
	if resp, _ := f.env.do(t, http.MethodPost, ackPath, "", "Authorization", "Bearer "+partner); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a partner acknowledges: %d", resp.StatusCode)
	}
	for _, want := range []string{`"acknowledged":true`, `"acknowledged":false`} {
		if resp, b := f.env.do(t, http.MethodPost, ackPath, ""); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Fatalf("ack: %d %s, want %s", resp.StatusCode, b, want)
		}
	}
	if _, b := f.env.do(t, http.MethodGet, "/api/alerts?unacked=true", ""); !strings.Contains(string(b), `"alerts":[]`) {
		t.Fatalf("unacked after the ack: %s", b)
	}

	// A plan with a stop the team reached and one it never came near.
	stops := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[68.6201,37.2005]},"properties":{"kind":"stop","team":%d,"seq":1,"name":"bridge","eta":"%s","depart":"%s"}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[68.9,37.3]},"properties":{"kind":"stop","team":%d,"seq":2,"name":"ford","eta":"%s","depart":"%s"}}`,
		f.team, start.Add(10*time.Minute).UTC().Format(time.RFC3339), start.Add(20*time.Minute).UTC().Format(time.RFC3339),
		f.team, start.Add(40*time.Minute).UTC().Format(time.RFC3339), start.Add(50*time.Minute).UTC().Format(time.RFC3339))
	plan := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[68.6,37.2],[68.9,37.3]]},"properties":{"kind":"route","team":%d,"depart":"%s","return":"%s"}},%s]}`,
		f.team, start.Add(-time.Minute).UTC().Format(time.RFC3339), now.Add(6*time.Hour).UTC().Format(time.RFC3339), stops)
	if _, err := f.env.pool.Exec(ctx, `INSERT INTO plans (agency_id, created_by, request, result) VALUES ('tj-dca', 'test', '{}', $1)`, plan); err != nil {
		t.Fatal(err)
	}
	resp, b = f.env.do(t, http.MethodGet, fmt.Sprintf("/api/teams/%d/shift?date=%s", f.team, start.UTC().Format(time.DateOnly)), "")
	var sh struct {
		Plan       *string `json:"plan"`
		DistanceKM float64 `json:"distance_km"`
		Positions  int     `json:"positions"`
		Visited    int     `json:"visited"`
		Skipped    int     `json:"skipped"`
		Stops      []struct {
			Status string `json:"status"`
		} `json:"stops"`
	}
	if err := json.Unmarshal(b, &sh); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("shift %d %s", resp.StatusCode, b)
	}
	var wantKM float64
	for i := 1; i < len(fixes); i++ {
		wantKM += orbgeo.Distance(fixes[i-1], fixes[i]) / 1000
	}
	if sh.Plan == nil || sh.Positions != 4 || sh.Visited != 1 || sh.Skipped != 1 || len(sh.Stops) != 2 ||
		sh.Stops[0].Status != "visited" || sh.Stops[1].Status != "skipped" || math.Abs(sh.DistanceKM-wantKM) > 0.01 {
		t.Fatalf("shift %s, want 4 positions, stop 1 visited, stop 2 skipped, %.2f km", b, wantKM)
	}
	// The partner has no plan of this team: no stops.
	if _, b := f.env.do(t, http.MethodGet, fmt.Sprintf("/api/teams/%d/shift", f.team), "", "Authorization", "Bearer "+partner); !strings.Contains(string(b), `"plan":null`) {
		t.Fatalf("partner's shift: %s", b)
	}
	if resp, b := f.env.do(t, http.MethodGet, fmt.Sprintf("/api/teams/%d/shift?date=yesterday", f.team), ""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"date"`) {
		t.Fatalf("bad date: %d %s", resp.StatusCode, b)
	}
}

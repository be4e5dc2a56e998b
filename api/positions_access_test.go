package api_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
)

// TestPositionsVisibility: tj-dca's team shares its positions bilaterally;
// af-border (an exact agreement) sees them exactly, uz-border (an
// agreement coarsening to 5 km and the day) sees them coarsened, kg-border
// (no agreement) sees none, and a team kept at the agency level is seen by
// tj-dca alone.
func TestPositionsVisibility(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	e := f.env
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES
		('uz-border', 'Uzbek border troops (test)', 'UZB', 'border_guard'),
		('kg-border', 'Kyrgyz border service (test)', 'KGZ', 'border_guard')`); err != nil {
		t.Fatal(err)
	}
	five, day := 5000.0, "day"
	for _, a := range []data.Agreement{
		{AgencyA: "tj-dca", AgencyB: "af-border"},
		{AgencyA: "tj-dca", AgencyB: "uz-border", CoarsenM: &five, CoarsenTime: &day},
	} {
		if _, err := e.sys.EstablishAgreement(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	var private int
	if err := e.pool.QueryRow(ctx, `INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom)
		VALUES ('MOBIT quiet', 'tj-dca', 'TJK', 60, 8, 6, ST_SetSRID(ST_MakePoint(69, 37.5), 4326)) RETURNING id`).Scan(&private); err != nil {
		t.Fatal(err)
	}
	secret2, _, err := e.sys.CreateDevice(ctx, private, "")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	loc := orb.Point{68.6123, 37.2057}
	for _, s := range []string{f.secret, secret2} {
		if sum := f.sendSum(t, http.MethodGet, osmandQuery(s, at, loc[1], loc[0]), "", ""); sum.Stored != 1 {
			t.Fatalf("%+v", sum)
		}
	}
	read := func(agency string, team int) []map[string]any {
		t.Helper()
		tok := e.tokenFor(t, agency, "viewer")
		resp, b := e.do(t, http.MethodGet, fmt.Sprintf("/api/teams/%d/positions", team), "", "Authorization", "Bearer "+tok)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", agency, resp.StatusCode, b)
		}
		var out []map[string]any
		for _, ft := range decodeJSON(t, b)["features"].([]any) {
			out = append(out, ft.(map[string]any))
		}
		resp, b = e.do(t, http.MethodGet, "/api/teams/positions/latest", "", "Authorization", "Bearer "+tok)
		latest, _ := decodeJSON(t, b)["features"].([]any)
		n := 0
		for _, ft := range latest {
			if ft.(map[string]any)["properties"].(map[string]any)["team"] == strconv.Itoa(team) {
				n++
			}
		}
		if resp.StatusCode != http.StatusOK || n != min(len(out), 1) {
			t.Fatalf("%s: latest shows team %d %d times, its positions %d", agency, team, n, len(out))
		}
		return out
	}
	point := func(ft map[string]any) orb.Point {
		c := ft["geometry"].(map[string]any)["coordinates"].([]any)
		return orb.Point{c[0].(float64), c[1].(float64)}
	}
	for _, agency := range []string{"tj-dca", "af-border"} {
		got := read(agency, f.team)
		if len(got) != 1 || point(got[0]) != loc || got[0]["properties"].(map[string]any)["fix_time"] != at.Format(time.RFC3339Nano) {
			t.Fatalf("%s sees %v", agency, got)
		}
	}
	if got := read("tj-dca", f.team); got[0]["properties"].(map[string]any)["team_name"] != "MOBIT Panj" {
		t.Errorf("own team's name missing: %v", got[0]["properties"])
	}
	if got := read("af-border", f.team); got[0]["properties"].(map[string]any)["team_name"] != nil {
		t.Errorf("a partner sees the team's name: %v", got[0]["properties"])
	}
	if got := read("kg-border", f.team); len(got) != 0 {
		t.Fatalf("kg-border, with no agreement, sees %v", got)
	}
	coarse := read("uz-border", f.team)
	if len(coarse) != 1 {
		t.Fatalf("uz-border sees %d positions", len(coarse))
	}
	props := coarse[0]["properties"].(map[string]any)
	dayStart := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC).Format(time.RFC3339Nano)
	if props["coarsened"] != true || props["fix_time"] != dayStart || props["received_at"] != dayStart {
		t.Errorf("coarsened times: %v", props)
	}
	for _, k := range []string{"device", "speed_mps", "altitude_m", "battery_pct"} {
		if _, ok := props[k]; ok {
			t.Errorf("a coarsening partner sees %s: %v", k, props[k])
		}
	}
	if _, ok := coarse[0]["id"]; ok {
		t.Errorf("a coarsening partner sees the position's id")
	}
	if d := orbgeo.DistanceHaversine(point(coarse[0]), loc); d < 1 || d > 5000*math.Sqrt2/2+50 {
		t.Errorf("coarsened point %.0f m from the truth", d)
	}
	for _, agency := range []string{"af-border", "uz-border", "kg-border"} {
		if got := read(agency, private); len(got) != 0 {
			t.Errorf("%s sees the agency-level team's positions: %v", agency, got)
		}
	}
	if got := read("tj-dca", private); len(got) != 1 {
		t.Errorf("tj-dca sees %d of its own agency-level team's positions", len(got))
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/planner"
)

// TestPlanShiftAndPlaceNames: a plan for a shift date and start time
// departs then (in the teams' local time, Asia/Dushanbe), and its GeoJSON,
// GPX and KML times follow it; GPX and KML waypoints are named after the
// nearest named place or crossing with distance and direction, never a
// grid cell.
func TestPlanShiftAndPlaceNames(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	places := map[string]orb.Point{"Dusti": {68.0, 36.72}, "Shurobod": {69.45, 36.7}, "Khirmanjo": {71.0, 36.72}}
	for name, p := range places {
		if _, err := e.pool.Exec(context.Background(), `INSERT INTO places (name, country, source, license, geom)
			VALUES ($1, 'TJK', 'test', 'test', ST_SetSRID(ST_MakePoint($2, $3), 4326))`, name, p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	plannerAuth := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	dushanbe, err := time.LoadLocation("Asia/Dushanbe")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().In(dushanbe).AddDate(0, 0, 2).Format(time.DateOnly)
	wantDep, _ := time.ParseInLocation("2006-01-02 15:04", day+" 06:30", dushanbe)

	for _, tc := range []struct{ name, extra, field string }{
		{"shift in 2020", `"shift_date": "2020-01-01"`, "shift_date"},
		{"bad date", `"shift_date": "01/02/2030"`, "shift_date"},
		{"bad start", `"shift_date": "` + day + `", "shift_start": "25:00"`, "shift_start"},
		{"start without date", `"shift_start": "06:00"`, "shift_date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"teams": [%d], %s}`, f.teams[0], tc.extra)
			resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", plannerAuth)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			if params := problemParams(t, resp, b); len(params) != 1 || params[0] != tc.field {
				t.Errorf("invalid_params %v, want [%s]", params, tc.field)
			}
		})
	}

	body := fmt.Sprintf(`{"teams": [%d, %d], "budget_h": 6, "shift_date": %q, "shift_start": "06:30"}`, f.teams[0], f.teams[1], day)
	resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", plannerAuth)
	if resp.StatusCode != 201 {
		t.Fatalf("plan: %d %s", resp.StatusCode, b)
	}
	var plan struct {
		ID         string `json:"id"`
		Departure  string `json:"departure"`
		ShiftDate  string `json:"shift_date"`
		ShiftStart string `json:"shift_start"`
		TimeZone   string `json:"time_zone"`
	}
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	dep, err := time.Parse(time.RFC3339, plan.Departure)
	if err != nil || !dep.Equal(wantDep) || plan.ShiftDate != day || plan.ShiftStart != "06:30" || plan.TimeZone != "Asia/Dushanbe" {
		t.Fatalf("departure %s (%v) %s %s %s, want %s", plan.Departure, err, plan.ShiftDate, plan.ShiftStart, plan.TimeZone, wantDep)
	}
	end := wantDep.Add(6 * time.Hour)

	resp, b = e.do(t, "GET", "/api/plans/"+plan.ID+"?f=gpx", "")
	if resp.StatusCode != 200 {
		t.Fatalf("gpx: %d %s", resp.StatusCode, b)
	}
	var gpx struct {
		XMLName xml.Name
		Rte     []struct {
			Pts []struct {
				Lat  float64 `xml:"lat,attr"`
				Lon  float64 `xml:"lon,attr"`
				Time string  `xml:"time"`
				Name string  `xml:"name"`
				Type string  `xml:"type"`
			} `xml:"rtept"`
		} `xml:"rte"`
	}
	if err := xml.Unmarshal(b, &gpx); err != nil || gpx.XMLName.Local != "gpx" {
		t.Fatalf("gpx is not GPX: %v", err)
	}
	named := regexp.MustCompile(`^\d{2} (Dusti|Shurobod|Khirmanjo|Panji Poyon bridge)( \d+\.\d km (N|NE|E|SE|S|SW|W|NW))?$`)
	hot := 0
	for _, r := range gpx.Rte {
		for k, p := range r.Pts {
			at, err := time.Parse(time.RFC3339, p.Time)
			if err != nil {
				t.Fatalf("rtept %q has no time: %v", p.Name, err)
			}
			if k == 0 && !at.Equal(wantDep) || at.Before(wantDep) || at.After(end) {
				t.Errorf("rtept %q at %s, outside the shift %s–%s", p.Name, at, wantDep, end)
			}
			if p.Type == "base" {
				continue
			}
			if strings.Contains(p.Name, "hot spot") || !named.MatchString(p.Name) {
				t.Errorf("waypoint name %q is not a place with distance and direction", p.Name)
			}
			if p.Type == "hotspot" {
				hot++
				name := strings.SplitN(p.Name, " ", 3)[1]
				if want := planner.PlaceLabel(name, places[name], orb.Point{p.Lon, p.Lat}); p.Name[3:] != want {
					t.Errorf("waypoint %q, want %q", p.Name, want)
				}
			}
		}
	}
	if hot == 0 {
		t.Error("no hot-spot waypoint")
	}

	resp, b = e.do(t, "GET", "/api/plans/"+plan.ID+"?f=kml", "")
	if resp.StatusCode != 200 {
		t.Fatalf("kml: %d %s", resp.StatusCode, b)
	}
	var kml struct {
		Doc struct {
			Folders []struct {
				Placemarks []struct {
					Name string `xml:"name"`
					When string `xml:"TimeStamp>when"`
				} `xml:"Placemark"`
			} `xml:"Folder"`
		} `xml:"Document"`
	}
	if err := xml.Unmarshal(b, &kml); err != nil {
		t.Fatal(err)
	}
	stamps := 0
	for _, fo := range kml.Doc.Folders {
		for _, pm := range fo.Placemarks {
			if pm.When == "" {
				continue
			}
			stamps++
			at, err := time.Parse(time.RFC3339, pm.When)
			if err != nil || at.Before(wantDep) || at.After(end) {
				t.Errorf("placemark %q at %q, outside the shift", pm.Name, pm.When)
			}
			if strings.Contains(pm.Name, "hot spot") {
				t.Errorf("placemark named %q", pm.Name)
			}
		}
	}
	if stamps == 0 {
		t.Error("no KML placemark has a time")
	}
}

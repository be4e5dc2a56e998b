package api_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/borderwatch/borderwatch/planner"
	"github.com/borderwatch/borderwatch/record"
)

// patrolFixture makes TJK and AFG share the border line lat 36.6 from lon
// 67 to 75, adds two tj-dca teams and one af-border team, synthetic tracks
// on both sides plus one road across the border, and clusters of seizures
// on both sides (the Afghan ones visible only to af-border).
type patrolFixture struct {
	teams   [2]int
	afTeam  int
	outside int // a tj-dca team whose base lies in Afghanistan
	tjk     orb.MultiPolygon
	bases   [2]orb.Point
}

func newPatrolFixture(t *testing.T, e *testEnv) patrolFixture {
	t.Helper()
	ctx := context.Background()
	f := patrolFixture{
		tjk:   orb.MultiPolygon{{{{67, 36.6}, {75, 36.6}, {75, 41}, {67, 41}, {67, 36.6}}}},
		bases: [2]orb.Point{{68.3, 36.75}, {70.6, 36.75}},
	}
	for _, q := range []string{
		`UPDATE countries SET geom = ST_Multi(ST_MakeEnvelope(60, 29, 75, 36.6, 4326)) WHERE iso3 = 'AFG'`,
		`INSERT INTO borders (id, country_a, country_b, length_km, source, license, geom) VALUES
			('AFG-TJK', 'AFG', 'TJK', 700, 'test', 'test', ST_Multi(ST_Segmentize(ST_GeomFromText('LINESTRING(67 36.6, 75 36.6)', 4326), 0.05)))`,
		// Seizures: three clusters on the Tajik side, one on the Afghan side.
		`INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, source_ref, items)
		 SELECT 'seizure', now() - (g % 60) * interval '1 day',
		        ST_SetSRID(ST_MakePoint(c.lon + ((g * 37) % 11 - 5) * 0.002, c.lat + ((g * 53) % 7 - 3) * 0.002), 4326),
		        c.agency, 'agency', c.agency || '-' || c.name || '-' || g,
		        jsonb_build_array(jsonb_build_object('drug', 'heroin', 'quantity', 5 + g % 20, 'unit', 'kg'))
		 FROM (VALUES ('a', 68.0, 36.64, 'tj-dca'), ('b', 69.4, 36.635, 'tj-dca'), ('c', 71.0, 36.64, 'tj-dca'),
		              ('d', 69.4, 36.56, 'af-border')) AS c(name, lon, lat, agency),
		      generate_series(1, 15) AS g`,
		// Scattered single seizures along both banks, 0.2° apart: Gi*
		// reports significance only on events in at least 30 cells
		// (geo.MinGiNonZeroCells), and a real border has such a background.
		`INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, source_ref, items)
		 SELECT 'seizure', now() - (g % 60) * interval '1 day',
		        ST_SetSRID(ST_MakePoint(67.1 + g * 0.2, s.lat + (g % 3) * 0.05), 4326), s.agency, 'agency', s.agency || '-bg-' || g,
		        jsonb_build_array(jsonb_build_object('drug', 'heroin', 'quantity', 1, 'unit', 'kg'))
		 FROM (VALUES ('tj-dca', 36.66), ('af-border', 36.44)) AS s(agency, lat), generate_series(0, 38) AS g`,
	} {
		if _, err := e.pool.Exec(ctx, q); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	if err := e.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	team := func(name, agency, country string, p orb.Point) int {
		var id int
		if err := e.pool.QueryRow(ctx, `INSERT INTO teams (name, agency_id, country, speed_kph, offroad_kph, shift_h, crew, geom)
			VALUES ($1, $2, $3, 60, 10, 8, 6, ST_SetSRID(ST_MakePoint($4, $5), 4326)) RETURNING id`,
			name, agency, country, p[0], p[1]).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.teams[0] = team("MOBIT west", "tj-dca", "TJK", f.bases[0])
	f.teams[1] = team("MOBIT east", "tj-dca", "TJK", f.bases[1])
	f.afTeam = team("MOBIT south", "af-border", "AFG", orb.Point{69, 36.4})
	f.outside = team("MOBIT astray", "tj-dca", "TJK", orb.Point{69, 36.3})

	// The border line, dense enough that its vertices follow the parallel.
	border := orb.MultiLineString{{}}
	for lon := 67.0; lon <= 75.0001; lon += 0.05 {
		border[0] = append(border[0], orb.Point{lon, 36.6})
	}
	afg := orb.MultiPolygon{{{{60, 29}, {75, 29}, {75, 36.6}, {60, 36.6}, {60, 29}}}}
	var roads []record.Road
	add := func(country string, rs []planner.Road) {
		for _, r := range rs {
			roads = append(roads, record.Road{Highway: "synthetic_track", Kind: record.RoadSynthetic, SpeedKPH: r.SpeedKPH, Country: r.Country, Line: r.Line})
		}
	}
	add("TJK", planner.BorderTracks(border, f.tjk, []orb.Point{f.bases[0], f.bases[1], {68.6053, 37.1946}}, planner.TrackOptions{Country: "TJK"}))
	add("AFG", planner.BorderTracks(border, afg, []orb.Point{{69, 36.4}}, planner.TrackOptions{Country: "AFG"}))
	// A fast road across the border that no Tajik team may use.
	roads = append(roads, record.Road{Highway: "primary", SpeedKPH: 90, Line: orb.LineString{{68.3, 36.75}, {68.3, 36.45}, {70.6, 36.45}, {70.6, 36.75}}})
	if _, err := e.sys.ImportRoads(ctx, "synthetic", roads, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPlanPatrolsEndToEnd(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	planner := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	body := fmt.Sprintf(`{"teams": [%d, %d], "budget_h": 6, "variety": 0}`, f.teams[0], f.teams[1])

	if resp, b := e.do(t, "POST", "/api/patrols/plan", body); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("analyst planned: %d %s", resp.StatusCode, b)
	}
	resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", planner)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("plan: %d %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("Content-Type %q", ct)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := fc.ExtraMembers["id"].(string)
	if id == "" || resp.Header.Get("Location") != "/api/plans/"+id {
		t.Fatalf("id %q, Location %q", id, resp.Header.Get("Location"))
	}
	// The plan is listed for its agency only.
	lresp, lb := e.do(t, "GET", "/api/plans", "", "Authorization", planner)
	if lresp.StatusCode != 200 || !strings.Contains(string(lb), `"id":"`+id+`"`) {
		t.Errorf("plan list of tj-dca: %d %s", lresp.StatusCode, lb)
	}
	lresp, lb = e.do(t, "GET", "/api/plans", "", "Authorization", "Bearer "+e.tokenFor(t, "af-border", "planner"))
	if lresp.StatusCode != 200 || strings.Contains(string(lb), id) {
		t.Errorf("af-border sees tj-dca's plan in its list: %d %s", lresp.StatusCode, lb)
	}
	// A signed-in planner's plan carries the planner's name; a plain
	// token's has none.
	if _, err := e.sys.CreateUser(context.Background(), "dilshod", "tj-dca", "planner", "long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	_, lb = e.do(t, "POST", "/api/login", `{"username": "dilshod", "password": "long enough passphrase"}`, "Authorization", "")
	session := "Bearer " + decodeJSON(t, lb)["token"].(string)
	if resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", session); resp.StatusCode != http.StatusCreated {
		t.Fatalf("plan as a signed-in user: %d %s", resp.StatusCode, b)
	}
	_, lb = e.do(t, "GET", "/api/plans", "", "Authorization", planner)
	var listed struct {
		Plans []struct {
			ID            string `json:"id"`
			CreatedBy     string `json:"created_by"`
			CreatedByName string `json:"created_by_name"`
		} `json:"plans"`
	}
	if err := json.Unmarshal(lb, &listed); err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, p := range listed.Plans {
		byID[p.ID] = p.CreatedByName
	}
	if len(listed.Plans) != 2 || listed.Plans[0].CreatedByName != "dilshod" || !strings.HasPrefix(listed.Plans[0].CreatedBy, "user:") ||
		byID[id] != "" {
		t.Errorf("plan list, newest first: %s", lb)
	}
	// Only tj-dca's own 45 seizures count; af-border's are hidden from it.
	if n, _ := fc.ExtraMembers["events"].(float64); n != 45+39 {
		t.Errorf("plan used %v events, want the 84 tj-dca may see", fc.ExtraMembers["events"])
	}
	routes, stops := 0, map[string]string{}
	teamStops := map[float64]int{}
	for _, ft := range fc.Features {
		p := ft.Properties
		// Team ids are strings, as /collections/teams/items gives them.
		teamID, ok := p["team"].(string)
		if !ok {
			t.Fatalf("team id %#v is not a string", p["team"])
		}
		team, _ := strconv.ParseFloat(teamID, 64)
		switch p.MustString("kind", "") {
		case "route":
			routes++
			ls, ok := ft.Geometry.(orb.LineString)
			if !ok || len(ls) < 2 {
				t.Fatalf("route geometry %T", ft.Geometry)
			}
			base := f.bases[0]
			if int(team) == f.teams[1] {
				base = f.bases[1]
			}
			if ls[0] != base || ls[len(ls)-1] != base {
				t.Errorf("team %v: route runs %v … %v, not from and back to its base %v", team, ls[0], ls[len(ls)-1], base)
			}
			for k := range ls {
				// TJK is convex, so vertices inside keep every segment inside.
				if !planar.MultiPolygonContains(f.tjk, ls[k]) || ls[k][1] <= 36.6 {
					t.Fatalf("team %v: route vertex %d %v leaves Tajikistan", team, k, ls[k])
				}
			}
			if d := p.MustFloat64("duration_h", 99); d > 6+1e-6 || d <= 0 {
				t.Errorf("team %v: duration %v h, budget 6 h", team, d)
			}
			if p.MustFloat64("length_km", 0) <= 0 || p.MustFloat64("score", 0) <= 0 {
				t.Errorf("team %v: %v", team, p)
			}
		case "stop":
			target := p.MustString("target", "")
			if prev, dup := stops[target]; dup {
				t.Errorf("target %s visited by %s and %v", target, prev, team)
			}
			stops[target] = fmt.Sprint(team)
			teamStops[team]++
			if p.MustString("eta", "") == "" || p.MustFloat64("seq", 0) < 1 || p.MustString("reason", "") == "" {
				t.Errorf("stop %v", p)
			}
		}
	}
	if routes != 2 || len(teamStops) != 2 {
		t.Fatalf("%d routes, stops per team %v; want 2 teams with stops", routes, teamStops)
	}
	hot := 0
	for _, ft := range fc.Features {
		r := ft.Properties.MustString("reason", "")
		if strings.Contains(r, "hot spot: ") && strings.Contains(r, "seizures") && strings.Contains(r, "kg in 90 days") {
			hot++
		}
		// The reason's facts as fields, for clients that word it themselves.
		p := ft.Properties
		switch p.MustString("target_kind", "") {
		case "hotspot":
			conf := map[float64]string{1: "90 %", 2: "95 %", 3: "99 %"}[p.MustFloat64("gi_bin", 0)]
			want := fmt.Sprintf("%s hot spot: %v seizure", conf, p["seizures"])
			if conf == "" || !strings.HasPrefix(r, want) || !strings.Contains(r, fmt.Sprintf(", %.0f kg", p.MustFloat64("kg", -1))) || !strings.HasSuffix(r, " in 90 days") || p.MustFloat64("days", 0) != 90 ||
				p.MustFloat64("events", -1) != p.MustFloat64("seizures", 0)+p.MustFloat64("incidents", 0) ||
				p.MustFloat64("confidence", 0) != map[string]float64{"90 %": 0.9, "95 %": 0.95, "99 %": 0.99}[conf] {
				t.Errorf("hot spot stop: reason %q, fields %v", r, p)
			}
		case "crossing":
			want := fmt.Sprintf("(%s–%s): %v event", p["country"], p["other_country"], p["events"])
			if !strings.Contains(r, want) || p.MustFloat64("near_km", 0) <= 0 || p.MustFloat64("days", 0) != 90 {
				t.Errorf("crossing stop: reason %q, fields %v", r, p)
			}
		}
		if pt, ok := ft.Geometry.(orb.Point); ok && pt[1] < 36.6 {
			t.Errorf("stop %v lies in Afghanistan: %s", pt, r)
		}
	}
	if hot == 0 {
		t.Error("no stop is a hot spot with seizures and kg")
	}

	// The stored plan, as GeoJSON, GPX and KML.
	resp, b = e.do(t, "GET", "/api/plans/"+id, "", "Authorization", planner)
	if resp.StatusCode != 200 || !strings.Contains(string(b), id) {
		t.Fatalf("get plan: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "GET", "/api/plans/"+id+"?f=gpx", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/gpx+xml" {
		t.Fatalf("gpx: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	var gpx struct {
		XMLName xml.Name
		Version string `xml:"version,attr"`
		Rte     []struct {
			Name string `xml:"name"`
			Pts  []struct {
				Lat  float64 `xml:"lat,attr"`
				Lon  float64 `xml:"lon,attr"`
				Name string  `xml:"name"`
			} `xml:"rtept"`
		} `xml:"rte"`
		Trk []struct {
			Seg []struct {
				Pts []struct {
					Lat float64 `xml:"lat,attr"`
				} `xml:"trkpt"`
			} `xml:"trkseg"`
		} `xml:"trk"`
	}
	if err := xml.Unmarshal(b, &gpx); err != nil {
		t.Fatalf("gpx is not XML: %v", err)
	}
	if gpx.XMLName.Local != "gpx" || gpx.XMLName.Space != "http://www.topografix.com/GPX/1/1" || gpx.Version != "1.1" {
		t.Errorf("gpx root %v version %q", gpx.XMLName, gpx.Version)
	}
	if len(gpx.Rte) != 2 || len(gpx.Trk) != 2 {
		t.Fatalf("gpx: %d rte, %d trk; want 2 and 2", len(gpx.Rte), len(gpx.Trk))
	}
	for i, r := range gpx.Rte {
		if len(r.Pts) < 3 || r.Pts[0].Name != "Base" || r.Name == "" || len(gpx.Trk[i].Seg) != 1 || len(gpx.Trk[i].Seg[0].Pts) < 2 {
			t.Errorf("gpx route %d: %+v", i, r)
		}
	}
	if i := strings.Index(string(b), "<rte>"); i < 0 || i > strings.Index(string(b), "<trk>") {
		t.Error("GPX 1.1 wants every rte before the first trk")
	}
	resp, b = e.do(t, "GET", "/api/plans/"+id+"?f=kml", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.google-earth.kml+xml") {
		t.Fatalf("kml: %d %s", resp.StatusCode, b)
	}
	var kml struct {
		XMLName xml.Name
		Doc     struct {
			Folders []struct {
				Placemarks []struct {
					Name       string `xml:"name"`
					LineString *struct {
						Coordinates string `xml:"coordinates"`
					} `xml:"LineString"`
					Point *struct {
						Coordinates string `xml:"coordinates"`
					} `xml:"Point"`
				} `xml:"Placemark"`
			} `xml:"Folder"`
		} `xml:"Document"`
	}
	if err := xml.Unmarshal(b, &kml); err != nil {
		t.Fatalf("kml is not XML: %v", err)
	}
	if kml.XMLName.Local != "kml" || kml.XMLName.Space != "http://www.opengis.net/kml/2.2" || len(kml.Doc.Folders) != 2 {
		t.Fatalf("kml root %v with %d folders", kml.XMLName, len(kml.Doc.Folders))
	}
	nStops := 0
	for _, fo := range kml.Doc.Folders {
		lines := 0
		for _, pm := range fo.Placemarks {
			switch {
			case pm.LineString != nil:
				lines++
			case pm.Point != nil:
				nStops++
			}
		}
		if lines != 1 {
			t.Errorf("kml folder with %d lines", lines)
		}
	}
	if nStops != len(stops) {
		t.Errorf("kml has %d stop placemarks, plan %d stops", nStops, len(stops))
	}
	if resp, _ := e.do(t, "GET", "/api/plans/"+id+"?f=pdf", ""); resp.StatusCode != 400 {
		t.Errorf("f=pdf: %d", resp.StatusCode)
	}

	// Another agency sees neither the teams nor the plan.
	other := "Bearer " + e.tokenFor(t, "af-border", "planner")
	resp, b = e.do(t, "POST", "/api/patrols/plan", body, "Authorization", other)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "unknown team") {
		t.Errorf("other agency planned with our teams: %d %s", resp.StatusCode, b)
	} else if names := problemParams(t, resp, b); len(names) == 0 || names[0] != "teams" {
		t.Errorf("params %v", names)
	}
	for _, q := range []string{"", "?f=gpx", "?f=kml"} {
		if resp, b := e.do(t, "GET", "/api/plans/"+id+q, "", "Authorization", other); resp.StatusCode != 404 {
			t.Errorf("other agency read the plan%s: %d %s", q, resp.StatusCode, b)
		}
	}
	if resp, _ := e.do(t, "GET", "/api/plans/not-a-uuid", ""); resp.StatusCode != 404 {
		t.Errorf("bad id: %d", resp.StatusCode)
	}
	// The Afghan planner plans its own team, on its own side only.
	resp, b = e.do(t, "POST", "/api/patrols/plan", fmt.Sprintf(`{"teams": [%d]}`, f.afTeam), "Authorization", other)
	if resp.StatusCode != 201 {
		t.Fatalf("af-border plan: %d %s", resp.StatusCode, b)
	}
	afc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, ft := range afc.Features {
		if ls, ok := ft.Geometry.(orb.LineString); ok {
			for _, p := range ls {
				if p[1] >= 36.6 {
					t.Fatalf("Afghan route enters Tajikistan at %v", p)
				}
			}
		}
	}

	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'plan.create' AND target = $1`, id).Scan(&n); err != nil || n != 1 {
		t.Errorf("plan.create audited %d times, %v", n, err)
	}
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'plan.export' AND target = $1 AND agency_id = 'tj-dca'`, id).Scan(&n); err != nil || n != 3 {
		t.Errorf("plan.export audited %d times, %v; want 3", n, err)
	}
}

func TestPlanPatrolsRequestedPoint(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	tok := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	body := fmt.Sprintf(`{"teams": [%d], "targets": [{"lon": 68.5, "lat": 36.64, "score": 50, "dwell_min": 45, "name": "Informant tip"}]}`, f.teams[0])
	resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", tok)
	if resp.StatusCode != 201 {
		t.Fatalf("plan: %d %s", resp.StatusCode, b)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ft := range fc.Features {
		if ft.Properties["reason"] == "requested: Informant tip" && ft.Properties["dwell_min"] == 45.0 {
			found = true
		}
	}
	if !found {
		t.Errorf("the requested point with score 50 is not visited: %s", b)
	}
}

// TestPlanPatrolsTakesTheCollectionsIDs checks that a plan request takes
// the team ids exactly as /collections/teams/items gives them (strings),
// and numbers as well, with the same plan.
func TestPlanPatrolsTakesTheCollectionsIDs(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	tok := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	_, b := e.do(t, "GET", "/collections/teams/items?limit=100", "", "Authorization", tok)
	var ids []any
	for _, ft := range decodeJSON(t, b)["features"].([]any) {
		id := ft.(map[string]any)["id"]
		if id == fmt.Sprint(f.teams[0]) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("team %d not among the collection's items: %s", f.teams[0], b)
	}
	asGiven, _ := json.Marshal(map[string]any{"teams": ids, "budget_h": 6, "variety": 0})
	var routes []string
	for _, body := range []string{string(asGiven), fmt.Sprintf(`{"teams": [%d], "budget_h": 6, "variety": 0}`, f.teams[0])} {
		resp, b := e.do(t, "POST", "/api/patrols/plan", body, "Authorization", tok)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s", body, resp.StatusCode, b)
		}
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			t.Fatal(err)
		}
		var stops []string
		for _, ft := range fc.Features {
			if ft.Properties["kind"] == "stop" {
				stops = append(stops, fmt.Sprint(ft.Properties["team"], ft.Properties["seq"], ft.Geometry))
			}
		}
		routes = append(routes, strings.Join(stops, ";"))
	}
	if routes[0] != routes[1] || routes[0] == "" {
		t.Errorf("the plan for the collection's id %v differs from the plan for the number:\n%s\n%s", ids[0], routes[0], routes[1])
	}
}

func TestPlanPatrolsRejectsBadRequests(t *testing.T) {
	e := newEnv(t)
	f := newPatrolFixture(t, e)
	tok := "Bearer " + e.tokenFor(t, "tj-dca", "planner")
	for _, tc := range []struct {
		name, body string
		status     int
		param      string
	}{
		{"no teams", `{"teams": []}`, 400, "teams"},
		{"unknown team", `{"teams": [99999]}`, 400, "teams"},
		{"zero budget", fmt.Sprintf(`{"teams": [%d], "budget_h": 0}`, f.teams[0]), 400, "budget_h"},
		{"negative budget", fmt.Sprintf(`{"teams": [%d], "budget_h": -2}`, f.teams[0]), 400, "budget_h"},
		{"window reversed", fmt.Sprintf(`{"teams": [%d], "from": "2025-01-01", "to": "2024-01-01"}`, f.teams[0]), 400, "from"},
		{"bad time", fmt.Sprintf(`{"teams": [%d], "to": "yesterday"}`, f.teams[0]), 400, "to"},
		{"unknown crossing", fmt.Sprintf(`{"teams": [%d], "allow_crossings": [4242]}`, f.teams[0]), 400, "allow_crossings"},
		{"bad point", fmt.Sprintf(`{"teams": [%d], "targets": [{"lon": 400, "lat": 1}]}`, f.teams[0]), 400, "targets[0]"},
		{"unknown field", fmt.Sprintf(`{"teams": [%d], "speed": 3}`, f.teams[0]), 400, "speed"},
		{"team id neither number nor digits", `{"teams": ["3a"]}`, 400, "teams"},
		{"team id a fraction", `{"teams": [1.5]}`, 400, "teams"},
		{"crossing id not digits", fmt.Sprintf(`{"teams": [%d], "allow_crossings": ["x"]}`, f.teams[0]), 400, "allow_crossings"},
		{"base outside its country", fmt.Sprintf(`{"teams": [%d]}`, f.outside), 422, "teams"},
		{"nothing reachable", fmt.Sprintf(`{"teams": [%d], "budget_h": 0.05}`, f.teams[0]), 422, "teams"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "POST", "/api/patrols/plan", tc.body, "Authorization", tok)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			if names := problemParams(t, resp, b); len(names) == 0 || names[0] != tc.param {
				t.Errorf("invalid_params %v, want %s: %s", names, tc.param, b)
			}
		})
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM plans`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d plans stored by rejected requests, %v", n, err)
	}
}

package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// effortCells is GET /api/effort's answer, as far as the tests read it.
type effortCells struct {
	Segments int `json:"segments"`
	Features []struct {
		Properties struct {
			Q     int     `json:"q"`
			R     int     `json:"r"`
			XM    float64 `json:"x_m"`
			YM    float64 `json:"y_m"`
			KM    float64 `json:"km"`
			Hours float64 `json:"hours"`
			Teams int     `json:"teams"`
		} `json:"properties"`
	} `json:"features"`
}

// sqlEffortReference is the same effort computed by PostGIS alone: the
// team's stored fixes paired with the next (at most 15 minutes apart) as
// lines in the LAEA plane ($2), and the hexagon of centre ($3, $4) and
// spacing $5 drawn from its six vertices; km is the length of the lines
// clipped to the hexagon, hours each line's duration times the share of
// its length inside (all of it for a standing team inside).
const sqlEffortReference = `
WITH f AS (
  SELECT fix_time, geom, lead(fix_time) OVER w AS nt, lead(geom) OVER w AS ng
  FROM position_records WHERE team_id = $1 WINDOW w AS (ORDER BY fix_time)
), segs AS (
  SELECT ST_MakeLine(ST_Transform(geom, $2::text), ST_Transform(ng, $2::text)) AS g,
         extract(epoch FROM nt - fix_time) / 3600.0 AS h
  FROM f WHERE nt - fix_time <= interval '15 minutes'
), cell AS (
  SELECT ST_MakePolygon(ST_MakeLine(ARRAY(
    SELECT ST_MakePoint($3 + $5 / sqrt(3) * cos(radians(90 + 60 * i)), $4 + $5 / sqrt(3) * sin(radians(90 + 60 * i)))
    FROM generate_series(0, 6) i))) AS hx
)
SELECT coalesce(sum(ST_Length(ST_Intersection(g, hx))), 0) / 1000,
       coalesce(sum(h * CASE WHEN ST_Length(g) > 0 THEN ST_Length(ST_Intersection(g, hx)) / ST_Length(g)
                             WHEN ST_Intersects(ST_StartPoint(g), hx) THEN 1 ELSE 0 END), 0)
FROM segs, cell`

// TestEffortEqualsPostGIS: a zig-zag track of fixes two minutes apart
// across 2 km cells, a 20-minute gap (counted nowhere), and ten minutes
// standing still. Every cell's km and hours equal PostGIS's clip of the
// same track to the same hexagon; the cells' km add up to the whole
// track's planar length (no cell left out). A partner with an exact
// agreement sees the same cells, one that coarsens and one without an
// agreement see none; the filters and bad parameters behave.
func TestEffortEqualsPostGIS(t *testing.T) {
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
	t0 := time.Now().UTC().Add(-6 * time.Hour).Truncate(time.Second)
	var items []string
	fix := func(at time.Time, lon, lat float64) {
		items = append(items, fmt.Sprintf(`{"location":{"timestamp":"%s","coords":{"latitude":%.6f,"longitude":%.6f,"speed":8}},"device_id":"%s"}`,
			at.Format(time.RFC3339), lat, lon, f.secret))
	}
	at := t0
	for i := range 40 { // 78 minutes, about 0.6 km per fix, zig-zagging north
		fix(at, 68.60+0.006*float64(i), 37.20+0.004*float64(i%2)+0.001*float64(i))
		at = at.Add(2 * time.Minute)
	}
	at = at.Add(20 * time.Minute)
	for range 6 { // standing, ten minutes
		fix(at, 68.95, 37.26)
		at = at.Add(2 * time.Minute)
	}
	if s := f.sendSum(t, http.MethodPost, "/api/positions", "application/json", "["+strings.Join(items, ",")+"]"); s.Stored != len(items) {
		t.Fatalf("stored %+v", s)
	}
	const cellM = 2000.0
	period := "from=" + t0.Add(-time.Hour).Format(time.RFC3339) + "&to=" + at.Add(time.Hour).Format(time.RFC3339)
	tok := e.tokenFor(t, "tj-dca", "viewer")
	var got effortCells
	getJSON(t, e, tok, fmt.Sprintf("/api/effort?%s&cell_m=%g", period, cellM), &got)
	if got.Segments != 39+5 || len(got.Features) < 10 {
		t.Fatalf("%d segments, %d cells", got.Segments, len(got.Features))
	}
	var sumKM, sumH float64
	for _, c := range got.Features {
		p := c.Properties
		var km, hours float64
		if err := e.pool.QueryRow(ctx, sqlEffortReference, f.team, geo.LAEAProj4, p.XM, p.YM, cellM).Scan(&km, &hours); err != nil {
			t.Fatal(err)
		}
		if math.Abs(p.KM-km) > 0.0015 || math.Abs(p.Hours-hours) > 0.0015 || p.Teams != 1 {
			t.Errorf("cell (%d,%d): %.4f km %.4f h, PostGIS %.4f km %.4f h", p.Q, p.R, p.KM, p.Hours, km, hours)
		}
		sumKM, sumH = sumKM+p.KM, sumH+p.Hours
	}
	var wholeKM float64
	if err := e.pool.QueryRow(ctx, `SELECT sum(ST_Length(ST_MakeLine(ST_Transform(geom, $2::text), ST_Transform(ng, $2::text)))) / 1000
		FROM (SELECT geom, lead(geom) OVER w AS ng, lead(fix_time) OVER w - fix_time AS dt FROM position_records WHERE team_id = $1
		      WINDOW w AS (ORDER BY fix_time)) s WHERE dt <= interval '15 minutes'`, f.team, geo.LAEAProj4).Scan(&wholeKM); err != nil {
		t.Fatal(err)
	}
	if math.Abs(sumKM-wholeKM) > 0.001*float64(len(got.Features)) || math.Abs(sumH-(78+10)/60.0) > 0.001*float64(len(got.Features)) {
		t.Errorf("cells sum to %.4f km %.4f h, the track is %.4f km %.4f h", sumKM, sumH, wholeKM, (78+10)/60.0)
	}
	for agency, want := range map[string]int{"af-border": len(got.Features), "uz-border": 0, "kg-border": 0} {
		var other effortCells
		getJSON(t, e, e.tokenFor(t, agency, "viewer"), fmt.Sprintf("/api/effort?%s&cell_m=%g", period, cellM), &other)
		if len(other.Features) != want {
			t.Errorf("%s sees %d cells, want %d", agency, len(other.Features), want)
		}
	}
	var none effortCells
	getJSON(t, e, tok, fmt.Sprintf("/api/effort?%s&cell_m=%g&agency=af-border", period, cellM), &none)
	var mine effortCells
	getJSON(t, e, tok, fmt.Sprintf("/api/effort?%s&cell_m=%g&team=%d&agency=tj-dca", period, cellM, f.team), &mine)
	if len(none.Features) != 0 || len(mine.Features) != len(got.Features) {
		t.Errorf("agency af-border: %d cells (want 0); team %d: %d (want %d)", len(none.Features), f.team, len(mine.Features), len(got.Features))
	}
	resp, body := e.do(t, http.MethodGet, fmt.Sprintf("/api/effort?%s&cell_m=%g&f=csv", period, cellM), "", "Authorization", "Bearer "+tok)
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if resp.StatusCode != http.StatusOK || err != nil || len(rows) != len(got.Features)+1 || rows[0][6] != "km" {
		t.Errorf("csv: %d %v %d rows", resp.StatusCode, err, len(rows))
	}
	for _, tc := range []struct{ query, param string }{
		{"cell_m=abc", "cell_m"}, {"cell_m=1", "cell_m"}, {"team=0", "team"}, {"f=xml", "f"},
		{"from=2026-13-01&to=2026-12-01", "from"}, {"bbox=1,2,3,4", "bbox"},
	} {
		resp, body := e.do(t, http.MethodGet, "/api/effort?"+tc.query, "", "Authorization", "Bearer "+tok)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"`+tc.param+`"`) {
			t.Errorf("%s: %d %s, want a 400 naming %s", tc.query, resp.StatusCode, body, tc.param)
		}
	}
}

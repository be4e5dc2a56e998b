package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// sectorEnv adds to newEnv a shared AFG–TJK edge along 36.6°N, a border
// line from 68° to 69°E on it, the default sectors and a few events.
func sectorEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE countries SET geom = ST_Multi(ST_MakeEnvelope(60, 29, 75, 36.6, 4326)) WHERE iso3 = 'AFG'`,
		`INSERT INTO borders (id, country_a, country_b, length_km, source, license, geom) VALUES
			('AFG-TJK', 'AFG', 'TJK', 89, 'test', 'test', ST_Multi(ST_MakeLine(ST_MakePoint(68, 36.6), ST_MakePoint(69, 36.6)))::geometry(MultiLineString, 4326))`,
	} {
		if _, err := e.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.sys.GenerateSectors(ctx, 25, 20); err != nil {
		t.Fatal(err)
	}
	for i, ev := range []struct {
		lon, lat float64
		at       string
		agency   string
		kg       float64
	}{
		{68.05, 36.65, "2024-02-01T00:00:00Z", "tj-dca", 12},
		{68.06, 36.66, "2024-06-01T00:00:00Z", "tj-dca", 3},
		{68.07, 36.55, "2024-07-01T00:00:00Z", "af-border", 7},
		{68.9, 36.7, "2023-07-01T00:00:00Z", "tj-dca", 1},
	} {
		ts, _ := time.Parse(time.RFC3339, ev.at)
		if _, err := e.sys.CreateEvent(ctx, record.Event{Kind: record.KindSeizure, OccurredAt: ts, Location: orb.Point{ev.lon, ev.lat},
			AgencyID: ev.agency, Sharing: "regional", SourceRef: "s" + string(rune('a'+i)),
			Items: []record.Item{{Drug: "heroin", Quantity: ev.kg, Unit: "kg"}}}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestSectorRiskEndpoint(t *testing.T) {
	e := sectorEnv(t)
	resp, b := e.do(t, "GET", "/api/sectors/risk?from=2024&to=2024", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			ID         string         `json:"id"`
			Geometry   map[string]any `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		Score struct {
			Formula string             `json:"formula"`
			Weights map[string]float64 `json:"weights"`
		} `json:"score"`
		ComparePeriod map[string]string `json:"compare_period"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	// 89 km of line: four sections of 25, 25, 25 and 14 km → 8 sectors.
	if len(fc.Features) != 8 {
		t.Fatalf("%d features: %s", len(fc.Features), b)
	}
	if !strings.Contains(fc.Score.Formula, "score = 100") || fc.Score.Weights["seizures"] != 0.3 {
		t.Errorf("score description %+v", fc.Score)
	}
	if fc.ComparePeriod["start"] != "2023-01-01T00:00:00Z" {
		t.Errorf("compare period %v", fc.ComparePeriod)
	}
	top := fc.Features[0]
	if top.ID != "AFG-TJK-025-20-001-TJK" || top.Properties["seizures"] != 2.0 || top.Properties["kg_heroin"] != 15.0 ||
		top.Properties["rank"] != 1.0 || top.Properties["incidents"] != 0.0 || top.Geometry["type"] != "MultiPolygon" {
		t.Errorf("top sector %s %v", top.ID, top.Properties)
	}
	for _, k := range []string{"score", "rank_pair", "rank_agency", "hot_share", "events_per_100km", "trend", "events_p", "events_change"} {
		if _, ok := top.Properties[k]; !ok {
			t.Errorf("property %s missing", k)
		}
	}
	// The name's parts as fields, for clients that word it themselves.
	for _, f := range fc.Features {
		p := f.Properties
		want := fmt.Sprintf("%v section %v, %v side", p["border"], p["section_index"], p["side"])
		if idx, ok := p["section_index"].(float64); !ok || idx < 1 || p["name"] != want {
			t.Fatalf("sector %s: name %q, section_index %v; want the name %q", f.ID, p["name"], p["section_index"], want)
		}
	}
	last := fc.Features[len(fc.Features)-1]
	if last.Properties["seizures"] != 0.0 || last.Properties["score"] != 0.0 {
		t.Errorf("a sector without events: %v", last.Properties)
	}

	resp, b = e.do(t, "GET", "/api/sectors/risk?from=2024&to=2024&f=csv&pair=TJK-AFG&weights=seizures:1,kg:0", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, b)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(recs) != 9 || recs[0][0] != "id" || recs[1][0] != "AFG-TJK-025-20-001-TJK" {
		t.Fatalf("csv: %v %v", err, recs)
	}

	for _, tc := range []struct {
		name, query, param string
	}{
		{"reversed period", "from=2024&to=2023", "to"},
		{"reversed comparison", "from=2024&to=2024&compare_from=2023-06&compare_to=2023-01", "compare_to"},
		{"missing from", "to=2024", "from"},
		{"unknown pair", "from=2024&to=2024&pair=AFG-UZB", "pair"},
		{"malformed pair", "from=2024&to=2024&pair=afghanistan", "pair"},
		{"unknown agency", "from=2024&to=2024&agency=nobody", "agency"},
		{"bad weights", "from=2024&to=2024&weights=seizures:-1", "weights"},
		{"bad format", "from=2024&to=2024&f=xml", "f"},
		{"unknown parameter", "from=2024&to=2024&bbox=1,2,3,4", "bbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "GET", "/api/sectors/risk?"+tc.query, "")
			if resp.StatusCode != 400 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			names := problemParams(t, resp, b)
			found := false
			for _, n := range names {
				found = found || n == tc.param
			}
			if !found {
				t.Errorf("invalid_params %v, want %q", names, tc.param)
			}
		})
	}

	// An empty period gives every sector with zero counts.
	resp, b = e.do(t, "GET", "/api/sectors/risk?from=1990&to=1990", "")
	fc.Features = nil
	if err := json.Unmarshal(b, &fc); err != nil || resp.StatusCode != 200 || len(fc.Features) != 8 {
		t.Fatalf("empty period: %d %v", resp.StatusCode, err)
	}
	for _, f := range fc.Features {
		if f.Properties["seizures"] != 0.0 || f.Properties["score"] != 0.0 || f.Properties["rank"] != 1.0 {
			t.Errorf("empty period: %s %v", f.ID, f.Properties)
		}
	}

	// Sectors changed behind the service: once its live index has pulled
	// (at most a second later), the cached risk is not served again.
	if _, err := e.pool.Exec(context.Background(), `DELETE FROM sectors WHERE id = $1`, fc.Features[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.live.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, b = e.do(t, "GET", "/api/sectors/risk?from=1990&to=1990", "")
	fc.Features = nil
	if err := json.Unmarshal(b, &fc); err != nil || resp.StatusCode != 200 || len(fc.Features) != 7 {
		t.Fatalf("after deleting a sector: %d, %d features, %v", resp.StatusCode, len(fc.Features), err)
	}
}

func TestSectorSectionEndpoint(t *testing.T) {
	e := sectorEnv(t)
	resp, b := e.do(t, "GET", "/api/sectors/sections/AFG-TJK-025-20-001?from=2024&to=2024", "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var out struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		Section struct {
			Sides     []string                  `json:"sides"`
			Metrics   map[string]map[string]any `json:"metrics"`
			SidesTest map[string]any            `json:"sides_test"`
		} `json:"section"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Features) != 2 || len(out.Section.Sides) != 2 {
		t.Fatalf("want both sides: %s", b)
	}
	if out.Section.Metrics["seizures"]["TJK"] != 2.0 || out.Section.Metrics["seizures"]["AFG"] != 1.0 ||
		out.Section.Metrics["kg_heroin"]["AFG"] != 7.0 {
		t.Errorf("metrics %v", out.Section.Metrics["seizures"])
	}
	// 2 vs 1 with π = 1/2: every outcome of n = 3 is as likely or less → p = 1.
	if p, _ := out.Section.SidesTest["p"].(float64); p != 1 {
		t.Errorf("sides test %v", out.Section.SidesTest)
	}
	resp, _ = e.do(t, "GET", "/api/sectors/sections/AFG-TJK-025-20-099?from=2024&to=2024", "")
	if resp.StatusCode != 404 {
		t.Errorf("unknown section: %d", resp.StatusCode)
	}
	// The section as CSV: both sides, and the export is audited like the
	// other CSV exports.
	resp, b = e.do(t, "GET", "/api/sectors/sections/AFG-TJK-025-20-001?from=2024&to=2024&f=csv", "")
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); resp.StatusCode != 200 || len(lines) != 3 {
		t.Fatalf("section CSV: %d, %d lines: %s", resp.StatusCode, len(lines), b)
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'sectors.export'
		AND target = '/api/sectors/sections/AFG-TJK-025-20-001'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("section CSV export audited %d times, %v; want 1", n, err)
	}
}

func TestReportEndpoint(t *testing.T) {
	e := sectorEnv(t)
	resp, b := e.do(t, "GET", "/api/report?from=2024&to=2024", "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var rep struct {
		Rows []struct {
			Period   string             `json:"period"`
			Agency   string             `json:"agency"`
			Seizures int                `json:"seizures"`
			TotalKG  float64            `json:"total_kg"`
			KG       map[string]float64 `json:"kg"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range rep.Rows {
		if r.Period != "2024" {
			t.Errorf("row of period %s", r.Period)
		}
		got[r.Agency] = r.KG["heroin"]
	}
	if len(rep.Rows) != 3 || got["tj-dca"] != 15 || got["af-border"] != 7 || got[""] != 22 {
		t.Errorf("rows %s", b)
	}
	resp, b = e.do(t, "GET", "/api/report?agency=tj-dca&by=total&f=csv", "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), "total,tj-dca,") || !strings.Contains(string(b), ",3,0,0,16,16,") {
		t.Errorf("csv: %d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct{ query, param string }{
		{"agency=nobody", "agency"}, {"by=week", "by"}, {"from=2024", "to"}, {"from=2025&to=2024", "to"},
	} {
		resp, b := e.do(t, "GET", "/api/report?"+tc.query, "")
		if names := problemParams(t, resp, b); resp.StatusCode != 400 || len(names) == 0 || names[0] != tc.param {
			t.Errorf("%s: %d %v", tc.query, resp.StatusCode, names)
		}
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/api"
)

// TestForecastEffortAdjusted records a team's track over one place with
// seizures there, and checks that effort=adjusted reads the track (its
// samples), gives the cells nobody patrolled a positive risk where the
// unadjusted forecast gives them none, and refuses bad parameters.
func TestForecastEffortAdjusted(t *testing.T) {
	f := newPosFixture(t, func(*api.Config) {})
	e := f.env
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, source_ref, items)
		SELECT 'seizure', now() - g * interval '3 days', ST_SetSRID(ST_MakePoint(68.6 + (g % 3) * 0.001, 37.2), 4326), 'tj-dca', 'agency', 'eff-' || g,
		       jsonb_build_array(jsonb_build_object('drug', 'heroin', 'quantity', 2, 'unit', 'kg'))
		FROM generate_series(1, 12) AS g`); err != nil {
		t.Fatal(err)
	}
	if err := e.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-48 * time.Hour).Truncate(time.Minute)
	for k := range 25 {
		f.sendSum(t, "GET", osmandQuery(f.secret, start.Add(time.Duration(k)*5*time.Minute), 37.2, 68.6+float64(k)*0.0002), "", "")
	}
	tok := "Bearer " + e.tokenFor(t, "tj-dca", "analyst")
	asOf := time.Now().UTC().Truncate(time.Hour)
	q := url.Values{"method": {"average"}, "as_of": {asOf.Format(time.RFC3339)}, "until": {asOf.Add(30 * 24 * time.Hour).Format(time.RFC3339)},
		"cell_m": {"5000"}, "bbox": {"68.4,37.1,68.8,37.3"}, "min_risk": {"0"}}
	get := func(v url.Values) (map[string]any, []float64) {
		t.Helper()
		resp, b := e.do(t, "GET", "/api/forecast?"+v.Encode(), "", "Authorization", tok)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		var fc struct {
			Parameters map[string]any `json:"parameters"`
			Features   []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatal(err)
		}
		var risk []float64
		for _, ft := range fc.Features {
			risk = append(risk, ft.Properties["risk"].(float64))
		}
		return fc.Parameters, risk
	}
	_, plain := get(q)
	zero := 0
	for _, r := range plain {
		if r == 0 {
			zero++
		}
	}
	if zero == 0 || zero == len(plain) {
		t.Fatalf("the unadjusted forecast has %d of %d cells at 0", zero, len(plain))
	}
	q.Set("effort", "adjusted")
	params, adj := get(q)
	if n, _ := params["effort_samples"].(float64); n < 20 {
		t.Errorf("effort samples %v, want the track's 24 segments", params["effort_samples"])
	}
	if len(adj) != len(plain) {
		t.Fatalf("%d cells adjusted, %d plain", len(adj), len(plain))
	}
	for i, r := range adj {
		if !(r > 0) {
			t.Errorf("cell %d: adjusted risk %v (unadjusted %v): an unpatrolled cell read as no trafficking", i, r, plain[i])
		}
	}
	for _, tc := range []struct{ query, param string }{
		{"effort=maybe", "effort"},
		{"effort_prior_h=5", "effort_prior_h"},
		{"effort=adjusted&effort_prior_h=-1", "effort_prior_h"},
	} {
		v, _ := url.ParseQuery(tc.query)
		for k := range q {
			if !v.Has(k) && k != "effort" {
				v.Set(k, q.Get(k))
			}
		}
		resp, b := e.do(t, "GET", "/api/forecast?"+v.Encode(), "", "Authorization", tok)
		if names := problemParams(t, resp, b); resp.StatusCode != 400 || len(names) == 0 || names[0] != tc.param {
			t.Errorf("%s: %d %v", tc.query, resp.StatusCode, names)
		}
	}
}

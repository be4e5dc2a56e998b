package api_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
)

// TestNumberMatchedFromTheIndexEqualsThePages: a bbox-only first page that
// does not hold every match takes numberMatched from the live index; it
// must equal the number of events the pages hold (read from PostgreSQL
// through the events view), for an unrestricted viewer, for viewers who see
// a partner's records coarsened (uz-border and tj-dca, 1234 m and a month),
// for one who sees nothing of others but the regional records (kg-border),
// after writes hidden from some of them, and for windows whose edges run
// through events as the viewer sees them.
func TestNumberMatchedFromTheIndexEqualsThePages(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 480)
	viewers := []string{"tj-dca", "uz-border", "af-border", "kg-border"}
	toks := map[string]string{}
	for _, v := range viewers {
		toks[v] = e.tokenFor(t, v, "viewer")
	}
	rng := rand.New(rand.NewSource(3))
	check := func(t *testing.T, round string) {
		for _, viewer := range viewers {
			t.Run(round+"/"+viewer, func(t *testing.T) {
				multi := 0
				for i := 0; i < 30; i++ {
					w := 0.05 + rng.Float64()*0.6
					lon, lat := 68.3+rng.Float64()*1.2, 36.8+rng.Float64()*1.2
					if countWindow(t, e, toks[viewer], 3, lon, lat, lon+w, lat+w*0.6) {
						multi++
					}
				}
				if multi < 5 {
					t.Fatalf("only %d windows had more than one page", multi)
				}
				// Windows with an edge on an event's point as the viewer
				// sees it, and a float32 step either side of it.
				ids, _ := collectAs(t, e, toks[viewer], "/collections/events/items?limit=1000&bbox=68.3,36.8,69.8,38.3")
				if len(ids) < 50 {
					t.Fatalf("%s sees only %d events", viewer, len(ids))
				}
				for i := 0; i < 12; i++ {
					lon, lat := pointAs(t, e, toks[viewer], ids[rng.Intn(len(ids))])
					for _, d := range []float64{0, 4e-6, -4e-6} {
						countWindow(t, e, toks[viewer], 20, lon+d, lat+d, 69.9, 38.4)
						countWindow(t, e, toks[viewer], 20, 68.2, 36.7, lon+d, lat+d)
					}
				}
			})
		}
	}
	check(t, "seeded")
	// Records hidden from most viewers: kg-border's own and bilateral ones
	// (it has no partner), af-border's own, and tj-dca's bilateral ones,
	// which uz-border sees coarsened and af-border exactly.
	ctx := context.Background()
	for i, w := range []struct{ agency, sharing string }{
		{"kg-border", "agency"}, {"kg-border", "bilateral"}, {"af-border", "agency"}, {"tj-dca", "bilateral"},
	} {
		if _, err := e.pool.Exec(ctx, `INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, category, severity)
			SELECT 'incident', '2024-03-01'::timestamptz + g * interval '1 hour',
			       ST_SetSRID(ST_MakePoint(68.8 + $3 * 0.01 + (g % 10) * 0.003, 37.3 + (g / 10) * 0.003), 4326),
			       $1, $2, 'border_violation', 2
			FROM generate_series(0, 59) g`, w.agency, w.sharing, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	check(t, "after hidden writes")
}

// countWindow reads every page (of limit events) of the bbox-only query of
// the window as the token's agency and fails unless the first page's
// numberMatched is the number of events the pages hold. It reports whether
// there was more than one page.
func countWindow(t *testing.T, e *testEnv, token string, limit int, x0, y0, x1, y1 float64) bool {
	t.Helper()
	q := fmt.Sprintf("/collections/events/items?limit=%d&bbox=%.9f,%.9f,%.9f,%.9f", limit, x0, y0, x1, y1)
	ids, matched := collectAs(t, e, token, q)
	if int(matched) != len(ids) {
		t.Errorf("%s: numberMatched %v, the pages hold %d", q, matched, len(ids))
	}
	return len(ids) > limit
}

// pointAs returns an event's point as the token's agency sees it.
func pointAs(t *testing.T, e *testEnv, token, id string) (lon, lat float64) {
	t.Helper()
	resp, b := e.do(t, "GET", "/collections/events/items/"+id, "", "Authorization", "Bearer "+token)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", id, resp.StatusCode, b)
	}
	c := decodeJSON(t, b)["geometry"].(map[string]any)["coordinates"].([]any)
	return c[0].(float64), c[1].(float64)
}

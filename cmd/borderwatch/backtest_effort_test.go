package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestBacktestCommandEffort scores the effort-adjusted forecast with
// `borderwatch backtest -effort adjusted` once a team's track exists: the
// JSON lists it beside the candidates with one score per origin; without
// any positions, or with a bad -effort, the command refuses.
func TestBacktestCommandEffort(t *testing.T) {
	url, _ := demoDatabase(t, 3000)
	ctx := context.Background()
	backtest := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		base := []string{"borderwatch", "backtest", "-db", url, "-periods", "4", "-method", "average", "-until", "2025-07-01"}
		err := run(ctx, append(base, args...), noEnv, &out, &errOut)
		return out.String(), err
	}
	if _, err := backtest("-effort", "adjusted"); err == nil || !strings.Contains(err.Error(), "no patrol positions") {
		t.Fatalf("-effort adjusted without positions: %v", err)
	}
	if _, err := backtest("-effort", "maybe"); err == nil {
		t.Fatal("-effort maybe accepted")
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A track of five-minute fixes along the first team's base, over the
	// history before the first origin (2025-03-01).
	if _, err := conn.Exec(ctx, `INSERT INTO position_records (team_id, agency_id, sharing, fix_time, geom, source)
		SELECT t.id, t.agency_id, 'agency', timestamptz '2025-01-10' + g * interval '5 minutes',
		       ST_SetSRID(ST_MakePoint(ST_X(t.geom) + (g % 40) * 0.002, ST_Y(t.geom)), 4326), 'osmand'
		FROM teams t, generate_series(0, 300) AS g WHERE t.id = (SELECT min(id) FROM teams)`); err != nil {
		t.Fatal(err)
	}
	out, err := backtest("-effort", "adjusted", "-effort-prior-h", "12", "-format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Methods []struct {
			Name   string           `json:"name"`
			Effort string           `json:"effort"`
			Scores []map[string]any `json:"scores"`
		} `json:"methods"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	found := false
	for _, m := range doc.Methods {
		if m.Name == "effort-adjusted" {
			found = true
			if m.Effort != "adjusted" || len(m.Scores) != 4 {
				t.Errorf("effort-adjusted: effort %q, %d scores", m.Effort, len(m.Scores))
			}
		}
	}
	if !found || len(doc.Methods) != 3 {
		t.Fatalf("methods %+v: want naive, average and effort-adjusted", doc.Methods)
	}
	table, err := backtest("-effort", "adjusted")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "effort-adjusted") {
		t.Errorf("the table lacks effort-adjusted:\n%s", table)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/data/seed"
)

// TestDemoTeamsReachTargets builds the demo as the browser tests load it
// (5000 events, seed 1) with its synthetic roads, and plans a 12 h patrol
// for every demo team alone from the last 90 days of the history, the web
// client's default window: each must reach at least one target inside its
// own country.
func TestDemoTeamsReachTargets(t *testing.T) {
	url, sys := demoDatabase(t, 5000)
	ctx := context.Background()
	if _, err := seed.DemoRoads(ctx, sys); err != nil {
		t.Fatal(err)
	}

	store, err := openStore(ctx, url, 4, 0, true, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	live := data.NewLive(store, logger)
	if err := live.Load(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.RatePerSec = 0
	srv := httptest.NewServer(api.NewServer(logger, cfg, store, live))
	defer srv.Close()

	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, `SELECT id, name, agency_id FROM teams ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type team struct {
		id           int
		name, agency string
	}
	var teams []team
	for rows.Next() {
		var tm team
		if err := rows.Scan(&tm.id, &tm.name, &tm.agency); err != nil {
			t.Fatal(err)
		}
		teams = append(teams, tm)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(teams) < 8 {
		t.Fatalf("the demo made %d teams", len(teams))
	}
	tokens := map[string]string{}
	window := fmt.Sprintf(`"from": %q, "to": %q`, seed.DefaultDemoTo().AddDate(0, 0, -90).Format(time.DateOnly), seed.DefaultDemoTo().Format(time.DateOnly))
	for _, tm := range teams {
		t.Run(tm.name, func(t *testing.T) {
			if tokens[tm.agency] == "" {
				tok, _, err := sys.CreateToken(ctx, tm.agency, "planner", "test", 0)
				if err != nil {
					t.Fatal(err)
				}
				tokens[tm.agency] = tok
			}
			body := fmt.Sprintf(`{"teams": [%d], "budget_h": 12, %s}`, tm.id, window)
			req, err := http.NewRequest("POST", srv.URL+"/api/patrols/plan", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tokens[tm.agency])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusCreated {
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
			stops := 0
			for _, f := range fc.Features {
				if f.Properties["kind"] == "stop" {
					stops++
				}
			}
			if stops == 0 {
				t.Errorf("no stop in 12 h: %s", b)
			}
		})
	}
}

// noEnv is an environment with nothing set.
func noEnv(string) string { return "" }

// demoDatabase makes a fresh database with the reference data and a demo
// of n events (seed 1), and returns its URL and the owner's store (closed
// at the test's end).
func demoDatabase(t *testing.T, n int) (string, *data.Store) {
	t.Helper()
	url := datatest.URL(t)
	ctx := context.Background()
	sys, err := openStore(ctx, url, 4, 0, false, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	if _, err := seed.Reference(ctx, sys, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, sys, seed.DemoOptions{Events: n, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return url, sys
}

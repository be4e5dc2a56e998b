package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestSimulateDrivesThePlannedRoute: simulate gives the plan's team a
// device, sends its positions along the route as OsmAnd does (the secret
// as id, speed in knots), and revokes the device at the end.
func TestSimulateDrivesThePlannedRoute(t *testing.T) {
	ctx := context.Background()
	conn, getenv := cliDB(t)
	if _, err := conn.Exec(ctx, `INSERT INTO countries (iso3, name, source, license, geom) VALUES
		('TJK', 'Tajikistan', 't', 't', ST_Multi(ST_MakeEnvelope(67, 36.6, 75, 41, 4326)));
		INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom)
		VALUES ('MOBIT', 'tj-dca', 'TJK', 50, 8, 6, ST_SetSRID(ST_MakePoint(68.6, 37.2), 4326));
		INSERT INTO plans (agency_id, created_by, request, result) VALUES ('tj-dca', 'test', '{}',
		  '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString",
		    "coordinates":[[68.6,37.2],[68.601,37.2]]},"properties":{"kind":"route","team":1}}]}')`); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen []map[string]string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/api/positions" {
			http.Error(w, "unexpected", http.StatusNotFound)
			return
		}
		q := map[string]string{}
		for k := range r.URL.Query() {
			q[k] = r.URL.Query().Get(k)
		}
		mu.Lock()
		seen = append(seen, q)
		mu.Unlock()
		_, _ = w.Write([]byte(`{"stored":1}`))
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	// 88.9 m at 50 km/h × 4 = 200 km/h (55.6 m/s): two reports 1 s apart
	// drive it, the third finds it at the end.
	err := run(ctx, []string{"borderwatch", "simulate", "-server", srv.URL, "-every", "1s", "-speedup", "4"}, getenv, &out, &errb)
	if err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "team 1 MOBIT: 0.1 km at 200 km/h") {
		t.Fatalf("output %q", out.String())
	}
	if len(seen) < 2 || len(seen) > 4 {
		t.Fatalf("%d reports: %v", len(seen), seen)
	}
	first, last := seen[0], seen[len(seen)-1]
	if !strings.HasPrefix(first["id"], "bwd_") || first["lon"] != "68.600000" || last["lon"] != "68.601000" || last["lat"] != "37.200000" {
		t.Fatalf("reports %v … %v", first, last)
	}
	if kn, _ := strconv.ParseFloat(first["speed"], 64); kn < 107.9 || kn > 108.1 { // 200 km/h in knots
		t.Fatalf("speed %s knots", first["speed"])
	}
	var revoked bool
	if err := conn.QueryRow(ctx, `SELECT revoked_at IS NOT NULL FROM devices`).Scan(&revoked); err != nil || !revoked {
		t.Fatalf("the device is not revoked (%v)", err)
	}
}

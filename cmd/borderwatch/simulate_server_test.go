package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"testing"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
)

// TestSimulateAgainstTheServer: simulate drives a stored plan's team
// through a real server over PostGIS: every report it sends is stored
// once as the team's position from the device simulate created (OsmAnd
// source, in route order, the last at the route's end), each is a
// position entry of the live stream, and the device is revoked at the
// end, so that a late report would be refused.
func TestSimulateAgainstTheServer(t *testing.T) {
	ctx := context.Background()
	conn, getenv := cliDB(t)
	var team int
	if _, err := conn.Exec(ctx, `INSERT INTO countries (iso3, name, source, license, geom) VALUES
		('TJK', 'Tajikistan', 't', 't', ST_Multi(ST_MakeEnvelope(67, 36.6, 75, 41, 4326)))`); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom)
		VALUES ('MOBIT Panj', 'tj-dca', 'TJK', 50, 8, 6, ST_SetSRID(ST_MakePoint(68.6, 37.2), 4326)) RETURNING id`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO plans (agency_id, created_by, request, result) VALUES ('tj-dca', 'test', '{}',
		jsonb_build_object('type', 'FeatureCollection', 'features', jsonb_build_array(jsonb_build_object('type', 'Feature',
		  'geometry', '{"type":"LineString","coordinates":[[68.6,37.2],[68.602,37.2],[68.602,37.201]]}'::jsonb,
		  'properties', jsonb_build_object('kind', 'route', 'team', $1::integer)))))`, team); err != nil {
		t.Fatal(err)
	}
	store, err := openStore(ctx, getenv("DATABASE_URL"), 4, 0, true, noEnv)
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

	var out, errb bytes.Buffer
	// 289 m at 50 km/h × 4 (55.6 m/s), a report every 0.5 s: about 11.
	if err := run(ctx, []string{"borderwatch", "simulate", "-server", srv.URL, "-every", "500ms", "-speedup", "4"}, getenv, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	var (
		n, devices, osmand, entries int
		lastLon, lastLat            float64
		revoked, ordered            bool
	)
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT device_id), count(*) FILTER (WHERE source = 'osmand'),
		(SELECT count(*) FROM stream_entries WHERE type = 'position' AND (payload->>'team')::int = $1),
		(SELECT ST_X(geom) FROM position_records WHERE team_id = $1 ORDER BY fix_time DESC LIMIT 1),
		(SELECT ST_Y(geom) FROM position_records WHERE team_id = $1 ORDER BY fix_time DESC LIMIT 1),
		bool_and(d.revoked_at IS NOT NULL),
		(SELECT bool_and(ok) FROM (SELECT ST_X(geom) >= lag(ST_X(geom), 1, 0.0) OVER (ORDER BY fix_time) AS ok
		                            FROM position_records WHERE team_id = $1) s)
		FROM position_records p JOIN devices d ON d.id = p.device_id AND d.team_id = p.team_id
		WHERE p.team_id = $1`, team).Scan(&n, &devices, &osmand, &entries, &lastLon, &lastLat, &revoked, &ordered); err != nil {
		t.Fatal(err)
	}
	if n < 6 || n > 16 || devices != 1 || osmand != n || entries != n || !revoked || !ordered {
		t.Fatalf("%d positions from %d devices (%d osmand, %d stream entries), revoked %v, in route order %v; output %s",
			n, devices, osmand, entries, revoked, ordered, out.String())
	}
	if math.Abs(lastLon-68.602) > 1e-6 || math.Abs(lastLat-37.201) > 1e-6 {
		t.Fatalf("last position %.6f %.6f, want the route's end 68.602 37.201", lastLon, lastLat)
	}
}

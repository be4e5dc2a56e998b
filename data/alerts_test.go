package data_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// kmNorth is one kilometre of latitude in degrees.
const kmNorth = 1 / 111.195

// trackFixture has a Tajik team whose positions are shared bilaterally, a
// border line along latitude 37 (TJK north, AFG south), partners af-border
// (no coarsening) and kg-border (coarsening), and uz-border without an
// agreement.
type trackFixture struct {
	pool   *pgxpool.Pool
	sys    *data.Store
	rs     *data.Store // restricted, as the service runs
	team   int
	device data.Device
}

func newTrackFixture(t *testing.T) *trackFixture {
	t.Helper()
	u := datatest.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES
		('tj-dca', 'DCA (test)', 'TJK', 'drug_control'), ('af-border', 'ABP (test)', 'AFG', 'border_guard'),
		('uz-border', 'UZ (test)', 'UZB', 'border_guard'), ('kg-border', 'KG (test)', 'KGZ', 'border_guard');
		INSERT INTO countries (iso3, name, source, license, geom) VALUES
		  ('TJK', 'Tajikistan', 't', 't', ST_Multi(ST_MakeEnvelope(67, 37, 75, 41, 4326))),
		  ('AFG', 'Afghanistan', 't', 't', ST_Multi(ST_MakeEnvelope(67, 33, 75, 37, 4326)));
		INSERT INTO borders (id, country_a, country_b, length_km, source, license, geom) VALUES
		  ('AFG-TJK', 'AFG', 'TJK', 700, 't', 't', ST_Multi(ST_Segmentize(ST_SetSRID(ST_MakeLine(ST_MakePoint(67, 37), ST_MakePoint(75, 37)), 4326), 0.02)));
		INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom, position_sharing)
		  VALUES ('MOBIT-1', 'tj-dca', 'TJK', 60, 8, 6, ST_SetSRID(ST_MakePoint(68.6, 37.5), 4326), 'bilateral')`); err != nil {
		t.Fatal(err)
	}
	rs, err := data.Open(ctx, data.Config{URL: u, Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	f := &trackFixture{pool: pool, sys: data.NewFromPool(pool), rs: rs}
	day := "day"
	km := 5000.0
	for _, a := range []data.Agreement{
		{AgencyA: "tj-dca", AgencyB: "af-border"},
		{AgencyA: "tj-dca", AgencyB: "kg-border", CoarsenM: &km, CoarsenTime: &day},
	} {
		if _, err := f.sys.EstablishAgreement(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := pool.QueryRow(ctx, `SELECT id FROM teams`).Scan(&f.team); err != nil {
		t.Fatal(err)
	}
	if _, f.device, err = f.sys.CreateDevice(ctx, f.team, "phone"); err != nil {
		t.Fatal(err)
	}
	return f
}

// report ingests fixes as the device does, through the restricted store.
func (f *trackFixture) report(t *testing.T, now time.Time, fixes ...record.Fix) data.IngestSummary {
	t.Helper()
	items := make([]parse.PositionItem, len(fixes))
	for i, x := range fixes {
		items[i].Position = record.Position{FixTime: x.Time, Location: x.Point, Source: record.SourceOsmAnd}
	}
	ctx := data.WithPrincipal(context.Background(), f.device.Principal("test"))
	sum, err := f.rs.IngestPositions(ctx, data.IngestTarget{TeamID: f.team, DeviceID: f.device.ID}, items, now)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func (f *trackFixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// streamOf reads every entry of type typ that agency sees.
func (f *trackFixture) streamOf(t *testing.T, agency, typ string) []data.StreamEntry {
	t.Helper()
	es, _, err := f.rs.ReadStream(as(agency, "viewer"), 0, []string{typ}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// atKM is a point km kilometres north of the border line.
func atKM(km float64) orb.Point { return orb.Point{68.6, 37 + km*kmNorth} }

// TestPositionStreamAudience: each stored position is one 'position'
// entry, seen by its agency and by the partner whose agreement does not
// coarsen; the coarsening partner and an agency without an agreement see
// none. A team shared with its agency only reaches nobody else.
func TestPositionStreamAudience(t *testing.T) {
	f := newTrackFixture(t)
	now := time.Now()
	sum := f.report(t, now, record.Fix{Time: now.Add(-2 * time.Minute), Point: atKM(20)},
		record.Fix{Time: now.Add(-time.Minute), Point: atKM(21)})
	if sum.Stored != 2 {
		t.Fatalf("stored %+v", sum)
	}
	// A resent fix is a duplicate and adds no entry.
	f.report(t, now, record.Fix{Time: now.Add(-time.Minute), Point: atKM(21)})
	for _, tc := range []struct {
		agency string
		want   int
	}{{"tj-dca", 2}, {"af-border", 2}, {"kg-border", 0}, {"uz-border", 0}} {
		if got := len(f.streamOf(t, tc.agency, "position")); got != tc.want {
			t.Errorf("%s sees %d position entries, want %d", tc.agency, got, tc.want)
		}
	}
	es := f.streamOf(t, "tj-dca", "position")
	var p struct {
		Team int     `json:"team"`
		Lat  float64 `json:"lat"`
	}
	if err := json.Unmarshal(es[1].Payload, &p); err != nil || p.Team != f.team || p.Lat != atKM(21)[1] {
		t.Fatalf("entry %s: %+v %v", es[1].Payload, p, err)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE teams SET position_sharing = 'agency'`); err != nil {
		t.Fatal(err)
	}
	f.report(t, now, record.Fix{Time: now, Point: atKM(22)})
	if got := len(f.streamOf(t, "af-border", "position")); got != 2 {
		t.Errorf("a team shared with its agency only: the partner sees %d entries, want the 2 before", got)
	}
	if got := len(f.streamOf(t, "tj-dca", "position")); got != 3 {
		t.Errorf("the owner sees %d entries, want 3", got)
	}
}

// TestBorderAlertOncePerEpisode: a team that comes within 2 km of the
// border raises one alert however long it stays near (and while it stays
// within 1.2 × 2 km), a new one only after it went farther; older fixes
// uploaded late raise nothing. Alerts reach the team's agency only, and
// each is audited.
func TestBorderAlertOncePerEpisode(t *testing.T) {
	f := newTrackFixture(t)
	now := time.Now()
	start := now.Add(-time.Hour)
	steps := []float64{10, 1.5, 0.5, 2.2, 1.8, 5, 1}
	for i, km := range steps {
		if sum := f.report(t, now, record.Fix{Time: start.Add(time.Duration(i) * 5 * time.Minute), Point: atKM(km)}); sum.Stored != 1 {
			t.Fatalf("step %d: %+v", i, sum)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM alerts WHERE kind = 'border_near'`); n != 2 {
		t.Fatalf("%d border alerts, want 2 (one per episode)", n)
	}
	if n := f.count(t, `SELECT count(*) FROM alerts WHERE kind = 'border_near' AND cleared_at IS NULL`); n != 1 {
		t.Fatalf("%d open border episodes, want 1", n)
	}
	// A batch that goes near and away and near again: two more episodes,
	// evaluated in fix order although sent out of order.
	t0 := start.Add(40 * time.Minute)
	f.report(t, now, record.Fix{Time: t0.Add(5 * time.Minute), Point: atKM(1)}, record.Fix{Time: t0, Point: atKM(9)},
		record.Fix{Time: t0.Add(time.Minute), Point: atKM(8)})
	if n := f.count(t, `SELECT count(*) FROM alerts WHERE kind = 'border_near'`); n != 3 {
		t.Fatalf("%d border alerts after leaving and coming back, want 3", n)
	}
	// A late fix from before the latest one is history: no alert.
	late := f.report(t, now, record.Fix{Time: start.Add(2 * time.Minute), Point: atKM(5)},
		record.Fix{Time: start.Add(4 * time.Minute), Point: atKM(0.1)})
	if late.Stored != 2 {
		t.Fatalf("late fixes: %+v", late)
	}
	if n := f.count(t, `SELECT count(*) FROM alerts WHERE kind = 'border_near'`); n != 3 {
		t.Fatalf("late fixes changed the alerts: %d, want 3", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'alert.raise'`); n != 3 {
		t.Fatalf("%d alert.raise audit entries, want 3", n)
	}
	if got := len(f.streamOf(t, "tj-dca", "alert")); got != 3 {
		t.Errorf("the agency sees %d alert entries, want 3", got)
	}
	if got := len(f.streamOf(t, "af-border", "alert")); got != 0 {
		t.Errorf("a partner sees %d alert entries, want none", got)
	}
	alerts, err := f.rs.Alerts(as("tj-dca", "viewer"), data.AlertFilter{Open: true, Limit: 10})
	if err != nil || len(alerts) != 1 || alerts[0].Kind != data.AlertBorderNear || alerts[0].TeamName != "MOBIT-1" {
		t.Fatalf("open alerts %+v %v", alerts, err)
	}
	var d struct {
		DistanceM float64 `json:"distance_m"`
	}
	if err := json.Unmarshal(alerts[0].Detail, &d); err != nil || d.DistanceM < 990 || d.DistanceM > 1010 {
		t.Fatalf("detail %s", alerts[0].Detail)
	}
	if other, err := f.rs.Alerts(as("af-border", "admin"), data.AlertFilter{Limit: 10}); err != nil || len(other) != 0 {
		t.Fatalf("a partner lists %d alerts (%v)", len(other), err)
	}
}

// TestAckAlert: a viewer may not acknowledge, another agency does not find
// the alert, a planner of the agency acknowledges it once (audited,
// streamed).
func TestAckAlert(t *testing.T) {
	f := newTrackFixture(t)
	now := time.Now()
	f.report(t, now, record.Fix{Time: now.Add(-time.Minute), Point: atKM(0.5)})
	var id int64
	if err := f.pool.QueryRow(context.Background(), `SELECT id FROM alerts`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rs.AckAlert(as("tj-dca", "viewer"), id); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("viewer ack: %v", err)
	}
	if _, err := f.rs.AckAlert(as("af-border", "admin"), id); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("another agency's ack: %v", err)
	}
	if ok, err := f.rs.AckAlert(as("tj-dca", "planner"), id); !ok || err != nil {
		t.Fatalf("planner ack: %v %v", ok, err)
	}
	if ok, err := f.rs.AckAlert(as("tj-dca", "planner"), id); ok || err != nil {
		t.Fatalf("second ack: %v %v", ok, err)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'alert.ack'`); n != 1 {
		t.Fatalf("%d alert.ack audit entries", n)
	}
	if got := len(f.streamOf(t, "tj-dca", "alert")); got != 2 {
		t.Fatalf("%d alert entries, want raised and acknowledged", got)
	}
}

// insertPlan stores a plan of tj-dca with a route for team from depart to
// back and the given stops.
func insertPlan(t *testing.T, pool *pgxpool.Pool, team int, depart, back time.Time, stops ...orb.Point) {
	t.Helper()
	feats := []map[string]any{{"type": "Feature", "geometry": map[string]any{"type": "LineString",
		"coordinates": [][]float64{{68.6, 37.5}, {68.7, 37.5}}},
		"properties": map[string]any{"kind": "route", "team": team, "team_name": "MOBIT-1",
			"depart": depart.UTC().Format(time.RFC3339), "return": back.UTC().Format(time.RFC3339)}}}
	for i, p := range stops {
		feats = append(feats, map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point",
			"coordinates": []float64{p[0], p[1]}},
			"properties": map[string]any{"kind": "stop", "team": team, "seq": i + 1, "name": "stop",
				"eta":    depart.Add(time.Duration(i+1) * time.Hour).UTC().Format(time.RFC3339),
				"depart": depart.Add(time.Duration(i+1)*time.Hour + 10*time.Minute).UTC().Format(time.RFC3339)}})
	}
	res, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	if _, err := pool.Exec(context.Background(), `INSERT INTO plans (agency_id, created_by, request, result)
		VALUES ('tj-dca', 'test', '{"teams": []}', $1)`, res); err != nil {
		t.Fatal(err)
	}
}

// TestSilenceAlert: a team on shift that sent nothing for more than 30
// minutes raises one alert however often the check runs; its next fix ends
// the episode, and a new silence raises a new one. Off shift nothing is
// raised. A check while another replica holds the lock does nothing.
func TestSilenceAlert(t *testing.T) {
	f := newTrackFixture(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	f.report(t, now, record.Fix{Time: now.Add(-50 * time.Minute), Point: atKM(20)})
	// Not on shift: no plan.
	if n, ran, err := f.sys.CheckSilences(ctx, now); err != nil || !ran || n != 0 {
		t.Fatalf("off shift: %d %v %v", n, ran, err)
	}
	insertPlan(t, f.pool, f.team, now.Add(-2*time.Hour), now.Add(6*time.Hour))
	for i := range 3 {
		n, ran, err := f.sys.CheckSilences(ctx, now.Add(time.Duration(i)*time.Minute))
		want := 0
		if i == 0 {
			want = 1
		}
		if err != nil || !ran || n != want {
			t.Fatalf("check %d: raised %d %v %v", i, n, ran, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM alerts WHERE kind = 'silent'`); n != 1 {
		t.Fatalf("%d silence alerts, want 1", n)
	}
	// 20 minutes of silence is within the limit.
	f.report(t, now, record.Fix{Time: now, Point: atKM(20)})
	if n := f.count(t, `SELECT count(*) FROM alerts WHERE kind = 'silent' AND cleared_at IS NULL`); n != 0 {
		t.Fatalf("a fix left %d silences open", n)
	}
	if n, _, err := f.sys.CheckSilences(ctx, now.Add(20*time.Minute)); err != nil || n != 0 {
		t.Fatalf("20 min: %d %v", n, err)
	}
	// Another replica checks: this one skips.
	tx, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(727290, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, ran, err := f.sys.CheckSilences(ctx, now.Add(45*time.Minute)); err != nil || ran {
		t.Fatalf("checked while another held the lock: %v %v", ran, err)
	}
	_ = tx.Rollback(ctx)
	if n, ran, err := f.sys.CheckSilences(ctx, now.Add(45*time.Minute)); err != nil || !ran || n != 1 {
		t.Fatalf("45 min: %d %v %v", n, ran, err)
	}
	if got := len(f.streamOf(t, "tj-dca", "alert")); got != 2 {
		t.Fatalf("%d alert entries, want 2", got)
	}
	// The shift ends: the silence is over.
	if _, _, err := f.sys.CheckSilences(ctx, now.Add(7*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM alerts WHERE cleared_at IS NULL`); n != 0 {
		t.Fatalf("%d alerts open after the shift", n)
	}
}

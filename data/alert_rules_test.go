package data_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// zoneAround is a drawn square zone of about 2 km around atKM(km).
func zoneAround(km float64) orb.MultiPolygon {
	c := atKM(km)
	d := kmNorth
	return orb.MultiPolygon{{{{c[0] - d, c[1] - d}, {c[0] + d, c[1] - d}, {c[0] + d, c[1] + d}, {c[0] - d, c[1] + d}, {c[0] - d, c[1] - d}}}}
}

func ptr[T any](v T) *T { return &v }

// addRule stores a rule of tj-dca as its admin, through the restricted
// store.
func (f *trackFixture) addRule(t *testing.T, r record.AlertRule) data.AlertRule {
	t.Helper()
	if r.Name == "" {
		r.Name = r.Kind
	}
	r.Enabled = true
	out, err := f.rs.CreateAlertRule(as("tj-dca", "admin"), "tj-dca", r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reportBattery ingests one fix with a battery level.
func (f *trackFixture) reportBattery(t *testing.T, now, at time.Time, pt orb.Point, batt float64) {
	t.Helper()
	items := []parse.PositionItem{{Position: record.Position{FixTime: at, Location: pt, Source: record.SourceOsmAnd, BatteryPct: &batt}}}
	ctx := data.WithPrincipal(context.Background(), f.device.Principal("test"))
	if sum, err := f.rs.IngestPositions(ctx, data.IngestTarget{TeamID: f.team, DeviceID: f.device.ID}, items, now); err != nil || sum.Stored != 1 {
		t.Fatalf("ingest: %+v %v", sum, err)
	}
}

// alertsOf counts the alerts of kind, and those still open.
func (f *trackFixture) alertsOf(t *testing.T, kind string) (all, open int) {
	t.Helper()
	return f.count(t, `SELECT count(*) FROM alerts WHERE kind = $1`, kind),
		f.count(t, `SELECT count(*) FROM alerts WHERE kind = $1 AND cleared_at IS NULL`, kind)
}

func (f *trackFixture) wantAlerts(t *testing.T, step, kind string, all, open int) {
	t.Helper()
	if a, o := f.alertsOf(t, kind); a != all || o != open {
		t.Fatalf("%s: %s alerts %d (open %d), want %d (open %d)", step, kind, a, o, all, open)
	}
}

// TestAlertRulesAreTheAgencyAdmins: only an agency's admins write its
// rules, its other users read them, other agencies see none; every write
// is audited; a team of another agency and a bad polygon are refused with
// the field named.
func TestAlertRulesAreTheAgencyAdmins(t *testing.T) {
	f := newTrackFixture(t)
	r := record.AlertRule{Name: "low battery", Kind: record.RuleBatteryLow, BatteryPct: ptr(15.0), Enabled: true}
	if _, err := f.rs.CreateAlertRule(as("tj-dca", "planner"), "tj-dca", r); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("a planner wrote a rule: %v", err)
	}
	if _, err := f.rs.CreateAlertRule(as("af-border", "admin"), "tj-dca", r); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("another agency's admin wrote a rule: %v", err)
	}
	got := f.addRule(t, r)
	if got.ID == 0 || got.AgencyID != "tj-dca" || got.CreatedBy != "test:tj-dca" {
		t.Fatalf("created %+v", got)
	}
	if rs, err := f.rs.AlertRules(as("tj-dca", "viewer")); err != nil || len(rs) != 1 {
		t.Fatalf("a viewer lists %d rules (%v)", len(rs), err)
	}
	if rs, err := f.rs.AlertRules(as("af-border", "admin")); err != nil || len(rs) != 0 {
		t.Fatalf("another agency lists %d rules (%v)", len(rs), err)
	}
	other := r
	other.TeamID = 99999
	if _, err := f.rs.CreateAlertRule(as("tj-dca", "admin"), "tj-dca", other); !slices.Equal(record.FieldNames(err), []string{"team"}) {
		t.Fatalf("a foreign team: %v", err)
	}
	bow := record.AlertRule{Name: "bow tie", Kind: record.RuleZoneEnter, ZoneSource: record.ZoneDrawn, Enabled: true,
		Zone: orb.MultiPolygon{{{{68, 38}, {69, 39}, {69, 38}, {68, 39}, {68, 38}}}}}
	if _, err := f.rs.CreateAlertRule(as("tj-dca", "admin"), "tj-dca", bow); !slices.Equal(record.FieldNames(err), []string{"zone"}) {
		t.Fatalf("a self-crossing zone: %v", err)
	}
	r.BatteryPct = ptr(20.0)
	if _, err := f.rs.UpdateAlertRule(as("tj-dca", "planner"), got.ID, r); !errors.Is(err, data.ErrNotFound) && !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("a planner updated a rule: %v", err)
	}
	upd, err := f.rs.UpdateAlertRule(as("tj-dca", "admin"), got.ID, r)
	if err != nil || *upd.BatteryPct != 20 {
		t.Fatalf("update: %+v %v", upd, err)
	}
	if err := f.rs.DeleteAlertRule(as("af-border", "admin"), got.ID); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("another agency deleted a rule: %v", err)
	}
	if err := f.rs.DeleteAlertRule(as("tj-dca", "admin"), got.ID); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"alert_rule.create", "alert_rule.update", "alert_rule.delete"} {
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = $1`, a); n != 1 {
			t.Errorf("%d %s audit entries, want 1", n, a)
		}
	}
}

// TestZoneEnterAndLeave: entering a drawn zone raises zone_enter once per
// visit, leaving it raises zone_leave; each clears the other; a fix that
// arrives late (older than the latest) changes no side and raises nothing.
// The rule is written through another store (another replica) after the
// ingesting store built its fence index: the generation read in the
// ingest's transaction makes it rebuild.
func TestZoneEnterAndLeave(t *testing.T) {
	f := newTrackFixture(t)
	now := time.Now()
	t0 := now.Add(-2 * time.Hour)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	f.report(t, now, record.Fix{Time: at(0), Point: atKM(30)}) // builds the ingesting store's index
	other := f.sys
	enter, err := other.CreateAlertRule(as("tj-dca", "admin"), "tj-dca", record.AlertRule{Name: "dam", Kind: record.RuleZoneEnter,
		ZoneSource: record.ZoneDrawn, Zone: zoneAround(20), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CreateAlertRule(as("tj-dca", "admin"), "tj-dca", record.AlertRule{Name: "dam", Kind: record.RuleZoneLeave,
		ZoneSource: record.ZoneDrawn, Zone: zoneAround(20), Enabled: true}); err != nil {
		t.Fatal(err)
	}
	f.report(t, now, record.Fix{Time: at(5), Point: atKM(29)})
	f.wantAlerts(t, "outside", "zone_enter", 0, 0)
	f.report(t, now, record.Fix{Time: at(10), Point: atKM(20)})
	f.wantAlerts(t, "entered", "zone_enter", 1, 1)
	f.report(t, now, record.Fix{Time: at(15), Point: atKM(20.5)}, record.Fix{Time: at(20), Point: atKM(19.5)})
	f.wantAlerts(t, "stays inside", "zone_enter", 1, 1)
	f.wantAlerts(t, "stays inside", "zone_leave", 0, 0)
	// A fix from before the latest, outside: history, no crossing.
	f.report(t, now, record.Fix{Time: at(12), Point: atKM(40)})
	f.wantAlerts(t, "late fix outside", "zone_leave", 0, 0)
	f.wantAlerts(t, "late fix outside", "zone_enter", 1, 1)
	f.report(t, now, record.Fix{Time: at(25), Point: atKM(25)})
	f.wantAlerts(t, "left", "zone_leave", 1, 1)
	f.wantAlerts(t, "left", "zone_enter", 1, 0)
	// A batch sent out of order: back in, out, in (fix order decides).
	f.report(t, now, record.Fix{Time: at(40), Point: atKM(20)}, record.Fix{Time: at(30), Point: atKM(20)},
		record.Fix{Time: at(35), Point: atKM(26)})
	f.wantAlerts(t, "batch", "zone_enter", 3, 1)
	f.wantAlerts(t, "batch", "zone_leave", 2, 0)
	var rule *int64
	if err := f.pool.QueryRow(context.Background(), `SELECT rule_id FROM alerts WHERE kind = 'zone_enter' AND cleared_at IS NULL`).Scan(&rule); err != nil || rule == nil || *rule != enter.ID {
		t.Fatalf("the open episode names rule %v (%v), want %d", rule, err, enter.ID)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'alert.raise'`); n != 5 {
		t.Errorf("%d alert.raise audit entries, want 5", n)
	}
	if got := len(f.streamOf(t, "tj-dca", "alert")); got != 5 {
		t.Errorf("%d alert entries on the stream, want 5", got)
	}
	// Deleting the rule ends its episode.
	if err := other.DeleteAlertRule(as("tj-dca", "admin"), enter.ID); err != nil {
		t.Fatal(err)
	}
	f.wantAlerts(t, "rule deleted", "zone_enter", 3, 0)
	f.report(t, now, record.Fix{Time: at(45), Point: atKM(40)}, record.Fix{Time: at(50), Point: atKM(20)})
	f.wantAlerts(t, "rule deleted", "zone_enter", 3, 0)
}

// TestZoneOfASectorAndTeamScope: a sector's outline is the zone; a rule
// for another team does not apply.
func TestZoneOfASectorAndTeamScope(t *testing.T) {
	f := newTrackFixture(t)
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `INSERT INTO sectors (id, sector_set, name, border_km, area_km2, source, geom)
		VALUES ('s1', 'test', 'S1', 10, 100, 'imported', ST_Multi(ST_MakeEnvelope(68.5, 37.1, 68.7, 37.2, 4326)));
		INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom)
		VALUES ('MOBIT-2', 'tj-dca', 'TJK', 60, 8, 6, ST_SetSRID(ST_MakePoint(69, 38), 4326))`); err != nil {
		t.Fatal(err)
	}
	var team2 int
	if err := f.pool.QueryRow(ctx, `SELECT id FROM teams WHERE name = 'MOBIT-2'`).Scan(&team2); err != nil {
		t.Fatal(err)
	}
	f.addRule(t, record.AlertRule{Kind: record.RuleZoneEnter, ZoneSource: record.ZoneSector, SectorID: "s1", TeamID: team2})
	now := time.Now()
	f.report(t, now, record.Fix{Time: now.Add(-10 * time.Minute), Point: atKM(15)})
	f.wantAlerts(t, "rule of another team", "zone_enter", 0, 0)
	sector := f.addRule(t, record.AlertRule{Kind: record.RuleZoneEnter, ZoneSource: record.ZoneSector, SectorID: "s1"})
	if len(sector.Zone) != 1 {
		t.Fatalf("the sector rule has zone %v", sector.Zone)
	}
	f.report(t, now, record.Fix{Time: now.Add(-5 * time.Minute), Point: atKM(15)})
	f.wantAlerts(t, "inside the sector", "zone_enter", 1, 1)
	var d struct {
		Sector string `json:"sector"`
	}
	var raw []byte
	if err := f.pool.QueryRow(ctx, `SELECT detail FROM alerts`).Scan(&raw); err != nil || json.Unmarshal(raw, &d) != nil || d.Sector != "s1" {
		t.Fatalf("detail %s %v", raw, err)
	}
}

// TestBorderCrossing: a fix outside the team's country by more than the
// tolerance raises border_cross once; fixes within the tolerance do not;
// coming back clears it; a late fix from the other side raises nothing.
// Proximity (border_near) is raised separately.
func TestBorderCrossing(t *testing.T) {
	f := newTrackFixture(t)
	// The fixture's outlines have long edges: a geodesic edge between
	// (67, 37) and (75, 37) bulges kilometres north of the parallel that
	// the planar test reads; densified, both agree within centimetres.
	if _, err := f.pool.Exec(context.Background(), `UPDATE countries SET geom = ST_Multi(ST_Segmentize(geom, 0.01))`); err != nil {
		t.Fatal(err)
	}
	f.addRule(t, record.AlertRule{Kind: record.RuleBorderCross})
	now := time.Now()
	t0 := now.Add(-2 * time.Hour)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	f.report(t, now, record.Fix{Time: at(0), Point: atKM(1)}, record.Fix{Time: at(5), Point: atKM(-0.03)})
	f.wantAlerts(t, "30 m over (tolerance 50 m)", "border_cross", 0, 0)
	f.wantAlerts(t, "near", "border_near", 1, 1)
	f.report(t, now, record.Fix{Time: at(10), Point: atKM(-1)}, record.Fix{Time: at(15), Point: atKM(-3)})
	f.wantAlerts(t, "crossed", "border_cross", 1, 1)
	var d struct {
		Home    string `json:"home"`
		Country string `json:"country"`
	}
	var raw []byte
	if err := f.pool.QueryRow(context.Background(), `SELECT detail FROM alerts WHERE kind = 'border_cross'`).Scan(&raw); err != nil ||
		json.Unmarshal(raw, &d) != nil || d.Home != "TJK" || d.Country != "AFG" {
		t.Fatalf("detail %s %v", raw, err)
	}
	f.report(t, now, record.Fix{Time: at(20), Point: atKM(2)})
	f.wantAlerts(t, "back", "border_cross", 1, 0)
	// A fix from the other side, older than the latest: no false crossing.
	f.report(t, now, record.Fix{Time: at(17), Point: atKM(-2)})
	f.wantAlerts(t, "late fix across", "border_cross", 1, 0)
	f.report(t, now, record.Fix{Time: at(25), Point: atKM(-2)})
	f.wantAlerts(t, "crossed again", "border_cross", 2, 1)
}

// TestImmobileAwayFromBase: a team that stays within 100 m for 20 minutes
// away from its base raises immobile once; moving on clears it; staying at
// the base raises nothing.
func TestImmobileAwayFromBase(t *testing.T) {
	f := newTrackFixture(t)
	f.addRule(t, record.AlertRule{Kind: record.RuleImmobile, Minutes: ptr(20.0), DistanceM: ptr(100.0), BaseM: ptr(1000.0)})
	now := time.Now()
	t0 := now.Add(-3 * time.Hour)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	jiggle := func(km float64, i int) orb.Point { p := atKM(km); p[0] += float64(i%2) * 0.0003; return p } // ~27 m
	for i := 0; i <= 3; i++ {
		f.report(t, now, record.Fix{Time: at(i * 5), Point: jiggle(20, i)})
	}
	f.wantAlerts(t, "15 minutes still", "immobile", 0, 0)
	f.report(t, now, record.Fix{Time: at(20), Point: jiggle(20, 4)})
	f.wantAlerts(t, "20 minutes still", "immobile", 1, 1)
	f.report(t, now, record.Fix{Time: at(25), Point: jiggle(20, 5)}, record.Fix{Time: at(30), Point: jiggle(20, 6)})
	f.wantAlerts(t, "still", "immobile", 1, 1)
	f.report(t, now, record.Fix{Time: at(35), Point: atKM(21)})
	f.wantAlerts(t, "moved on", "immobile", 1, 0)
	// At the base (37.5° N, 55.6 km north of the line) for an hour.
	base := (37.5 - 37) / kmNorth
	for i := 0; i <= 12; i++ {
		f.report(t, now, record.Fix{Time: at(40 + i*5), Point: jiggle(base, i)})
	}
	f.wantAlerts(t, "at the base", "immobile", 1, 0)
}

// TestBatteryLow: below the threshold raises once; the episode ends at the
// threshold + 5; a new drop raises again.
func TestBatteryLow(t *testing.T) {
	f := newTrackFixture(t)
	f.addRule(t, record.AlertRule{Kind: record.RuleBatteryLow, BatteryPct: ptr(15.0)})
	now := time.Now()
	t0 := now.Add(-time.Hour)
	steps := []struct {
		batt      float64
		all, open int
	}{{50, 0, 0}, {12, 1, 1}, {10, 1, 1}, {18, 1, 1}, {21, 1, 0}, {14.9, 2, 1}}
	for i, s := range steps {
		f.reportBattery(t, now, t0.Add(time.Duration(i)*time.Minute), atKM(20), s.batt)
		f.wantAlerts(t, "battery", "battery_low", s.all, s.open)
	}
}

// TestRulesReplaceTheTeamDefaults: an agency's border_near and silent
// rules replace the 2 km and 30 minutes defaults, and a team's own rule
// wins over the agency's rule for every team.
func TestRulesReplaceTheTeamDefaults(t *testing.T) {
	f := newTrackFixture(t)
	f.addRule(t, record.AlertRule{Kind: record.RuleBorderNear, DistanceM: ptr(500.0)})
	now := time.Now().Truncate(time.Second)
	f.report(t, now, record.Fix{Time: now.Add(-50 * time.Minute), Point: atKM(1)})
	f.wantAlerts(t, "1 km with a 500 m rule", "border_near", 0, 0)
	f.addRule(t, record.AlertRule{Kind: record.RuleBorderNear, DistanceM: ptr(1500.0), TeamID: f.team})
	f.report(t, now, record.Fix{Time: now.Add(-45 * time.Minute), Point: atKM(1)})
	f.wantAlerts(t, "1 km with the team's 1500 m rule", "border_near", 1, 1)
	insertPlan(t, f.pool, f.team, now.Add(-2*time.Hour), now.Add(6*time.Hour))
	f.addRule(t, record.AlertRule{Kind: record.RuleSilent, Minutes: ptr(60.0)})
	if n, _, err := f.sys.CheckSilences(context.Background(), now); err != nil || n != 0 {
		t.Fatalf("45 minutes silent with a 60-minute rule: %d alerts (%v)", n, err)
	}
	if n, _, err := f.sys.CheckSilences(context.Background(), now.Add(20*time.Minute)); err != nil || n != 1 {
		t.Fatalf("65 minutes silent with a 60-minute rule: %d alerts (%v)", n, err)
	}
}

// TestFenceIndexFollowsRulesAcrossReplicas: a replica that follows
// bw_fences rebuilds its index when another replica writes a rule, without
// an ingest of its own; disabling the rule takes its fence out again.
func TestFenceIndexFollowsRulesAcrossReplicas(t *testing.T) {
	f := newTrackFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.rs.WatchFences(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	defer func() { cancel(); <-done }()
	// After the first pull, each change must arrive well before the feed's
	// 5 s poll: through the notification.
	within := 20 * time.Second
	waitFences := func(what string, want int) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			if _, n := f.rs.FenceGeneration(); n == want {
				return
			}
			if time.Now().After(deadline) {
				gen, n := f.rs.FenceGeneration()
				t.Fatalf("%s: the replica has %d fences (generation %d), want %d", what, n, gen, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFences("no rules", 0)
	within = 3 * time.Second
	r := record.AlertRule{Name: "dam", Kind: record.RuleZoneEnter, ZoneSource: record.ZoneDrawn, Zone: zoneAround(20), Enabled: true}
	stored, err := f.sys.CreateAlertRule(as("tj-dca", "admin"), "tj-dca", r)
	if err != nil {
		t.Fatal(err)
	}
	waitFences("a rule written elsewhere", 1)
	r.Enabled = false
	if _, err := f.sys.UpdateAlertRule(as("tj-dca", "admin"), stored.ID, r); err != nil {
		t.Fatal(err)
	}
	waitFences("the rule disabled", 0)
}

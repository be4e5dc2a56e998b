package data_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// TestSectorEffort: a synthetic track of seven fixes ten minutes apart
// inside sector A (one hour; kilometres as PostGIS measures the same line
// on the spheroid), a 30-minute gap (counted nowhere), then two fixes ten
// minutes apart in sector B (1/6 h). Sector C saw nobody; a partner that
// coarsens sees no effort, one that does not sees it all.
func TestSectorEffort(t *testing.T) {
	f := newTrackFixture(t)
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `INSERT INTO sectors (id, sector_set, name, border_km, area_km2, source, geom) VALUES
		('A', 'test', 'A', 0, 1, 'imported', ST_Multi(ST_MakeEnvelope(68.5, 37.1, 68.7, 37.3, 4326))),
		('B', 'test', 'B', 0, 1, 'imported', ST_Multi(ST_MakeEnvelope(68.7, 37.1, 68.9, 37.3, 4326))),
		('C', 'test', 'C', 0, 1, 'imported', ST_Multi(ST_MakeEnvelope(69.0, 37.1, 69.2, 37.3, 4326)))`); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	t0 := now.Add(-3 * time.Hour)
	var fixes []record.Fix
	for i := range 7 {
		fixes = append(fixes, record.Fix{Time: t0.Add(time.Duration(i) * 10 * time.Minute), Point: orb.Point{68.55 + float64(i)*0.02, 37.2}})
	}
	tb := t0.Add(90 * time.Minute)
	fixes = append(fixes, record.Fix{Time: tb, Point: orb.Point{68.75, 37.2}}, record.Fix{Time: tb.Add(10 * time.Minute), Point: orb.Point{68.80, 37.2}})
	if sum := f.report(t, now, fixes...); sum.Stored != len(fixes) {
		t.Fatalf("stored %+v", sum)
	}
	var wantA, wantB float64
	if err := f.pool.QueryRow(ctx, `SELECT ST_Length(ST_SetSRID(ST_MakeLine(ST_MakePoint(68.55, 37.2), ST_MakePoint(68.67, 37.2)), 4326)::geography) / 1000,
		ST_Length(ST_SetSRID(ST_MakeLine(ST_MakePoint(68.75, 37.2), ST_MakePoint(68.80, 37.2)), 4326)::geography) / 1000`).Scan(&wantA, &wantB); err != nil {
		t.Fatal(err)
	}
	eff, err := f.rs.SectorEffort(as("tj-dca", "viewer"), "test", now.Add(-24*time.Hour), now.Add(time.Minute))
	if err != nil || len(eff) != 3 {
		t.Fatalf("%+v %v", eff, err)
	}
	want := []struct{ hours, km float64 }{{1, wantA}, {1.0 / 6, wantB}, {0, 0}}
	for i, w := range want {
		if math.Abs(eff[i].Hours-w.hours) > 1e-9 || math.Abs(eff[i].KM-w.km) > 1e-6 {
			t.Errorf("sector %s: %.6f h %.6f km, want %.6f h %.6f km", eff[i].SectorID, eff[i].Hours, eff[i].KM, w.hours, w.km)
		}
	}
	if eff[0].Teams != 1 || eff[0].Fixes != 7 || eff[2].Teams != 0 {
		t.Errorf("teams and fixes %+v", eff)
	}
	for agency, wantH := range map[string]float64{"af-border": 1, "kg-border": 0, "uz-border": 0} {
		e, err := f.rs.SectorEffort(as(agency, "viewer"), "test", now.Add(-24*time.Hour), now.Add(time.Minute))
		if err != nil || math.Abs(e[0].Hours-wantH) > 1e-9 {
			t.Errorf("%s sees %+v (%v), want %v h in A", agency, e, err, wantH)
		}
	}
	if _, err := f.rs.SectorEffort(as("tj-dca", "viewer"), "test", now, now); err == nil {
		t.Error("an empty period was accepted")
	}
	// Sector risk: two seizures in A over wantA patrol-km are
	// 200 / wantA per 100 patrol-km; C, never patrolled, has none (NaN).
	if _, err := f.pool.Exec(ctx, `INSERT INTO event_records (agency_id, kind, occurred_at, geom, items)
		SELECT 'tj-dca', 'seizure', $1, ST_SetSRID(ST_MakePoint(68.6, 37.25), 4326), '[{"drug": "heroin", "quantity": 1, "unit": "kg"}]'
		FROM generate_series(1, 2)`, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	res, err := f.rs.SectorRisk(as("tj-dca", "viewer"), data.RiskQuery{Set: "test", Period: data.Period{Start: now.Add(-24 * time.Hour), End: now.Add(time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]data.SectorRisk{}
	for _, r := range res.Sectors {
		got[r.Sector.ID] = r
	}
	if a := got["A"]; a.Seizures != 2 || math.Abs(a.PatrolKM-wantA) > 1e-6 || math.Abs(a.PatrolHours-1) > 1e-9 ||
		math.Abs(a.SeizuresPer100PatrolKM-200/wantA) > 1e-5 || a.IncidentsPer100PatrolKM != 0 {
		t.Errorf("risk of A: %d seizures, %.6f km, %.6f h, %.6f per 100 patrol-km (want %.6f)", a.Seizures, a.PatrolKM,
			a.PatrolHours, a.SeizuresPer100PatrolKM, 200/wantA)
	}
	if c := got["C"]; !math.IsNaN(c.SeizuresPer100PatrolKM) {
		t.Errorf("risk of C (never patrolled): %v per 100 patrol-km, want NaN", c.SeizuresPer100PatrolKM)
	}
}

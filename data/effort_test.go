package data_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

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
}

package planner

import (
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// TestCompareShift: a track east along the equator, 0.01° a step (1113.19
// m on orb/geo's sphere of radius 6378137 m), beside three stops: one 222.6
// m off the track (visited at R = 300 m, not at R = 200 m), one 1113 m
// off whose departure is past (skipped), one as far whose departure is to
// come (pending).
func TestCompareShift(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC)
	var track []TrackFix
	for i := range 4 {
		track = append(track, TrackFix{Time: t0.Add(time.Duration(i) * 10 * time.Minute), Point: orb.Point{float64(i) * 0.01, 0}})
	}
	now := t0.Add(2 * time.Hour)
	stops := []PlannedStop{
		{Seq: 1, Point: orb.Point{0.01, 0.002}, Depart: t0.Add(time.Hour)},
		{Seq: 2, Point: orb.Point{0.02, 0.01}, Depart: t0.Add(time.Hour)},
		{Seq: 3, Point: orb.Point{0.02, 0.01}, Depart: t0.Add(3 * time.Hour)},
	}
	wantKM := 3 * 0.01 * math.Pi / 180 * 6378137 / 1000
	for _, tc := range []struct {
		name    string
		radiusM float64
		want    []string
	}{
		{"300 m", 300, []string{StopVisited, StopSkipped, StopPending}},
		{"200 m", 200, []string{StopSkipped, StopSkipped, StopPending}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			visits, km := CompareShift(track, stops, tc.radiusM, now)
			if math.Abs(km-wantKM) > 1e-6 {
				t.Errorf("distance %.6f km, want %.6f", km, wantKM)
			}
			for i, v := range visits {
				if v.Status != tc.want[i] {
					t.Errorf("stop %d: %s, want %s", i+1, v.Status, tc.want[i])
				}
			}
			if math.Abs(visits[0].NearestM-222.64) > 0.05 {
				t.Errorf("nearest %.3f m, want 222.64", visits[0].NearestM)
			}
			if tc.radiusM == 300 && (visits[0].VisitedAt == nil || !visits[0].VisitedAt.Equal(track[1].Time)) {
				t.Errorf("visited at %v, want %v", visits[0].VisitedAt, track[1].Time)
			}
		})
	}
	if v, km := CompareShift(nil, stops[:1], 300, now); km != 0 || v[0].NearestM != -1 || v[0].Status != StopSkipped {
		t.Errorf("no track: %+v %v", v, km)
	}
}

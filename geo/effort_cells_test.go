package geo

import (
	"context"
	"math"
	"testing"
)

// seg is a segment between two projected points, as lon/lat.
func seg(team int, ax, ay, bx, by, hours float64) TrackSegment {
	lon0, lat0 := UnprojectXY(ax, ay)
	lon1, lat1 := UnprojectXY(bx, by)
	return TrackSegment{TeamID: team, From: [2]float64{lon0, lat0}, To: [2]float64{lon1, lat1}, Hours: hours}
}

// TestEffortByCell: a segment from the centre of cell (0,0) to the centre
// of (1,0) lies half in each (their shared edge is at x = CellM/2); one
// from the centre of (0,0) along +x for 3.4 cells crosses (0,0) for half
// a cell, (1,0) and (2,0) for a whole one each and (3,0) for 3.4 − 2.5 =
// 0.9, with the hours in the same shares; a standing team puts its hours in its cell; a long diagonal's
// pieces add up to its length and hours.
func TestEffortByCell(t *testing.T) {
	const cellM = 1000.0
	g := HexGrid{CellM: cellM}
	type want struct {
		h         Hex
		km, hours float64
		teams     int
	}
	for _, tc := range []struct {
		name string
		segs []TrackSegment
		want []want
	}{
		{"two halves", []TrackSegment{seg(1, 0, 0, cellM, 0, 1)}, []want{{Hex{0, 0}, 0.5, 0.5, 1}, {Hex{1, 0}, 0.5, 0.5, 1}}},
		{"along a row", []TrackSegment{seg(1, 0, 0, 3.4*cellM, 0, 3.4)},
			[]want{{Hex{0, 0}, 0.5, 0.5, 1}, {Hex{1, 0}, 1, 1, 1}, {Hex{2, 0}, 1, 1, 1}, {Hex{3, 0}, 0.9, 0.9, 1}}},
		{"standing, two teams", []TrackSegment{seg(1, 100, 100, 100, 100, 0.25), seg(2, 120, 90, 130, 90, 0.5)},
			[]want{{Hex{0, 0}, 0.01, 0.75, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EffortByCell(context.Background(), g, tc.segs)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d cells %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				c := got[i]
				// The points went through Unproject and back: 1e-6 km.
				if c.Hex != w.h || math.Abs(c.KM-w.km) > 1e-6 || math.Abs(c.Hours-w.hours) > 1e-6 || c.Teams != w.teams {
					t.Errorf("cell %d: %+v, want %+v", i, c, w)
				}
			}
		})
	}
	t.Run("diagonal sums", func(t *testing.T) {
		s := seg(1, -2345, 1234, 7777, -4321, 3)
		got, err := EffortByCell(context.Background(), g, []TrackSegment{s})
		if err != nil {
			t.Fatal(err)
		}
		var km, hours float64
		for _, c := range got {
			km, hours = km+c.KM, hours+c.Hours
		}
		if l := math.Hypot(7777+2345, -4321-1234) / 1000; math.Abs(km-l) > 1e-6 || math.Abs(hours-3) > 1e-9 || len(got) < 11 {
			t.Errorf("%d cells, %.6f km %.6f h, want %.6f km 3 h", len(got), km, hours, l)
		}
	})
}

// FuzzParseCellM: any text gives DefaultCellM (empty), a cell size in
// [MinCellM, 1e6], or an error naming the parameter.
func FuzzParseCellM(f *testing.F) {
	for _, s := range []string{"", "5000", "1", "abc", "1e6", "1e7", "NaN", "-Inf", "2500.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseCellM("cell_m", s)
		if err != nil {
			if pe, ok := err.(*ParamError); !ok || pe.Param != "cell_m" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if s == "" && v != DefaultCellM || !(v >= MinCellM && v <= 1e6) {
			t.Fatalf("%q: %v", s, v)
		}
	})
}

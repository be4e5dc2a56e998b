package geo

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func square(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

func TestFenceIndexContaining(t *testing.T) {
	// An L-shaped zone whose bounding box holds (1.5, 1.5), which lies
	// outside it: the exact predicate, not the box, decides.
	ell := orb.MultiPolygon{{{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}}}}
	holed := orb.MultiPolygon{{{{10, 10}, {14, 10}, {14, 14}, {10, 14}, {10, 10}}, {{11, 11}, {13, 11}, {13, 13}, {11, 13}, {11, 11}}}}
	x := NewFenceIndex([]Fence{
		{RuleID: 1, Agency: "a", Zone: ell},
		{RuleID: 2, Agency: "a", Team: 7, Zone: square(0, 0, 3, 3)},
		{RuleID: 3, Agency: "b", Zone: square(0, 0, 3, 3)},
		{RuleID: 4, Agency: "a", Zone: holed},
		{RuleID: 5, Agency: "a"}, // no zone: left out
	})
	if x.Len() != 4 {
		t.Fatalf("Len = %d, want 4", x.Len())
	}
	tests := []struct {
		name   string
		agency string
		team   int
		pt     orb.Point
		want   []int64
	}{
		{"inside the L, any team", "a", 1, orb.Point{0.5, 0.5}, []int64{1}},
		{"inside the L, team 7 also its own fence", "a", 7, orb.Point{0.5, 0.5}, []int64{1, 2}},
		{"in the L's box but not the L", "a", 1, orb.Point{1.5, 1.5}, nil},
		{"in the L's box, team 7", "a", 7, orb.Point{1.5, 1.5}, []int64{2}},
		{"on the L's edge", "a", 1, orb.Point{2, 0.5}, []int64{1}},
		{"other agency", "b", 1, orb.Point{0.5, 0.5}, []int64{3}},
		{"unknown agency", "c", 1, orb.Point{0.5, 0.5}, nil},
		{"in the hole", "a", 1, orb.Point{12, 12}, nil},
		{"in the ring around the hole", "a", 1, orb.Point{10.5, 12}, []int64{4}},
		{"far away", "a", 7, orb.Point{50, 50}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			x.Containing(tc.agency, tc.team, tc.pt, func(f Fence) bool {
				got = append(got, f.RuleID)
				return true
			})
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := x.Rules("a"); !slices.Equal(got, []int64{1, 2, 4}) {
		t.Errorf("Rules(a) = %v", got)
	}
}

// BenchmarkFenceIndex looks up points among 1,000 fences; the baseline is
// the exact predicate over every fence of the agency, without the tree.
func BenchmarkFenceIndex(b *testing.B) {
	var fences []Fence
	for i := range 1000 {
		x0, y0 := 60+float64(i%40)*0.5, 30+float64(i/40)*0.5
		fences = append(fences, Fence{RuleID: int64(i), Agency: "a", Zone: square(x0, y0, x0+0.3, y0+0.3)})
	}
	x := NewFenceIndex(fences)
	pts := []orb.Point{{65.1, 31.1}, {70.05, 35.2}, {61.4, 33.3}, {79, 42}}
	b.Run("index", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for i := range b.N {
			x.Containing("a", 1, pts[i%len(pts)], func(Fence) bool { n++; return true })
		}
	})
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for i := range b.N {
			pt := pts[i%len(pts)]
			for _, f := range fences {
				if f.Zone.Bound().Contains(pt) && planarContains(f.Zone, pt) {
					n++
				}
			}
		}
	})
}

func planarContains(mp orb.MultiPolygon, pt orb.Point) bool {
	return planar.MultiPolygonContains(mp, pt)
}

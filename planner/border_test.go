package planner

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// TestBorderIndexAgreesWithOrb holds the indexed containment and touch
// tests to orb's planar functions and a brute-force scan on random points
// and segments around a two-part polygon with a hole whose edges cross
// many index cells.
func TestBorderIndexAgreesWithOrb(t *testing.T) {
	outer := orb.Ring{{0, 0}, {1.03, 0.1}, {1.2, 0.93}, {0.41, 1.37}, {-0.2, 0.6}, {0, 0}}
	hole := orb.Ring{{0.3, 0.3}, {0.33, 0.71}, {0.8, 0.66}, {0.71, 0.29}, {0.3, 0.3}}
	island := orb.Ring{{1.5, 1.5}, {1.9, 1.52}, {1.7, 1.95}, {1.5, 1.5}}
	mp := orb.MultiPolygon{{outer, hole}, {island}}
	b := newBorderIndex(mp)
	rng := rand.New(rand.NewPCG(1, 2))
	pt := func() orb.Point { return orb.Point{-0.5 + 2.7*rng.Float64(), -0.5 + 2.7*rng.Float64()} }
	for range 20000 {
		p, q := pt(), pt()
		if got, want := b.contains(p), planar.MultiPolygonContains(mp, p); got != want {
			t.Fatalf("contains(%v) = %v, orb says %v", p, got, want)
		}
		want := false
		for _, s := range b.segs {
			want = want || segmentsIntersect(p, q, s[0], s[1])
		}
		if got := b.touches(p, q); got != want {
			t.Fatalf("touches(%v, %v) = %v, brute force says %v", p, q, got, want)
		}
	}
}

package geo

import (
	"math"
	"sync"

	"github.com/paulmach/orb"
)

// CountBox returns the number of events that pass f and whose lon/lat, as
// the viewer sees it, falls in the WGS84 box b the way PostGIS's && finds a
// point in an envelope: the single-precision boxes of the point and of b,
// each rounded outwards, overlap. (Points within a float32 step outside b
// count, as they do in the database.) It visits the matches without
// copying them.
func (ix *Index) CountBox(b orb.Bound, f Filter) (int, error) {
	n := 0
	err := ix.visitBox(b, f, 1, func(int, *store, int, [2]float64) { n++ })
	return n, err
}

// visitBox calls fn, under the index's read lock, with every live slot
// that passes f and whose lon/lat as the viewer sees it (ll) falls in b by
// PostGIS's && (see CountBox). When the box covers most of the index and
// parts is more than one, the slots are split into that many ranges
// visited at once, each on its own goroutine, and fn's part (0…parts−1)
// says which range a call is from; calls of one part never overlap.
// Otherwise every call is part 0, one after the other.
func (ix *Index) visitBox(b orb.Bound, f Filter, parts int, fn func(part int, st *store, slot int, ll [2]float64)) error {
	cf, err := f.compile()
	if err != nil {
		return err
	}
	bx0, by0 := down32(b.Min[0]), down32(b.Min[1])
	bx1, by1 := up32(b.Max[0]), up32(b.Max[1])
	// The projected rectangle of the box widened by a float32 step of a
	// degree (under a metre) plus a metre, and by the coarsening's reach.
	pb := projectBound(orb.Bound{Min: orb.Point{float64(bx0), float64(by0)}, Max: orb.Point{float64(bx1), float64(by1)}}).Pad(1)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	st := &ix.st
	if cf.coarsens() {
		pb = pb.Pad(cf.vis.padM)
	}
	if b.Max[0]-b.Min[0] > 90 || b.Max[1]-b.Min[1] > 60 {
		// The projection is good for the region; a box of a continent's
		// size or more is searched whole.
		pb = orb.Bound{Min: orb.Point{-math.MaxFloat32, -math.MaxFloat32}, Max: orb.Point{math.MaxFloat32, math.MaxFloat32}}
	}
	visit := func(part, slot int) {
		ok, rule := cf.view(st, slot)
		if !ok {
			return
		}
		ll := cf.ll(st, slot, rule)
		if down32(ll[0]) <= bx1 && up32(ll[0]) >= bx0 && down32(ll[1]) <= by1 && up32(ll[1]) >= by0 {
			fn(part, st, slot, ll)
		}
	}
	min32 := [2]float32{down32(pb.Min[0]), down32(pb.Min[1])}
	max32 := [2]float32{up32(pb.Max[0]), up32(pb.Max[1])}
	if coversMost(st, min32, max32) {
		// Walking the tree for most of its points costs several times a
		// pass over the slots, which checks each on lon/lat alike.
		parts = max(min(parts, len(st.attr)), 1)
		var wg sync.WaitGroup
		for p := range parts {
			lo, hi := p*len(st.attr)/parts, (p+1)*len(st.attr)/parts
			wg.Go(func() {
				for slot := lo; slot < hi; slot++ {
					visit(p, slot)
				}
			})
		}
		wg.Wait()
		return nil
	}
	st.tree.Search(min32, max32, func(_, _ [2]float32, slot uint32) bool {
		visit(0, int(slot))
		return true
	})
	return nil
}

// coversMost reports whether the rectangle lo–hi covers a quarter or
// more of the area of the index's bounds.
func coversMost(st *store, lo, hi [2]float32) bool {
	if st.tree.Len() == 0 {
		return false
	}
	tmin, tmax := st.tree.Bounds()
	area := float64(tmax[0]-tmin[0]) * float64(tmax[1]-tmin[1])
	w := float64(min(hi[0], tmax[0]) - max(lo[0], tmin[0]))
	h := float64(min(hi[1], tmax[1]) - max(lo[1], tmin[1]))
	return w > 0 && h > 0 && w*h >= area/4
}

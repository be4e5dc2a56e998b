package geo

import (
	"container/heap"
	"encoding/binary"
	"math"

	"github.com/paulmach/orb"
)

// PageQuery asks for one page of the events in a WGS84 box, ordered by ID,
// as a feature service pages them: the Limit events with the smallest IDs
// after After, and (with Count) how many events match over all pages.
type PageQuery struct {
	// BBox selects the events whose lon/lat, as the viewer sees it, falls
	// in the box the way PostGIS's && does (see Index.CountBox).
	BBox orb.Bound
	// Filter selects and shows the events (its Visibility, Time and the
	// other conditions, applied to what the viewer sees).
	Filter Filter
	// After, when set, keeps only the events whose ID sorts after it
	// (bytewise, as PostgreSQL orders uuid).
	After *[16]byte
	// Limit is the page size; the page holds up to Limit+1 entries, the
	// last only telling that another page follows.
	Limit int
	// Count asks for the number of matches, After not applied.
	Count bool
}

// Form is how a viewer sees an event: exactly, or coarsened by the terms of
// a sharing agreement. Two viewers who see an event in the same Form see
// the same values.
type Form struct {
	// Coarse is set when the event is seen coarsened; CoarsenM and
	// CoarsenTime are then the agreement's terms.
	Coarse      bool
	CoarsenM    float64
	CoarsenTime CoarseTime
}

// PageEntry is one event of a page: its ID, its record's version and the
// form in which the viewer sees it.
type PageEntry struct {
	ID      [16]byte
	Version int64
	Form    Form
}

// Page is the answer to a PageQuery.
type Page struct {
	// Entries are the matches after After with the smallest IDs, at most
	// Limit+1 of them, in ascending ID order.
	Entries []PageEntry
	// Matched is the number of matches when the query asked for it.
	Matched int
	// Uncertain is set when a coarsened point lies so close to an edge of
	// the box (within coarseEdgeDeg) that the database, which computes
	// coarsened points with PROJ rather than this package's projection,
	// might decide otherwise: the page must then come from the database.
	Uncertain bool
}

// coarseEdgeDeg is how far, in degrees, a coarsened point's lon/lat must
// lie from deciding differently at an edge of a box for the index to trust
// its own decision: 1e-7° is about a centimetre, and this package's
// projection agrees with PostGIS's to well under a millimetre
// (data.TestProjectionMatchesPostGIS).
const coarseEdgeDeg = 1e-7

// Page returns one page of the events matching q (see PageQuery). It
// visits every candidate in the box once and keeps the smallest IDs in a
// heap of Limit+1, so its cost grows with the events in the box, not with
// a sort of them.
func (ix *Index) Page(q PageQuery) (Page, error) {
	cf, err := q.Filter.compile()
	if err != nil {
		return Page{}, err
	}
	b := q.BBox
	bx0, by0 := down32(b.Min[0]), down32(b.Min[1])
	bx1, by1 := up32(b.Max[0]), up32(b.Max[1])
	// A coarse projected rectangle is enough: every candidate is checked
	// on its lon/lat.
	pb := projectBoundSteps(orb.Bound{Min: orb.Point{float64(bx0), float64(by0)}, Max: orb.Point{float64(bx1), float64(by1)}}, 8).Pad(1)
	var after pageKey
	if q.After != nil {
		after = keyOf(*q.After)
	}
	h := pageHeap{limit: q.Limit + 1}
	var out Page
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	st := &ix.st
	if cf.coarsens() {
		pb = pb.Pad(cf.vis.padM)
	}
	st.tree.Search([2]float32{down32(pb.Min[0]), down32(pb.Min[1])}, [2]float32{up32(pb.Max[0]), up32(pb.Max[1])},
		func(_, _ [2]float32, slot uint32) bool {
			ok, rule := cf.view(st, int(slot))
			if !ok {
				return true
			}
			ll := cf.ll(st, int(slot), rule)
			if !in32(ll, bx0, by0, bx1, by1) {
				if rule >= 0 && near32(ll, bx0, by0, bx1, by1) {
					out.Uncertain = true
				}
				return true
			}
			if rule >= 0 && near32(ll, bx0, by0, bx1, by1) {
				out.Uncertain = true
			}
			out.Matched++
			k := keyOf(st.ids[slot])
			if q.After == nil || after.less(k) {
				h.offer(k, slot, rule)
			}
			return true
		})
	out.Entries = make([]PageEntry, len(h.items))
	for i := len(h.items) - 1; i >= 0; i-- {
		it := heap.Pop(&h).(pageItem)
		e := PageEntry{ID: st.ids[it.slot], Version: st.ver[it.slot]}
		if it.rule >= 0 {
			p := cf.vis.rules[it.rule]
			e.Form = Form{Coarse: true, CoarsenM: p.CoarsenM, CoarsenTime: p.CoarsenTime}
		}
		out.Entries[i] = e
	}
	if !q.Count {
		out.Matched = 0
	}
	return out, nil
}

// in32 reports whether the point ll falls in the float32 box the way
// PostGIS's && finds it there (see CountBox).
func in32(ll [2]float64, bx0, by0, bx1, by1 float32) bool {
	return down32(ll[0]) <= bx1 && up32(ll[0]) >= bx0 && down32(ll[1]) <= by1 && up32(ll[1]) >= by0
}

// near32 reports whether moving ll by up to coarseEdgeDeg in each
// coordinate can change in32's answer.
func near32(ll [2]float64, bx0, by0, bx1, by1 float32) bool {
	const d = coarseEdgeDeg
	surelyIn := down32(ll[0]+d) <= bx1 && up32(ll[0]-d) >= bx0 && down32(ll[1]+d) <= by1 && up32(ll[1]-d) >= by0
	surelyOut := down32(ll[0]-d) > bx1 || up32(ll[0]+d) < bx0 || down32(ll[1]-d) > by1 || up32(ll[1]+d) < by0
	return !surelyIn && !surelyOut
}

// pageKey is an ID as two big-endian words, which compare as the bytes do.
type pageKey struct{ hi, lo uint64 }

func keyOf(id [16]byte) pageKey {
	return pageKey{binary.BigEndian.Uint64(id[:8]), binary.BigEndian.Uint64(id[8:])}
}

func (a pageKey) less(b pageKey) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

// pageItem is a candidate of a page: its key, slot and visibility rule.
type pageItem struct {
	key  pageKey
	slot uint32
	rule int
}

// pageHeap keeps the limit smallest keys offered, as a max-heap.
type pageHeap struct {
	items []pageItem
	limit int
}

func (h *pageHeap) Len() int           { return len(h.items) }
func (h *pageHeap) Less(i, j int) bool { return h.items[j].key.less(h.items[i].key) }
func (h *pageHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *pageHeap) Push(x any)         { h.items = append(h.items, x.(pageItem)) }
func (h *pageHeap) Pop() any {
	n := len(h.items) - 1
	it := h.items[n]
	h.items = h.items[:n]
	return it
}

// offer keeps the item when it is among the limit smallest so far.
func (h *pageHeap) offer(k pageKey, slot uint32, rule int) {
	if h.limit <= 0 {
		return
	}
	if len(h.items) < h.limit {
		heap.Push(h, pageItem{key: k, slot: slot, rule: rule})
		return
	}
	if k.less(h.items[0].key) {
		h.items[0] = pageItem{key: k, slot: slot, rule: rule}
		heap.Fix(h, 0)
	}
}

// projectBoundSteps is projectBound with steps samples per edge and a pad
// of (extent / steps²): with 8 steps, a superset of the box's projection
// that is cheap to compute, for searches that check each candidate's
// lon/lat anyway.
func projectBoundSteps(b orb.Bound, steps int) orb.Bound {
	var out orb.Bound
	first := true
	for i := 0; i <= steps; i++ {
		f := float64(i) / float64(steps)
		lon := b.Min[0] + f*(b.Max[0]-b.Min[0])
		lat := b.Min[1] + f*(b.Max[1]-b.Min[1])
		for _, p := range [4][2]float64{{lon, b.Min[1]}, {lon, b.Max[1]}, {b.Min[0], lat}, {b.Max[0], lat}} {
			x, y := ProjectXY(p[0], p[1])
			if first {
				out = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}
				first = false
				continue
			}
			out = out.Extend(orb.Point{x, y})
		}
	}
	w := math.Max(out.Max[0]-out.Min[0], out.Max[1]-out.Min[1])
	return out.Pad(w / float64(steps*steps))
}

package geo

import (
	"cmp"
	"context"
	"slices"
	"sort"
)

// Per-cell time lists. A forecast reads, per cell, the times of the
// events before its origin. Rather than pass over every event of the
// index and sort what passes on each request, an assignment keeps, once
// a forecast has asked for it, its live events grouped by cell and sorted
// by time within each cell, with their attributes beside them: a viewer
// who sees nothing coarsened takes the events it may see from each cell's
// list in order, up to the origin found by binary search, and gets each
// cell's times already sorted.
//
// Writers do not reorder the lists. They mark the slots they change dirty
// (updateAssigned, under the write lock); a reader skips the lists'
// entries of dirty slots and takes those slots as they are now, one by
// one. Once more than a quarter of the lists' entries are dirty the lists
// are dropped and the next forecast builds them again.

// cellSlots are an assignment's in-area live events grouped by cell and
// sorted by time (then slot) within a cell.
type cellSlots struct {
	start []int32 // start[c]…start[c+1] index at, slot and attr
	at    []int64
	slot  []uint32
	attr  []attr
	// dirty has bit s set for the slots written since the lists were
	// built; dirtyList lists them once each.
	dirty     []uint64
	dirtyList []uint32
}

// markDirty records a write to slot. It reports false when the lists have
// become too stale to keep. The caller holds the index's write lock.
func (cs *cellSlots) markDirty(slot uint32) bool {
	w := int(slot / 64)
	for len(cs.dirty) <= w {
		cs.dirty = append(cs.dirty, 0)
	}
	if cs.dirty[w]&(1<<(slot%64)) != 0 {
		return true
	}
	cs.dirty[w] |= 1 << (slot % 64)
	cs.dirtyList = append(cs.dirtyList, slot)
	return len(cs.dirtyList) <= len(cs.at)/4+1024
}

// isDirty reports whether slot was written since the lists were built.
func (cs *cellSlots) isDirty(slot uint32) bool {
	w := int(slot / 64)
	return w < len(cs.dirty) && cs.dirty[w]&(1<<(slot%64)) != 0
}

// cellSlots returns e's per-cell time lists, building them on first use
// (a counting sort by cell, then each cell sorted by time), or nil when
// ctx ended meanwhile. The caller holds the index's read lock.
func (st *store) cellSlots(ctx context.Context, e *assignment) *cellSlots {
	if cs := e.slots.Load(); cs != nil {
		return cs
	}
	e.slotsMu.Lock()
	defer e.slotsMu.Unlock()
	if cs := e.slots.Load(); cs != nil {
		return cs
	}
	nc := len(e.ag.cells)
	cs := &cellSlots{start: make([]int32, nc+1)}
	for slot, c := range e.cell {
		if c >= 0 && st.attr[slot].kind != 0 {
			cs.start[c+1]++
		}
	}
	for c := 1; c <= nc; c++ {
		cs.start[c] += cs.start[c-1]
	}
	n := cs.start[nc]
	cs.at, cs.slot, cs.attr = make([]int64, n), make([]uint32, n), make([]attr, n)
	next := slices.Clone(cs.start[:nc])
	for slot, c := range e.cell {
		if c >= 0 && st.attr[slot].kind != 0 {
			cs.slot[next[c]] = uint32(slot)
			next[c]++
		}
	}
	err := parallelRangeCtx(ctx, nc, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			ss := cs.slot[cs.start[c]:cs.start[c+1]]
			slices.SortFunc(ss, func(a, b uint32) int {
				if d := cmp.Compare(st.at[a], st.at[b]); d != 0 {
					return d
				}
				return cmp.Compare(a, b)
			})
			for k, s := range ss {
				cs.at[int(cs.start[c])+k] = st.at[s]
				cs.attr[int(cs.start[c])+k] = st.attr[s]
			}
		}
	})
	if err != nil {
		return nil
	}
	e.slots.Store(cs)
	return cs
}

// historyFromSlots collects the history of a forecast (see forecastData)
// for a filter that coarsens nothing, from the per-cell time lists: each
// cell's entries before end that pass cf (by the lookup tables pt, or by
// cf.view when the filter has a CQL2 condition), then the dirty slots as
// they are now. near keeps the events outside the area's cells that lie
// in the bound pb (kde's reach; nil: none). The caller holds the read
// lock.
func (st *store) historyFromSlots(ctx context.Context, e *assignment, cs *cellSlots, cf *compiledFilter, pt *passTables,
	hr historyRange, near func(p [2]float64) bool, withXY bool) (*forecastData, error) {
	end, keepFrom := hr.end, hr.keepFrom
	ag := e.ag
	nc := len(ag.cells)
	d := &forecastData{ag: ag, cellStart: make([]int32, nc+1)}
	// At most this many entries lie in [max(keepFrom, cf.t0), end).
	n := 0
	for c := 0; c < nc; c++ {
		ats := cs.at[cs.start[c]:cs.start[c+1]]
		lo, _ := slices.BinarySearch(ats, max(keepFrom, cf.t0))
		hi, _ := slices.BinarySearch(ats, end)
		n += max(0, hi-lo)
	}
	d.cellAt = make([]int64, 0, n)
	if withXY {
		d.cellXY = make([][2]float64, 0, n)
	}
	pass := func(k int) bool {
		switch {
		case cf.all:
			return true
		case cf.where != nil:
			ok, _ := cf.view(st, int(cs.slot[k]))
			return ok
		}
		a := cs.attr[k]
		return pt.agency[int(a.agency)<<2|int(a.sharing&3)] == seenExact && pt.kindCat[int(a.kind&3)<<3|int(a.category&7)] != 0 &&
			pt.drugs[a.drugs] != 0 && a.severity >= cf.minSev
	}
	dirty := len(cs.dirtyList) > 0
	for c := 0; c < nc; c++ {
		if c%ctxCheckEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lo, hi := int(cs.start[c]), int(cs.start[c+1])
		ats := cs.at[lo:hi]
		hi = lo + sort.Search(len(ats), func(i int) bool { return ats[i] >= end })
		lo += sort.Search(hi-lo, func(i int) bool { return ats[i] >= cf.t0 })
		if keepFrom > cf.t0 {
			keep := max(lo, int(cs.start[c])+sort.Search(hi-int(cs.start[c]), func(i int) bool { return ats[i] >= keepFrom }))
			for k := lo; k < keep; k++ {
				if !(dirty && cs.isDirty(cs.slot[k])) && pass(k) {
					d.countOlder(cs.at[k])
				}
			}
			lo = keep
		}
		for k := lo; k < hi; k++ {
			if dirty && cs.isDirty(cs.slot[k]) || !pass(k) {
				continue
			}
			d.cellAt = append(d.cellAt, cs.at[k])
			if withXY {
				d.cellXY = append(d.cellXY, st.xy[cs.slot[k]])
			}
		}
		d.cellStart[c+1] = int32(len(d.cellAt))
	}
	var extra []fcEvent
	for _, slot := range cs.dirtyList {
		if int(slot) >= len(e.cell) || e.cell[slot] < 0 {
			continue
		}
		if ok, _ := cf.view(st, int(slot)); ok {
			if st.at[slot] < keepFrom {
				d.countOlder(st.at[slot])
				continue
			}
			p := st.xy[slot]
			extra = append(extra, fcEvent{t: st.at[slot], x: p[0], y: p[1], cell: e.cell[slot]})
		}
	}
	if len(extra) > 0 {
		d.merge(extra, withXY)
	}
	if near != nil {
		for slot, c := range e.cell {
			if slot%(ctxCheckEvery*ctxCheckEvents) == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if c >= 0 || st.attr[slot].kind == 0 || st.at[slot] < keepFrom || !near(st.xy[slot]) {
				continue
			}
			if ok, _ := cf.view(st, slot); ok {
				p := st.xy[slot]
				d.near = append(d.near, fcEvent{t: st.at[slot], x: p[0], y: p[1], cell: -1})
			}
		}
	}
	return d, nil
}

// historyRange bounds the history of historyFromSlots: events before end,
// those before keepFrom only counted (forecastDataVia).
type historyRange struct{ end, keepFrom int64 }

// countOlder counts an in-area event at t left out of the lists.
func (d *forecastData) countOlder(t int64) {
	if d.older == 0 || t < d.oldest {
		d.oldest = t
	}
	d.older++
}

// merge adds the in-area events ev to d's per-cell lists, keeping each
// cell's times sorted.
func (d *forecastData) merge(ev []fcEvent, withXY bool) {
	nc := len(d.ag.cells)
	add := make([]int32, nc+1)
	for _, e := range ev {
		add[e.cell+1]++
	}
	for c := 1; c <= nc; c++ {
		add[c] += add[c-1]
	}
	n := len(d.cellAt) + len(ev)
	at := make([]int64, 0, n)
	var xy [][2]float64
	if withXY {
		xy = make([][2]float64, 0, n)
	}
	slices.SortStableFunc(ev, func(a, b fcEvent) int { return cmp.Compare(a.cell, b.cell) })
	start := make([]int32, nc+1)
	for c := 0; c < nc; c++ {
		lo, hi := d.cellStart[c], d.cellStart[c+1]
		from := len(at)
		at = append(at, d.cellAt[lo:hi]...)
		if withXY {
			xy = append(xy, d.cellXY[lo:hi]...)
		}
		for _, e := range ev[add[c]:add[c+1]] {
			at = append(at, e.t)
			if withXY {
				xy = append(xy, [2]float64{e.x, e.y})
			}
		}
		if add[c+1] > add[c] {
			sortCell(at[from:], xy, from, withXY)
		}
		start[c+1] = int32(len(at))
	}
	d.cellStart, d.cellAt, d.cellXY = start, at, xy
}

// sortCell sorts one cell's times at (which begin at index from of the
// whole list), and its points in xy with them when withXY.
func sortCell(at []int64, xy [][2]float64, from int, withXY bool) {
	if !withXY {
		slices.Sort(at)
		return
	}
	idx := make([]int, len(at))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(at[a], at[b]) })
	ts := make([]int64, len(at))
	ps := make([][2]float64, len(at))
	for i, j := range idx {
		ts[i], ps[i] = at[j], xy[from+j]
	}
	copy(at, ts)
	copy(xy[from:], ps)
}

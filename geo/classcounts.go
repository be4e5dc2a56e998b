package geo

import "context"

// Counting by class. A filter that only asks who the viewer is
// (compiledFilter.whoOnly: a visibility, an agency filter) keeps or drops
// an event by its agency and sharing level alone, its class. So an
// assignment can keep, per class, the number of its events in every cell,
// and the count of such a viewer in a cell is the sum over the classes it
// sees: a few vectors of cell counts added up, whatever the number of
// events, instead of a pass over every event. Writers move an event between
// classes and cells as they change it (updateAssigned), so the sums are
// those of a pass over the current events, exactly: they are sums of whole
// numbers. Viewers who see some records coarsened take the pass over the
// events, since coarsening moves a record to another cell.

// classCounts are an assignment's events per cell by class.
type classCounts struct {
	// byClass[classOf(a)][cell] counts the live events of the class in the
	// cell; nil for a class with no event in the area so far.
	byClass [][]int32
	// total[sharing][cell] is the sum of byClass over the agencies, nil
	// for a sharing level with no event in the area so far.
	total [4][]int32
	// vectors is the number of non-nil vectors, at most limit.
	vectors, limit int
}

// classOf is the class of an event with attributes a: agency<<2 | sharing,
// the index of passTables.agency.
func classOf(a attr) int { return int(a.agency)<<2 | int(a.sharing&3) }

// classCountsLimit is the number of cell-count vectors of nCells cells an
// assignment of nSlots slots may keep: together at most twice the memory
// of the assignment itself (a million int32s at least, so that small
// indexes count by class too).
func classCountsLimit(nSlots, nCells int) int {
	return max(2*nSlots, 1<<20) / max(nCells, 1)
}

// add counts one more event of class k in cell. It reports false, and
// counts nothing, when that would take a vector more than the limit.
func (cc *classCounts) add(k int, cell int32, nCells int) bool {
	for len(cc.byClass) <= k {
		cc.byClass = append(cc.byClass, nil)
	}
	sh := k & 3
	need := 0
	if cc.byClass[k] == nil {
		need++
	}
	if cc.total[sh] == nil {
		need++
	}
	if need > 0 {
		if cc.vectors+need > cc.limit {
			return false
		}
		cc.vectors += need
		if cc.byClass[k] == nil {
			cc.byClass[k] = make([]int32, nCells)
		}
		if cc.total[sh] == nil {
			cc.total[sh] = make([]int32, nCells)
		}
	}
	cc.byClass[k][cell]++
	cc.total[sh][cell]++
	return true
}

// classCounts returns e's class counts, building them by one pass over
// the assignment on first use; nil when they would take more than
// classCountsLimit, or when ctx ended during the pass. The caller holds
// the index's read lock.
func (st *store) classCounts(ctx context.Context, e *assignment) *classCounts {
	if cc := e.classes.Load(); cc != nil || e.noClasses.Load() {
		return cc
	}
	e.classMu.Lock()
	defer e.classMu.Unlock()
	if cc := e.classes.Load(); cc != nil || e.noClasses.Load() {
		return cc
	}
	nc := len(e.ag.cells)
	cc := &classCounts{limit: classCountsLimit(len(e.cell), nc)}
	for lo := 0; lo < len(e.cell); lo += ctxCheckEvery * ctxCheckEvents {
		if ctx.Err() != nil {
			return nil
		}
		hi := min(lo+ctxCheckEvery*ctxCheckEvents, len(e.cell))
		attrs := st.attr[lo:hi]
		for j, i := range e.cell[lo:hi] {
			if i >= 0 && !cc.add(classOf(attrs[j]), i, nc) {
				e.noClasses.Store(true)
				return nil
			}
		}
	}
	e.classes.Store(cc)
	return cc
}

// classCountsFor returns e's class counts (see classCounts) for a viewer
// with the table seen (passTables.agency; nil: every event), or nil when
// they cannot answer for it: it sees some class coarsened, or there are
// none.
func (st *store) classCountsFor(ctx context.Context, e *assignment, seen []uint8) *classCounts {
	if seesCoarsened(seen) {
		return nil
	}
	return st.classCounts(ctx, e)
}

// count adds to counts the number of events per cell that the viewer of
// the table seen (passTables.agency; nil: every event) sees, for a viewer
// who sees nothing coarsened (classCountsFor).
//
// For each sharing level it adds up the vectors of the classes seen, or,
// when fewer are hidden than seen, subtracts those hidden from the level's
// total: at most about half the agencies' vectors either way.
func (cc *classCounts) count(seen []uint8, counts []int32) {
	seenOf := func(k int) bool { return seen == nil || (k < len(seen) && seen[k] == seenExact) }
	for sh := range cc.total {
		if cc.total[sh] == nil {
			continue
		}
		var nSeen, nHidden int
		for k := sh; k < len(cc.byClass); k += 4 {
			if cc.byClass[k] == nil {
				continue
			}
			if seenOf(k) {
				nSeen++
			} else {
				nHidden++
			}
		}
		switch {
		case nSeen == 0:
		case nHidden < nSeen:
			addCounts(counts, cc.total[sh])
			for k := sh; k < len(cc.byClass); k += 4 {
				if cc.byClass[k] != nil && !seenOf(k) {
					subCounts(counts, cc.byClass[k])
				}
			}
		default:
			for k := sh; k < len(cc.byClass); k += 4 {
				if cc.byClass[k] != nil && seenOf(k) {
					addCounts(counts, cc.byClass[k])
				}
			}
		}
	}
}

// seesCoarsened reports whether the table seen (passTables.agency) sees
// some class coarsened.
func seesCoarsened(seen []uint8) bool {
	for _, s := range seen {
		if s > seenExact {
			return true
		}
	}
	return false
}

func addCounts(dst, src []int32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

func subCounts(dst, src []int32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] -= v
	}
}

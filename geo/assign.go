package geo

import (
	"context"
	"sync"
	"sync/atomic"
)

// assignCacheSize is the number of event-to-cell assignments an Index
// keeps (4 bytes per event each, plus their class counts).
const assignCacheSize = 8

// assignment maps every slot of the store to its cell in an analysis grid
// (−1 outside the area). Writers keep it current under the write lock.
type assignment struct {
	ag   *areaGrid
	cell []int32
	used uint64

	// classes, once built, are the assignment's event counts per cell by
	// class (see classCounts); writers keep them current with cell. nil
	// until a query that can use them builds them (under classMu), and
	// for good once noClasses is set: they would take more memory than
	// classCountsLimit allows.
	classMu   sync.Mutex
	classes   atomic.Pointer[classCounts]
	noClasses atomic.Bool

	// slots, once a forecast built them (under slotsMu), are the
	// assignment's events per cell in time order (see cellSlots); writers
	// mark the slots they change dirty, and drop the lists once too many
	// are.
	slotsMu sync.Mutex
	slots   atomic.Pointer[cellSlots]
}

// assignCache keeps the most recently used assignments. Entries are added
// under the index's read lock (so no writer runs meanwhile) and updated
// under its write lock; mu orders concurrent readers.
type assignCache struct {
	mu      sync.Mutex
	entries []*assignment
	tick    uint64
}

// cellOfSlot returns the cell index of slot in ag, or −1.
func (st *store) cellOfSlot(ag *areaGrid, slot int) int32 {
	if st.attr[slot].kind == 0 {
		return -1
	}
	return st.cellOfXY(ag, st.xy[slot])
}

// cellOfXY returns the index in ag of the cell that contains the projected
// point p, or −1.
func (st *store) cellOfXY(ag *areaGrid, p [2]float64) int32 {
	b := ag.bound
	if p[0] < b.Min[0] || p[0] > b.Max[0] || p[1] < b.Min[1] || p[1] > b.Max[1] {
		return -1
	}
	return ag.index(hexCell(p[0], p[1], 1/ag.grid.CellM, 2/(sqrt3*ag.grid.CellM)))
}

// assigned returns the cell of every slot in ag, from the cache or by one
// pass over the store, which stops with ctx's error once ctx is done (and
// caches nothing then). The caller holds the read lock.
func (ix *Index) assigned(ctx context.Context, ag *areaGrid) ([]int32, error) {
	e, err := ix.assignment(ctx, ag)
	if err != nil {
		return nil, err
	}
	return e.cell, nil
}

// assignment returns the cached assignment of ag, making it if needed
// (see assigned). The caller holds the read lock.
func (ix *Index) assignment(ctx context.Context, ag *areaGrid) (*assignment, error) {
	c := &ix.assign
	c.mu.Lock()
	c.tick++
	for _, e := range c.entries {
		if e.ag == ag {
			e.used = c.tick
			c.mu.Unlock()
			return e, nil
		}
	}
	c.mu.Unlock()
	st := &ix.st
	cell := make([]int32, len(st.attr))
	err := parallelRangeCtx(ctx, len(cell), func(lo, hi int) {
		for slot := lo; slot < hi; slot++ {
			cell[slot] = st.cellOfSlot(ag, slot)
		}
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &assignment{ag: ag, cell: cell, used: c.tick}
	if len(c.entries) < assignCacheSize {
		c.entries = append(c.entries, e)
	} else {
		oldest := 0
		for i := range c.entries {
			if c.entries[i].used < c.entries[oldest].used {
				oldest = i
			}
		}
		c.entries[oldest] = e
	}
	return e, nil
}

// updateAssigned recomputes slot's cell in every cached assignment, and
// moves it in their class counts from its old cell and class (old, its
// attributes before the change; the zero attr for a new slot) to its new
// ones. The caller holds the write lock.
func (ix *Index) updateAssigned(slot uint32, old attr) {
	st := &ix.st
	for _, e := range ix.assign.entries {
		for len(e.cell) < len(st.attr) {
			e.cell = append(e.cell, -1)
		}
		was := e.cell[slot]
		now := st.cellOfSlot(e.ag, int(slot))
		e.cell[slot] = now
		if cs := e.slots.Load(); cs != nil && !cs.markDirty(slot) {
			e.slots.Store(nil)
		}
		cc := e.classes.Load()
		if cc == nil {
			continue
		}
		if was >= 0 {
			cc.byClass[classOf(old)][was]--
			cc.total[old.sharing&3][was]--
		}
		if now >= 0 && !cc.add(classOf(st.attr[slot]), now, len(e.ag.cells)) {
			e.classes.Store(nil)
			e.noClasses.Store(true)
		}
	}
}

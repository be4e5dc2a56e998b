package geo

import (
	"math"
	"slices"
)

// Fast path of binRange for the filter most requests carry: only who the
// viewer is (its visibility, an agency filter). It counts exactly what
// binTables counts for such a filter.
//
// Events are stored in Hilbert order, so consecutive events mostly fall in
// the same cell. Adding each event to its cell's counter in memory would
// make every increment wait for the previous one (a load after a store to
// the same address); instead a run of events in one cell is counted in a
// register and added once when the cell changes.

// whoOnly reports whether c's only conditions are on the event's agency
// and sharing level (visibility, agency filter): no time, kind, category,
// drug or severity condition.
func (c *compiledFilter) whoOnly() bool {
	return c.where == nil && c.t0 == math.MinInt64 && c.t1 == math.MaxInt64 && c.kinds == 0xff && c.drugs == 0 &&
		c.categories == 0xff && c.minSev == 0
}

// binCountWho counts the events of slots lo…hi per cell for a filter that
// only asks who the viewer is (whoOnly). An event the viewer sees exactly
// counts in the cell it is assigned to, when it has one (a free slot has
// none); one seen coarsened takes binCoarse, as in binTables.
func (st *store) binCountWho(cells []int32, cf *compiledFilter, pt *passTables, lo, hi int, counts []int32, vals []float64, ag *areaGrid) {
	seenBy := pt.agency
	attrs := st.attr[lo:hi]
	if !slices.Contains(seenBy, seenCoarse) {
		binCountExact(cells[lo:hi], attrs, seenBy, counts)
		return
	}
	cur, run := int32(-1), int32(0)
	for j, i := range cells[lo:hi] {
		a := attrs[j]
		seen := seenBy[int(a.agency)<<2|int(a.sharing&3)]
		if seen > seenExact {
			st.binCoarse(cf, ValueCount, lo+j, vals, counts, ag)
			continue
		}
		if i != cur {
			if cur >= 0 {
				counts[cur] += run
			}
			cur, run = i, 0
		}
		run += int32(seen)
	}
	if cur >= 0 {
		counts[cur] += run
	}
}

// binCountExact is binCountWho for a viewer who sees nothing coarsened.
func binCountExact(cells []int32, attrs []attr, seenBy []uint8, counts []int32) {
	cur, run := int32(-1), int32(0)
	for j, i := range cells {
		a := attrs[j]
		seen := int32(seenBy[int(a.agency)<<2|int(a.sharing&3)])
		if i != cur {
			if cur >= 0 {
				counts[cur] += run
			}
			cur, run = i, 0
		}
		run += seen
	}
	if cur >= 0 {
		counts[cur] += run
	}
}

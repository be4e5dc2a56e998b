package geo

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/paulmach/orb"
)

// Limits and defaults of the hotspot engine.
const (
	// DefaultMaxCells is the default limit on the number of cells of one
	// analysis.
	DefaultMaxCells = 200_000
	// MaxCellsLimit is the largest limit a query may ask for.
	MaxCellsLimit = 2_000_000
	// MaxRadiusCells bounds radius_m and bandwidth_m to this many cell_m.
	MaxRadiusCells = 50
	// MinCellM is the smallest cell_m accepted.
	MinCellM = 100.0
)

// Method is a hotspot method.
type Method uint8

// Hotspot methods.
const (
	// MethodGiStar is Getis–Ord Gi* with FDR confidence bins.
	MethodGiStar Method = iota + 1
	// MethodKDE is quartic kernel density.
	MethodKDE
)

var methodNames = [...]string{MethodGiStar: "gistar", MethodKDE: "kde"}

// String returns the query name of m ("gistar", "kde").
func (m Method) String() string { return enumName(methodNames[:], uint8(m)) }

// ParseMethod returns the Method named s ("gistar", "kde").
func ParseMethod(s string) (Method, bool) {
	v, ok := enumParse(methodNames[:], s)
	return Method(v), ok
}

// ValueKind is what a cell's value measures.
type ValueKind uint8

// Value kinds.
const (
	// ValueCount counts the events in a cell.
	ValueCount ValueKind = iota + 1
	// ValueKG sums the seized kilograms in a cell (of Filter.Drugs when set).
	ValueKG
)

var valueNames = [...]string{ValueCount: "count", ValueKG: "kg"}

// String returns the query name of v ("count", "kg").
func (v ValueKind) String() string { return enumName(valueNames[:], uint8(v)) }

// ParseValueKind returns the ValueKind named s ("count", "kg").
func ParseValueKind(s string) (ValueKind, bool) {
	v, ok := enumParse(valueNames[:], s)
	return ValueKind(v), ok
}

// HotspotQuery asks for a hotspot surface over an area.
type HotspotQuery struct {
	Method Method    // zero means MethodGiStar
	Value  ValueKind // zero means ValueCount
	// CellM is the centre-to-centre distance of the hexagons in metres.
	CellM float64
	// RadiusM is the Gi* distance band: the cells whose centres lie within
	// it, the cell itself included, are its neighbours. At least CellM.
	RadiusM float64
	// BandwidthM is the KDE bandwidth in metres.
	BandwidthM float64
	Filter     Filter
	Area       Area
	// MaxCells limits the number of cells in the area (0: DefaultMaxCells).
	MaxCells int
	// MinBin returns only Gi* cells with |gi_bin| ≥ MinBin (0: all cells,
	// zeros included).
	MinBin int
	// MinDensity returns only KDE cells with density_km2 ≥ MinDensity (0:
	// all cells, zeros included). ParseHotspotParams defaults it to
	// DefaultMinDensity, which leaves out exactly the cells of density 0.
	MinDensity float64
}

// DefaultMinDensity is the default MinDensity of ParseHotspotParams: the
// smallest positive float64, so that only the cells of density 0 are left
// out of a KDE result.
const DefaultMinDensity = math.SmallestNonzeroFloat64

// HotspotCell is one cell of a hotspot result.
type HotspotCell struct {
	Hex      Hex
	XM, YM   float64  // centre in LAEA metres
	Lon, Lat float64  // centre in WGS84 degrees
	Ring     orb.Ring // outline in lon/lat; shared, do not modify
	Value    float64  // count or kg
	Count    int      // number of events in the cell
	GiZ      float64  // Gi* z-score (gistar)
	GiP      float64  // two-sided p-value (gistar)
	GiBin    int8     // FDR confidence bin −3…3 (gistar)
	Neighbor int      // number of cells in the distance band, itself included (gistar)
	Density  float64  // events (or kg) per km² (kde)
	_        struct{} // keep composite literals keyed
}

// HotspotResult is the answer to a HotspotQuery. NCells, Mean and Std
// describe the whole analysis area (every cell, zeros included), whatever
// MinBin or MinDensity returns.
type HotspotResult struct {
	Query  HotspotQuery
	NCells int
	Mean   float64 // of the cell values (gistar) or densities (kde)
	Std    float64 // population standard deviation of the same
	Total  float64 // sum of the values over the area
	Events int     // number of events in the area that passed the filter
	// NonZeroCells is the number of cells of the area with an event.
	NonZeroCells int
	// Warning, for gistar, says why no cell is reported significant: too
	// few events or non-zero cells (SampleTooSmall); nil otherwise.
	Warning *SampleWarning
	Cells   []HotspotCell
	Version uint64 // Index.VisibleVersion of the query's viewer the result was computed on
}

// normalize fills defaults and validates q; errors are *ParamError.
func (q *HotspotQuery) normalize() error {
	if q.Method == 0 {
		q.Method = MethodGiStar
	}
	if q.Method.String() == "" {
		return &ParamError{Param: "method", Reason: "must be gistar or kde"}
	}
	if q.Value == 0 {
		q.Value = ValueCount
	}
	if q.Value.String() == "" {
		return &ParamError{Param: "value", Reason: "must be count or kg"}
	}
	if err := checkCellM(q.CellM); err != nil {
		return err
	}
	switch q.Method {
	case MethodGiStar:
		if err := checkRadius("radius_m", q.RadiusM, q.CellM); err != nil {
			return err
		}
		if q.MinBin < 0 || q.MinBin > 3 {
			return &ParamError{Param: "min_bin", Reason: "must be 0, 1, 2 or 3"}
		}
		if q.MinDensity != 0 {
			return &ParamError{Param: "min_density", Reason: "applies to method=kde only"}
		}
	case MethodKDE:
		if err := checkRadius("bandwidth_m", q.BandwidthM, q.CellM); err != nil {
			return err
		}
		if q.MinBin != 0 {
			return &ParamError{Param: "min_bin", Reason: "applies to method=gistar only"}
		}
		if !(q.MinDensity >= 0) || math.IsInf(q.MinDensity, 0) {
			return &ParamError{Param: "min_density", Reason: "must be a number of events (or kg) per km², at least 0"}
		}
	}
	return checkMaxCells(&q.MaxCells)
}

func checkCellM(cellM float64) error {
	if !(cellM >= MinCellM) || math.IsInf(cellM, 0) || cellM > 1e6 {
		return &ParamError{Param: "cell_m", Reason: fmt.Sprintf("must be a number of metres in [%g, 1e6]", MinCellM)}
	}
	return nil
}

func checkRadius(param string, r, cellM float64) error {
	switch {
	case math.IsNaN(r) || r < 0:
		return &ParamError{Param: param, Reason: "must be a non-negative number of metres"}
	case r < cellM:
		return &ParamError{Param: param, Reason: "must be at least cell_m"}
	case r > MaxRadiusCells*cellM:
		return &ParamError{Param: param, Reason: fmt.Sprintf("must be at most %d × cell_m", MaxRadiusCells)}
	}
	return nil
}

func checkMaxCells(m *int) error {
	if *m == 0 {
		*m = DefaultMaxCells
	}
	if *m < 1 || *m > MaxCellsLimit {
		return &ParamError{Param: "max_cells", Reason: fmt.Sprintf("must be in [1, %d]", MaxCellsLimit)}
	}
	return nil
}

// grid returns the cached analysis grid of area for (cellM, radiusM),
// building it on first use. It fails with a *ParamError naming max_cells
// when the area has more than maxCells cells, and with ctx's error when
// ctx is done before or after the grid is built.
func (ix *Index) grid(ctx context.Context, area *Area, cellM, radiusM float64, maxCells int) (*areaGrid, error) {
	if err := area.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key := gridKey{cellM: cellM, radiusM: radiusM, area: ix.grids.areaKey(area)}
	ag, err := ix.grids.get(key, func() (*areaGrid, error) {
		b, cells, err := area.projected()
		if err != nil {
			return nil, err
		}
		g := HexGrid{CellM: cellM}
		// Refuse before enumerating: the cells of the bounding box bound
		// the work.
		if est := (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]) / g.CellAreaM2(); est > 64*float64(MaxCellsLimit) {
			return nil, tooManyCells(int(math.Min(est, math.MaxInt32)), MaxCellsLimit)
		}
		hexes := cells(g)
		if len(hexes) > MaxCellsLimit {
			return nil, tooManyCells(len(hexes), MaxCellsLimit)
		}
		return newAreaGrid(g, hexes, radiusM), nil
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(ag.cells) > maxCells {
		return nil, tooManyCells(len(ag.cells), maxCells)
	}
	if len(ag.cells) == 0 {
		return nil, &ParamError{Param: "area", Reason: "no cell centre lies in the area; use a larger area or smaller cell_m"}
	}
	return ag, nil
}

func tooManyCells(n, limit int) error {
	return &ParamError{Param: "max_cells", Reason: fmt.Sprintf("the area has %d cells, more than the limit %d; use a larger cell_m or a smaller area", n, limit)}
}

// binEvents adds up, per cell of ag, the events that pass cf: their count
// and their value (1 or kg). A count for a viewer who sees every record it
// sees exactly, with no condition but who it is, adds up the assignment's
// class counts (classCounts.count). Otherwise it makes one pass over the
// slots' cached cell assignment, split across CPUs, checking ctx every
// ctxCheckEvents events and returning its error once it is done. The
// caller holds the read lock.
func (ix *Index) binEvents(ctx context.Context, ag *areaGrid, cf *compiledFilter, value ValueKind) (vals []float64, counts []int32, err error) {
	st := &ix.st
	e, err := ix.assignment(ctx, ag)
	if err != nil {
		return nil, nil, err
	}
	cells := e.cell
	nc := len(ag.cells)
	var pt *passTables
	if !cf.all || value != ValueCount {
		pt = cf.passTables(st.maxAgency)
	}
	if value == ValueCount && (pt == nil || cf.whoOnly()) {
		var seen []uint8 // nil: every event
		if pt != nil {
			seen = pt.agency
		}
		if cc := st.classCountsFor(ctx, e, seen); cc != nil {
			counts = make([]int32, nc)
			cc.count(seen, counts)
			vals = make([]float64, nc)
			for i, c := range counts {
				vals[i] = float64(c)
			}
			return vals, counts, nil
		}
	}
	return st.binPass(ctx, cells, ag, cf, pt, value)
}

// binPass is binEvents by one pass over the slots' cells, split across
// CPUs; pt is as for binRange. The caller holds the read lock.
func (st *store) binPass(ctx context.Context, cells []int32, ag *areaGrid, cf *compiledFilter, pt *passTables, value ValueKind) (vals []float64, counts []int32, err error) {
	n, nc := len(cells), len(ag.cells)
	p := max(1, min(runtime.GOMAXPROCS(0), n/65536))
	partV := make([][]float64, p)
	partC := make([][]int32, p)
	var wg sync.WaitGroup
	for w := 0; w < p; w++ {
		lo, hi := n*w/p, n*(w+1)/p
		v := make([]float64, nc)
		c := make([]int32, nc)
		partV[w], partC[w] = v, c
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := lo; a < hi; a += ctxCheckEvents {
				if ctx.Err() != nil {
					return
				}
				st.binRange(cells, cf, pt, value, a, min(a+ctxCheckEvents, hi), v, c, ag)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	vals, counts = partV[0], partC[0]
	for w := 1; w < p; w++ {
		for i := range vals {
			vals[i] += partV[w][i]
			counts[i] += partC[w][i]
		}
	}
	if value == ValueCount {
		for i, c := range counts {
			vals[i] = float64(c)
		}
	}
	return vals, counts, nil
}

// binRange bins the slots lo…hi−1; pt is nil when cf keeps every event
// and value is ValueCount, else cf's passTables.
func (st *store) binRange(cells []int32, cf *compiledFilter, pt *passTables, value ValueKind, lo, hi int, vals []float64, counts []int32, ag *areaGrid) {
	switch {
	case pt == nil:
		for _, i := range cells[lo:hi] {
			if i >= 0 {
				counts[i]++
			}
		}
	case cf.where != nil:
		for slot := lo; slot < hi; slot++ {
			if cells[slot] < 0 && !cf.coarsens() {
				continue
			}
			i, _, ok := st.viewCell(cf, ag, slot, cells[slot])
			if !ok {
				continue
			}
			counts[i]++
			if value == ValueKG {
				vals[i] += cf.kg(st, slot)
			}
		}
	case cf.whoOnly() && value == ValueCount:
		st.binCountWho(cells, cf, pt, lo, hi, counts, vals, ag)
	default:
		st.binTables(cells, cf, pt, value, lo, hi, vals, counts, ag)
	}
}

// binTables is binRange through lookup tables: whether an event passes is
// the product of table lookups and comparisons rather than a chain of
// branches. Agency and sharing level vary from one event to the next, and
// branches on them are mispredicted so often that they, not memory, set
// the pace. An event seen exactly counts in the cell it was assigned; an
// event seen coarsened (a partner's bilateral record under an agreement
// that coarsens) may move into another cell, or into the area from
// outside it, and takes the per-event path.
func (st *store) binTables(cells []int32, cf *compiledFilter, pt *passTables, value ValueKind, lo, hi int, vals []float64, counts []int32, ag *areaGrid) {
	t0, t1, minSev := cf.t0, cf.t1, cf.minSev
	attrs, ats, kgs := st.attr[lo:hi], st.at[lo:hi], st.kg[lo:hi]
	for j, i := range cells[lo:hi] {
		a := attrs[j]
		seen := pt.agency[int(a.agency)<<2|int(a.sharing&3)]
		if seen > seenExact {
			st.binCoarse(cf, value, lo+j, vals, counts, ag)
			continue
		}
		if i < 0 {
			continue
		}
		t := ats[j]
		ok := seen & pt.kindCat[int(a.kind&3)<<3|int(a.category&7)] &
			pt.drugs[a.drugs] & b2u8(a.severity >= minSev) & b2u8(t >= t0) & b2u8(t <= t1)
		counts[i] += int32(ok)
		if value != ValueKG {
			continue
		}
		// One item that passes the drug filter: its mass is the event's.
		if a.nItems <= 1 {
			vals[i] += float64(ok) * float64(kgs[j])
		} else if ok != 0 {
			vals[i] += cf.kg(st, lo+j)
		}
	}
}

// binCoarse bins one event that the viewer may see coarsened, in the cell
// of its coarsened point.
func (st *store) binCoarse(cf *compiledFilter, value ValueKind, slot int, vals []float64, counts []int32, ag *areaGrid) {
	i, _, ok := st.viewCell(cf, ag, slot, -1)
	if !ok {
		return
	}
	counts[i]++
	if value == ValueKG {
		vals[i] += cf.kg(st, slot)
	}
}

// viewCell reports whether the live slot is visible, passes cf and falls
// in a cell of ag as the viewer sees it, and returns that cell and the
// visibility rule (−1: seen exactly). assigned is the cell of the slot's
// exact point (−1: outside the area).
func (st *store) viewCell(cf *compiledFilter, ag *areaGrid, slot int, assigned int32) (cell int32, rule int, ok bool) {
	ok, rule = cf.view(st, slot)
	if !ok {
		return -1, rule, false
	}
	cell = assigned
	if rule >= 0 {
		cell = st.cellOfXY(ag, cf.xy(st, slot, rule))
	}
	return cell, rule, cell >= 0
}

func b2u8(b bool) uint8 {
	var x uint8
	if b {
		x = 1
	}
	return x
}

// HotSpots computes a hotspot surface over the hexagonal cells of q.Area:
//
//   - method gistar: the value of every cell (event count, or kg), the
//     Getis–Ord Gi* z-score of each cell with binary weights over the cells
//     within q.RadiusM (GiStar), the two-sided p-value (PValue) and the
//     FDR confidence bin over all cells of the area (FDRBins). Zero cells
//     are part of the area, so they enter the mean and variance.
//   - method kde: the quartic kernel density (QuarticKernel) per km² at
//     every cell centre, with bandwidth q.BandwidthM, of the events (count)
//     or their kg, over all events that pass the filter, also those outside
//     the area. Cells below q.MinDensity are left out of Cells; the mean
//     and standard deviation are over all of them.
//
// The area's grid, neighbour lists and cell outlines are cached in the
// index per (cell_m, radius_m, area). Invalid parameters give a
// *ParamError naming the parameter. HotSpots checks ctx every
// ctxCheckEvents events and every ctxCheckEvery cells and returns ctx's
// error once it is done. docs/statistics.md, "Getis–Ord Gi*", "FDR
// confidence bins" and "Kernel density".
func HotSpots(ctx context.Context, ix *Index, q HotspotQuery) (HotspotResult, error) {
	if err := q.normalize(); err != nil {
		return HotspotResult{}, err
	}
	cf, err := q.Filter.compile()
	if err != nil {
		return HotspotResult{}, err
	}
	radius := q.RadiusM
	if q.Method == MethodKDE {
		radius = q.CellM // the neighbour lists are unused; share grids
	}
	ag, err := ix.grid(ctx, &q.Area, q.CellM, radius, q.MaxCells)
	if err != nil {
		return HotspotResult{}, err
	}
	res := HotspotResult{Query: q, NCells: len(ag.cells)}
	ix.mu.RLock()
	res.Version = ix.changes.visible(q.Filter.Visibility)
	vals, counts, err := ix.binEvents(ctx, ag, &cf, q.Value)
	var dens []float64
	if err == nil && q.Method == MethodKDE {
		dens, err = ix.st.kde(ctx, ag, &cf, q.Value, q.BandwidthM)
	}
	ix.mu.RUnlock()
	if err != nil {
		return HotspotResult{}, err
	}
	for i, c := range counts {
		res.Events += int(c)
		res.Total += vals[i]
	}
	lonLat, rings := ag.geometry()
	cell := func(i int) HotspotCell {
		return HotspotCell{Hex: ag.cells[i], XM: ag.xy[i][0], YM: ag.xy[i][1], Lon: lonLat[i][0], Lat: lonLat[i][1],
			Ring: rings[i], Value: vals[i], Count: int(counts[i])}
	}
	if q.Method == MethodKDE {
		res.Mean, res.Std = meanStd(dens)
		n := 0
		for _, d := range dens {
			if d >= q.MinDensity {
				n++
			}
		}
		res.Cells = make([]HotspotCell, 0, n)
		for i, d := range dens {
			if d < q.MinDensity {
				continue
			}
			c := cell(i)
			c.Density = d
			res.Cells = append(res.Cells, c)
		}
		return res, nil
	}
	var intCounts []int32
	if q.Value == ValueCount {
		intCounts = counts
	}
	g, err := giStarFDR(ctx, vals, intCounts, ag.nb)
	if err != nil {
		return HotspotResult{}, err
	}
	res.Mean, res.Std = g.mean, g.std
	for _, c := range counts {
		if c > 0 {
			res.NonZeroCells++
		}
	}
	if res.Warning = SampleTooSmall(res.Events, res.NonZeroCells); res.Warning != nil {
		clear(g.bins)
	}
	for i, bin := range g.bins {
		if int(absInt(int(bin))) < q.MinBin {
			continue
		}
		c := cell(i)
		c.GiZ, c.GiP, c.GiBin = g.z[i], pValueAt(g.z, g.p, i), bin
		c.Neighbor = len(ag.nb.Of(i))
		res.Cells = append(res.Cells, c)
	}
	return res, nil
}

// giResult is the outcome of giStarFDR.
type giResult struct {
	// z is every cell's Gi* z-score; p its p-value where it can be
	// significant, else pNotComputed (pValueAt completes it).
	z, p      []float64
	bins      []int8
	mean, std float64
}

// giStarFDR is the hotspot engine's one Gi* pipeline: the Gi* z-score of
// every cell value with the binary neighbour lists nb (GiStar), its
// two-sided p-value (PValue) and the Benjamini–Hochberg confidence bin over
// all cells (FDRBins). counts, when the values are event counts, lets the
// neighbourhood sums run in integers (giStarCounts); nil otherwise. Only
// the p-values that can be significant are computed (fdrCutoffsOfZ); the
// bins are those of FDRBins. It checks ctx every ctxCheckEvery cells and
// returns ctx's error once it is done. docs/statistics.md, "Getis–Ord Gi*"
// and "FDR confidence bins".
func giStarFDR(ctx context.Context, vals []float64, counts []int32, nb *Neighbors) (giResult, error) {
	g := giResult{z: make([]float64, len(vals))}
	g.mean, g.std = meanStd(vals)
	for lo := 0; lo < len(vals); lo += ctxCheckEvery {
		if err := ctx.Err(); err != nil {
			return giResult{}, err
		}
		hi := min(lo+ctxCheckEvery, len(vals))
		if counts != nil {
			giStarCountsRange(counts, nb, g.z, g.mean, g.std, lo, hi)
		} else {
			giStarRange(vals, nb, g.z, g.mean, g.std, lo, hi)
		}
	}
	g.p = make([]float64, len(g.z))
	c99, c95, c90 := fdrCutoffsOfZ(g.z, g.p)
	g.bins = make([]int8, len(g.z))
	for i := range g.z {
		g.bins[i] = BinOf(g.z[i], g.p[i], c99, c95, c90)
	}
	return g, nil
}

func meanStd(x []float64) (mean, std float64) {
	if len(x) == 0 {
		return 0, 0
	}
	var s, s2 float64
	for _, v := range x {
		s += v
		s2 += v * v
	}
	n := float64(len(x))
	mean = s / n
	return mean, math.Sqrt(math.Max(0, s2/n-mean*mean))
}

// kde evaluates the quartic kernel density per km² at every cell centre of
// ag from the events that pass cf (formula of QuarticKernel). Rather than
// searching the events around each centre, it makes one pass over the
// events and adds each one's kernel to the centres within bandwidthM: the
// candidate centres are the cell offsets within bandwidthM plus a cell's
// circumradius of the event's own cell, and each is tested by its exact
// distance. Both orders give the same sums; this one reads memory in order.
// It checks ctx every ctxCheckEvents events and returns its error once it
// is done. The caller holds the read lock.
func (st *store) kde(ctx context.Context, ag *areaGrid, cf *compiledFilter, value ValueKind, bandwidthM float64) ([]float64, error) {
	g := ag.grid
	type off struct {
		h      Hex
		dx, dy float64
	}
	var offs []off
	for _, h := range g.DiskOffsets(bandwidthM + g.CellM/sqrt3 + 1) {
		x, y := g.Center(h)
		offs = append(offs, off{h, x, y})
	}
	b := ag.bound.Pad(bandwidthM)
	r2 := bandwidthM * bandwidthM
	invCell, invRow := 1/g.CellM, 2/(sqrt3*g.CellM)
	p := max(1, min(runtime.GOMAXPROCS(0), len(st.xy)/65536))
	coarse := cf.coarsens()
	parts := make([][]float64, p)
	var wg sync.WaitGroup
	for w := 0; w < p; w++ {
		lo, hi := len(st.xy)*w/p, len(st.xy)*(w+1)/p
		out := make([]float64, len(ag.cells))
		parts[w] = out
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := lo // the slot at which to check ctx next
			for slot := lo; slot < hi; slot++ {
				if slot == next {
					if ctx.Err() != nil {
						return
					}
					next += ctxCheckEvents
				}
				pt := st.xy[slot]
				if !coarse && (pt[0] < b.Min[0] || pt[0] > b.Max[0] || pt[1] < b.Min[1] || pt[1] > b.Max[1]) {
					continue
				}
				ok, rule := cf.view(st, slot)
				if !ok {
					continue
				}
				if rule >= 0 {
					pt = cf.xy(st, slot, rule)
				}
				if pt[0] < b.Min[0] || pt[0] > b.Max[0] || pt[1] < b.Min[1] || pt[1] > b.Max[1] {
					continue
				}
				wt := 1.0
				if value == ValueKG {
					if wt = cf.kg(st, slot); wt == 0 {
						continue
					}
				}
				h := hexCell(pt[0], pt[1], invCell, invRow)
				cx, cy := g.Center(h)
				ex, ey := pt[0]-cx, pt[1]-cy // event relative to its cell centre
				for _, o := range offs {
					dx, dy := o.dx-ex, o.dy-ey
					d2 := dx*dx + dy*dy
					if d2 >= r2 {
						continue
					}
					if i := ag.index(h.Add(o.h)); i >= 0 {
						u := 1 - d2/r2
						out[i] += wt * u * u
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := parts[0]
	for w := 1; w < p; w++ {
		for i, v := range parts[w] {
			out[i] += v
		}
	}
	scale := 3 / math.Pi / r2 * 1e6
	for i := range out {
		out[i] *= scale
	}
	return out, nil
}

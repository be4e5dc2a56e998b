package geo

import (
	"context"
	"math"
	"runtime"
	"slices"
	"time"
)

// nsPerDay converts the index's nanoseconds to the days of SEPPFit.
const nsPerDay = float64(24 * time.Hour)

// fcEvent is one event of a forecast's history as its viewer sees it: its
// time in Unix nanoseconds, its projected point and its cell in the area
// (−1: outside the area but near enough to add to kde's kernel sums).
type fcEvent struct {
	t    int64
	x, y float64
	cell int32
}

// forecastData is the history a forecast or a backtest works on: the
// area's grid and, per cell, the times (and for kde the points) of its
// events in time order; for kde also the events outside the area's cells
// within reach of the kernel.
type forecastData struct {
	ag    *areaGrid
	start int64 // start of the history, Unix nanoseconds
	// cellStart[c]…cellStart[c+1] index cellAt and cellXY: the times of
	// cell c's events in Unix nanoseconds, ascending, and their points
	// (nil unless kde needs them).
	cellStart []int32
	cellAt    []int64
	cellXY    [][2]float64
	// near are the events outside the area's cells within kde's reach.
	near []fcEvent
	// cellT are cellAt in days since start, made on first use by seppp.
	cellT []float64
	// noCarry makes a backtest compute each origin's kde afresh instead
	// of carrying the sums (kdeOrigins): the baseline of its benchmark.
	noCarry bool
}

// newForecastData groups ev's in-area events by cell (a counting sort,
// then each cell's events sorted by time) and keeps the others as near
// events. The history starts at from when it is not zero, else at the
// earliest in-area event (end when there is none).
func newForecastData(ag *areaGrid, ev []fcEvent, from, end int64) *forecastData {
	nc := len(ag.cells)
	d := &forecastData{ag: ag, cellStart: make([]int32, nc+1)}
	for _, e := range ev {
		if e.cell >= 0 {
			d.cellStart[e.cell+1]++
		} else {
			d.near = append(d.near, e)
		}
	}
	for c := 1; c <= nc; c++ {
		d.cellStart[c] += d.cellStart[c-1]
	}
	n := d.cellStart[nc]
	d.cellAt, d.cellXY = make([]int64, n), make([][2]float64, n)
	next := slices.Clone(d.cellStart[:nc])
	for _, e := range ev {
		if e.cell >= 0 {
			d.cellAt[next[e.cell]], d.cellXY[next[e.cell]] = e.t, [2]float64{e.x, e.y}
			next[e.cell]++
		}
	}
	for c := 0; c < nc; c++ {
		lo := int(d.cellStart[c])
		sortCell(d.cellAt[lo:d.cellStart[c+1]], d.cellXY, lo, true)
	}
	d.setStart(from, end)
	return d
}

// setStart sets the start of the history: from when it is not zero, else
// the earliest in-area event, else end.
func (d *forecastData) setStart(from, end int64) {
	if from != 0 {
		d.start = from
		return
	}
	d.start = end
	for c := 0; c+1 < len(d.cellStart); c++ {
		if lo := d.cellStart[c]; lo < d.cellStart[c+1] {
			d.start = min(d.start, d.cellAt[lo])
		}
	}
}

// forecastData collects the history of q: the events that pass q.Filter as
// its viewer sees them, before end (Unix nanoseconds), in q.Area's cells
// and, when maxBandwidthM > 0, those outside them within kdeCutoffSigmas ×
// maxBandwidthM. The history starts at q.Filter.Time.Start when set, else
// at the earliest event in the area's cells (end when there is none). A
// viewer who sees nothing coarsened reads the assignment's per-cell time
// lists (historyFromSlots); one who does takes one pass over every event
// (historyScan). It returns the index version it read.
func (ix *Index) forecastData(ctx context.Context, q *ForecastQuery, end int64, maxBandwidthM float64) (*forecastData, uint64, error) {
	return ix.forecastDataVia(ctx, q, end, maxBandwidthM, false)
}

// forecastDataVia is forecastData; scan forces the pass over every event.
func (ix *Index) forecastDataVia(ctx context.Context, q *ForecastQuery, end int64, maxBandwidthM float64, scan bool) (*forecastData, uint64, error) {
	f := q.Filter
	f.Time.End = time.Unix(0, end-1)
	cf, err := f.compile()
	if err != nil {
		return nil, 0, err
	}
	ag, err := ix.grid(ctx, &q.Area, q.CellM, q.CellM, q.MaxCells)
	if err != nil {
		return nil, 0, err
	}
	var near func(p [2]float64) bool
	if maxBandwidthM > 0 {
		pb := ag.bound.Pad(kdeCutoffSigmas * maxBandwidthM)
		near = func(p [2]float64) bool {
			return p[0] >= pb.Min[0] && p[0] <= pb.Max[0] && p[1] >= pb.Min[1] && p[1] <= pb.Max[1]
		}
	}
	var from int64
	if !q.Filter.Time.Start.IsZero() {
		from = q.Filter.Time.Start.UnixNano()
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	version := ix.changes.visible(q.Filter.Visibility)
	e, err := ix.assignment(ctx, ag)
	if err != nil {
		return nil, 0, err
	}
	st := &ix.st
	if !scan && !cf.coarsens() {
		if cs := st.cellSlots(ctx, e); cs != nil {
			var pt *passTables
			if !cf.all {
				pt = cf.passTables(st.maxAgency)
			}
			d, err := st.historyFromSlots(ctx, e, cs, &cf, pt, end, near, maxBandwidthM > 0)
			if err != nil {
				return nil, 0, err
			}
			d.setStart(from, end)
			return d, version, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
	}
	ev, err := st.historyScan(ctx, e.cell, ag, &cf, near)
	if err != nil {
		return nil, 0, err
	}
	return newForecastData(ag, ev, from, end), version, nil
}

// historyScan collects the events of a forecast's history by one pass over
// every slot: those that pass cf, in the area's cells as the viewer sees
// them or, when near is not nil, near them. The caller holds the read
// lock.
func (st *store) historyScan(ctx context.Context, assigned []int32, ag *areaGrid, cf *compiledFilter, near func(p [2]float64) bool) ([]fcEvent, error) {
	in := func(p [2]float64) bool { return near != nil && near(p) }
	coarse := cf.coarsens()
	var ev []fcEvent
	for slot, i := range assigned {
		if slot%ctxCheckEvents == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		p := st.xy[slot]
		if i < 0 && !coarse && !in(p) {
			continue
		}
		ok, rule := cf.view(st, slot)
		if !ok {
			continue
		}
		if rule >= 0 {
			p = cf.xy(st, slot, rule)
			i = st.cellOfXY(ag, p)
		}
		if i < 0 && !in(p) {
			continue
		}
		ev = append(ev, fcEvent{t: cf.at(st, slot, rule), x: p[0], y: p[1], cell: i})
	}
	return ev, nil
}

// countIn returns the number of cell c's events in [t0, t1).
func (d *forecastData) countIn(c int, t0, t1 int64) int {
	ats := d.cellAt[d.cellStart[c]:d.cellStart[c+1]]
	lo, _ := slices.BinarySearch(ats, t0)
	hi, _ := slices.BinarySearch(ats, t1)
	return hi - lo
}

// events returns the number of in-area events before end.
func (d *forecastData) events(end int64) int {
	n := 0
	for c := range d.ag.cells {
		n += d.countIn(c, math.MinInt64, end)
	}
	return n
}

// forecast returns the expected number of events per cell in [t0, t1)
// (Unix nanoseconds) by method p from the events before t0, and for seppp
// the fit (warm, when not nil, is the starting point of its EM).
func (d *forecastData) forecast(ctx context.Context, p ForecastParams, t0, t1 int64, warm *SEPPFit) ([]float64, *SEPPFit, error) {
	risk := make([]float64, len(d.ag.cells))
	switch p.Method {
	case ForecastNaive:
		d.naive(risk, t0, t1)
	case ForecastAverage:
		d.average(risk, t0, t1)
	case ForecastKDE:
		return risk, nil, d.kde(ctx, risk, p.BandwidthM, p.HalfLife, t0, t1)
	case ForecastSEPPP:
		fit, err := d.seppp(ctx, risk, t0, t1, warm)
		return risk, fit, err
	default:
		return nil, nil, &ParamError{Param: "method", Reason: "must be naive, average, kde or seppp"}
	}
	return risk, nil, nil
}

// naive sets risk to each cell's count in [t0 − P, t0), P = t1 − t0.
func (d *forecastData) naive(risk []float64, t0, t1 int64) {
	lo := t0 - (t1 - t0)
	for c := range risk {
		risk[c] = float64(d.countIn(c, lo, t0))
	}
}

// average sets risk to each cell's count in [start, t0) × P / (t0 − start).
func (d *forecastData) average(risk []float64, t0, t1 int64) {
	if t0 <= d.start {
		return
	}
	for c := range risk {
		risk[c] = float64(d.countIn(c, d.start, t0))
	}
	scale := float64(t1-t0) / float64(t0-d.start)
	for i := range risk {
		risk[i] *= scale
	}
}

// kde sets risk to the time-decayed Gaussian kernel estimate of the
// expected count per cell (docs/statistics.md, "Forecasts"):
//
//	risk_c = P·A / ((h/ln 2)·(1 − 2^(−(t0−S)/h))) · Σⱼ 2^(−(t0−tⱼ)/h) · φ_b(x_c − xⱼ)
//
// with φ_b(d) = exp(−|d|²/(2b²)) / (2πb²), truncated at |d| > 4b, A the
// cell area, S the start of the history, b the bandwidth and h the
// half-life. Each term exp(−|o − e|²/2b²) between the offset o of a cell
// centre and the event e (relative to the event's cell centre) is
// factored as exp(−|o|²/2b²)·exp(−|e|²/2b²)·exp(o·e/b²), and the last
// factor is a power of two per-event constants because o lies on the
// lattice, so the inner loop has no exp. The events of an area cell share
// their cell and so the indices of the cells their kernel reaches, which
// are looked up once per cell; the near events outside the area, once per
// event.
func (d *forecastData) kde(ctx context.Context, risk []float64, bandwidthM float64, halfLife time.Duration, t0, t1 int64) error {
	if t0 <= d.start {
		return nil
	}
	k := newKDEKernel(d.ag, bandwidthM)
	hl := float64(halfLife.Nanoseconds())
	parts := make([][]float64, runtime.GOMAXPROCS(0)+1)
	nw := d.kdeWorkers(func(w, lo, hi int) {
		// Worker w takes the cells whose events are its share of them,
		// and worker 0 the near events too.
		out := risk
		if w > 0 {
			out = make([]float64, len(risk))
		}
		parts[w] = out
		ks := k.scratch()
		idx := make([]int32, len(k.offs))
		for c := lo; c < hi; c++ {
			if (c-lo)%ctxCheckEvery == 0 && ctx.Err() != nil {
				return
			}
			a, b := int(d.cellStart[c]), int(d.cellStart[c+1])
			if a == b {
				continue
			}
			k.targets(d.ag.cells[c], idx)
			ats := d.cellAt[a:b]
			n, _ := slices.BinarySearch(ats, t0)
			for j := a; j < a+n; j++ {
				if d.cellAt[j] < d.start {
					continue
				}
				wt := math.Exp2(-float64(t0-d.cellAt[j]) / hl)
				if wt >= kdeMinWeight {
					k.add(out, ks, idx, d.ag.cells[c], d.cellXY[j], wt)
				}
			}
		}
		if w != 0 {
			return
		}
		for j, e := range d.near {
			if j%ctxCheckEvents == 0 && ctx.Err() != nil {
				return
			}
			if e.t >= t0 || e.t < d.start {
				continue
			}
			wt := math.Exp2(-float64(t0-e.t) / hl)
			if wt < kdeMinWeight {
				continue
			}
			h := hexCell(e.x, e.y, k.invCell, k.invRow)
			k.targets(h, idx)
			k.add(out, ks, idx, h, [2]float64{e.x, e.y}, wt)
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for w := 1; w < nw; w++ {
		for i, v := range parts[w] {
			risk[i] += v
		}
	}
	norm := d.kdeNorm(k, hl, t0, t1)
	for i := range risk {
		risk[i] *= norm
	}
	return nil
}

// kdeKernel is the truncated Gaussian kernel of kde on a grid: the cell
// offsets it may reach and their factors.
type kdeKernel struct {
	ag              *areaGrid
	b2, cut2        float64
	offs            []kdeOffset
	kmax, rmax      int
	invCell, invRow float64
}

type kdeOffset struct {
	h      Hex
	dx, dy float64
	k      int // 2q + r: dx = k·cellM/2
	g      float64
}

// kdeScratch are one worker's per-event powers: px[k+kmax] =
// exp(k·(cellM/2)·ex/b²), py[r+rmax] = exp(r·(√3/2)·cellM·ey/b²).
type kdeScratch struct{ px, py []float64 }

func newKDEKernel(ag *areaGrid, bandwidthM float64) *kdeKernel {
	g := ag.grid
	k := &kdeKernel{ag: ag, b2: bandwidthM * bandwidthM, invCell: 1 / g.CellM, invRow: 2 / (sqrt3 * g.CellM)}
	k.cut2 = kdeCutoffSigmas * kdeCutoffSigmas * k.b2
	for _, h := range g.DiskOffsets(kdeCutoffSigmas*bandwidthM + g.CellM/sqrt3 + 1) {
		x, y := g.Center(h)
		kk := 2*int(h.Q) + int(h.R)
		k.offs = append(k.offs, kdeOffset{h, x, y, kk, math.Exp(-(x*x + y*y) / (2 * k.b2))})
		k.kmax, k.rmax = max(k.kmax, absInt(kk)), max(k.rmax, absInt(int(h.R)))
	}
	return k
}

func (k *kdeKernel) scratch() *kdeScratch {
	return &kdeScratch{px: make([]float64, 2*k.kmax+1), py: make([]float64, 2*k.rmax+1)}
}

// targets sets idx[o] to the area index of cell h + offset o (−1 outside).
func (k *kdeKernel) targets(h Hex, idx []int32) {
	for o := range k.offs {
		idx[o] = k.ag.index(h.Add(k.offs[o].h))
	}
}

// add adds the kernel of an event at p in cell h, of time weight wt, to
// out; idx are h's targets.
func (k *kdeKernel) add(out []float64, ks *kdeScratch, idx []int32, h Hex, p [2]float64, wt float64) {
	g := k.ag.grid
	cx, cy := g.Center(h)
	ex, ey := p[0]-cx, p[1]-cy
	wt *= math.Exp(-(ex*ex + ey*ey) / (2 * k.b2))
	powers(ks.px, math.Exp(g.CellM/2*ex/k.b2), k.kmax)
	powers(ks.py, math.Exp(g.CellM*sqrt3/2*ey/k.b2), k.rmax)
	for o := range k.offs {
		i := idx[o]
		if i < 0 {
			continue
		}
		of := &k.offs[o]
		dx, dy := of.dx-ex, of.dy-ey
		if dx*dx+dy*dy > k.cut2 {
			continue
		}
		out[i] += wt * of.g * ks.px[of.k+k.kmax] * ks.py[int(of.h.R)+k.rmax]
	}
}

// powers sets dst[k+n] = a^k for k = −n…n.
func powers(dst []float64, a float64, n int) {
	dst[n] = 1
	inv := 1 / a
	for k := 1; k <= n; k++ {
		dst[n+k] = dst[n+k-1] * a
		dst[n-k] = dst[n-k+1] * inv
	}
}

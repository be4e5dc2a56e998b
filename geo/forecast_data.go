package geo

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
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
// area's grid, the events, and the in-area events' times grouped by cell.
type forecastData struct {
	ag    *areaGrid
	ev    []fcEvent
	start int64 // start of the history, Unix nanoseconds
	// cellStart[c]…cellStart[c+1] index cellT, the times of cell c's
	// events in days since start, ascending.
	cellStart []int32
	cellT     []float64
}

// newForecastData groups ev's in-area events by cell (a counting sort,
// then each cell's times sorted).
func newForecastData(ag *areaGrid, ev []fcEvent, start int64) *forecastData {
	d := &forecastData{ag: ag, ev: ev, start: start, cellStart: make([]int32, len(ag.cells)+1)}
	for _, e := range ev {
		if e.cell >= 0 {
			d.cellStart[e.cell+1]++
		}
	}
	for c := 1; c < len(d.cellStart); c++ {
		d.cellStart[c] += d.cellStart[c-1]
	}
	d.cellT = make([]float64, d.cellStart[len(ag.cells)])
	next := slices.Clone(d.cellStart[:len(ag.cells)])
	for _, e := range ev {
		if e.cell >= 0 {
			d.cellT[next[e.cell]] = float64(e.t-start) / nsPerDay
			next[e.cell]++
		}
	}
	for c := range ag.cells {
		slices.Sort(d.cellT[d.cellStart[c]:d.cellStart[c+1]])
	}
	return d
}

// forecastData collects the history of q: the events that pass q.Filter as
// its viewer sees them, before end (Unix nanoseconds), in q.Area's cells or
// within kdeCutoffSigmas × maxBandwidthM of them. The history starts at
// q.Filter.Time.Start when set, else at the earliest event (end when there
// is none). It returns the index version it read.
func (ix *Index) forecastData(ctx context.Context, q *ForecastQuery, end int64, maxBandwidthM float64) (*forecastData, uint64, error) {
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
	pb := ag.bound.Pad(kdeCutoffSigmas * maxBandwidthM)
	in := func(p [2]float64) bool {
		return p[0] >= pb.Min[0] && p[0] <= pb.Max[0] && p[1] >= pb.Min[1] && p[1] <= pb.Max[1]
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	version := ix.changes.visible(q.Filter.Visibility)
	assigned, err := ix.assigned(ctx, ag)
	if err != nil {
		return nil, 0, err
	}
	st := &ix.st
	coarse := cf.coarsens()
	var ev []fcEvent
	for slot, i := range assigned {
		if slot%ctxCheckEvents == 0 && ctx.Err() != nil {
			return nil, 0, ctx.Err()
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
	start := end
	if !q.Filter.Time.Start.IsZero() {
		start = q.Filter.Time.Start.UnixNano()
	} else {
		for _, e := range ev {
			start = min(start, e.t)
		}
	}
	return newForecastData(ag, ev, start), version, nil
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
	for _, e := range d.ev {
		if e.cell >= 0 && e.t >= lo && e.t < t0 {
			risk[e.cell]++
		}
	}
}

// average sets risk to each cell's count in [start, t0) × P / (t0 − start).
func (d *forecastData) average(risk []float64, t0, t1 int64) {
	if t0 <= d.start {
		return
	}
	for _, e := range d.ev {
		if e.cell >= 0 && e.t >= d.start && e.t < t0 {
			risk[e.cell]++
		}
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
// lattice, so the inner loop has no exp.
func (d *forecastData) kde(ctx context.Context, risk []float64, bandwidthM float64, halfLife time.Duration, t0, t1 int64) error {
	if t0 <= d.start {
		return nil
	}
	ag, g := d.ag, d.ag.grid
	b2 := bandwidthM * bandwidthM
	cut2 := kdeCutoffSigmas * kdeCutoffSigmas * b2
	type off struct {
		h      Hex
		dx, dy float64
		k      int // 2q + r: dx = k·cellM/2
		g      float64
	}
	var offs []off
	kmax, rmax := 0, 0
	for _, h := range g.DiskOffsets(kdeCutoffSigmas*bandwidthM + g.CellM/sqrt3 + 1) {
		x, y := g.Center(h)
		k := 2*int(h.Q) + int(h.R)
		offs = append(offs, off{h, x, y, k, math.Exp(-(x*x + y*y) / (2 * b2))})
		kmax, rmax = max(kmax, absInt(k)), max(rmax, absInt(int(h.R)))
	}
	hl := float64(halfLife.Nanoseconds())
	norm := float64(t1-t0) * g.CellAreaM2() / (hl / math.Ln2 * (1 - math.Exp2(-float64(t0-d.start)/hl))) / (2 * math.Pi * b2)
	invCell, invRow := 1/g.CellM, 2/(sqrt3*g.CellM)
	p := max(1, min(runtime.GOMAXPROCS(0), len(d.ev)/65536))
	parts := make([][]float64, p)
	var wg sync.WaitGroup
	for w := 0; w < p; w++ {
		lo, hi := len(d.ev)*w/p, len(d.ev)*(w+1)/p
		out := risk
		if w > 0 {
			out = make([]float64, len(risk))
		}
		parts[w] = out
		wg.Add(1)
		go func() {
			defer wg.Done()
			px := make([]float64, 2*kmax+1) // px[k+kmax] = exp(k·(cellM/2)·ex/b²)
			py := make([]float64, 2*rmax+1) // py[r+rmax] = exp(r·(√3/2)·cellM·ey/b²)
			for j := lo; j < hi; j++ {
				if (j-lo)%ctxCheckEvents == 0 && ctx.Err() != nil {
					return
				}
				e := d.ev[j]
				if e.t >= t0 || e.t < d.start {
					continue
				}
				wt := math.Exp2(-float64(t0-e.t) / hl)
				if wt < kdeMinWeight {
					continue
				}
				h := hexCell(e.x, e.y, invCell, invRow)
				cx, cy := g.Center(h)
				ex, ey := e.x-cx, e.y-cy
				wt *= math.Exp(-(ex*ex + ey*ey) / (2 * b2))
				powers(px, math.Exp(g.CellM/2*ex/b2), kmax)
				powers(py, math.Exp(g.CellM*sqrt3/2*ey/b2), rmax)
				for _, o := range offs {
					dx, dy := o.dx-ex, o.dy-ey
					if dx*dx+dy*dy > cut2 {
						continue
					}
					if i := ag.index(h.Add(o.h)); i >= 0 {
						out[i] += wt * o.g * px[o.k+kmax] * py[int(o.h.R)+rmax]
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for w := 1; w < p; w++ {
		for i, v := range parts[w] {
			risk[i] += v
		}
	}
	for i := range risk {
		risk[i] *= norm
	}
	return nil
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

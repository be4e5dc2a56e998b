package geo

import (
	"context"
	"math"
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
	// nearG are near grouped by cell, made on first use by kde.
	nearG *nearEvents
	// older counts the in-area events of the history left out of the
	// lists because they lie before the history's keepFrom (see
	// forecastDataVia); oldest is the earliest of them.
	older  int
	oldest int64
	// cellT are cellAt in days since start, made on first use by seppp.
	cellT []float64
	// noCarry makes a backtest compute each origin's kde afresh instead
	// of carrying the sums (kdeOrigins): the baseline of its benchmark.
	noCarry bool
	// carry, when not nil, stands in for kdeOrigins in a backtest: the
	// baseline of its benchmark.
	carry func(ctx context.Context, bandwidthM float64, halfLife time.Duration, origins []int64, p int64) ([][]float64, error)
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
	if d.older > 0 {
		d.start = min(d.start, d.oldest)
	}
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
	return ix.forecastDataVia(ctx, q, end, maxBandwidthM, keepAll, false)
}

// keepAll keeps the whole history in forecastDataVia.
const keepAll = math.MinInt64

// forecastDataVia is forecastData; scan forces the pass over every event.
// The in-area events before keepFrom are only counted (older, oldest:
// the start of the history and d.events stay those of the whole history)
// and the near events before it are left out: a kde forecast, which sums
// only the last 20 or so half-lives, reads no more than those.
func (ix *Index) forecastDataVia(ctx context.Context, q *ForecastQuery, end int64, maxBandwidthM float64, keepFrom int64, scan bool) (*forecastData, uint64, error) {
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
			d, err := st.historyFromSlots(ctx, e, cs, &cf, pt, historyRange{end, keepFrom}, near, maxBandwidthM > 0)
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
	var older int
	var oldest int64
	if keepFrom != keepAll {
		ev, older, oldest = keepRecent(ev, keepFrom)
	}
	d := newForecastData(ag, ev, 0, end)
	d.older, d.oldest = older, oldest
	d.setStart(from, end)
	return d, version, nil
}

// keepRecent removes from ev the events before keepFrom, in place, and
// returns the others, the number of in-area events removed and the
// earliest of them.
func keepRecent(ev []fcEvent, keepFrom int64) ([]fcEvent, int, int64) {
	older, oldest := 0, int64(math.MaxInt64)
	kept := ev[:0]
	for _, e := range ev {
		switch {
		case e.t >= keepFrom:
			kept = append(kept, e)
		case e.cell >= 0:
			older++
			oldest = min(oldest, e.t)
		}
	}
	return kept, older, oldest
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

// events returns the number of in-area events before end, which is no
// earlier than the keepFrom the data were collected with.
func (d *forecastData) events(end int64) int {
	n := d.older
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

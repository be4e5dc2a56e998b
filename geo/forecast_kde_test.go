package geo

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"
)

// kdePerEvent is kde the way it was computed before the sums per source
// cell: each event's kernel added to the target cells one by one, the
// near events by worker 0 alone. The baseline of BenchmarkForecast/kde.
func (d *forecastData) kdePerEvent(ctx context.Context, risk []float64, bandwidthM float64, halfLife time.Duration, t0, t1 int64) error {
	if t0 <= d.start {
		return nil
	}
	k := newKDEKernel(d.ag, bandwidthM)
	hl := float64(halfLife.Nanoseconds())
	parts := make([][]float64, runtime.GOMAXPROCS(0)+1)
	nw := d.kdeWorkers(func(w, lo, hi int) {
		out := risk
		if w > 0 {
			out = make([]float64, len(risk))
		}
		parts[w] = out
		ks := k.scratch()
		idx := make([]int32, len(k.offs))
		for c := lo; c < hi; c++ {
			a, b := int(d.cellStart[c]), int(d.cellStart[c+1])
			if a == b {
				continue
			}
			k.targets(d.ag.cells[c], idx)
			n, _ := slices.BinarySearch(d.cellAt[a:b], t0)
			for j := a; j < a+n; j++ {
				if d.cellAt[j] < d.start {
					continue
				}
				if wt := math.Exp2(-float64(t0-d.cellAt[j]) / hl); wt >= kdeMinWeight {
					k.add(out, ks, idx, d.ag.cells[c], d.cellXY[j], wt)
				}
			}
		}
		if w != 0 {
			return
		}
		for _, e := range d.near {
			if e.t >= t0 || e.t < d.start {
				continue
			}
			if wt := math.Exp2(-float64(t0-e.t) / hl); wt >= kdeMinWeight {
				h := hexCell(e.x, e.y, k.invCell, k.invRow)
				k.targets(h, idx)
				k.add(out, ks, idx, h, [2]float64{e.x, e.y}, wt)
			}
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

// kdeDirect is kde's formula summed directly over every pair of a cell
// centre and an event (docs/statistics.md, "Forecasts"): for each cell c,
// P·A/((h/ln 2)(1 − 2^(−(t0−S)/h))) · Σⱼ 2^(−(t0−tⱼ)/h)·exp(−dⱼ²/2b²)/(2πb²)
// over the events j with S ≤ tⱼ < t0, 2^(−(t0−tⱼ)/h) ≥ kdeMinWeight and
// dⱼ ≤ 4b, dⱼ the distance from c's centre.
func kdeDirect(g HexGrid, cells []Hex, ev []fcEvent, b float64, h time.Duration, start, t0, t1 int64) []float64 {
	hl := float64(h.Nanoseconds())
	norm := float64(t1-t0) * g.CellAreaM2() / (hl / math.Ln2 * (1 - math.Exp2(-float64(t0-start)/hl))) / (2 * math.Pi * b * b)
	out := make([]float64, len(cells))
	for i, c := range cells {
		cx, cy := g.Center(c)
		var s float64
		for _, e := range ev {
			if e.t < start || e.t >= t0 {
				continue
			}
			wt := math.Exp2(-float64(t0-e.t) / hl)
			d2 := (e.x-cx)*(e.x-cx) + (e.y-cy)*(e.y-cy)
			if wt >= kdeMinWeight && d2 <= kdeCutoffSigmas*kdeCutoffSigmas*b*b {
				s += wt * math.Exp(-d2/(2*b*b))
			}
		}
		out[i] = s * norm
	}
	return out
}

// checkRelative fails unless got and want are both zero or agree within
// tol relatively, cell by cell, and reports how many cells were nonzero.
func checkRelative(t *testing.T, name string, got, want []float64, tol float64) int {
	t.Helper()
	nz := 0
	for i := range want {
		if want[i] == 0 {
			if got[i] != 0 {
				t.Fatalf("%s cell %d: %v, direct sum 0", name, i, got[i])
			}
			continue
		}
		nz++
		if math.Abs(got[i]-want[i]) > tol*math.Abs(want[i]) {
			t.Fatalf("%s cell %d: %.15g, direct sum %.15g (relative %.2g)", name, i, got[i], want[i], math.Abs(got[i]-want[i])/want[i])
		}
	}
	return nz
}

// TestKDEMatchesDirectSum holds kde (sums per source cell, parallel) to
// the formula summed directly, within 1e-9 relatively in every cell, on
// random clustered events, some outside the area within the kernel's
// reach, some before the start of the history, some after the origin;
// bandwidths from cell_m/4 to 10 cells, and half-lives short enough that
// old events drop out (time weight below kdeMinWeight) and long.
func TestKDEMatchesDirectSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	const cellM = 1000.0
	g := HexGrid{CellM: cellM}
	cells := g.CellsInBound(orbBound(0, 0, 30000, 20000))
	var pts [][2]float64
	var days []float64
	for range 10000 {
		cx, cy := float64(rng.IntN(5))*8000-2000, float64(rng.IntN(4))*7000-1000
		s := 500 + 3000*rng.Float64()
		pts = append(pts, [2]float64{cx + rng.NormFloat64()*s, cy + rng.NormFloat64()*s})
		days = append(days, rng.Float64()*400-20)
	}
	d := fcTestData(t, cellM, cells, pts, days)
	d.start = fcDay(0)
	ev := fcEventsOf(d)
	if len(d.near) < 300 {
		t.Fatalf("%d near events: too few", len(d.near))
	}
	t0, t1 := fcDay(365), fcDay(395)
	for _, tc := range []struct {
		bandwidthM float64
		halfLife   time.Duration
	}{
		{cellM / 4, 3 * 24 * time.Hour}, {cellM, 10 * 24 * time.Hour}, {2500, 30 * 24 * time.Hour},
		{3700, 400 * 24 * time.Hour}, {10 * cellM, 5 * 24 * time.Hour},
	} {
		risk := make([]float64, len(cells))
		if err := d.kde(context.Background(), risk, tc.bandwidthM, tc.halfLife, t0, t1); err != nil {
			t.Fatal(err)
		}
		want := kdeDirect(g, cells, ev, tc.bandwidthM, tc.halfLife, d.start, t0, t1)
		nz := checkRelative(t, "kde", risk, want, 1e-9)
		t.Logf("b %g m, h %v: %d of %d cells nonzero", tc.bandwidthM, tc.halfLife, nz, len(cells))
		if nz < len(cells)/10 {
			t.Errorf("only %d of %d cells nonzero: too few to compare", nz, len(cells))
		}
	}
}

// TestForecastKDERecentHistory holds a kde forecast, which reads only
// the events of the last 21 half-lives (forecastDataVia's keepFrom), to
// the formula summed directly over the whole history, within 1e-9
// relatively, with the whole history's start and number of events; by
// the per-cell lists (after writes that left dirty slots) and by the pass
// over every event alike.
func TestForecastKDERecentHistory(t *testing.T) {
	ctx := context.Background()
	evs := syntheticEvents(20000, 23)
	var ix Index
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	q := ForecastQuery{ForecastParams: ForecastParams{Method: ForecastKDE, BandwidthM: 15000, HalfLife: 10 * 24 * time.Hour},
		AsOf: asOf, Until: asOf.AddDate(0, 1, 0), CellM: 10000, Area: corridorArea()}
	if err := q.normalize(DefaultAutoPeriods); err != nil {
		t.Fatal(err)
	}
	if _, err := Forecast(ctx, &ix, q); err != nil {
		t.Fatal(err) // builds the lists
	}
	rng := rand.New(rand.NewPCG(1, 5))
	for i := 0; i < 200; i++ {
		e := evs[rng.IntN(len(evs))]
		e.At = asOf.Add(-time.Duration(rng.IntN(24*700)) * time.Hour)
		if i%2 == 0 {
			e.ID[1] ^= 0x5a
		}
		if err := ix.Upsert(e); err != nil {
			t.Fatal(err)
		}
	}
	t0, t1 := asOf.UnixNano(), q.Until.UnixNano()
	keepFrom := t0 - int64(float64(q.HalfLife.Nanoseconds())*(math.Log2(1/kdeMinWeight)+1))
	for _, f := range []Filter{{}, {Kinds: []Kind{KindSeizure}, Visibility: &Visibility{Agency: 4, Partners: []Partner{{Agency: 9}}}}} {
		q.Filter = f
		full, _, err := ix.forecastDataVia(ctx, &q, t0, q.BandwidthM, keepAll, true)
		if err != nil {
			t.Fatal(err)
		}
		want := kdeDirect(full.ag.grid, full.ag.cells, fcEventsOf(full), q.BandwidthM, q.HalfLife, full.start, t0, t1)
		res, err := Forecast(ctx, &ix, q)
		if err != nil {
			t.Fatal(err)
		}
		risk := make([]float64, len(full.ag.cells))
		for _, c := range res.Cells {
			risk[full.ag.index(c.Hex)] = c.Risk
		}
		checkRelative(t, "Forecast", risk, want, 1e-9)
		if res.Events != full.events(t0) || !res.HistStart.Equal(time.Unix(0, full.start)) {
			t.Fatalf("%d events from %v; whole history %d from %v", res.Events, res.HistStart, full.events(t0), time.Unix(0, full.start))
		}
		for _, scan := range []bool{false, true} {
			d, _, err := ix.forecastDataVia(ctx, &q, t0, q.BandwidthM, keepFrom, scan)
			if err != nil {
				t.Fatal(err)
			}
			if d.older == 0 || d.start != full.start || d.events(t0) != full.events(t0) {
				t.Fatalf("scan %v: %d older, start %d, %d events; whole history start %d, %d events",
					scan, d.older, d.start, d.events(t0), full.start, full.events(t0))
			}
			r := make([]float64, len(risk))
			if err := d.kde(ctx, r, q.BandwidthM, q.HalfLife, t0, t1); err != nil {
				t.Fatal(err)
			}
			checkRelative(t, "recent history", r, want, 1e-9)
		}
	}
}

// kdeWorkers splits the area's cells into parts of about equal numbers of
// events and runs fn(w, lo, hi) on each in its own goroutine; worker 0
// also owns the near events. It returns the number of workers.
func (d *forecastData) kdeWorkers(fn func(w, lo, hi int)) int {
	nc := len(d.ag.cells)
	p := max(1, min(runtime.GOMAXPROCS(0), len(d.cellAt)/65536))
	var wg sync.WaitGroup
	for w := 0; w < p; w++ {
		lo := sort.Search(nc, func(c int) bool { return int(d.cellStart[c]) >= len(d.cellAt)*w/p })
		hi := sort.Search(nc, func(c int) bool { return int(d.cellStart[c]) >= len(d.cellAt)*(w+1)/p })
		if w == p-1 {
			hi = nc
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, lo, hi)
		}()
	}
	wg.Wait()
	return p
}

// kdeOriginsPerEvent is kdeOrigins the way it was computed before the
// sums per source cell: each event's kernel added on its own at the
// origin it enters and at the one it leaves, found by trying each origin
// in turn. The baseline of BenchmarkForecast/backtest-36.
func (d *forecastData) kdeOriginsPerEvent(ctx context.Context, bandwidthM float64, halfLife time.Duration, origins []int64, p int64) ([][]float64, error) {
	nc, no := len(d.ag.cells), len(origins)
	k := newKDEKernel(d.ag, bandwidthM)
	hl := float64(halfLife.Nanoseconds())
	// first returns the index of the first origin after t.
	first := func(t int64) int {
		i, _ := slices.BinarySearch(origins, t+1)
		return i
	}
	// visit adds an event at t, in cell h at xy, to the deltas of the
	// origins where it enters and leaves.
	visit := func(delta [][]float64, ks *kdeScratch, idx []int32, h Hex, xy [2]float64, t int64, targeted *bool) {
		if t < d.start {
			return
		}
		i := first(t)
		if i == no {
			return
		}
		wIn := math.Exp2(-float64(origins[i]-t) / hl)
		if wIn < kdeMinWeight {
			return
		}
		if !*targeted {
			k.targets(h, idx)
			*targeted = true
		}
		k.add(delta[i], ks, idx, h, xy, wIn)
		for j := i + 1; j < no; j++ {
			if w := math.Exp2(-float64(origins[j]-t) / hl); w < kdeMinWeight {
				k.add(delta[j], ks, idx, h, xy, -w)
				break
			}
		}
	}
	parts := make([][][]float64, runtime.GOMAXPROCS(0)+1)
	nw := d.kdeWorkers(func(w, lo, hi int) {
		delta := make([][]float64, no)
		for i := range delta {
			delta[i] = make([]float64, nc)
		}
		parts[w] = delta
		ks := k.scratch()
		idx := make([]int32, len(k.offs))
		for c := lo; c < hi; c++ {
			if (c-lo)%ctxCheckEvery == 0 && ctx.Err() != nil {
				return
			}
			targeted := false
			for j := int(d.cellStart[c]); j < int(d.cellStart[c+1]); j++ {
				visit(delta, ks, idx, d.ag.cells[c], d.cellXY[j], d.cellAt[j], &targeted)
			}
		}
		if w != 0 {
			return
		}
		for j, e := range d.near {
			if j%ctxCheckEvents == 0 && ctx.Err() != nil {
				return
			}
			h := hexCell(e.x, e.y, k.invCell, k.invRow)
			targeted := false
			visit(delta, ks, idx, h, [2]float64{e.x, e.y}, e.t, &targeted)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([][]float64, no)
	decay := math.Exp2(-float64(p) / hl)
	floor := kdeMinWeight * math.Exp(-kdeCutoffSigmas*kdeCutoffSigmas/2) / 2
	sum := make([]float64, nc)
	for i, o := range origins {
		for c := range sum {
			v := sum[c] * decay
			for w := 0; w < nw; w++ {
				v += parts[w][i][c]
			}
			sum[c] = v
		}
		risk := make([]float64, nc)
		if o > d.start {
			norm := d.kdeNorm(k, hl, o, o+p)
			for c, v := range sum {
				if v >= floor {
					risk[c] = v * norm
				}
			}
		}
		out[i] = risk
	}
	return out, nil
}

// TestKDEOriginsMatchPerEvent holds the carried sums per source cell to
// the carried sums event by event (kdeOriginsPerEvent): the same zeros,
// the others within 1e-9 of the largest, and identical scores (the sums
// of log-likelihood and absolute error to rounding, 1e-12), with
// half-lives from one much shorter than the period (events that never
// enter) to longer than the history.
func TestKDEOriginsMatchPerEvent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 4))
	g := HexGrid{CellM: 1000}
	cells := g.CellsInBound(orbBound(0, 0, 15000, 12000))
	var pts [][2]float64
	var days []float64
	for range 6000 {
		cx, cy := float64(rng.IntN(4))*4500, float64(rng.IntN(4))*4000
		pts = append(pts, [2]float64{cx + rng.NormFloat64()*1500, cy + rng.NormFloat64()*1500})
		days = append(days, rng.Float64()*400)
	}
	d := fcTestData(t, g.CellM, cells, pts, days)
	const p = int64(7 * 24 * time.Hour)
	var origins []int64
	for k := range 40 {
		origins = append(origins, fcDay(110)+int64(k)*p)
	}
	for _, tc := range []struct {
		bandwidthM float64
		halfLife   time.Duration
	}{{1000, 2 * time.Hour}, {1000, 2 * 24 * time.Hour}, {2500, 7 * 24 * time.Hour}, {1500, 900 * 24 * time.Hour}} {
		got, err := d.kdeOrigins(context.Background(), tc.bandwidthM, tc.halfLife, origins, p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := d.kdeOriginsPerEvent(context.Background(), tc.bandwidthM, tc.halfLife, origins, p)
		if err != nil {
			t.Fatal(err)
		}
		nz := 0
		for k, o := range origins {
			top := slices.Max(want[k])
			for c := range want[k] {
				if (want[k][c] == 0) != (got[k][c] == 0) || math.Abs(want[k][c]-got[k][c]) > 1e-9*top {
					t.Fatalf("b %v h %v origin %d cell %d: %g, per event %g (top %g)", tc.bandwidthM, tc.halfLife, k, c, got[k][c], want[k][c], top)
				}
				if want[k][c] != 0 {
					nz++
				}
			}
			y := d.counts(o, o+p)
			a, b := scoreForecast(d.ag, got[k], y), scoreForecast(d.ag, want[k], y)
			llA, llB, maeA, maeB := a.LogLik, b.LogLik, a.MAE, b.MAE
			a.LogLik, b.LogLik, a.MAE, b.MAE = 0, 0, 0, 0
			if a != b || !near(llA, llB, 1e-12) || !near(maeA, maeB, 1e-12) {
				t.Fatalf("b %v h %v origin %d: scores %+v, per event %+v", tc.bandwidthM, tc.halfLife, k, a, b)
			}
		}
		if nz == 0 {
			t.Fatalf("b %v h %v: every sum is 0", tc.bandwidthM, tc.halfLife)
		}
	}
}

// add adds the kernel of an event at p in cell h, of time weight wt, to
// out; idx are h's targets: one event at a time, the way of the
// baselines kdePerEvent and kdeOriginsPerEvent.
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

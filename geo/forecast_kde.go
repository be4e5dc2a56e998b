package geo

import (
	"cmp"
	"context"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// kde sets risk to the time-decayed Gaussian kernel estimate of the
// expected count per cell (docs/statistics.md, "Forecasts"):
//
//	risk_c = P·A / ((h/ln 2)·(1 − 2^(−(t0−S)/h))) · Σⱼ 2^(−(t0−tⱼ)/h) · φ_b(x_c − xⱼ)
//
// with φ_b(d) = exp(−|d|²/(2b²)) / (2πb²), truncated at |d| > 4b, A the
// cell area, S the start of the history, b the bandwidth and h the
// half-life; events older than about 20 half-lives (time weight below
// kdeMinWeight) are left out.
//
// The sum is taken per source cell, the cell an event lies in, not per
// event: each term exp(−|o − e|²/2b²) between the offset o of a target
// cell's centre and the event e (relative to its source cell's centre) is
// factored as exp(−|o|²/2b²)·exp(−|e|²/2b²)·exp(o·e/b²), and exp(o·e/b²)
// = Aᵏ·Bʳ for the lattice offset o = (k·cell_m/2, r·(√3/2)·cell_m), with A
// and B two per-event constants (kdeKernel.accumulate). A source cell's
// events add their factors into one small array per offset, which is
// then multiplied by exp(−|o|²/2b²) and added to the target cells once
// per source cell (kdeKernel.scatter): the inner loop has no exp, no
// lookup and no scattered write, and, for the offsets that every point of
// the source hexagon reaches within 4b, no distance test. The source cells
// (the area's, then the cells of the events outside the area within the
// kernel's reach) are shared among the cores in parts of about equal
// numbers of events. TestKDEMatchesDirectSum holds it to the formula.
func (d *forecastData) kde(ctx context.Context, risk []float64, bandwidthM float64, halfLife time.Duration, t0, t1 int64) error {
	if t0 <= d.start {
		return nil
	}
	k := newKDEKernel(d.ag, bandwidthM)
	hl := float64(halfLife.Nanoseconds())
	src := d.kdeSources(t0, hl)
	p := max(1, min(runtime.GOMAXPROCS(0), src.weight[len(src.weight)-1]/32768))
	parts := make([][]float64, p)
	var wg sync.WaitGroup
	for w := 0; w < p; w++ {
		lo, hi := src.part(w, p)
		out := risk
		if w > 0 {
			out = make([]float64, len(risk))
		}
		parts[w] = out
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := k.work()
			for s, n := lo, 0; s < hi; s++ {
				// Check the context every ctxCheckEvents events or so.
				if n == 0 && ctx.Err() != nil {
					return
				}
				if n += len(src.at[s]); n >= ctxCheckEvents {
					n = 0
				}
				cx, cy := k.ag.grid.Center(src.hex[s])
				k.accumulate(wk, cx, cy, src.at[s], src.xy[s], t0, hl)
				k.scatter(out, wk, src.hex[s])
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
	norm := d.kdeNorm(k, hl, t0, t1)
	for i := range risk {
		risk[i] *= norm
	}
	return nil
}

// kdeSourceList are the source cells of kde at one origin: each cell's
// hexagon and the times and points of its events that kde sums, and the
// running total of their numbers (weight[s] events before source s).
type kdeSourceList struct {
	hex    []Hex
	at     [][]int64
	xy     [][][2]float64
	weight []int
}

// part returns the sources [lo, hi) of part w of p, about an equal share
// of the events.
func (l *kdeSourceList) part(w, p int) (lo, hi int) {
	n := len(l.hex)
	total := l.weight[n]
	lo = sort.Search(n, func(s int) bool { return l.weight[s] >= total*w/p })
	hi = sort.Search(n, func(s int) bool { return l.weight[s] >= total*(w+1)/p })
	if w == p-1 {
		hi = n
	}
	return lo, hi
}

// kdeSources lists the source cells of kde at origin t0 with half-life hl
// (nanoseconds): each cell's events from the start of the history, with a
// time weight of at least kdeMinWeight, up to t0, found by binary search
// in the cell's time-sorted events.
func (d *forecastData) kdeSources(t0 int64, hl float64) *kdeSourceList {
	return d.kdeSourcesIn(func(ats []int64) (int, int) {
		lo := sort.Search(len(ats), func(i int) bool {
			return ats[i] >= d.start && math.Exp2(-float64(t0-ats[i])/hl) >= kdeMinWeight
		})
		hi := lo + sort.Search(len(ats)-lo, func(i int) bool { return ats[lo+i] >= t0 })
		return lo, hi
	})
}

// kdeSourcesIn lists the source cells of the area's and the near events,
// the area's cells first: of each cell's events in time order ats, those
// in [lo, hi) = sel(ats); cells without any are left out.
func (d *forecastData) kdeSourcesIn(sel func(ats []int64) (lo, hi int)) *kdeSourceList {
	l := &kdeSourceList{weight: []int{0}}
	add := func(h Hex, ats []int64, xys [][2]float64) {
		lo, hi := sel(ats)
		if lo >= hi {
			return
		}
		l.hex = append(l.hex, h)
		l.at = append(l.at, ats[lo:hi])
		l.xy = append(l.xy, xys[lo:hi])
		l.weight = append(l.weight, l.weight[len(l.weight)-1]+hi-lo)
	}
	for c, h := range d.ag.cells {
		a, b := int(d.cellStart[c]), int(d.cellStart[c+1])
		add(h, d.cellAt[a:b], d.cellXY[a:b])
	}
	g := d.nearGroups()
	for i, h := range g.hex {
		a, b := int(g.start[i]), int(g.start[i+1])
		add(h, g.at[a:b], g.xy[a:b])
	}
	return l
}

// nearEvents are the near events of a forecast's history grouped by cell
// (those of cell hex[g] at start[g]…start[g+1]) and in time order within
// a cell.
type nearEvents struct {
	hex   []Hex
	start []int32
	at    []int64
	xy    [][2]float64
}

// nearGroups returns d's near events grouped by the cell of the area's
// grid they lie in, made on first use.
func (d *forecastData) nearGroups() *nearEvents {
	if d.nearG != nil {
		return d.nearG
	}
	g := d.ag.grid
	type ev struct {
		h Hex
		e fcEvent
	}
	evs := make([]ev, len(d.near))
	for i, e := range d.near {
		evs[i] = ev{g.Cell(e.x, e.y), e}
	}
	slices.SortFunc(evs, func(a, b ev) int {
		return cmp.Or(cmp.Compare(a.h.R, b.h.R), cmp.Compare(a.h.Q, b.h.Q), cmp.Compare(a.e.t, b.e.t))
	})
	n := &nearEvents{start: []int32{0}, at: make([]int64, len(evs)), xy: make([][2]float64, len(evs))}
	for i, e := range evs {
		if i == 0 || e.h != evs[i-1].h {
			if i > 0 {
				n.start = append(n.start, int32(i))
			}
			n.hex = append(n.hex, e.h)
		}
		n.at[i], n.xy[i] = e.e.t, [2]float64{e.e.x, e.e.y}
	}
	if len(evs) > 0 {
		n.start = append(n.start, int32(len(evs)))
	}
	d.nearG = n
	return n
}

// kdeKernel is the truncated Gaussian kernel of kde on a grid: the cell
// offsets it may reach, ordered by row (r) and then by q, and their
// factors.
type kdeKernel struct {
	ag              *areaGrid
	b2, cut2        float64
	offs            []kdeOffset
	rows            []kdeRow
	kmax, rmax      int
	invCell, invRow float64
	// inv2b2 = 1/(2b²); ax, ay: A = exp(ax·ex), B = exp(ay·ey).
	inv2b2, ax, ay float64
	// inner2 is the square of the radius within which every point of a
	// cell lies (its circumradius and a margin): an event farther from its
	// cell's centre has every offset tested.
	inner2 float64
}

type kdeOffset struct {
	h      Hex
	dx, dy float64
	k      int // 2q + r: dx = k·cellM/2
	g      float64
}

// kdeRow is one row of the kernel's offsets: offs[o0:o1], of which
// offs[i0:i1] lie within 4b of every point of the source cell. The row's
// r is py index r+rmax; its offsets' k are k0−kmax, k0−kmax+2, ….
type kdeRow struct {
	o0, i0, i1, o1 int
	r, k0          int
}

// kdeScratch are one worker's per-event powers: px[k+kmax] =
// exp(k·(cellM/2)·ex/b²), py[r+rmax] = exp(r·(√3/2)·cellM·ey/b²).
type kdeScratch struct{ px, py []float64 }

// kdeWork is one worker's scratch of kde: the powers of an event, the
// sums of a source cell per offset and the offsets' target cells.
type kdeWork struct {
	kdeScratch
	acc []float64
	idx []int32
}

func newKDEKernel(ag *areaGrid, bandwidthM float64) *kdeKernel {
	g := ag.grid
	b2 := bandwidthM * bandwidthM
	k := &kdeKernel{ag: ag, b2: b2, invCell: 1 / g.CellM, invRow: 2 / (sqrt3 * g.CellM),
		inv2b2: 1 / (2 * b2), ax: g.CellM / 2 / b2, ay: g.CellM * sqrt3 / 2 / b2}
	k.cut2 = kdeCutoffSigmas * kdeCutoffSigmas * k.b2
	circum := g.CellM / sqrt3
	k.inner2 = (circum + 0.5) * (circum + 0.5)
	hs := g.DiskOffsets(kdeCutoffSigmas*bandwidthM + circum + 1)
	slices.SortFunc(hs, func(a, b Hex) int { return cmp.Or(cmp.Compare(a.R, b.R), cmp.Compare(a.Q, b.Q)) })
	for _, h := range hs {
		x, y := g.Center(h)
		kk := 2*int(h.Q) + int(h.R)
		k.offs = append(k.offs, kdeOffset{h, x, y, kk, math.Exp(-(x*x + y*y) / (2 * k.b2))})
		k.kmax, k.rmax = max(k.kmax, absInt(kk)), max(k.rmax, absInt(int(h.R)))
	}
	// Every point of the source cell lies within circum + 0.5 of its
	// centre, so an offset o with |o| + circum + 1 ≤ 4b is within 4b of
	// all of them.
	reach := kdeCutoffSigmas*bandwidthM - circum - 1
	for o := 0; o < len(k.offs); {
		row := kdeRow{o0: o, r: int(k.offs[o].h.R) + k.rmax, k0: k.offs[o].k + k.kmax}
		for o < len(k.offs) && int(k.offs[o].h.R)+k.rmax == row.r {
			o++
		}
		row.o1, row.i0, row.i1 = o, o, o
		for j := row.o0; j < row.o1; j++ {
			of := &k.offs[j]
			if of.dx*of.dx+of.dy*of.dy <= reach*reach && reach > 0 {
				row.i0, row.i1 = min(row.i0, j), j+1
			}
		}
		if row.i0 > row.i1 {
			row.i0, row.i1 = row.o1, row.o1
		}
		k.rows = append(k.rows, row)
	}
	return k
}

func (k *kdeKernel) scratch() *kdeScratch {
	return &kdeScratch{px: make([]float64, 2*k.kmax+1), py: make([]float64, 2*k.rmax+1)}
}

func (k *kdeKernel) work() *kdeWork {
	return &kdeWork{kdeScratch: *k.scratch(), acc: make([]float64, len(k.offs)), idx: make([]int32, len(k.offs))}
}

// accumulate adds to w.acc[o] the factors 2^(−(t0−t)/hl)·exp(−|e|²/2b²)·
// exp(o·e/b²) of the events at times ats and points xys of the source
// cell centred at (cx, cy), e the offset of an event from the centre, for
// each offset o within 4b of the event.
func (k *kdeKernel) accumulate(w *kdeWork, cx, cy float64, ats []int64, xys [][2]float64, t0 int64, hl float64) {
	acc, px, py := w.acc, w.px, w.py
	for j, t := range ats {
		ex, ey := xys[j][0]-cx, xys[j][1]-cy
		e2 := ex*ex + ey*ey
		wc := math.Exp(-float64(t0-t)/hl*math.Ln2 - e2*k.inv2b2)
		powers(px, math.Exp(k.ax*ex), k.kmax)
		powers(py, math.Exp(k.ay*ey), k.rmax)
		stray := e2 > k.inner2
		for ri := range k.rows {
			row := &k.rows[ri]
			s := wc * py[row.r]
			i0, i1 := row.i0, row.i1
			if stray {
				i0, i1 = row.o1, row.o1
			}
			for o := row.o0; o < i0; o++ {
				of := &k.offs[o]
				if dx, dy := of.dx-ex, of.dy-ey; dx*dx+dy*dy <= k.cut2 {
					acc[o] += s * px[of.k+k.kmax]
				}
			}
			pk := px[row.k0+2*(i0-row.o0):]
			a := acc[i0:i1]
			for o := range a {
				a[o] += s * pk[2*o]
			}
			for o := i1; o < row.o1; o++ {
				of := &k.offs[o]
				if dx, dy := of.dx-ex, of.dy-ey; dx*dx+dy*dy <= k.cut2 {
					acc[o] += s * px[of.k+k.kmax]
				}
			}
		}
	}
}

// scatter adds w.acc times each offset's exp(−|o|²/2b²) to the target
// cells of source cell h in out, and clears w.acc.
func (k *kdeKernel) scatter(out []float64, w *kdeWork, h Hex) {
	k.targets(h, w.idx)
	k.scatterScaled(out, w, 1)
}

// scatterScaled adds f·w.acc times each offset's exp(−|o|²/2b²) to the
// target cells w.idx in out, and clears w.acc.
func (k *kdeKernel) scatterScaled(out []float64, w *kdeWork, f float64) {
	for o, i := range w.idx {
		if i >= 0 {
			out[i] += f * k.offs[o].g * w.acc[o]
		}
		w.acc[o] = 0
	}
}

// targets sets idx[o] to the area index of cell h + offset o (−1 outside).
func (k *kdeKernel) targets(h Hex, idx []int32) {
	for o := range k.offs {
		idx[o] = k.ag.index(h.Add(k.offs[o].h))
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

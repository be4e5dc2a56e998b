package geo

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

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

// kdeNorm is the factor of kde's kernel sums at origin t0 for the period
// [t0, t1) (see kde).
func (d *forecastData) kdeNorm(k *kdeKernel, hl float64, t0, t1 int64) float64 {
	return float64(t1-t0) * d.ag.grid.CellAreaM2() / (hl / math.Ln2 * (1 - math.Exp2(-float64(t0-d.start)/hl))) / (2 * math.Pi * k.b2)
}

// kdeOrigins is kde at each of the origins o₀ < o₁ < … spaced p apart,
// for the periods [oₖ, oₖ + p), computed by carrying the decayed kernel
// sums from one origin to the next instead of recomputing them:
//
//	Sₖ = 2^(−p/h)·Sₖ₋₁ + Σ_{events entering at oₖ} wₖ(tⱼ)·K(x − xⱼ) − Σ_{events leaving at oₖ} wₖ(tⱼ)·K(x − xⱼ)
//
// where wₖ(t) = 2^(−(oₖ−t)/h), an event enters at the first origin after
// it and leaves at the first origin where wₖ < kdeMinWeight, exactly the
// events kde sums at each origin. Each event's kernel is added at most
// twice, against once per origin within 20 half-lives by kde. The sums
// agree with kde's to rounding (TestKDEOriginsEqualsKDE); a sum below the
// smallest term kde can add (kdeMinWeight·e^(−8), a trace of cancelled
// terms) is 0, as kde has it.
func (d *forecastData) kdeOrigins(ctx context.Context, bandwidthM float64, halfLife time.Duration, origins []int64, p int64) ([][]float64, error) {
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

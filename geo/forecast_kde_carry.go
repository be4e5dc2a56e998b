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
//
// As in kde, the kernels are summed per source cell: a cell's events that
// enter at the same origin add their factors into one array per offset
// (kdeKernel.accumulate), added to that origin's delta once; so do the
// events that leave at the same origin. The origin an event leaves at is
// found by binary search and checked with the weight itself.
func (d *forecastData) kdeOrigins(ctx context.Context, bandwidthM float64, halfLife time.Duration, origins []int64, p int64) ([][]float64, error) {
	nc, no := len(d.ag.cells), len(origins)
	k := newKDEKernel(d.ag, bandwidthM)
	hl := float64(halfLife.Nanoseconds())
	// An event whose first origin is oᵢ enters there; those before the
	// start of the history, at or after the last origin or of a weight
	// below kdeMinWeight there never enter.
	src := d.kdeSourcesIn(func(ats []int64) (int, int) {
		lo, _ := slices.BinarySearch(ats, d.start)
		hi, _ := slices.BinarySearch(ats, origins[no-1])
		return lo, hi
	})
	parts := make([][][]float64, max(1, min(runtime.GOMAXPROCS(0), src.weight[len(src.weight)-1]/32768)))
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := src.part(w, len(parts))
		delta := make([][]float64, no)
		for i := range delta {
			delta[i] = make([]float64, nc)
		}
		parts[w] = delta
		wg.Add(1)
		go func() {
			defer wg.Done()
			ow := newOriginWork(k, origins, hl)
			for s, n := lo, 0; s < hi; s++ {
				// Check the context every ctxCheckEvents events or so.
				if n == 0 && ctx.Err() != nil {
					return
				}
				if n += len(src.at[s]); n >= ctxCheckEvents {
					n = 0
				}
				ow.source(delta, src.hex[s], src.at[s], src.xy[s])
			}
		}()
	}
	wg.Wait()
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
			for w := range parts {
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

// originWork is one worker's scratch of kdeOrigins: a source cell's events
// that enter (at origin enterAt[j]) and leave (leaveAt[j]), in time order.
type originWork struct {
	k       *kdeKernel
	w       *kdeWork
	origins []int64
	hl      float64
	// hMin is the age in nanoseconds at which the weight falls below
	// kdeMinWeight, up to rounding.
	hMin             float64
	enterT, leaveT   []int64
	enterXY, leaveXY [][2]float64
	enterAt, leaveAt []int
}

func newOriginWork(k *kdeKernel, origins []int64, hl float64) *originWork {
	return &originWork{k: k, w: k.work(), origins: origins, hl: hl, hMin: hl * math.Log2(1/kdeMinWeight)}
}

// dropped reports whether an event at t weighs less than kdeMinWeight at
// origin o.
func (ow *originWork) dropped(t, o int64) bool {
	return math.Exp2(-float64(o-t)/ow.hl) < kdeMinWeight
}

// source adds the kernels of source cell h's events (times ats, points
// xys, in time order, none at or after the last origin) to delta: each
// event at the origin it enters, and negated at the origin it leaves.
func (ow *originWork) source(delta [][]float64, h Hex, ats []int64, xys [][2]float64) {
	ow.enterT, ow.leaveT = ow.enterT[:0], ow.leaveT[:0]
	ow.enterXY, ow.leaveXY = ow.enterXY[:0], ow.leaveXY[:0]
	ow.enterAt, ow.leaveAt = ow.enterAt[:0], ow.leaveAt[:0]
	no := len(ow.origins)
	for j, t := range ats {
		i, _ := slices.BinarySearch(ow.origins, t+1)
		if ow.dropped(t, ow.origins[i]) {
			continue
		}
		ow.enterT, ow.enterXY, ow.enterAt = append(ow.enterT, t), append(ow.enterXY, xys[j]), append(ow.enterAt, i)
		// The first origin after oᵢ at which the event weighs less than
		// kdeMinWeight: near t + hMin, then checked by the weight.
		l := i + 1 + sort.Search(no-i-1, func(m int) bool { return float64(ow.origins[i+1+m]-t) > ow.hMin })
		for l > i+1 && ow.dropped(t, ow.origins[l-1]) {
			l--
		}
		for l < no && !ow.dropped(t, ow.origins[l]) {
			l++
		}
		if l < no {
			ow.leaveT, ow.leaveXY, ow.leaveAt = append(ow.leaveT, t), append(ow.leaveXY, xys[j]), append(ow.leaveAt, l)
		}
	}
	cx, cy := ow.k.ag.grid.Center(h)
	targeted := false
	runs := func(ts []int64, ps [][2]float64, at []int, sign float64) {
		for a := 0; a < len(ts); {
			b := a + 1
			for b < len(ts) && at[b] == at[a] {
				b++
			}
			if !targeted {
				ow.k.targets(h, ow.w.idx)
				targeted = true
			}
			ow.k.accumulate(ow.w, cx, cy, ts[a:b], ps[a:b], ow.origins[at[a]], ow.hl)
			ow.k.scatterScaled(delta[at[a]], ow.w, sign)
			a = b
		}
	}
	runs(ow.enterT, ow.enterXY, ow.enterAt, 1)
	runs(ow.leaveT, ow.leaveXY, ow.leaveAt, -1)
}

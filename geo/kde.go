package geo

import (
	"math"
	"runtime"
	"sync"

	"github.com/tidwall/rtree"
)

// QuarticKernel returns the quartic (biweight) kernel of bandwidth r at
// squared distance d2, per square metre (Silverman 1986, eq. 4.5; the kernel
// of ArcGIS Kernel Density):
//
//	K(d) = (3/π) · (1 − (d/r)²)² / r²   for d < r, else 0.
//
// It integrates to 1 over the plane.
func QuarticKernel(d2, r float64) float64 {
	r2 := r * r
	if d2 >= r2 {
		return 0
	}
	u := 1 - d2/r2
	return 3 / math.Pi * u * u / r2
}

// KDE computes, at every projected location in at, the quartic kernel
// density of the weighted projected points pts per square kilometre:
//
//	density = 10⁶ · (1/r²) · Σ_{d_i < r} (3/π) · w_i · (1 − (d_i/r)²)²
//
// with r = bandwidthM and w_i = weights[i] (1 for every point when weights
// is nil). Points within the bandwidth are found with an R-tree. out must
// have len(at) elements.
func KDE(at, pts [][2]float64, weights []float64, bandwidthM float64, out []float64) error {
	if !(bandwidthM > 0) || math.IsInf(bandwidthM, 0) {
		return &ParamError{Param: "bandwidth_m", Reason: "must be a positive number of metres"}
	}
	var tr rtree.RTreeGN[float32, int32]
	for i, p := range pts {
		r := rectOf(p)
		tr.Insert(r, r, int32(i))
	}
	parallelRange(len(at), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			c := at[k]
			var s float64
			searchDisk(&tr, c, bandwidthM, func(i int32) {
				p := pts[i]
				dx, dy := p[0]-c[0], p[1]-c[1]
				w := 1.0
				if weights != nil {
					w = weights[i]
				}
				s += w * QuarticKernel(dx*dx+dy*dy, bandwidthM)
			})
			out[k] = s * 1e6
		}
	})
	return nil
}

// searchDisk calls fn for each item of tr whose box meets the square of
// half-side r around c (a superset of the disk of radius r).
func searchDisk[T any](tr *rtree.RTreeGN[float32, T], c [2]float64, r float64, fn func(T)) {
	tr.Search([2]float32{down32(c[0] - r), down32(c[1] - r)}, [2]float32{up32(c[0] + r), up32(c[1] + r)},
		func(_, _ [2]float32, v T) bool {
			fn(v)
			return true
		})
}

// parallelRange splits [0, n) into one contiguous chunk per CPU and runs fn
// on the chunks concurrently.
func parallelRange(n int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p > n/64 {
		p = max(1, n/64)
	}
	if p == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < p; w++ {
		lo, hi := n*w/p, n*(w+1)/p
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

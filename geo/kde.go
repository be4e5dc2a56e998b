package geo

import (
	"math"
	"runtime"
	"sync"
)

// QuarticKernel returns the quartic (biweight) kernel of bandwidth r at
// squared distance d2, per square metre (Silverman 1986, eq. 4.5; the kernel
// of ArcGIS Kernel Density):
//
//	K(d) = (3/π) · (1 − (d/r)²)² / r²   for d < r, else 0.
//
// It integrates to 1 over the plane. docs/statistics.md, "Kernel density".
func QuarticKernel(d2, r float64) float64 {
	r2 := r * r
	if d2 >= r2 {
		return 0
	}
	u := 1 - d2/r2
	return 3 / math.Pi * u * u / r2
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

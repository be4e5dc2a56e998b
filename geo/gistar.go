package geo

import (
	"math"
)

// Neighbors is a compressed adjacency list: the neighbours of item i are
// Idx[Start[i]:Start[i+1]]. len(Start) is the number of items plus one.
type Neighbors struct {
	Start []int32
	Idx   []int32
}

// Len returns the number of items.
func (nb *Neighbors) Len() int {
	if len(nb.Start) == 0 {
		return 0
	}
	return len(nb.Start) - 1
}

// Of returns the neighbours of item i.
func (nb *Neighbors) Of(i int) []int32 { return nb.Idx[nb.Start[i]:nb.Start[i+1]] }

// NeighborsFromLists packs per-item neighbour lists into a Neighbors.
func NeighborsFromLists(lists [][]int32) *Neighbors {
	nb := &Neighbors{Start: make([]int32, len(lists)+1)}
	for i, l := range lists {
		nb.Idx = append(nb.Idx, l...)
		nb.Start[i+1] = int32(len(nb.Idx))
	}
	return nb
}

// GiStar computes the Getis–Ord Gi* z-score of every cell (Ord & Getis
// 1995, eq. 14; the form of ArcGIS Pro's Hot Spot Analysis) with binary
// weights: w_ij = 1 when j is in nb.Of(i), which must include i itself.
// With n = len(x):
//
//	X̄   = Σ_j x_j / n
//	S   = sqrt( Σ_j x_j² / n − X̄² )
//	Gi* = ( Σ_j w_ij x_j − X̄ Σ_j w_ij ) / ( S · sqrt( (n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1) ) )
//
// Gi* is already a standard normal z-score. When S = 0 (all values equal) or
// a neighbourhood covers every cell (the denominator vanishes) z is 0. z
// must have length n; GiStar fills it and returns X̄ and S.
// docs/statistics.md, "Getis–Ord Gi*".
func GiStar(x []float64, nb *Neighbors, z []float64) (mean, std float64) {
	n := len(x)
	if n == 0 {
		return 0, 0
	}
	mean, std = meanStd(x)
	giStarRange(x, nb, z, mean, std, 0, n)
	return mean, std
}

// giStarRange computes z[lo:hi] of GiStar given the mean and standard
// deviation of x.
func giStarRange(x []float64, nb *Neighbors, z []float64, mean, std float64, lo, hi int) {
	n := len(x)
	nf := float64(n)
	for i := range z[lo:hi] {
		z[lo+i] = 0
	}
	if std == 0 || n < 2 {
		return
	}
	// Binary weights: Σw = Σw² = W, so the denominator depends only on W.
	var cacheW int32 = -1
	var cacheDen float64
	for i := lo; i < hi; i++ {
		lo, hi := nb.Start[i], nb.Start[i+1]
		var a float64
		for _, j := range nb.Idx[lo:hi] {
			a += x[j]
		}
		w := hi - lo
		if w != cacheW {
			cacheW = w
			wf := float64(w)
			if v := (nf*wf - wf*wf) / (nf - 1); v > 0 {
				cacheDen = std * math.Sqrt(v)
			} else {
				cacheDen = 0
			}
		}
		if cacheDen > 0 {
			z[i] = (a - mean*float64(w)) / cacheDen
		}
	}
}

// PValue returns the two-sided p-value of a standard normal z-score,
// p = erfc(|z| / √2) = 2·(1 − Φ(|z|)).
func PValue(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

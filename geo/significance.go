package geo

import (
	"math"
	"slices"
)

// zNotSignificant bounds the z-scores that can never be significant under
// the FDR bins: PValue(1.6) ≈ 0.1096, above FDRQ90, the largest level, and
// the p-value grows as |z| shrinks.
const zNotSignificant = 1.6

// pNotComputed marks, in the p-values of fdrCutoffsOfZ, a cell whose
// p-value was not computed because it exceeds every cut-off. It is above
// any p-value, so BinOf gives such a cell bin 0.
const pNotComputed = 2.0

// fdrCutoffsOfZ returns what FDRCutoffs returns for the p-values of z,
// while computing and sorting only the p-values that can be significant:
// those of |z| ≥ zNotSignificant (and NaN). It sets p[i] to PValue(z[i])
// for them and to pNotComputed for the others; pValueAt completes p.
//
// The result is the same: a Benjamini–Hochberg cut-off is some p₍ₖ₎ ≤
// q·k/n ≤ q ≤ FDRQ90, and every p-value left out is above FDRQ90, so the
// k smallest p-values and their ranks are those of the p-values kept.
func fdrCutoffsOfZ(z, p []float64) (c99, c95, c90 float64) {
	kept := make([]float64, 0, len(z)/8)
	for i, v := range z {
		if math.Abs(v) < zNotSignificant {
			p[i] = pNotComputed
			continue
		}
		pv := PValue(v)
		p[i] = pv
		if math.IsNaN(pv) {
			pv = 1
		}
		kept = append(kept, pv)
	}
	slices.Sort(kept)
	n := float64(len(z))
	return bhCutoffOfSmallest(kept, n, FDRQ99), bhCutoffOfSmallest(kept, n, FDRQ95), bhCutoffOfSmallest(kept, n, FDRQ90)
}

// bhCutoffOfSmallest is bhCutoffSorted when sorted holds only the smallest
// of n p-values, all those that can meet the cut-off at q.
func bhCutoffOfSmallest(sorted []float64, n, q float64) float64 {
	for k := len(sorted); k >= 1; k-- {
		if sorted[k-1] <= q*float64(k)/n {
			return sorted[k-1]
		}
	}
	return -1
}

// pValueAt returns the p-value of cell i from the p-values of
// fdrCutoffsOfZ, computing it if it was left out.
func pValueAt(z, p []float64, i int) float64 {
	if p[i] == pNotComputed {
		return PValue(z[i])
	}
	return p[i]
}

// giStarCounts is GiStar for values that are event counts (x[i] =
// float64(counts[i])), with the same results: a neighbourhood's sum of
// whole numbers below 2⁵³ is exact in any order, so it is summed in
// integers over four independent accumulators instead of one chain of
// floating-point additions, each waiting for the previous one.
func giStarCounts(x []float64, counts []int32, nb *Neighbors, z []float64) (mean, std float64) {
	n := len(x)
	if n == 0 {
		return 0, 0
	}
	mean, std = meanStd(x)
	giStarCountsRange(counts, nb, z, mean, std, 0, n)
	return mean, std
}

// giStarCountsRange computes z[lo:hi] as giStarCounts does, with the mean
// and standard deviation of all n = len(counts) cells given.
func giStarCountsRange(counts []int32, nb *Neighbors, z []float64, mean, std float64, lo, hi int) {
	n := len(counts)
	nf := float64(n)
	for i := range z[lo:hi] {
		z[lo+i] = 0
	}
	if std == 0 || n < 2 {
		return
	}
	var cacheW int32 = -1
	var cacheDen float64
	for i := lo; i < hi; i++ {
		from, to := nb.Start[i], nb.Start[i+1]
		idx := nb.Idx[from:to]
		var s0, s1, s2, s3 int64
		k := 0
		for ; k+4 <= len(idx); k += 4 {
			s0 += int64(counts[idx[k]])
			s1 += int64(counts[idx[k+1]])
			s2 += int64(counts[idx[k+2]])
			s3 += int64(counts[idx[k+3]])
		}
		for ; k < len(idx); k++ {
			s0 += int64(counts[idx[k]])
		}
		a := float64(s0 + s1 + s2 + s3)
		w := to - from
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

package geo

import (
	"math"
	"slices"
)

// FDR levels of the confidence bins, as ArcGIS Pro's hot-spot tools use them
// with the False Discovery Rate correction: ±3 at q = 0.01, ±2 at 0.05, ±1
// at 0.10.
const (
	FDRQ99 = 0.01
	FDRQ95 = 0.05
	FDRQ90 = 0.10
)

// BHCutoff returns the Benjamini–Hochberg (1995) cut-off of the p-values p
// at false discovery rate q: sort ascending, find the largest rank k with
// p₍ₖ₎ ≤ q·k/n and return p₍ₖ₎; every p ≤ p₍ₖ₎ is significant. It returns
// −1 when no rank qualifies. NaN p-values count as 1.
func BHCutoff(p []float64, q float64) float64 {
	sorted := make([]float64, len(p))
	for i, v := range p {
		if math.IsNaN(v) {
			v = 1
		}
		sorted[i] = v
	}
	slices.Sort(sorted)
	return bhCutoffSorted(sorted, q)
}

func bhCutoffSorted(sorted []float64, q float64) float64 {
	n := float64(len(sorted))
	for k := len(sorted); k >= 1; k-- {
		if sorted[k-1] <= q*float64(k)/n {
			return sorted[k-1]
		}
	}
	return -1
}

// FDRBins returns the confidence bin of every (z, p) pair with the
// Benjamini–Hochberg correction over all n p-values, as ArcGIS Pro's
// Gi_Bin with FDR: sign(z)·3 if p is significant at q = 0.01, else
// sign(z)·2 at 0.05, else sign(z)·1 at 0.10, else 0 (cut-offs from
// BHCutoff). bins, if long enough, is reused. docs/statistics.md, "FDR
// confidence bins".
func FDRBins(z, p []float64, bins []int8) []int8 {
	c99, c95, c90 := FDRCutoffs(p)
	if cap(bins) < len(p) {
		bins = make([]int8, len(p))
	}
	bins = bins[:len(p)]
	for i, pv := range p {
		bins[i] = BinOf(z[i], pv, c99, c95, c90)
	}
	return bins
}

// FDRCutoffs returns the Benjamini–Hochberg cut-offs of p at q = 0.01, 0.05
// and 0.10 (see BHCutoff), sorting p only once.
func FDRCutoffs(p []float64) (c99, c95, c90 float64) {
	sorted := make([]float64, len(p))
	for i, v := range p {
		if math.IsNaN(v) {
			v = 1
		}
		sorted[i] = v
	}
	slices.Sort(sorted)
	return bhCutoffSorted(sorted, FDRQ99), bhCutoffSorted(sorted, FDRQ95), bhCutoffSorted(sorted, FDRQ90)
}

// BinOf returns the confidence bin of one (z, p) pair given the cut-offs of
// FDRCutoffs: sign(z)·3, ·2, ·1 or 0. A zero z is never significant.
func BinOf(z, p, c99, c95, c90 float64) int8 {
	var b int8
	switch {
	case p <= c99:
		b = 3
	case p <= c95:
		b = 2
	case p <= c90:
		b = 1
	}
	switch {
	case z > 0:
		return b
	case z < 0:
		return -b
	}
	return 0
}

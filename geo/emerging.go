package geo

import (
	"errors"
	"fmt"
	"math"
)

// GlobalWindow is the set of bins whose mean and standard deviation enter a
// space-time Gi* z-score (ArcGIS Emerging Hot Spot Analysis, "Define Global
// Window").
type GlobalWindow uint8

// Global windows. INDIVIDUAL_TIME_STEP is not offered: with a neighbourhood
// time step K ≥ 1 the neighbourhood reaches outside that window and ArcGIS
// does not document how that is handled.
const (
	// EntireCube uses all L·T bins of the cube (the default).
	EntireCube GlobalWindow = iota
	// NeighborhoodTimeStep uses all analysed cells at steps max(1,t−K)…t.
	NeighborhoodTimeStep
)

var globalWindowNames = [...]string{EntireCube: "entire_cube", NeighborhoodTimeStep: "neighborhood_time_step"}

// String returns the snake_case name of w.
func (w GlobalWindow) String() string { return enumName(globalWindowNames[:], uint8(w)) }

// ParseGlobalWindow returns the GlobalWindow named s ("entire_cube",
// "neighborhood_time_step").
func ParseGlobalWindow(s string) (GlobalWindow, bool) {
	v, ok := enumParse(globalWindowNames[:], s)
	return GlobalWindow(v), ok
}

// ErrZeroVariance is returned when every bin of a space-time cube holds the
// same value, so no z-score can be computed (ArcGIS stops with an error).
var ErrZeroVariance = errors.New("geo: every bin of the space-time cube has the same value")

// ClampTimeStep returns the neighbourhood time step K that ArcGIS uses for T
// steps: K ≤ 0 becomes 1, and K is at most ⌊0.75·T⌋.
func ClampTimeStep(k, t int) int {
	if k < 1 {
		k = 1
	}
	return min(k, 3*t/4)
}

// SpaceTimeGiStar computes the space-time Getis–Ord Gi* z-score of every bin
// of a cube of L cells and T time steps, as ArcGIS Pro's Emerging Hot Spot
// Analysis does (docs/statistics.md, "Space-time Gi*"). x holds the
// values cell by cell: x[i·T + t] is cell i at step t (0-based, t = T−1
// the most recent). nb gives each cell's spatial neighbours P(i), itself
// included. The bin (i,t) has the neighbourhood N(i,t) = P(i) ×
// {max(0, t−K), …, t}, with K clamped by ClampTimeStep and binary weights,
// so with
//
//	A = Σ_{(j,s)∈N(i,t)} x(j,s)     W = |N(i,t)|
//	X̄ = Σ_G x / n                   S = sqrt( Σ_G x² / n − X̄² )
//
// over the n bins of the global window G(t),
//
//	z(i,t) = ( A − X̄·W ) / ( S · sqrt( (n·W − W²) / (n − 1) ) )
//
// If the whole cube has zero variance it returns ErrZeroVariance; if a
// window has S = 0, or n·W − W² ≤ 0, that bin's z is 0. z is laid out like
// x.
func SpaceTimeGiStar(x []float64, T int, nb *Neighbors, K int, w GlobalWindow) ([]float64, error) {
	return spaceTimeGiStar(x, T, nb, K, w, nil)
}

// spaceTimeGiStar is SpaceTimeGiStar that calls stop, when not nil, every
// ctxCheckEvery cells and returns errStopped once it reports true.
func spaceTimeGiStar(x []float64, T int, nb *Neighbors, K int, w GlobalWindow, stop func() bool) ([]float64, error) {
	L := nb.Len()
	if T < 1 || len(x) != L*T {
		return nil, fmt.Errorf("geo: cube has %d values, want %d cells × %d steps", len(x), L, T)
	}
	if w != EntireCube && w != NeighborhoodTimeStep {
		return nil, &ParamError{Param: "global_window", Reason: "unsupported global window"}
	}
	K = ClampTimeStep(K, T)
	// Whole cube and per-step sums.
	stepSum := make([]float64, T)
	stepSum2 := make([]float64, T)
	var sum, sum2 float64
	for i := 0; i < L; i++ {
		for t, v := range x[i*T : (i+1)*T] {
			stepSum[t] += v
			stepSum2[t] += v * v
		}
	}
	for t := range stepSum {
		sum += stepSum[t]
		sum2 += stepSum2[t]
	}
	m := float64(L * T)
	if mean := sum / m; sum2/m-mean*mean <= 0 {
		return nil, ErrZeroVariance
	}
	// Spatial sums per cell and step, then the backward time window.
	z := make([]float64, L*T)
	sp := make([]float64, T)
	for i := 0; i < L; i++ {
		if stop != nil && i%ctxCheckEvery == 0 && stop() {
			return nil, errStopped
		}
		clear(sp)
		for _, j := range nb.Of(i) {
			for t, v := range x[int(j)*T : int(j+1)*T] {
				sp[t] += v
			}
		}
		pw := float64(len(nb.Of(i)))
		var a float64
		for t := 0; t < T; t++ {
			a += sp[t]
			t0 := max(0, t-K)
			if t0 > 0 {
				a -= sp[t0-1]
			}
			steps := float64(t - t0 + 1)
			W := pw * steps
			var n, s1, s2 float64
			if w == EntireCube {
				n, s1, s2 = m, sum, sum2
			} else {
				n = float64(L) * steps
				for s := t0; s <= t; s++ {
					s1 += stepSum[s]
					s2 += stepSum2[s]
				}
			}
			z[i*T+t] = giZ(a, W, n, s1, s2)
		}
	}
	return z, nil
}

// giZ is the binary-weight Gi* z for a neighbourhood of W bins summing to a,
// in a window of n bins with value sum s1 and sum of squares s2; 0 when the
// window has no variance or the neighbourhood covers it.
func giZ(a, W, n, s1, s2 float64) float64 {
	mean := s1 / n
	v := s2/n - mean*mean
	den := (n*W - W*W) / (n - 1)
	if v <= 0 || den <= 0 || n < 2 {
		return 0
	}
	return (a - mean*W) / (math.Sqrt(v) * math.Sqrt(den))
}

// MKResult is the outcome of a Mann–Kendall trend test.
type MKResult struct {
	S    int     // Σ_{a<b} sgn(y_b − y_a)
	VarS float64 // variance of S with the tie correction
	Z    float64 // z with continuity correction
	P    float64 // two-sided p-value
	Tau  float64 // Kendall's τ = S / (T(T−1)/2)
}

// MannKendall runs the Mann–Kendall trend test on the chronological series
// y (Mann 1945; Kendall 1975; Gilbert 1987 §16.4), as in
// docs/statistics.md, "Mann–Kendall trend":
//
//	S      = Σ_{a<b} sgn(y_b − y_a)
//	var(S) = [ T(T−1)(2T+5) − Σ_g t_g(t_g−1)(2t_g+5) ] / 18   (t_g: sizes of groups of equal values)
//	z      = (S−1)/√var(S) if S > 0, 0 if S = 0, (S+1)/√var(S) if S < 0
//	p      = erfc(|z| / √2)
//
// Equal values are compared with exact float64 equality. If var(S) = 0 (T <
// 2 or all values tied) z = 0 and p = 1.
func MannKendall(y []float64) MKResult {
	T := len(y)
	var r MKResult
	for a := 0; a < T; a++ {
		for b := a + 1; b < T; b++ {
			switch {
			case y[b] > y[a]:
				r.S++
			case y[b] < y[a]:
				r.S--
			}
		}
	}
	tf := float64(T)
	v := tf * (tf - 1) * (2*tf + 5)
	seen := make([]bool, T)
	for a := 0; a < T; a++ {
		if seen[a] {
			continue
		}
		g := 1
		for b := a + 1; b < T; b++ {
			if !seen[b] && y[b] == y[a] {
				seen[b] = true
				g++
			}
		}
		if g > 1 {
			gf := float64(g)
			v -= gf * (gf - 1) * (2*gf + 5)
		}
	}
	r.VarS = v / 18
	if T >= 2 {
		r.Tau = float64(r.S) / (tf * (tf - 1) / 2)
	}
	if r.VarS <= 0 {
		r.Z, r.P = 0, 1
		return r
	}
	switch {
	case r.S > 0:
		r.Z = float64(r.S-1) / math.Sqrt(r.VarS)
	case r.S < 0:
		r.Z = float64(r.S+1) / math.Sqrt(r.VarS)
	}
	r.P = PValue(r.Z)
	return r
}

// TrendAlpha is the significance level of the Mann–Kendall trend in the
// pattern rules (p ≤ 0.10, two-sided, no FDR; docs/statistics.md,
// "Mann–Kendall trend").
const TrendAlpha = 0.10

// TrendBin returns ArcGIS's TREND_BIN of a Mann–Kendall result:
// sign(z)·3 if p ≤ 0.01, ·2 if p ≤ 0.05, ·1 if p ≤ 0.10, else 0.
func TrendBin(z, p float64) int8 { return BinOf(z, p, 0.01, 0.05, 0.10) }

// Pattern is an emerging hot spot category, coded −8…8 in the order of
// ArcGIS's documentation: positive for hot, negative for cold, 0 for none.
type Pattern int8

// Patterns.
const (
	NoPattern            Pattern = 0
	NewHotSpot           Pattern = 1
	ConsecutiveHotSpot   Pattern = 2
	IntensifyingHotSpot  Pattern = 3
	PersistentHotSpot    Pattern = 4
	DiminishingHotSpot   Pattern = 5
	SporadicHotSpot      Pattern = 6
	OscillatingHotSpot   Pattern = 7
	HistoricalHotSpot    Pattern = 8
	NewColdSpot          Pattern = -1
	ConsecutiveColdSpot  Pattern = -2
	IntensifyingColdSpot Pattern = -3
	PersistentColdSpot   Pattern = -4
	DiminishingColdSpot  Pattern = -5
	SporadicColdSpot     Pattern = -6
	OscillatingColdSpot  Pattern = -7
	HistoricalColdSpot   Pattern = -8
)

var patternNames = [...]string{"new", "consecutive", "intensifying", "persistent", "diminishing",
	"sporadic", "oscillating", "historical"}

// String returns the snake_case name of p, e.g. "intensifying_hot_spot",
// "new_cold_spot" or "no_pattern".
func (p Pattern) String() string {
	switch {
	case p >= 1 && p <= 8:
		return patternNames[p-1] + "_hot_spot"
	case p <= -1 && p >= -8:
		return patternNames[-p-1] + "_cold_spot"
	case p == 0:
		return "no_pattern"
	}
	return ""
}

// ParsePattern returns the Pattern named s (see Pattern.String).
func ParsePattern(s string) (Pattern, bool) {
	for p := Pattern(-8); p <= 8; p++ {
		if p.String() == s {
			return p, true
		}
	}
	return 0, false
}

// Classify returns the emerging hot spot category of one cell from its
// series of FDR confidence bins (chronological, bins[T−1] the most recent)
// and the Mann–Kendall test of its Gi* z-scores, by the decision procedure
// of docs/statistics.md, "Categories" (first match wins). A step is hot
// when its bin ≥ +1 and cold when ≤ −1; "at least 90 % of the steps" is
// 10·n ≥ 9·T; the trend is up (down) when mk.P ≤ TrendAlpha and mk.Z > 0
// (< 0).
func Classify(bins []int8, mk MKResult) Pattern {
	return classify(bins, mk, TrendAlpha)
}

func classify(bins []int8, mk MKResult, alpha float64) Pattern {
	T := len(bins)
	if T == 0 {
		return NoPattern
	}
	var nH, nC int
	for _, b := range bins {
		if b >= 1 {
			nH++
		} else if b <= -1 {
			nC++
		}
	}
	final := bins[T-1]
	up := mk.P <= alpha && mk.Z > 0
	down := mk.P <= alpha && mk.Z < 0
	run := func(hot bool) int {
		r := 0
		for t := T - 1; t >= 0; t-- {
			if (hot && bins[t] >= 1) || (!hot && bins[t] <= -1) {
				r++
			} else {
				break
			}
		}
		return r
	}
	switch {
	case 10*nH >= 9*T:
		if final >= 1 {
			switch {
			case up:
				return IntensifyingHotSpot
			case down:
				return DiminishingHotSpot
			}
			return PersistentHotSpot
		}
		return HistoricalHotSpot
	case 10*nC >= 9*T:
		if final <= -1 {
			switch {
			case down:
				return IntensifyingColdSpot
			case up:
				return DiminishingColdSpot
			}
			return PersistentColdSpot
		}
		return HistoricalColdSpot
	case final >= 1:
		switch {
		case nC >= 1:
			return OscillatingHotSpot
		case nH == 1:
			return NewHotSpot
		case run(true) == nH:
			return ConsecutiveHotSpot
		}
		return SporadicHotSpot
	case final <= -1:
		switch {
		case nH >= 1:
			return OscillatingColdSpot
		case nC == 1:
			return NewColdSpot
		case run(false) == nC:
			return ConsecutiveColdSpot
		}
		return SporadicColdSpot
	}
	return NoPattern
}

// EmergingCellResult is the analysis of one cell of a space-time cube.
type EmergingCellResult struct {
	Z, P    []float64 // Gi* z and p per step
	Bins    []int8    // FDR confidence bin per step
	Trend   MKResult  // Mann–Kendall test of Z
	Pattern Pattern
}

// EmergingHotSpotsCube runs the whole Emerging Hot Spot Analysis on a cube
// (layout as in SpaceTimeGiStar): the space-time Gi* of every bin, p =
// erfc(|z|/√2), Benjamini–Hochberg FDR bins over all L·T bins jointly (q =
// 0.10, 0.05, 0.01), the Mann–Kendall test of each cell's z series and the
// category of Classify.
func EmergingHotSpotsCube(x []float64, T int, nb *Neighbors, K int, w GlobalWindow) ([]EmergingCellResult, error) {
	return emergingHotSpotsCube(x, T, nb, K, w, nil)
}

// errStopped is returned by the steps that take a stop function once it
// reports true; their callers return their context's error instead.
var errStopped = errors.New("geo: stopped")

// emergingHotSpotsCube is EmergingHotSpotsCube that calls stop, when not
// nil, every ctxCheckEvery cells and returns errStopped once it reports
// true.
func emergingHotSpotsCube(x []float64, T int, nb *Neighbors, K int, w GlobalWindow, stop func() bool) ([]EmergingCellResult, error) {
	z, err := spaceTimeGiStar(x, T, nb, K, w, stop)
	if err != nil {
		return nil, err
	}
	p := make([]float64, len(z))
	for i, v := range z {
		p[i] = PValue(v)
	}
	bins := FDRBins(z, p, nil)
	L := nb.Len()
	out := make([]EmergingCellResult, L)
	for i := range out {
		if stop != nil && i%ctxCheckEvery == 0 && stop() {
			return nil, errStopped
		}
		r := &out[i]
		r.Z = z[i*T : (i+1)*T : (i+1)*T]
		r.P = p[i*T : (i+1)*T : (i+1)*T]
		r.Bins = bins[i*T : (i+1)*T : (i+1)*T]
		r.Trend = MannKendall(r.Z)
		r.Pattern = Classify(r.Bins, r.Trend)
	}
	return out, nil
}

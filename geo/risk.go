package geo

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ChangeAlpha is the significance level of the period change test
// (NewRateChange).
const ChangeAlpha = 0.05

// RateChange compares an event count with the count of a reference period
// or place by the exact conditional test for two Poisson rates.
type RateChange struct {
	// Now and Before are the two counts; NowDays and BeforeDays their
	// exposures (period lengths in days).
	Now, Before         int
	NowDays, BeforeDays float64
	// RateRatio is (Now/NowDays)/(Before/BeforeDays); NaN when Before is 0.
	RateRatio float64
	// P is the two-sided p-value of PoissonRateTest.
	P float64
	// Direction is "increase" or "decrease" when P < ChangeAlpha, else
	// "none".
	Direction string
}

// PoissonRateTest tests whether two Poisson counts k1 (exposure t1) and k0
// (exposure t0) have the same rate. Conditional on n = k1 + k0, k1 is
// Binomial(n, π) with π = t1 / (t1 + t0) under equal rates
// (Przyborowski & Wilenski 1940; the C-test of Krishnamoorthy & Thomson
// 2004, J. Stat. Plan. Inference 119:23–35). The two-sided p-value is the
// exact binomial test's minimum-likelihood p-value, as R's poisson.test and
// binom.test compute it (docs/statistics.md, "Poisson rate test"):
//
//	p = Σ_{i=0..n, f(i) ≤ f(k1)·(1+10⁻⁷)} f(i),   f(i) = C(n,i) π^i (1−π)^(n−i)
//
// It returns 1 when n = 0 or k1 equals its expectation nπ.
func PoissonRateTest(k1 int, t1 float64, k0 int, t0 float64) float64 {
	n := k1 + k0
	if n == 0 || !(t1 > 0) || !(t0 > 0) {
		return 1
	}
	pi := t1 / (t1 + t0)
	if float64(k1) == float64(n)*pi {
		return 1
	}
	logf := func(i int) float64 {
		lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
		return lg(n) - lg(i) - lg(n-i) + float64(i)*math.Log(pi) + float64(n-i)*math.Log1p(-pi)
	}
	d := logf(k1) + math.Log1p(1e-7)
	var p float64
	for i := 0; i <= n; i++ {
		if l := logf(i); l <= d {
			p += math.Exp(l)
		}
	}
	return math.Min(1, p)
}

// NewRateChange compares count now (over nowDays) with before (over
// beforeDays) with PoissonRateTest.
func NewRateChange(now int, nowDays float64, before int, beforeDays float64) RateChange {
	c := RateChange{Now: now, Before: before, NowDays: nowDays, BeforeDays: beforeDays, RateRatio: math.NaN(), Direction: "none"}
	if before > 0 && nowDays > 0 && beforeDays > 0 {
		c.RateRatio = (float64(now) / nowDays) / (float64(before) / beforeDays)
	}
	c.P = PoissonRateTest(now, nowDays, before, beforeDays)
	if c.P < ChangeAlpha {
		if float64(now)/nowDays > float64(before)/beforeDays {
			c.Direction = "increase"
		} else {
			c.Direction = "decrease"
		}
	}
	return c
}

// RiskWeights are the weights of the composite risk score's components.
// They need not sum to 1; the score divides by their sum.
type RiskWeights struct {
	Seizures  float64 `json:"seizures"`
	KG        float64 `json:"kg"`
	Incidents float64 `json:"incidents"`
	Hotspots  float64 `json:"hotspots"`
	Trend     float64 `json:"trend"`
}

// DefaultRiskWeights returns the default weights: seizures 0.3, kg 0.2,
// severity-weighted incidents 0.3, hot-spot share 0.1, trend 0.1.
func DefaultRiskWeights() RiskWeights {
	return RiskWeights{Seizures: 0.3, KG: 0.2, Incidents: 0.3, Hotspots: 0.1, Trend: 0.1}
}

// Sum returns the sum of the weights.
func (w RiskWeights) Sum() float64 { return w.Seizures + w.KG + w.Incidents + w.Hotspots + w.Trend }

// RiskFormula documents the composite score (docs/statistics.md, "Sector
// risk score"); responses carry it.
const RiskFormula = "score = 100 · Σ_k w_k · x_k(s) / max_t x_k(t) / Σ_k w_k, " +
	"k ∈ {seizures: number of seizures; kg: kilograms seized; incidents: sum of incident severities (1–5); " +
	"hotspots: share of the sector's hexagons that are Gi* hot spots (gi_bin ≥ 1, FDR-corrected, ≥ 90 % confidence); " +
	"trend: max(0, Kendall's τ of the monthly event rate)}; t runs over every sector of the set; " +
	"a component whose maximum is 0 adds 0. Ranks: 1 = highest score, equal scores share a rank."

// ParseRiskWeights parses "seizures:0.3,kg:0.2,incidents:0.3,hotspots:0.1,
// trend:0.1". Components not named keep their default weight. Weights
// must be finite and non-negative with a positive sum; errors are
// *ParamError naming the parameter param.
func ParseRiskWeights(param, s string) (RiskWeights, error) {
	w := DefaultRiskWeights()
	if strings.TrimSpace(s) == "" {
		return w, nil
	}
	bad := func(reason string) (RiskWeights, error) {
		return RiskWeights{}, &ParamError{Param: param, Reason: reason}
	}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return bad(fmt.Sprintf("%q is not name:weight", part))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || v > 1e6 {
			return bad(fmt.Sprintf("weight of %q must be a non-negative number", name))
		}
		switch strings.TrimSpace(name) {
		case "seizures":
			w.Seizures = v
		case "kg":
			w.KG = v
		case "incidents":
			w.Incidents = v
		case "hotspots":
			w.Hotspots = v
		case "trend":
			w.Trend = v
		default:
			return bad(fmt.Sprintf("unknown component %q; use seizures, kg, incidents, hotspots or trend", name))
		}
	}
	if !(w.Sum() > 0) {
		return bad("the weights must not all be 0")
	}
	return w, nil
}

// RiskComponents are the risk score's raw components of one zone or, as
// the result of RiskScores, their maxima over the set.
type RiskComponents struct {
	Seizures  float64 `json:"seizures"`
	KG        float64 `json:"kg"`
	Incidents float64 `json:"incidents"`
	Hotspots  float64 `json:"hotspots"`
	Trend     float64 `json:"trend"`
}

// RiskScores returns the composite score (RiskFormula) of every zone whose
// raw components are cs, and the components' maxima over cs. Each
// component is divided by its maximum (a component whose maximum is 0 adds
// 0), weighted by w and the sum divided by w.Sum(); scores are rounded to
// 1e−9 so that equal scores computed in different orders compare equal.
func RiskScores(cs []RiskComponents, w RiskWeights) (scores []float64, maxima RiskComponents) {
	mx := &maxima
	for _, c := range cs {
		mx.Seizures = math.Max(mx.Seizures, c.Seizures)
		mx.KG = math.Max(mx.KG, c.KG)
		mx.Incidents = math.Max(mx.Incidents, c.Incidents)
		mx.Hotspots = math.Max(mx.Hotspots, c.Hotspots)
		mx.Trend = math.Max(mx.Trend, c.Trend)
	}
	norm := func(x, m float64) float64 {
		if m > 0 {
			return x / m
		}
		return 0
	}
	sw := w.Sum()
	scores = make([]float64, len(cs))
	for i, c := range cs {
		s := w.Seizures*norm(c.Seizures, mx.Seizures) + w.KG*norm(c.KG, mx.KG) + w.Incidents*norm(c.Incidents, mx.Incidents) +
			w.Hotspots*norm(c.Hotspots, mx.Hotspots) + w.Trend*norm(c.Trend, mx.Trend)
		scores[i] = math.Round(100*s/sw*1e9) / 1e9
	}
	return scores, maxima
}

// CompetitionRanks returns the competition rank ("1224") of every score by
// descending score within its group: items with the same group[i] are
// ranked among themselves, equal scores share a rank. A nil group ranks all
// items together.
func CompetitionRanks(scores []float64, group []string) []int {
	return CompetitionRanksActiveFirst(scores, nil, group)
}

// CompetitionRanksActiveFirst is CompetitionRanks with every item whose
// active[i] is false ranked after all active items of its group, whatever
// its score: a zone where nothing happened in the period (its score can
// still be above zero through neighbouring hot spots or an old trend) never
// ranks above a zone where something did. A nil active counts every item
// active.
func CompetitionRanksActiveFirst(scores []float64, active []bool, group []string) []int {
	groups := map[string][]int{}
	for i := range scores {
		g := ""
		if group != nil {
			g = group[i]
		}
		groups[g] = append(groups[g], i)
	}
	on := func(i int) bool { return active == nil || active[i] }
	ranks := make([]int, len(scores))
	for _, idx := range groups {
		sort.SliceStable(idx, func(a, b int) bool {
			if on(idx[a]) != on(idx[b]) {
				return on(idx[a])
			}
			return scores[idx[a]] > scores[idx[b]]
		})
		k := 0
		for j, i := range idx {
			if j == 0 || scores[i] != scores[idx[j-1]] || on(i) != on(idx[j-1]) {
				k = j + 1
			}
			ranks[i] = k
		}
	}
	return ranks
}

package geo

import "time"

// EffortPrior is the default strength of the neighbourhood prior of
// EffortAdjustedRates, in units of effort (patrol hours): a cell patrolled
// for this long weighs its own record and its neighbourhood's equally.
const EffortPrior = 24.0

// EffortAdjustedRates estimates each cell's rate of events per unit of
// patrol effort without mistaking "never patrolled" for "no trafficking"
// (docs/statistics.md, "Effort-adjusted forecast").
//
// Seizures are found only where patrols look: the count yᵢ of cell i over
// the history is modelled as Poisson(λᵢ·eᵢ), eᵢ the effort spent there
// (hours of presence), λᵢ the cell's rate per hour. Dividing yᵢ/eᵢ alone
// is undefined where eᵢ = 0 and noisy where it is small; taking yᵢ as the
// risk (what the unadjusted methods do) reads an unpatrolled cell as
// risk 0, so a plan that follows the forecast never goes there and the
// forecast never learns otherwise — the runaway feedback loop of Lum &
// Isaac (2016, "To predict and serve?", Significance 13(5)) and Ensign et
// al. (2018, "Runaway feedback loops in predictive policing", PMLR 81).
//
// The estimate is the empirical Bayes Gamma–Poisson posterior mean of
// Clayton & Kaldor (1987, Biometrics 43:671–681), with a prior
// Gamma(β·mᵢ, β) of mean mᵢ centred on the cell's neighbourhood:
//
//	λ̂ᵢ = (yᵢ + β·mᵢ) / (eᵢ + β)
//	mᵢ = (Σ_{j∈N(i)} yⱼ + β·m) / (Σ_{j∈N(i)} eⱼ + β),   m = Σ yⱼ / Σ eⱼ
//
// N(i) are the cell and its neighbours (nbrs[i], indices into counts), m
// the rate over the whole area and β = priorEffort (≤ 0: EffortPrior). An
// unpatrolled cell gets its neighbourhood's rate, a neighbourhood without
// effort the area's; a cell's own record takes over as its effort grows
// beyond β. Without any effort (Σ e = 0) every rate is 0.
func EffortAdjustedRates(counts, effort []float64, nbrs [][]int32, priorEffort float64) []float64 {
	beta := priorEffort
	if !(beta > 0) {
		beta = EffortPrior
	}
	var ys, es float64
	for i := range counts {
		ys += counts[i]
		es += effort[i]
	}
	out := make([]float64, len(counts))
	if es <= 0 {
		return out
	}
	m := ys / es
	for i := range counts {
		ny, ne := 0.0, 0.0
		for _, j := range nbrs[i] {
			ny += counts[j]
			ne += effort[j]
		}
		mi := (ny + beta*m) / (ne + beta)
		out[i] = (counts[i] + beta*mi) / (effort[i] + beta)
	}
	return out
}

// EffortAdjustedRisk is the effort-adjusted forecast of the next period:
// each cell's rate EffortAdjustedRates times the effort the period is
// expected to bring to an average cell, periodEffort / len(counts), where
// periodEffort is the total effort expected over the area in the period
// (the history's total scaled to the period's length, say). It is the
// number of events a cell would yield if the next period's patrols were
// spread evenly, so cells are ranked by what is there to find rather than
// by where patrols went before.
func EffortAdjustedRisk(counts, effort []float64, nbrs [][]int32, priorEffort, periodEffort float64) []float64 {
	r := EffortAdjustedRates(counts, effort, nbrs, priorEffort)
	per := periodEffort / float64(max(1, len(counts)))
	for i := range r {
		r[i] *= per
	}
	return r
}

// EffortSample is patrol effort spent at one place: the hours of a
// segment of a team's track, counted at its first fix (data.EffortMaxGap
// bounds a segment).
type EffortSample struct {
	At       time.Time
	Lon, Lat float64
	Hours    float64
}

// effortRisk replaces risk by the effort-adjusted forecast of q's period:
// the counts are each cell's events in [start, t0), the effort the hours
// of q.Effort in the same window binned to the area's cells, the
// neighbourhood a cell and the six around it, and the period's effort the
// window's total scaled to the period (EffortAdjustedRisk). The method's
// own risk is not used: the counts are the evidence, the effort its
// exposure.
func (d *forecastData) effortRisk(q *ForecastQuery, risk []float64) {
	t0, t1 := q.AsOf.UnixNano(), q.Until.UnixNano()
	ag := d.ag
	counts := make([]float64, len(ag.cells))
	for c := range counts {
		counts[c] = float64(d.countIn(c, d.start, t0))
	}
	effort := make([]float64, len(ag.cells))
	total := 0.0
	for _, s := range q.Effort {
		at := s.At.UnixNano()
		if at < d.start || at >= t0 || !(s.Hours > 0) {
			continue
		}
		x, y := ProjectXY(s.Lon, s.Lat)
		if i := ag.index(ag.grid.Cell(x, y)); i >= 0 {
			effort[i] += s.Hours
			total += s.Hours
		}
	}
	nbrs := make([][]int32, len(ag.cells))
	for c, h := range ag.cells {
		nbrs[c] = append(nbrs[c], int32(c))
		for _, dir := range hexDirs {
			if j := ag.index(h.Add(dir)); j >= 0 {
				nbrs[c] = append(nbrs[c], j)
			}
		}
	}
	period := 0.0
	if t0 > d.start {
		period = total * float64(t1-t0) / float64(t0-d.start)
	}
	copy(risk, EffortAdjustedRisk(counts, effort, nbrs, q.EffortPriorH, period))
}

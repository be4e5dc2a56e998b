package geo

import (
	"context"
	"math"
	"sort"
)

// Limits of the EM fit of the self-exciting point process.
const (
	seppMaxIter = 300
	seppTol     = 1e-6 // relative change of θ, ω and Σμ that ends the EM
	// seppOmegaMin and seppOmegaMax bound ω, per day: a mean triggering
	// delay of at most 10⁴ days and at least one minute.
	seppOmegaMin = 1e-4
	seppOmegaMax = 1440
	// Starting point of a cold EM: θ₀ = 0.5, ω₀ = 0.1 per day, and
	// μ₀ = Nₙ/(2T) (half of each cell's events background).
	seppTheta0 = 0.5
	seppOmega0 = 0.1
)

// seppCells is the input of an EM fit: the times (days since the start of
// the history) of each cell's events before the origin, ascending, and the
// length T of the history in days.
type seppCells struct {
	start []int32   // start[c]…start[c]+n[c] index t
	n     []int32   // events of cell c before the origin
	t     []float64 // days since the start of the history
	T     float64
}

// seppCellsBefore returns d's events before origin t0 (Unix nanoseconds)
// grouped by cell.
func (d *forecastData) seppCellsBefore(t0 int64) seppCells {
	nc := len(d.ag.cells)
	s := seppCells{start: d.cellStart[:nc], n: make([]int32, nc), t: d.cellT, T: float64(t0-d.start) / nsPerDay}
	for c := 0; c < nc; c++ {
		ts := d.cellT[d.cellStart[c]:d.cellStart[c+1]]
		s.n[c] = int32(sort.SearchFloat64s(ts, s.T))
	}
	return s
}

// times returns the times of cell c's events before the origin.
func (s *seppCells) times(c int) []float64 {
	return s.t[s.start[c] : s.start[c]+s.n[c]]
}

// emStep is one EM iteration of the self-exciting point process on a grid
// of Mohler et al. (2015), "Randomized controlled field trials of
// predictive policing", JASA 110(512):1399–1411, section 3 and its
// appendix, after Mohler et al. (2011), "Self-exciting point process
// modeling of crime", JASA 106(493):100–108. The intensity of cell n is
//
//	λₙ(t) = μₙ + Σ_{tₙⁱ < t} θ·ω·e^(−ω(t − tₙⁱ)).
//
// E step, for each event j of cell n (probabilities under the current
// parameters):
//
//	pₙ^{ij} = θω e^(−ω(tₙʲ − tₙⁱ)) / λₙ(tₙʲ)   (j triggered by i < j)
//	pₙ^{j}  = μₙ / λₙ(tₙʲ)                      (j a background event)
//
// M step, with N the number of events and T the length of the history:
//
//	ω  = Σ pₙ^{ij} / Σ pₙ^{ij}·(tₙʲ − tₙⁱ)
//	θ  = Σ pₙ^{ij} / N
//	μₙ = Σⱼ pₙ^{j} / T
//
// (the paper's closed forms, which neglect the triggering cut off by the
// end of the history). The sums over pairs are computed in one pass per
// cell by the recursions of the exponential kernel, with Δ = tⱼ − tⱼ₋₁:
//
//	Aⱼ = Σ_{i<j} e^(−ω(tⱼ−tᵢ))          = e^(−ωΔ)·(Aⱼ₋₁ + 1)
//	Bⱼ = Σ_{i<j} (tⱼ−tᵢ)e^(−ω(tⱼ−tᵢ))   = e^(−ωΔ)·(Bⱼ₋₁ + Δ·(Aⱼ₋₁ + 1))
//
// so that λₙ(tⱼ) = μₙ + θωAⱼ, Σᵢ pₙ^{ij} = θωAⱼ/λₙ(tⱼ) and
// Σᵢ pₙ^{ij}(tⱼ−tᵢ) = θωBⱼ/λₙ(tⱼ). ω stays in [seppOmegaMin, seppOmegaMax].
func emStep(s *seppCells, f *SEPPFit) *SEPPFit {
	next := &SEPPFit{Mu: make([]float64, len(f.Mu)), Theta: f.Theta, Omega: f.Omega}
	tw := f.Theta * f.Omega
	var trig, trigT float64
	var n int
	for c := range s.n {
		ts := s.times(c)
		if len(ts) == 0 {
			continue
		}
		n += len(ts)
		mu := f.Mu[c]
		var a, b, bg float64
		for j, tj := range ts {
			if j > 0 {
				dt := tj - ts[j-1]
				e := math.Exp(-f.Omega * dt)
				b = e * (b + dt*(a+1))
				a = e * (a + 1)
			}
			lam := mu + tw*a
			if lam <= 0 {
				bg++ // μ = 0 and nothing before: only the background explains it
				continue
			}
			bg += mu / lam
			trig += tw * a / lam
			trigT += tw * b / lam
		}
		next.Mu[c] = bg / s.T
	}
	if n == 0 {
		next.Theta = 0
		return next
	}
	next.Theta = trig / float64(n)
	if trig > 0 {
		next.Omega = seppOmegaMax
		if trigT > 0 {
			next.Omega = min(seppOmegaMax, max(seppOmegaMin, trig/trigT))
		}
	}
	return next
}

// fitSEPP runs emStep from warm (or from the cold start: μ₀ = Nₙ/(2T),
// θ₀ = 0.5, ω₀ = 0.1 per day) until θ, ω and Σμ change by less than seppTol
// relatively, or seppMaxIter iterations. It checks ctx every iteration.
func fitSEPP(ctx context.Context, s *seppCells, warm *SEPPFit) (*SEPPFit, error) {
	f := &SEPPFit{Mu: make([]float64, len(s.n)), Theta: seppTheta0, Omega: seppOmega0}
	if warm != nil && len(warm.Mu) == len(s.n) && warm.Theta > 0 {
		f.Theta, f.Omega = warm.Theta, warm.Omega
	}
	if s.T <= 0 {
		f.Theta = 0
		f.Converged = true
		return f, nil
	}
	for c, n := range s.n {
		f.Mu[c] = float64(n) / (2 * s.T)
	}
	for it := 1; it <= seppMaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		next := emStep(s, f)
		next.Iterations = it
		done := relChange(f.Theta, next.Theta) < seppTol && relChange(f.Omega, next.Omega) < seppTol &&
			relChange(sum(f.Mu), sum(next.Mu)) < seppTol
		f = next
		if done {
			f.Converged = true
			break
		}
	}
	return f, nil
}

func relChange(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

// seppp fits the process on the events before t0 and sets risk to the
// integral of each cell's intensity over [t0, t1), P = t1 − t0 in days:
//
//	riskₙ = μₙ·P + θ·(1 − e^(−ωP))·Σ_{tₙⁱ < t0} e^(−ω(t0 − tₙⁱ)).
func (d *forecastData) seppp(ctx context.Context, risk []float64, t0, t1 int64, warm *SEPPFit) (*SEPPFit, error) {
	s := d.seppCellsBefore(t0)
	fit, err := fitSEPP(ctx, &s, warm)
	if err != nil {
		return nil, err
	}
	p := float64(t1-t0) / nsPerDay
	carry := fit.Theta * (1 - math.Exp(-fit.Omega*p))
	for c := range risk {
		var a float64
		for _, t := range s.times(c) {
			a += math.Exp(-fit.Omega * (s.T - t))
		}
		risk[c] = fit.Mu[c]*p + carry*a
	}
	return fit, nil
}

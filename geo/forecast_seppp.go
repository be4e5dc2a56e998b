package geo

import (
	"context"
	"math"
	"runtime"
	"sync"
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
	if d.cellT == nil {
		d.cellT = make([]float64, len(d.cellAt))
		for i, t := range d.cellAt {
			d.cellT[i] = float64(t-d.start) / nsPerDay
		}
	}
	s := seppCells{start: d.cellStart[:nc], n: make([]int32, nc), t: d.cellT, T: float64(t0-d.start) / nsPerDay}
	for c := 0; c < nc; c++ {
		s.n[c] = int32(d.countIn(c, math.MinInt64, t0))
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
	next, _ := emStepStats(s, f)
	return next
}

// emStats are by-products of an E step at the parameters f: the
// log-likelihood the EM increases, and the score of θ at θ = 0.
type emStats struct {
	// LogLik is Σₙ Σⱼ log λₙ(tₙʲ) − T·Σₙ μₙ − θ·N: the log-likelihood
	// of the process with the compensator of the closed forms (each event
	// triggers θ in all), which the EM iterations never decrease; −∞ when
	// some event has intensity 0.
	LogLik float64
	// Score is ∂LogLik/∂θ at θ = 0 and the Poisson rates μₙ = Nₙ/T, for
	// f's ω: Σₙ (T/Nₙ)·Σⱼ ω·Aⱼ − N.
	Score float64
}

// emPart is one worker's sums of an E step over its cells.
type emPart struct {
	trig, trigT, logLik, score float64
	n                          int
}

// emStepStats is emStep, which also returns the stats of f. The cells are
// split among the CPUs by their numbers of events.
func emStepStats(s *seppCells, f *SEPPFit) (*SEPPFit, emStats) {
	next := &SEPPFit{Mu: make([]float64, len(f.Mu)), Theta: f.Theta, Omega: f.Omega}
	total := 0
	for _, n := range s.n {
		total += int(n)
	}
	p := max(1, min(runtime.GOMAXPROCS(0), total/20000))
	parts := make([]emPart, p)
	var wg sync.WaitGroup
	lo := 0
	for w := 0; w < p; w++ {
		hi, acc := lo, 0
		for hi < len(s.n) && (w == p-1 || acc < total/p) {
			acc += int(s.n[hi])
			hi++
		}
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			parts[w] = emCells(s, f, next.Mu, lo, hi)
		}(lo, hi)
		lo = hi
	}
	wg.Wait()
	var sum emPart
	for _, pt := range parts {
		sum.trig += pt.trig
		sum.trigT += pt.trigT
		sum.logLik += pt.logLik
		sum.score += pt.score
		sum.n += pt.n
	}
	st := emStats{LogLik: sum.logLik - s.T*sumOf(f.Mu) - f.Theta*float64(sum.n), Score: sum.score - float64(sum.n)}
	if sum.n == 0 {
		next.Theta = 0
		return next, st
	}
	next.Theta = sum.trig / float64(sum.n)
	if sum.trig > 0 {
		next.Omega = seppOmegaMax
		if sum.trigT > 0 {
			next.Omega = min(seppOmegaMax, max(seppOmegaMin, sum.trig/sum.trigT))
		}
	}
	return next, st
}

// emCells is the E step of cells lo…hi−1: it sets mu[c] to the M step's
// μ of each and returns the sums over them.
func emCells(s *seppCells, f *SEPPFit, mu []float64, lo, hi int) emPart {
	var pt emPart
	tw := f.Theta * f.Omega
	for c := lo; c < hi; c++ {
		ts := s.times(c)
		if len(ts) == 0 {
			continue
		}
		pt.n += len(ts)
		m := f.Mu[c]
		var a, b, bg, sa float64
		for j, tj := range ts {
			if j > 0 {
				dt := tj - ts[j-1]
				e := math.Exp(-f.Omega * dt)
				b = e * (b + dt*(a+1))
				a = e * (a + 1)
			}
			sa += a
			lam := m + tw*a
			if lam <= 0 {
				bg++ // μ = 0 and nothing before: only the background explains it
				pt.logLik = math.Inf(-1)
				continue
			}
			pt.logLik += math.Log(lam)
			bg += m / lam
			pt.trig += tw * a / lam
			pt.trigT += tw * b / lam
		}
		mu[c] = bg / s.T
		pt.score += s.T / float64(len(ts)) * f.Omega * sa
	}
	return pt
}

// fitSEPP runs the EM from warm (or from the cold start: μ₀ = Nₙ/(2T),
// θ₀ = 0.5, ω₀ = 0.1 per day) until θ, ω and Σμ change by less than seppTol
// relatively in one EM step, or seppMaxIter EM steps. It checks ctx every
// step. Two things make it faster than plain EM, neither of which changes
// what it converges to:
//
//   - SQUAREM (Varadhan & Roland 2008, "Simple and globally convergent
//     methods for accelerating the convergence of any EM algorithm",
//     Scand. J. Statist. 35(2):335–353, scheme S3): from x₀, two EM steps
//     x₁, x₂, r = x₁ − x₀, v = x₂ − 2x₁ + x₀, α = −‖r‖/‖v‖ (at most −1),
//     x' = x₀ − 2αr + α²v (kept at ≥ a tenth of x₂'s μ and θ, ω in its
//     bounds), then one EM step from x'; x' is taken only when its
//     log-likelihood is at least x₁'s, else x₂.
//   - No triggering: once θ < seppThetaZero (1 %) at parameters whose
//     score of θ at θ = 0 is negative, the fit is θ = 0, μₙ = Nₙ/T. For a fixed ω the
//     log-likelihood is concave in (μ, θ) (the log of an intensity linear
//     in them, minus a linear compensator), so a score ≤ 0 at θ = 0 with
//     the Poisson μ makes that point the maximum over μ and θ at this ω:
//     the jump never lowers the likelihood. It is where plain EM is going
//     too, multiplying θ by about 1 + Score/N per step near 0 — slowly,
//     which is why it used to run to the iteration limit on data without
//     self-excitation. (The test is at the ω of the current step; that ω
//     is where EM has brought it, not a search over every ω.) A warm start
//     without triggering takes one E step to check the score at its ω on
//     the new data, and starts cold if it is not negative.
func fitSEPP(ctx context.Context, s *seppCells, warm *SEPPFit) (*SEPPFit, error) {
	f := &SEPPFit{Mu: make([]float64, len(s.n)), Theta: seppTheta0, Omega: seppOmega0}
	if s.T <= 0 {
		f.Theta = 0
		f.Converged = true
		return f, nil
	}
	useWarm := warm != nil && len(warm.Mu) == len(s.n)
	steps := 0
	step := func(x *SEPPFit) (*SEPPFit, emStats, bool) {
		steps++
		next, st := emStepStats(s, x)
		next.Iterations = steps
		return next, st, converged(x, next)
	}
	if useWarm && warm.Theta == 0 {
		// A warm start without triggering: still none if the score at
		// θ = 0 is negative at its ω, else a cold start.
		x := &SEPPFit{Mu: make([]float64, len(s.n)), Omega: warm.Omega}
		for c, n := range s.n {
			x.Mu[c] = float64(n) / s.T
		}
		if _, st, _ := step(x); st.Score < 0 {
			x.Iterations, x.Converged = steps, true
			return x, nil
		}
		useWarm = false
	}
	if useWarm {
		f.Theta, f.Omega = warm.Theta, warm.Omega
	}
	for c, n := range s.n {
		f.Mu[c] = float64(n) / (2 * s.T)
		if useWarm && warm.Mu[c] > 0 {
			f.Mu[c] = warm.Mu[c]
		}
	}
	x0 := f
	for steps < seppMaxIter {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x1, st0, done := step(x0)
		if zero := noTriggering(s, x0, st0, steps); zero != nil || done {
			return firstFit(zero, x1), nil
		}
		if steps >= seppMaxIter {
			return x1, nil
		}
		x2, st1, done := step(x1)
		if zero := noTriggering(s, x1, st1, steps); zero != nil || done {
			return firstFit(zero, x2), nil
		}
		if steps >= seppMaxIter {
			return x2, nil
		}
		xp := squarem(x0, x1, x2)
		x3, stp, done := step(xp)
		if math.IsInf(stp.LogLik, -1) || stp.LogLik < st1.LogLik {
			x0 = x2 // the extrapolation went downhill: keep the EM steps
			continue
		}
		if zero := noTriggering(s, xp, stp, steps); zero != nil || done {
			return firstFit(zero, x3), nil
		}
		x0 = x3
	}
	return x0, nil
}

// firstFit returns zero when it is not nil, else the converged fit f.
func firstFit(zero, f *SEPPFit) *SEPPFit {
	if zero != nil {
		return zero
	}
	f.Converged = true
	return f
}

// converged reports whether θ, ω and Σμ changed by less than seppTol
// relatively from a to b.
func converged(a, b *SEPPFit) bool {
	return relChange(a.Theta, b.Theta) < seppTol && relChange(a.Omega, b.Omega) < seppTol &&
		relChange(sumOf(a.Mu), sumOf(b.Mu)) < seppTol
}

// seppThetaZero is the θ below which fitSEPP tests for no triggering:
// fewer than 1 % of the events triggered.
const seppThetaZero = 0.01

// noTriggering returns the fit without triggering (θ = 0, μₙ = Nₙ/T, ω
// kept) when x has θ < seppThetaZero and its stats st a negative score of
// θ at 0; else nil. steps is the number of EM steps taken.
func noTriggering(s *seppCells, x *SEPPFit, st emStats, steps int) *SEPPFit {
	if x.Theta >= seppThetaZero || !(st.Score < 0) {
		return nil
	}
	f := &SEPPFit{Mu: make([]float64, len(s.n)), Omega: x.Omega, Iterations: steps, Converged: true}
	for c, n := range s.n {
		f.Mu[c] = float64(n) / s.T
	}
	return f
}

// squarem returns the SQUAREM extrapolation of x₀ and its two EM steps
// x₁, x₂ (see fitSEPP).
func squarem(x0, x1, x2 *SEPPFit) *SEPPFit {
	var rr, vv float64
	d := func(a, b, c float64) {
		r, v := b-a, c-2*b+a
		rr += r * r
		vv += v * v
	}
	for c := range x0.Mu {
		d(x0.Mu[c], x1.Mu[c], x2.Mu[c])
	}
	d(x0.Theta, x1.Theta, x2.Theta)
	d(x0.Omega, x1.Omega, x2.Omega)
	if vv == 0 {
		return x2
	}
	alpha := min(-1, -math.Sqrt(rr/vv))
	ext := func(a, b, c float64) float64 { return a - 2*alpha*(b-a) + alpha*alpha*(c-2*b+a) }
	xp := &SEPPFit{Mu: make([]float64, len(x0.Mu))}
	for c := range xp.Mu {
		xp.Mu[c] = max(x2.Mu[c]/10, ext(x0.Mu[c], x1.Mu[c], x2.Mu[c]))
	}
	xp.Theta = max(x2.Theta/10, ext(x0.Theta, x1.Theta, x2.Theta))
	xp.Omega = min(seppOmegaMax, max(seppOmegaMin, ext(x0.Omega, x1.Omega, x2.Omega)))
	return xp
}

func relChange(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

func sumOf(x []float64) float64 {
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
	sepppRisk(&s, fit, risk, float64(t1-t0)/nsPerDay)
	return fit, nil
}

// sepppRisk sets risk to the integral of fit's intensity over a period of
// p days after the end of s (see seppp). The triggering sum runs from each
// cell's latest event back, and stops where e^(−ω(T − t)) is 0 in float64.
func sepppRisk(s *seppCells, fit *SEPPFit, risk []float64, p float64) {
	carry := fit.Theta * (1 - math.Exp(-fit.Omega*p))
	for c := range risk {
		var a float64
		if carry > 0 {
			ts := s.times(c)
			for j := len(ts) - 1; j >= 0; j-- {
				x := fit.Omega * (s.T - ts[j])
				if x > 746 {
					break
				}
				a += math.Exp(-x)
			}
		}
		risk[c] = fit.Mu[c]*p + carry*a
	}
}

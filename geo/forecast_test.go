package geo

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// fcBase is day 0 of the forecast tests.
var fcBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()

func fcDay(d float64) int64 { return fcBase + int64(d*nsPerDay) }

// fcTestData builds forecast data over cells from events at projected
// points and days, with the history starting at day 0.
func fcTestData(t *testing.T, cellM float64, cells []Hex, pts [][2]float64, days []float64) *forecastData {
	t.Helper()
	ag := newAreaGrid(HexGrid{CellM: cellM}, cells, cellM)
	ev := make([]fcEvent, len(pts))
	for i, p := range pts {
		ev[i] = fcEvent{t: fcDay(days[i]), x: p[0], y: p[1], cell: ag.index(ag.grid.Cell(p[0], p[1]))}
	}
	return newForecastData(ag, ev, fcBase, 0)
}

// fcEventsOf lists d's events, in-area and near.
func fcEventsOf(d *forecastData) []fcEvent {
	ev := append([]fcEvent(nil), d.near...)
	for c := range d.ag.cells {
		for j := d.cellStart[c]; j < d.cellStart[c+1]; j++ {
			ev = append(ev, fcEvent{t: d.cellAt[j], x: d.cellXY[j][0], y: d.cellXY[j][1], cell: int32(c)})
		}
	}
	return ev
}

// threeCells is the row of the worked examples: cells (0,0), (1,0), (2,0)
// of a 1000 m grid, centred at x = 0, 1000, 2000 m, y = 0.
var threeCells = []Hex{{0, 0}, {1, 0}, {2, 0}}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want)) }

// TestForecastNaiveAndAverageWorked checks docs/statistics.md's worked
// example: a 10-day period from day 30; cell 0 has events on days 5, 22
// and 25, cell 1 on 28 and 29.5, cell 2 on 19.9 and 30 (the latter is not
// history). Naive counts [20, 30): 2, 2, 0. The average over [0, 30) scaled
// to 10 days: 3/3, 2/3, 1/3.
func TestForecastNaiveAndAverageWorked(t *testing.T) {
	c := [][2]float64{{0, 0}, {1000, 0}, {2000, 0}}
	d := fcTestData(t, 1000, threeCells,
		[][2]float64{c[0], c[0], c[0], c[1], c[1], c[2], c[2]},
		[]float64{5, 22, 25, 28, 29.5, 19.9, 30})
	for _, tc := range []struct {
		name string
		m    ForecastMethod
		want []float64
	}{
		{"naive", ForecastNaive, []float64{2, 2, 0}},
		{"average", ForecastAverage, []float64{1, 2.0 / 3, 1.0 / 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			risk, _, err := d.forecast(context.Background(), ForecastParams{Method: tc.m}, fcDay(30), fcDay(40), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.want {
				if !near(risk[i], tc.want[i], 1e-12) {
					t.Errorf("cell %d: risk %v, want %v", i, risk[i], tc.want[i])
				}
			}
		})
	}
}

// TestForecastKDEWorked checks the kde formula on two events, (0, 0) on
// day 20 and (300, 200) on day 25, forecast for [30, 40) with b = 1000 m
// and h = 10 days. Computed independently from
// risk_c = P·A/((h/ln2)(1 − 2^(−30/h))) · Σ 2^(−(30−tⱼ)/h)·exp(−d²/2b²)/(2πb²).
func TestForecastKDEWorked(t *testing.T) {
	d := fcTestData(t, 1000, threeCells, [][2]float64{{0, 0}, {300, 200}}, []float64{20, 25})
	risk, _, err := d.forecast(context.Background(),
		ForecastParams{Method: ForecastKDE, BandwidthM: 1000, HalfLife: 10 * 24 * time.Hour}, fcDay(30), fcDay(40), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.12694073668912126, 0.09234561282985966, 0.025229074335351466}
	for i := range want {
		if !near(risk[i], want[i], 1e-9) {
			t.Errorf("cell %d: risk %.12g, want %.12g", i, risk[i], want[i])
		}
	}
}

// TestForecastKDEBruteForce compares the factored kernel sums with a
// direct sum over random events, bandwidths from cell_m/4 to 3 cells.
func TestForecastKDEBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	g := HexGrid{CellM: 2000}
	cells := g.CellsInBound(orbBound(-20000, -20000, 20000, 20000))
	var pts [][2]float64
	var days []float64
	for i := 0; i < 300; i++ {
		pts = append(pts, [2]float64{rng.Float64()*50000 - 25000, rng.Float64()*50000 - 25000})
		days = append(days, rng.Float64()*100)
	}
	d := fcTestData(t, g.CellM, cells, pts, days)
	for _, b := range []float64{500, 2000, 6000} {
		h := 15 * 24 * time.Hour
		risk, _, err := d.forecast(context.Background(), ForecastParams{Method: ForecastKDE, BandwidthM: b, HalfLife: h}, fcDay(80), fcDay(90), nil)
		if err != nil {
			t.Fatal(err)
		}
		hd := 15.0
		norm := 10 * g.CellAreaM2() / (hd / math.Ln2 * (1 - math.Exp2(-80/hd))) / (2 * math.Pi * b * b)
		for i, c := range cells {
			cx, cy := g.Center(c)
			var s float64
			for j, p := range pts {
				if days[j] >= 80 {
					continue
				}
				d2 := (p[0]-cx)*(p[0]-cx) + (p[1]-cy)*(p[1]-cy)
				if d2 <= 16*b*b {
					s += math.Exp2(-(80-days[j])/hd) * math.Exp(-d2/(2*b*b))
				}
			}
			if want := s * norm; !near(risk[i], want, 1e-9) {
				t.Fatalf("b=%g cell %v: risk %.12g, brute force %.12g", b, c, risk[i], want)
			}
		}
	}
}

// TestEMStepWorked checks one EM iteration against the hand computation of
// docs/statistics.md: cell 0 has events on days 1, 2 and 4, cell 1 on day
// 3, T = 10 days, from μ = (0.15, 0.05), θ = 0.5, ω = 0.1. The E step gives
// p(bg) = 1, 0.768284, 0.657962 in cell 0 and p₀₁ = 0.231716,
// p₀₂ = 0.162477, p₁₂ = 0.179564; the M step μ₀ = 2.426246/10,
// μ₁ = 1/10, θ = 0.573757/4 and ω = 0.573757/1.078275.
func TestEMStepWorked(t *testing.T) {
	s := seppCells{start: []int32{0, 3}, n: []int32{3, 1}, t: []float64{1, 2, 4, 3}, T: 10}
	got := emStep(&s, &SEPPFit{Mu: []float64{0.15, 0.05}, Theta: 0.5, Omega: 0.1})
	want := SEPPFit{Mu: []float64{0.24262376405449276, 0.1}, Theta: 0.1434405898637681, Omega: 0.5321094930459782}
	if !near(got.Mu[0], want.Mu[0], 1e-12) || !near(got.Mu[1], want.Mu[1], 1e-12) ||
		!near(got.Theta, want.Theta, 1e-12) || !near(got.Omega, want.Omega, 1e-12) {
		t.Errorf("EM step: μ=%v θ=%v ω=%v, want μ=%v θ=%v ω=%v", got.Mu, got.Theta, got.Omega, want.Mu, want.Theta, want.Omega)
	}
}

// emStepPairs is the EM step written with the sums over all pairs, as in
// the paper, for comparison with the recursions of emStep.
func emStepPairs(s *seppCells, f *SEPPFit) *SEPPFit {
	next := &SEPPFit{Mu: make([]float64, len(f.Mu))}
	var trig, trigT float64
	n := 0
	for c := range s.n {
		ts := s.times(c)
		var bg float64
		for j, tj := range ts {
			lam := f.Mu[c]
			for _, ti := range ts[:j] {
				lam += f.Theta * f.Omega * math.Exp(-f.Omega*(tj-ti))
			}
			bg += f.Mu[c] / lam
			for _, ti := range ts[:j] {
				p := f.Theta * f.Omega * math.Exp(-f.Omega*(tj-ti)) / lam
				trig += p
				trigT += p * (tj - ti)
			}
			n++
		}
		next.Mu[c] = bg / s.T
	}
	next.Theta, next.Omega = trig/float64(n), trig/trigT
	return next
}

// simulateHawkes returns, per cell, the sorted event times in [0, T) days
// of the process with background rates mu, branching ratio theta and
// decay omega: background events of each cell are Poisson, and each event
// has Poisson(θ) children in its cell after Exp(ω) delays.
func simulateHawkes(rng *rand.Rand, mu []float64, theta, omega, T float64) [][]float64 {
	out := make([][]float64, len(mu))
	for c, m := range mu {
		var queue []float64
		for t := rng.ExpFloat64() / m; t < T; t += rng.ExpFloat64() / m {
			queue = append(queue, t)
		}
		for len(queue) > 0 {
			t := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			out[c] = append(out[c], t)
			for k := poisson(rng, theta); k > 0; k-- {
				if tc := t + rng.ExpFloat64()/omega; tc < T {
					queue = append(queue, tc)
				}
			}
		}
		sort.Float64s(out[c])
	}
	return out
}

// poisson draws from Poisson(lambda) by Knuth's product of uniforms.
func poisson(rng *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func seppCellsOf(times [][]float64, T float64) seppCells {
	s := seppCells{start: make([]int32, len(times)), n: make([]int32, len(times)), T: T}
	for c, ts := range times {
		s.start[c] = int32(len(s.t))
		s.n[c] = int32(len(ts))
		s.t = append(s.t, ts...)
	}
	return s
}

// TestEMStepRecursionMatchesPairs holds the one-pass recursions to the
// pairwise sums on simulated data.
func TestEMStepRecursionMatchesPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := seppCellsOf(simulateHawkes(rng, []float64{0.1, 0.3, 0.05, 0.2}, 0.6, 0.3, 300), 300)
	f := &SEPPFit{Mu: []float64{0.05, 0.1, 0.02, 0.1}, Theta: 0.4, Omega: 0.7}
	got, want := emStep(&s, f), emStepPairs(&s, f)
	for c := range got.Mu {
		if !near(got.Mu[c], want.Mu[c], 1e-9) {
			t.Errorf("μ[%d] = %v, pairwise %v", c, got.Mu[c], want.Mu[c])
		}
	}
	if !near(got.Theta, want.Theta, 1e-9) || !near(got.Omega, want.Omega, 1e-9) {
		t.Errorf("θ, ω = %v, %v; pairwise %v, %v", got.Theta, got.Omega, want.Theta, want.Omega)
	}
}

// TestEMRecoversHawkesParameters simulates a self-exciting process on
// eight cells with known background rates, θ = 0.5 and ω = 0.2 per day
// over 20000 days, and requires the EM fit to recover θ, ω and each μ
// within 10 %.
func TestEMRecoversHawkesParameters(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 43))
	mu := []float64{0.05, 0.1, 0.2, 0.3, 0.08, 0.15, 0.25, 0.12}
	const theta, omega, T = 0.5, 0.2, 20000.0
	s := seppCellsOf(simulateHawkes(rng, mu, theta, omega, T), T)
	fit, err := fitSEPP(context.Background(), &s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !fit.Converged {
		t.Errorf("EM did not converge in %d iterations", fit.Iterations)
	}
	t.Logf("θ=%.4f ω=%.4f μ=%.4f after %d iterations", fit.Theta, fit.Omega, fit.Mu, fit.Iterations)
	if math.Abs(fit.Theta-theta) > 0.1*theta {
		t.Errorf("θ = %v, want %v ± 10 %%", fit.Theta, theta)
	}
	if math.Abs(fit.Omega-omega) > 0.1*omega {
		t.Errorf("ω = %v, want %v ± 10 %%", fit.Omega, omega)
	}
	for c, m := range mu {
		if math.Abs(fit.Mu[c]-m) > 0.1*m {
			t.Errorf("μ[%d] = %v, want %v ± 10 %%", c, fit.Mu[c], m)
		}
	}
}

// TestSEPPPForecastIntegratesIntensity checks the forecast of a fitted
// process against the integral of its intensity, computed by the
// trapezoidal rule over [t0, t1).
func TestSEPPPForecastIntegratesIntensity(t *testing.T) {
	c := [][2]float64{{0, 0}, {1000, 0}, {2000, 0}}
	d := fcTestData(t, 1000, threeCells,
		[][2]float64{c[0], c[0], c[0], c[0], c[1], c[1], c[2]},
		[]float64{3, 4, 4.5, 18, 10, 19, 7})
	risk, fit, err := d.forecast(context.Background(), ForecastParams{Method: ForecastSEPPP}, fcDay(20), fcDay(27), nil)
	if err != nil {
		t.Fatal(err)
	}
	times := [][]float64{{3, 4, 4.5, 18}, {10, 19}, {7}}
	for cell, ts := range times {
		lam := func(x float64) float64 {
			v := fit.Mu[cell]
			for _, ti := range ts {
				v += fit.Theta * fit.Omega * math.Exp(-fit.Omega*(x-ti))
			}
			return v
		}
		const steps = 100000
		var integral float64
		for k := 0; k < steps; k++ {
			a, b := 20+7*float64(k)/steps, 20+7*float64(k+1)/steps
			integral += (lam(a) + lam(b)) / 2 * (b - a)
		}
		if !near(risk[cell], integral, 1e-6) {
			t.Errorf("cell %d: risk %v, ∫λ = %v", cell, risk[cell], integral)
		}
	}
}

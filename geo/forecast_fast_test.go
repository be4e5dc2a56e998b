package geo

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// fitSEPPPlain is the EM of fitSEPP without acceleration or the test for
// no triggering: emStep from the same start until θ, ω and Σμ change by
// less than tol relatively, or maxIter steps. It is the reference the
// faster fit is held to, and the baseline of its benchmark.
func fitSEPPPlain(s *seppCells, tol float64, maxIter int) *SEPPFit {
	f := &SEPPFit{Mu: make([]float64, len(s.n)), Theta: seppTheta0, Omega: seppOmega0}
	for c, n := range s.n {
		f.Mu[c] = float64(n) / (2 * s.T)
	}
	for it := 1; it <= maxIter; it++ {
		next := emStep(s, f)
		next.Iterations = it
		done := relChange(f.Theta, next.Theta) < tol && relChange(f.Omega, next.Omega) < tol &&
			relChange(sumOf(f.Mu), sumOf(next.Mu)) < tol
		f = next
		if done {
			f.Converged = true
			break
		}
	}
	return f
}

// forecastRisk is the forecast of each cell of s over p days by fit.
func forecastRisk(s *seppCells, fit *SEPPFit, p float64) []float64 {
	risk := make([]float64, len(s.n))
	sepppRisk(s, fit, risk, p)
	return risk
}

// TestFitSEPPMatchesPlainEM holds the accelerated fit to plain EM run to a
// tolerance a hundred times finer, on simulated self-exciting processes of
// random parameters: parameters within 10⁻⁴ and forecasts within 10⁻⁴
// relatively, in fewer EM steps.
func TestFitSEPPMatchesPlainEM(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	for k := 0; k < 8; k++ {
		nc := 5 + rng.IntN(30)
		mu := make([]float64, nc)
		for c := range mu {
			mu[c] = 0.01 + 0.2*rng.Float64()
		}
		theta, omega := 0.2+0.6*rng.Float64(), 0.05+rng.Float64()
		const T = 3000.0
		s := seppCellsOf(simulateHawkes(rng, mu, theta, omega, T), T)
		fast, err := fitSEPP(context.Background(), &s, nil)
		if err != nil {
			t.Fatal(err)
		}
		ref := fitSEPPPlain(&s, seppTol/100, 100000)
		if !fast.Converged || !ref.Converged {
			t.Fatalf("case %d: converged %v (fast), %v (plain)", k, fast.Converged, ref.Converged)
		}
		if !near(fast.Theta, ref.Theta, 1e-4) || !near(fast.Omega, ref.Omega, 1e-4) {
			t.Errorf("case %d: θ, ω = %v, %v; plain EM %v, %v", k, fast.Theta, fast.Omega, ref.Theta, ref.Omega)
		}
		a, b := forecastRisk(&s, fast, 7), forecastRisk(&s, ref, 7)
		for c := range a {
			if math.Abs(a[c]-b[c]) > 1e-4*math.Max(b[c], 1e-3) {
				t.Errorf("case %d cell %d: risk %v, plain EM %v", k, c, a[c], b[c])
			}
		}
		plain := fitSEPPPlain(&s, seppTol, seppMaxIter)
		t.Logf("case %d: θ %.4f ω %.4f: %d EM steps, plain EM %d", k, fast.Theta, fast.Omega, fast.Iterations, plain.Iterations)
		if fast.Iterations > plain.Iterations {
			t.Errorf("case %d: %d EM steps, more than plain EM's %d", k, fast.Iterations, plain.Iterations)
		}
	}
}

// TestFitSEPPNoTriggering fits homogeneous Poisson events (no
// self-excitation): the fit must be exactly θ = 0 with μₙ = Nₙ/T, well
// within the iteration limit, where plain EM creeps towards it: after
// many steps its θ is small and its forecasts agree within θ's share.
func TestFitSEPPNoTriggering(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	mu := make([]float64, 40)
	for c := range mu {
		mu[c] = 0.02 + 0.1*rng.Float64()
	}
	const T = 2000.0
	s := seppCellsOf(simulateHawkes(rng, mu, 0, 1, T), T)
	fast, err := fitSEPP(context.Background(), &s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fast.Theta != 0 || !fast.Converged || fast.Iterations >= seppMaxIter {
		t.Fatalf("θ = %v, converged %v after %d steps; want θ = 0 converged", fast.Theta, fast.Converged, fast.Iterations)
	}
	for c, n := range s.n {
		if fast.Mu[c] != float64(n)/T {
			t.Errorf("μ[%d] = %v, want N/T = %v", c, fast.Mu[c], float64(n)/T)
		}
	}
	ref := fitSEPPPlain(&s, seppTol, 3000)
	t.Logf("no triggering after %d EM steps; plain EM θ = %.2g after %d", fast.Iterations, ref.Theta, ref.Iterations)
	if ref.Theta > 0.01 {
		t.Fatalf("plain EM θ = %v: the data are not free of triggering", ref.Theta)
	}
	a, b := forecastRisk(&s, fast, 7), forecastRisk(&s, ref, 7)
	for c := range a {
		if math.Abs(a[c]-b[c]) > 2*ref.Theta*b[c]+1e-9 {
			t.Errorf("cell %d: risk %v, plain EM %v (θ %v)", c, a[c], b[c], ref.Theta)
		}
	}
}

// TestForecastSlotsMatchScan holds the history read from the per-cell
// time lists to the pass over every event, on random events, with writes
// after the lists were built (dirty slots: new, moved, deleted events),
// for several viewers and filters; a coarsening viewer takes the pass, so
// it is left out. The per-cell times, the near events and the start must
// be the same, and so must every method's forecast.
func TestForecastSlotsMatchScan(t *testing.T) {
	ctx := context.Background()
	evs := syntheticEvents(30000, 17)
	var ix Index
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	q0 := ForecastQuery{ForecastParams: ForecastParams{Method: ForecastKDE}, AsOf: asOf, Until: asOf.AddDate(0, 1, 0),
		CellM: 10000, Area: corridorArea()}
	if err := q0.normalize(DefaultAutoPeriods); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ix.forecastData(ctx, &q0, asOf.UnixNano(), 20000); err != nil {
		t.Fatal(err) // builds the lists
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 300; i++ {
		e := evs[rng.IntN(len(evs))]
		switch i % 3 {
		case 0:
			ix.Delete(e.ID)
		case 1:
			e.Lon += 0.3 * (rng.Float64() - 0.5)
			e.At = e.At.Add(time.Duration(rng.IntN(1000)) * time.Hour)
			if err := ix.Upsert(e); err != nil {
				t.Fatal(err)
			}
		default:
			e.ID[0] ^= 0xff
			e.At = asOf.Add(-time.Duration(rng.IntN(2000)) * time.Hour)
			if err := ix.Upsert(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	vis := Visibility{Agency: 3, Partners: []Partner{{Agency: 7}}}
	for _, tc := range []struct {
		name string
		f    Filter
	}{
		{"all", Filter{}},
		{"viewer", Filter{Visibility: &vis}},
		{"seizures from 2023 of two agencies", Filter{Kinds: []Kind{KindSeizure}, Agencies: []uint16{3, 7, 8},
			Time: Interval{Start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}}},
		{"heroin, severity 2+", Filter{Drugs: []Drug{DrugHeroin}, MinSeverity: 2, Visibility: &vis}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := q0
			q.Filter = tc.f
			fast, _, err := ix.forecastDataVia(ctx, &q, asOf.UnixNano(), 20000, keepAll, false)
			if err != nil {
				t.Fatal(err)
			}
			scan, _, err := ix.forecastDataVia(ctx, &q, asOf.UnixNano(), 20000, keepAll, true)
			if err != nil {
				t.Fatal(err)
			}
			if fast.start != scan.start || !slices.Equal(fast.cellStart, scan.cellStart) || !slices.Equal(fast.cellAt, scan.cellAt) {
				t.Fatalf("start %d, %d events; scan %d, %d", fast.start, len(fast.cellAt), scan.start, len(scan.cellAt))
			}
			if len(fast.cellAt) < 200 || len(fast.near) == 0 {
				t.Fatalf("%d events in the area, %d near it: too few to compare", len(fast.cellAt), len(fast.near))
			}
			key := func(e fcEvent) []float64 { return []float64{float64(e.t), e.x, e.y} }
			cmpEv := func(a, b fcEvent) int { return slices.Compare(key(a), key(b)) }
			a, b := slices.Clone(fast.near), slices.Clone(scan.near)
			slices.SortFunc(a, cmpEv)
			slices.SortFunc(b, cmpEv)
			if !slices.Equal(a, b) {
				t.Fatalf("%d near events, scan %d", len(a), len(b))
			}
			for _, p := range []ForecastParams{{Method: ForecastNaive}, {Method: ForecastAverage}, {Method: ForecastSEPPP},
				{Method: ForecastKDE, BandwidthM: 20000, HalfLife: 60 * 24 * time.Hour}} {
				ra, _, err := fast.forecast(ctx, p, asOf.UnixNano(), q.Until.UnixNano(), nil)
				if err != nil {
					t.Fatal(err)
				}
				rb, _, err := scan.forecast(ctx, p, asOf.UnixNano(), q.Until.UnixNano(), nil)
				if err != nil {
					t.Fatal(err)
				}
				for c := range ra {
					if !near(ra[c], rb[c], 1e-9) {
						t.Fatalf("%v cell %d: risk %v, scan %v", p.Method, c, ra[c], rb[c])
					}
				}
			}
		})
	}
}

// TestForecastFitCache requires a second forecast from the same origin to
// reuse the first one's fit, whatever its period, and so after a write
// after the origin (the history is the same); a write before it makes a
// new fit, equal within the EM's tolerance to a fit with nothing cached.
func TestForecastFitCache(t *testing.T) {
	ctx := context.Background()
	evs := syntheticEvents(20000, 23)
	var ix Index
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	q := ForecastQuery{ForecastParams: ForecastParams{Method: ForecastSEPPP}, AsOf: asOf, Until: asOf.AddDate(0, 1, 0),
		CellM: 10000, Area: corridorArea()}
	a, err := Forecast(ctx, &ix, q)
	if err != nil {
		t.Fatal(err)
	}
	q2 := q
	q2.Until = asOf.AddDate(0, 0, 7)
	b, err := Forecast(ctx, &ix, q2)
	if err != nil {
		t.Fatal(err)
	}
	if a.Fit != b.Fit {
		t.Fatal("the second forecast from the same origin fitted again")
	}
	later := evs[1]
	later.ID[0] ^= 0xff
	later.At = asOf.Add(24 * time.Hour)
	if err := ix.Upsert(later); err != nil {
		t.Fatal(err)
	}
	if after, err := Forecast(ctx, &ix, q); err != nil || after.Fit != a.Fit {
		t.Fatalf("an event after the origin made a new fit (%v)", err)
	}
	e := evs[0]
	e.ID[0] ^= 0xff
	e.At = asOf.Add(-time.Hour)
	if err := ix.Upsert(e); err != nil {
		t.Fatal(err)
	}
	c, err := Forecast(ctx, &ix, q)
	if err != nil {
		t.Fatal(err)
	}
	if c.Fit == a.Fit {
		t.Fatal("a forecast after a write reused the fit made before it")
	}
	var cold Index
	if err := cold.Load(append(evs, e, later)); err != nil {
		t.Fatal(err)
	}
	want, err := Forecast(ctx, &cold, q)
	if err != nil {
		t.Fatal(err)
	}
	if !near(c.Total, want.Total, 1e-5) || !near(c.Fit.Theta, want.Fit.Theta, 1e-4) {
		t.Fatalf("warm fit: total %v θ %v; cold %v θ %v", c.Total, c.Fit.Theta, want.Total, want.Fit.Theta)
	}
}

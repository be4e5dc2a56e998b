package geo

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestScoreForecastWorked checks the scores of docs/statistics.md's worked
// example: 20 cells, risk (5, 3, 3, 3, 1, 0, …), events (2, 0, 1, 3, 0, 4,
// 0, …), N = 10. At 5 % (k = 1) the top cell holds 2: hit rate 0.2, PAI
// 0.2/(1/20) = 4, PEI 2/4, PEI* = (2/4 of a cell)/1. At 10 % (k = 2) the
// second place goes to the tie of cells 1–3, whose mean is 4/3: n = 10/3,
// hit rate 1/3, PAI 10/3, PEI (10/3)/7, PEI* = ((10/3)/4 of a cell)/2.
func TestScoreForecastWorked(t *testing.T) {
	g := HexGrid{CellM: 1000}
	var cells []Hex
	for q := int32(0); q < 20; q++ {
		cells = append(cells, Hex{q, 0})
	}
	ag := newAreaGrid(g, cells, g.CellM)
	risk := make([]float64, 20)
	copy(risk, []float64{5, 3, 3, 3, 1})
	y := make([]float64, 20)
	copy(y, []float64{2, 0, 1, 3, 0, 4})
	s := scoreForecast(ag, risk, y)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"events", float64(s.Events), 10},
		{"hit 5%", s.HitRate[2], 0.2},
		{"PAI 5%", s.PAI[2], 4},
		{"PEI 5%", s.PEI[2], 0.5},
		{"PEI* 5%", s.PEIStar[2], 0.5},
		{"hit 10%", s.HitRate[3], 1.0 / 3},
		{"PAI 10%", s.PAI[3], 10.0 / 3},
		{"PEI 10%", s.PEI[3], 10.0 / 21},
		{"PEI* 10%", s.PEIStar[3], 10.0 / 3 / 4 / 2},
		{"log-likelihood", s.LogLik, -2.034782830826191},
		{"MAE", s.MAE, 0.65},
		{"top groups", float64(s.TopGroups), 1},
	}
	for _, c := range checks {
		if !near(c.got, c.want, 1e-12) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestPairedDiffInterval checks the paired difference on four origins with
// differences 0.1, 0.2, 0.3, 0.2: mean 0.2, sd 0.08165, half-width
// 3.182·0.08165/2 = 0.12990.
func TestPairedDiffInterval(t *testing.T) {
	mk := func(v ...float64) []ForecastScore {
		out := make([]ForecastScore, len(v))
		for i, x := range v {
			out[i].LogLik = x
		}
		return out
	}
	d := pairedDiff(mk(1.1, 1.2, 1.3, 1.2), mk(1, 1, 1, 1), func(s ForecastScore) float64 { return s.LogLik })
	half := 3.182 * math.Sqrt(0.02/3) / 2
	if !near(d.Mean, 0.2, 1e-12) || !near(d.Lo, 0.2-half, 1e-9) || !near(d.Hi, 0.2+half, 1e-9) {
		t.Errorf("paired difference %+v, want 0.2 ± %v", d, half)
	}
}

// simulatedGridData simulates a process on a 20 × 20 block of 1 km cells
// (background rates mu(c), branching ratio theta, decay omega per day)
// over T days, the history starting at day 0.
func simulatedGridData(t *testing.T, rng *rand.Rand, mu func(c int) float64, theta, omega, T float64) *forecastData {
	t.Helper()
	g := HexGrid{CellM: 1000}
	var cells []Hex
	for r := int32(0); r < 20; r++ {
		for q := int32(0); q < 20; q++ {
			cells = append(cells, Hex{q - r/2, r})
		}
	}
	rates := make([]float64, len(cells))
	for c := range rates {
		rates[c] = mu(c)
	}
	times := simulateHawkes(rng, rates, theta, omega, T)
	var pts [][2]float64
	var days []float64
	for c, ts := range times {
		x, y := g.Center(cells[c])
		for _, d := range ts {
			pts = append(pts, [2]float64{x, y})
			days = append(days, d)
		}
	}
	return fcTestData(t, g.CellM, cells, pts, days)
}

func backtestOf(t *testing.T, d *forecastData, T float64, periods int) BacktestResult {
	t.Helper()
	q := ForecastQuery{ForecastParams: ForecastParams{Method: ForecastAuto}, CellM: 1000,
		AsOf: time.Unix(0, fcDay(T-7)), Until: time.Unix(0, fcDay(T)), Periods: periods}
	if err := q.normalize(DefaultBacktestPeriods); err != nil {
		t.Fatal(err)
	}
	res, err := backtest(context.Background(), d, &q, autoCandidates(&q), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Methods {
		t.Logf("%-22s hit5 %.3f PAI5 %.2f PEI5 %.2f PEI*5 %.2f loglik %.4f MAE %.4f groups %d  vs naive %+.3f [%+.3f, %+.3f]",
			m.Name, m.Mean.HitRate[2], m.Mean.PAI[2], m.Mean.PEI[2], m.Mean.PEIStar[2], m.Mean.LogLik, m.Mean.MAE,
			m.Mean.TopGroups, m.HitVsNaive.Mean, m.HitVsNaive.Lo, m.HitVsNaive.Hi)
	}
	return res
}

func methodNamed(t *testing.T, res BacktestResult, name string) BacktestMethod {
	t.Helper()
	for _, m := range res.Methods {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no method %q in the backtest", name)
	return BacktestMethod{}
}

// TestBacktestSEPPPBeatsNaiveOnSelfExcitingData simulates weekly
// forecasts of a self-exciting process (θ = 0.6, ω = 0.1 per day: a mean
// delay of 10 days, longer than the period) with log-normal background
// rates (median 0.002 per day): seppp must capture more events than
// naive and than every kde at 5 % of the area, with the paired interval
// against naive above 0, and be the backtest's choice.
func TestBacktestSEPPPBeatsNaiveOnSelfExcitingData(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const T = 730.0
	d := simulatedGridData(t, rng, func(c int) float64 { return 0.002 * math.Exp(1.5*rng.NormFloat64()) }, 0.6, 0.1, T)
	res := backtestOf(t, d, T, 20)
	sep := methodNamed(t, res, "seppp")
	if sep.HitVsNaive.Lo <= 0 {
		t.Errorf("seppp vs naive at 5 %%: %+v, want an interval above 0", sep.HitVsNaive)
	}
	for _, m := range res.Methods {
		if m.Params.Method == ForecastKDE && m.Mean.HitRate[2] >= sep.Mean.HitRate[2] {
			t.Errorf("%s hit rate %v ≥ seppp's %v at 5 %%", m.Name, m.Mean.HitRate[2], sep.Mean.HitRate[2])
		}
	}
	if res.Methods[res.Best].Name != "seppp" {
		t.Errorf("best method %q, want seppp", res.Methods[res.Best].Name)
	}
}

// TestBacktestNoSkillOnHomogeneousPoisson simulates a stationary Poisson
// process with the same rate in every cell, where no forecast can do
// better than chance: every method's mean PAI at 5 % must lie within
// noise of 1, and no method's paired interval against naive may lie wholly
// above 0.05.
func TestBacktestNoSkillOnHomogeneousPoisson(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const T = 730.0
	d := simulatedGridData(t, rng, func(int) float64 { return 0.01 }, 0, 1, T)
	res := backtestOf(t, d, T, 20)
	for _, m := range res.Methods {
		if m.Mean.PAI[2] < 0.6 || m.Mean.PAI[2] > 1.4 {
			t.Errorf("%s: mean PAI at 5 %% = %v, want 1 within noise", m.Name, m.Mean.PAI[2])
		}
		if m.HitVsNaive.Lo > 0.05 {
			t.Errorf("%s beats naive on featureless data: %+v", m.Name, m.HitVsNaive)
		}
	}
}

// TestForecastIgnoresFutureEvents adds events at and after the origin and
// requires every method's forecast to stay the same.
func TestForecastIgnoresFutureEvents(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	const T = 200.0
	d := simulatedGridData(t, rng, func(int) float64 { return 0.01 }, 0.5, 0.2, T)
	ev := fcEventsOf(d)
	extra := append([]fcEvent(nil), ev...)
	for i := 0; i < 50; i++ {
		e := ev[rng.IntN(len(ev))]
		e.t = fcDay(150 + rng.Float64()*60)
		if i == 0 {
			e.t = fcDay(150)
		}
		extra = append(extra, e)
	}
	d2 := newForecastData(d.ag, extra, d.start, 0)
	for _, p := range []ForecastParams{{Method: ForecastNaive}, {Method: ForecastAverage}, {Method: ForecastSEPPP},
		{Method: ForecastKDE, BandwidthM: 1500, HalfLife: 10 * 24 * time.Hour}} {
		a, _, err := d.forecast(context.Background(), p, fcDay(150), fcDay(157), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := d2.forecast(context.Background(), p, fcDay(150), fcDay(157), nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: cell %d forecast %v with later events, %v without", paramsName(p), i, b[i], a[i])
			}
		}
	}
}

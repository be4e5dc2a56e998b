package geo

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestBacktestScoresEffortAdjusted holds the backtest's effort-adjusted
// method to the effort-adjusted forecast: at each origin its score is
// that of Forecast with effort adjusted from that origin, which reads only
// the effort before it; without effort it is not scored, and auto never
// picks it.
func TestBacktestScoresEffortAdjusted(t *testing.T) {
	ctx := context.Background()
	var ix Index
	if err := ix.Load(syntheticEvents(20000, 31)); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	var effort []EffortSample
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 3000 {
		lon, lat := UnprojectXY(Project(syntheticBorderLonLat()[0][0])[0]+rng.Float64()*400e3, Project(syntheticBorderLonLat()[0][0])[1]+rng.NormFloat64()*20e3)
		effort = append(effort, EffortSample{At: from.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour)))), Lon: lon, Lat: lat, Hours: 0.1 + rng.Float64()})
	}
	asOf := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)
	q := ForecastQuery{ForecastParams: ForecastParams{Method: ForecastAverage}, AsOf: asOf, Until: asOf.AddDate(0, 0, 30),
		CellM: 10000, Area: corridorArea(), Periods: 5, EffortAdjusted: true, Effort: effort, EffortPriorH: 6}
	res, err := Backtest(ctx, &ix, q)
	if err != nil {
		t.Fatal(err)
	}
	last := res.Methods[len(res.Methods)-1]
	if !last.EffortAdjusted || last.Name != "effort-adjusted" || len(last.Scores) != 5 {
		t.Fatalf("last method %q (effort %v), %d scores", last.Name, last.EffortAdjusted, len(last.Scores))
	}
	for k, o := range res.Origins {
		fq := q
		fq.AsOf, fq.Until, fq.MinRisk = o, o.AddDate(0, 0, 30), 0
		f, err := Forecast(ctx, &ix, fq)
		if err != nil {
			t.Fatal(err)
		}
		if err := fq.normalize(DefaultAutoPeriods); err != nil {
			t.Fatal(err)
		}
		d, _, err := ix.forecastData(ctx, &fq, fq.Until.UnixNano(), 0)
		if err != nil {
			t.Fatal(err)
		}
		risk := make([]float64, len(d.ag.cells))
		for _, c := range f.Cells {
			risk[d.ag.index(c.Hex)] = c.Risk
		}
		want := scoreForecast(d.ag, risk, d.counts(o.UnixNano(), fq.Until.UnixNano()))
		want.Origin = o
		got := last.Scores[k]
		if got.HitRate != want.HitRate || got.PAI != want.PAI || got.TopGroups != want.TopGroups || !near(got.LogLik, want.LogLik, 1e-9) {
			t.Fatalf("origin %v: backtest %+v, forecast %+v", o, got, want)
		}
	}
	q.Effort = nil
	if res, err = Backtest(ctx, &ix, q); err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Methods {
		if m.EffortAdjusted {
			t.Fatal("the effort-adjusted forecast is scored without any effort")
		}
	}
	q.Method, q.Effort = ForecastAuto, effort
	f, err := Forecast(ctx, &ix, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range f.Backtest.Methods {
		if m.EffortAdjusted {
			t.Fatal("auto's backtest scores the effort-adjusted forecast")
		}
	}
}

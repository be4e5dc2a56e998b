package geo

import (
	"context"
	"testing"
	"time"
)

// bestOf returns the shortest of n runs of f.
func bestOf(b *testing.B, n int, f func() error) time.Duration {
	b.Helper()
	var best time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		if d := time.Since(start); best == 0 || d < best {
			best = d
		}
	}
	return best
}

// forecastOld is a forecast the way it was computed before the per-cell
// time lists and the accelerated EM: one pass over every event, a sort of
// what passes, and plain EM (fitSEPPPlain) for seppp. The baseline of
// BenchmarkForecast.
func forecastOld(ctx context.Context, ix *Index, q ForecastQuery) error {
	if err := q.normalize(DefaultAutoPeriods); err != nil {
		return err
	}
	t0, t1 := q.AsOf.UnixNano(), q.Until.UnixNano()
	d, _, err := ix.forecastDataVia(ctx, &q, t0, candidateMaxBandwidth(&q), keepAll, true)
	if err != nil {
		return err
	}
	if q.Method == ForecastSEPPP {
		s := d.seppCellsBefore(t0)
		risk := make([]float64, len(d.ag.cells))
		sepppRisk(&s, fitSEPPPlain(&s, seppTol, seppMaxIter), risk, float64(t1-t0)/nsPerDay)
		return nil
	}
	_, _, err = d.forecast(ctx, q.ForecastParams, t0, t1, nil)
	return err
}

// bestOfPair returns the shortest of n runs of f and of g, run in turn so
// that both see the same load.
func bestOfPair(b *testing.B, n int, f, g func() error) (time.Duration, time.Duration) {
	b.Helper()
	var bf, bg time.Duration
	for i := 0; i < n; i++ {
		if d := bestOf(b, 1, f); i == 0 || d < bf {
			bf = d
		}
		if d := bestOf(b, 1, g); i == 0 || d < bg {
			bg = d
		}
	}
	return bf, bg
}

// kdeOld is a kde forecast the way it was computed before the sums per
// source cell: the whole history read from the per-cell lists, each
// event's kernel added on its own (kdePerEvent).
func kdeOld(ctx context.Context, ix *Index, q ForecastQuery) error {
	if err := q.normalize(DefaultAutoPeriods); err != nil {
		return err
	}
	t0, t1 := q.AsOf.UnixNano(), q.Until.UnixNano()
	d, _, err := ix.forecastData(ctx, &q, t0, candidateMaxBandwidth(&q))
	if err != nil {
		return err
	}
	risk := make([]float64, len(d.ag.cells))
	return d.kdePerEvent(ctx, risk, q.BandwidthM, q.HalfLife, t0, t1)
}

// BenchmarkForecast times forecasts of December 2024 over the whole
// corridor at 5 km cells from 1M events, each method as computed now (best
// of five warm runs) against the old way (forecastOld, best of two; one
// run for seppp; for kde, kdeOld, best of five run in turn with the new
// way) in the same run: new_ms, old_ms and x_faster = old/new.
// seppp is timed three ways: with its fit cached (a repeated origin),
// after a write (the cached fit of the previous version is the warm
// start) and cold (no fit to start from). auto is timed alone, the 12-
// and 36-period backtests of every method against the same backtests
// with kde's sums carried event by event (kdeOriginsPerEvent, the path
// before the sums per source cell). Each reports hotspots_ms,
// the warm Gi* surface of the same index and area in the same run.
func BenchmarkForecast(b *testing.B) {
	ix := benchIndex(b)
	ctx := context.Background()
	hq := HotspotQuery{Method: MethodGiStar, CellM: 5000, RadiusM: 12000, Area: corridorArea()}
	if _, err := HotSpots(ctx, ix, hq); err != nil { // warms the grid cache
		b.Fatal(err)
	}
	hot := bestOf(b, 5, func() error { _, err := HotSpots(ctx, ix, hq); return err })
	asOf := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	query := func(m ForecastMethod) ForecastQuery {
		return ForecastQuery{ForecastParams: ForecastParams{Method: m}, AsOf: asOf, Until: asOf.AddDate(0, 1, 0),
			CellM: 5000, Area: corridorArea()}
	}
	report := func(b *testing.B, now, old time.Duration) {
		b.ReportMetric(float64(now.Microseconds())/1000, "new_ms")
		if old > 0 {
			b.ReportMetric(float64(old.Microseconds())/1000, "old_ms")
			b.ReportMetric(float64(old)/float64(now), "x_faster")
		}
		b.ReportMetric(float64(hot.Microseconds())/1000, "hotspots_ms")
	}
	for _, m := range []ForecastMethod{ForecastNaive, ForecastAverage, ForecastKDE} {
		b.Run(m.String(), func(b *testing.B) {
			q := query(m)
			for b.Loop() {
				if _, err := Forecast(ctx, ix, q); err != nil {
					b.Fatal(err)
				}
			}
			if m == ForecastKDE {
				// Against kde before the sums per source cell and the
				// recent history (kdeOld), alternating with the new way.
				now, old := bestOfPair(b, 5, func() error { _, err := Forecast(ctx, ix, q); return err },
					func() error { return kdeOld(ctx, ix, q) })
				report(b, now, old)
				return
			}
			now := bestOf(b, 5, func() error { _, err := Forecast(ctx, ix, q); return err })
			report(b, now, bestOf(b, 2, func() error { return forecastOld(ctx, ix, q) }))
		})
	}
	b.Run("seppp", func(b *testing.B) {
		q := query(ForecastSEPPP)
		if err := q.normalize(DefaultAutoPeriods); err != nil {
			b.Fatal(err)
		}
		old := bestOf(b, 1, func() error { return forecastOld(ctx, ix, q) })
		cold := bestOf(b, 1, func() error {
			d, _, err := ix.forecastData(ctx, &q, asOf.UnixNano(), 0)
			if err != nil {
				return err
			}
			_, _, err = d.forecast(ctx, q.ForecastParams, asOf.UnixNano(), q.Until.UnixNano(), nil)
			return err
		})
		if _, err := Forecast(ctx, ix, q); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := Forecast(ctx, ix, q); err != nil {
				b.Fatal(err)
			}
		}
		cached := bestOf(b, 5, func() error { _, err := Forecast(ctx, ix, q); return err })
		e, _ := ix.Get(ix.st.ids[0])
		afterWrite := bestOf(b, 3, func() error {
			e.Severity = (e.Severity + 1) % 5
			if err := ix.Upsert(e); err != nil {
				return err
			}
			_, err := Forecast(ctx, ix, q)
			return err
		})
		report(b, cached, old)
		b.ReportMetric(float64(cold.Microseconds())/1000, "cold_ms")
		b.ReportMetric(float64(old)/float64(cold), "x_faster_cold")
		b.ReportMetric(float64(afterWrite.Microseconds())/1000, "after_write_ms")
	})
	for _, bt := range []struct {
		name    string
		periods int
	}{{"auto", 0}, {"backtest-12", 12}, {"backtest-36", 36}} {
		b.Run(bt.name, func(b *testing.B) {
			q := query(ForecastAuto)
			q.Periods = bt.periods
			run := func() error {
				if bt.periods == 0 {
					_, err := Forecast(ctx, ix, q)
					return err
				}
				_, err := Backtest(ctx, ix, q)
				return err
			}
			for b.Loop() {
				if err := run(); err != nil {
					b.Fatal(err)
				}
			}
			var old time.Duration
			if bt.periods > 0 {
				// The baseline: the same backtest with the kde sums
				// carried event by event (kdeOriginsPerEvent).
				old = bestOf(b, 1, func() error {
					if err := q.normalize(DefaultBacktestPeriods); err != nil {
						return err
					}
					d, _, err := ix.forecastData(ctx, &q, q.Until.UnixNano(), candidateMaxBandwidth(&q))
					if err != nil {
						return err
					}
					d.carry = d.kdeOriginsPerEvent
					_, err = backtest(ctx, d, &q, backtestCandidates(&q), nil)
					return err
				})
			}
			report(b, bestOf(b, 1, run), old)
		})
	}
}

package geo

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// countingCtx counts the calls of Err, the analyses' only way of looking
// at their context, and cancels itself during call cancelAt (0: never).
// The count measures how far an analysis got: it checks every
// ctxCheckEvery cells or ctxCheckEvents events.
type countingCtx struct {
	context.Context
	cancel   context.CancelFunc
	calls    atomic.Int64
	cancelAt int64
}

func newCountingCtx(t *testing.T, cancelAt int64) *countingCtx {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	return &countingCtx{Context: ctx, cancel: cancel, cancelAt: cancelAt}
}

func (c *countingCtx) Err() error {
	if n := c.calls.Add(1); n == c.cancelAt {
		c.cancel()
	}
	return c.Context.Err()
}

// TestAnalysesCancel runs each analysis on 1M events three times: to the
// end, with a context cancelled before the call, and with one cancelled at
// its third check. The cancelled calls must return context.Canceled, and
// their checks of the context (a count of the work they did) must stop
// right after the cancellation, far short of a full run's.
func TestAnalysesCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 1M events")
	}
	var ix Index
	if err := ix.Load(syntheticEvents(1_000_000, 1)); err != nil {
		t.Fatal(err)
	}
	iv := Interval{Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}
	var pts [][2]float64
	for slot := range ix.st.xy {
		pts = append(pts, ix.st.xy[slot])
	}
	analyses := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"HotSpots gistar", func(ctx context.Context) error {
			_, err := HotSpots(ctx, &ix, HotspotQuery{Method: MethodGiStar, CellM: 5000, RadiusM: 12000, Area: corridorArea()})
			return err
		}},
		{"HotSpots kde", func(ctx context.Context) error {
			_, err := HotSpots(ctx, &ix, HotspotQuery{Method: MethodKDE, CellM: 5000, BandwidthM: 15000, Area: corridorArea()})
			return err
		}},
		{"EmergingHotSpots", func(ctx context.Context) error {
			_, err := EmergingHotSpots(ctx, &ix, EmergingQuery{CellM: 10000, Step: StepMonth, Filter: Filter{Time: iv}, Area: corridorArea()})
			return err
		}},
		{"Forecast kde", func(ctx context.Context) error {
			_, err := Forecast(ctx, &ix, ForecastQuery{ForecastParams: ForecastParams{Method: ForecastKDE}, CellM: 5000,
				AsOf: iv.End, Until: iv.End.AddDate(0, 1, 0), Area: corridorArea()})
			return err
		}},
		{"Backtest kde", func(ctx context.Context) error {
			_, err := Backtest(ctx, &ix, ForecastQuery{ForecastParams: ForecastParams{Method: ForecastKDE}, CellM: 10000,
				AsOf: iv.End, Until: iv.End.AddDate(0, 1, 0), Periods: 2, Area: corridorArea()})
			return err
		}},
		{"Clusters", func(ctx context.Context) error {
			_, err := Clusters(ctx, &ix, ClusterQuery{EpsM: 2000, MinPoints: 20, Filter: Filter{Kinds: []Kind{KindSeizure}}})
			return err
		}},
		{"DBSCAN", func(ctx context.Context) error {
			_, err := DBSCAN(ctx, pts, 2000, 20)
			return err
		}},
	}
	const cancelAt = 3
	// After the cancellation each worker may finish the chunk it is in and
	// check once more, and each step checks once on its way out.
	slack := int64(cancelAt + 2*runtime.GOMAXPROCS(0) + 4)
	for _, a := range analyses {
		t.Run(a.name, func(t *testing.T) {
			full := newCountingCtx(t, 0)
			if err := a.run(full); err != nil {
				t.Fatalf("full run: %v", err)
			}
			n := full.calls.Load()
			if n < 10*slack {
				t.Fatalf("a full run checks its context %d times; too few to tell a stopped run from a full one", n)
			}

			before := newCountingCtx(t, 0)
			before.cancel()
			if err := a.run(before); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled before the call: err = %v, want context.Canceled", err)
			}
			if got := before.calls.Load(); got > slack {
				t.Errorf("cancelled before the call: %d checks of the context, want at most %d (full run %d)", got, slack, n)
			}

			during := newCountingCtx(t, cancelAt)
			if err := a.run(during); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled at check %d: err = %v, want context.Canceled", cancelAt, err)
			}
			if got := during.calls.Load(); got > slack || got > n/2 {
				t.Errorf("cancelled at check %d: %d checks of the context, want at most %d (full run %d)", cancelAt, got, slack, n)
			}
			t.Logf("full run %d checks; cancelled before %d, at check %d: %d", n, before.calls.Load(), cancelAt, during.calls.Load())
		})
	}
}

package geo

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestKDEOriginsEqualsKDE holds the carried kernel sums of a backtest's
// origins to kde computed afresh at each origin: the same zeros, the
// other values equal to 1e-9 of the largest, and the same scores. The
// half-lives include one short enough that events leave the sums within
// the origins (older than 20 half-lives), and some events lie outside the
// area's cells but within the kernel's reach.
func TestKDEOriginsEqualsKDE(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	var cells []Hex
	for r := int32(0); r < 15; r++ {
		for q := int32(0); q < 15; q++ {
			cells = append(cells, Hex{q - r/2, r})
		}
	}
	var pts [][2]float64
	var days []float64
	for range 4000 {
		// Clustered in a few places, some beyond the area's edge.
		cx, cy := float64(rng.IntN(4))*4000, float64(rng.IntN(4))*3500
		pts = append(pts, [2]float64{cx + rng.NormFloat64()*1500, cy + rng.NormFloat64()*1500})
		days = append(days, rng.Float64()*400)
	}
	d := fcTestData(t, 1000, cells, pts, days)
	if len(d.near) == 0 {
		t.Fatal("no near events")
	}
	const p = int64(7 * 24 * time.Hour)
	var origins []int64
	for k := range 40 {
		origins = append(origins, fcDay(110)+int64(k)*p)
	}
	for _, tc := range []struct {
		bandwidthM float64
		halfLife   time.Duration
	}{{1000, 2 * 24 * time.Hour}, {1500, 7 * 24 * time.Hour}, {2000, 60 * 24 * time.Hour}} {
		carried, err := d.kdeOrigins(context.Background(), tc.bandwidthM, tc.halfLife, origins, p)
		if err != nil {
			t.Fatal(err)
		}
		for k, o := range origins {
			fresh := make([]float64, len(cells))
			if err := d.kde(context.Background(), fresh, tc.bandwidthM, tc.halfLife, o, o+p); err != nil {
				t.Fatal(err)
			}
			top := 0.0
			for _, v := range fresh {
				top = math.Max(top, v)
			}
			for c := range fresh {
				if (fresh[c] == 0) != (carried[k][c] == 0) || math.Abs(fresh[c]-carried[k][c]) > 1e-9*top {
					t.Fatalf("b %v h %v origin %d cell %d: carried %g, afresh %g (top %g)", tc.bandwidthM, tc.halfLife, k, c, carried[k][c], fresh[c], top)
				}
			}
			y := d.counts(o, o+p)
			if a, b := scoreForecast(d.ag, carried[k], y), scoreForecast(d.ag, fresh, y); a.HitRate != b.HitRate || a.PEIStar != b.PEIStar || a.TopGroups != b.TopGroups {
				t.Fatalf("origin %d: scores differ: %+v, %+v", k, a, b)
			}
		}
	}
	// The backtest takes the carried path and scores as the fresh one.
	q := ForecastQuery{ForecastParams: ForecastParams{Method: ForecastKDE, BandwidthM: 1500, HalfLife: 3 * 24 * time.Hour},
		CellM: 1000, AsOf: time.Unix(0, fcDay(380)), Until: time.Unix(0, fcDay(387)), Periods: 30}
	if err := q.normalize(DefaultBacktestPeriods); err != nil {
		t.Fatal(err)
	}
	a, err := backtest(context.Background(), d, &q, backtestCandidates(&q), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.noCarry = true
	b, err := backtest(context.Background(), d, &q, backtestCandidates(&q), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Methods {
		for k := range a.Methods[i].Scores {
			if sa, sb := a.Methods[i].Scores[k], b.Methods[i].Scores[k]; sa.HitRate != sb.HitRate || sa.PAI != sb.PAI || sa.TopGroups != sb.TopGroups {
				t.Fatalf("%s origin %d: carried %+v, afresh %+v", a.Methods[i].Name, k, sa, sb)
			}
		}
	}
}

package geo

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// TestEffortAdjustedRatesWorkedExample checks three cells in a row
// against the formula worked by hand: counts 4, 0, 1, effort 10, 0, 5
// hours, β = 5, neighbourhoods {0,1}, {0,1,2}, {1,2}; m = 5/15.
//
//	m₀ = (4 + 5/3)/(10 + 5) = 0.377778, λ₀ = (4 + 5·m₀)/15 = 0.392593
//	m₁ = (5 + 5/3)/(15 + 5) = 0.333333, λ₁ = (0 + 5·m₁)/5  = 0.333333
//	m₂ = (1 + 5/3)/(5 + 5)  = 0.266667, λ₂ = (1 + 5·m₂)/10 = 0.233333
func TestEffortAdjustedRatesWorkedExample(t *testing.T) {
	got := EffortAdjustedRates([]float64{4, 0, 1}, []float64{10, 0, 5}, [][]int32{{0, 1}, {0, 1, 2}, {1, 2}}, 5)
	want := []float64{0.392593, 0.333333, 0.233333}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-6 {
			t.Errorf("λ%d = %.6f, want %.6f", i, got[i], want[i])
		}
	}
	// The never-patrolled cell is not read as "no trafficking".
	if got[1] == 0 {
		t.Error("an unpatrolled cell has rate 0")
	}
	if r := EffortAdjustedRates([]float64{1, 2}, []float64{0, 0}, [][]int32{{0}, {1}}, 5); r[0] != 0 || r[1] != 0 {
		t.Errorf("without effort: %v", r)
	}
	risk := EffortAdjustedRisk([]float64{4, 0, 1}, []float64{10, 0, 5}, [][]int32{{0, 1}, {0, 1, 2}, {1, 2}}, 5, 30)
	if math.Abs(risk[0]-0.392593*10) > 1e-5 {
		t.Errorf("risk %v, want λ × 30/3", risk)
	}
}

// feedbackSim is the outcome of a simulated feedback loop.
type feedbackSim struct {
	hotShare    float64 // share of patrol hours in the truly hot cells, last 20 periods
	visited     int     // distinct cells ever patrolled
	top10Mass   float64 // share of the final forecast's total in its 10 highest cells
	hotColdRate float64 // final forecast's mean over hot cells / mean over the others
}

// simulateFeedback runs the loop of Ensign et al. (2018) on a 10 × 10
// grid: each period 10 patrols of 8 hours go to the 10 cells of highest
// forecast (ties: lower index), seizures in a cell are Poisson(rate ×
// hours), and the forecast is made from the seizures and hours so far.
// The true rate is 0.6 per hour in the 10 cells of the last two rows' left
// halves and 0.2 elsewhere (so that ties, broken by the lower index, never
// favour them); the first period's patrols go to row 5, away from the hot
// cells.
func simulateFeedback(adjusted bool, seed uint64) feedbackSim {
	const n, periods, patrols, hours = 100, 100, 10, 8.0
	rng := rand.New(rand.NewPCG(seed, 7))
	rate := make([]float64, n)
	hot := make([]bool, n)
	nbrs := make([][]int32, n)
	for i := range rate {
		r, c := i/10, i%10
		rate[i] = 0.2
		if r >= 8 && c < 5 {
			rate[i], hot[i] = 0.6, true
		}
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				if rr, cc := r+dr, c+dc; rr >= 0 && rr < 10 && cc >= 0 && cc < 10 {
					nbrs[i] = append(nbrs[i], int32(rr*10+cc))
				}
			}
		}
	}
	counts, effort := make([]float64, n), make([]float64, n)
	ever := map[int]bool{}
	var hotH, allH float64
	forecast := func() []float64 {
		if adjusted {
			return EffortAdjustedRates(counts, effort, nbrs, 0)
		}
		return append([]float64(nil), counts...)
	}
	for p := 0; p < periods; p++ {
		var chosen []int
		if p == 0 {
			chosen = []int{50, 51, 52, 53, 54, 55, 56, 57, 58, 59}
		} else {
			f := forecast()
			order := make([]int, n)
			for i := range order {
				order[i] = i
			}
			sort.SliceStable(order, func(a, b int) bool { return f[order[a]] > f[order[b]] })
			chosen = order[:patrols]
		}
		for _, c := range chosen {
			ever[c] = true
			effort[c] += hours
			counts[c] += float64(poisson(rng, rate[c]*hours))
			if p >= periods-20 {
				allH += hours
				if hot[c] {
					hotH += hours
				}
			}
		}
	}
	f := forecast()
	s := feedbackSim{hotShare: hotH / allH, visited: len(ever)}
	sorted := append([]float64(nil), f...)
	sort.Sort(sort.Reverse(sort.Float64Slice(sorted)))
	var total, top, hs, cs float64
	for i, v := range sorted {
		total += v
		if i < 10 {
			top += v
		}
	}
	for i, v := range f {
		if hot[i] {
			hs += v / 10
		} else {
			cs += v / 90
		}
	}
	s.top10Mass = top / total
	s.hotColdRate = hs / cs
	return s
}

// TestEffortAdjustedForecastDoesNotRunAway simulates the feedback loop
// of patrols that follow the forecast and seizures that follow the
// patrols. The unadjusted forecast (the seizure counts) runs away: it
// keeps the patrols on the cells of the first period, never finds the hot
// cells and puts all its mass on the cells it patrols. The effort-adjusted
// forecast explores, finds the hot cells, spends most hours there and
// ranks them above the others (at a ratio shrunk below the true 3 by the
// neighbourhood prior) without putting its mass on a few cells.
func TestEffortAdjustedForecastDoesNotRunAway(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		u, a := simulateFeedback(false, seed), simulateFeedback(true, seed)
		t.Logf("seed %d: unadjusted hot share %.2f, cells visited %d, top-10 mass %.2f, hot/cold %.2f; adjusted %.2f, %d, %.2f, %.2f",
			seed, u.hotShare, u.visited, u.top10Mass, u.hotColdRate, a.hotShare, a.visited, a.top10Mass, a.hotColdRate)
		if u.hotShare > 0.1 || u.top10Mass < 0.95 {
			t.Errorf("seed %d: the unadjusted loop did not concentrate on its first cells: %+v", seed, u)
		}
		if a.hotShare < 0.6 || a.visited < 20 || a.top10Mass > 0.5 || a.hotColdRate < 1.5 || a.hotColdRate > 4.5 {
			t.Errorf("seed %d: the adjusted loop ran away or missed the hot cells: %+v", seed, a)
		}
	}
}

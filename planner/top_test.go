package planner

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 42)) }

func TestSolveTestdataFeasibleAndBestKnown(t *testing.T) {
	tests := []struct {
		file string
		best float64
	}{
		{"tsiligirides_problem_2_budget_15.txt", 120},
		{"tsiligirides_problem_3_budget_050.txt", 520},
		{"p2.3.k.txt", 200},
		{"p3.4.n.txt", 440},
		{"p1.2.a.txt", 0},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			in := loadInstance(t, tc.file)
			p := in.Problem()
			sol, err := Solve(context.Background(), p, Options{}, newRand(1))
			if err != nil {
				t.Fatal(err)
			}
			checkEuclidean(t, in, sol)
			if err := p.Check(sol, 1e-9); err != nil {
				t.Fatal(err)
			}
			if sol.Score != tc.best {
				t.Errorf("score %g, best known %g", sol.Score, tc.best)
			}
		})
	}
}

// checkEuclidean re-checks a solution from its indices alone.
func checkEuclidean(t *testing.T, in *Instance, sol *Solution) {
	t.Helper()
	seen := map[int]bool{}
	var score float64
	for k, r := range sol.Routes {
		if r[0] != in.Start || r[len(r)-1] != in.End {
			t.Fatalf("route %d: ends %d..%d", k, r[0], r[len(r)-1])
		}
		var l float64
		for i := 1; i < len(r); i++ {
			a, b := in.Points[r[i-1]], in.Points[r[i]]
			l += math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]))
		}
		if l > in.Budget+1e-6 {
			t.Fatalf("route %d: length %g over budget %g", k, l, in.Budget)
		}
		for _, v := range r[1 : len(r)-1] {
			if seen[v] {
				t.Fatalf("point %d visited twice", v)
			}
			seen[v] = true
			score += in.Scores[v]
		}
	}
	if score != sol.Score {
		t.Fatalf("stated score %g, recomputed %g", sol.Score, score)
	}
}

func TestSolveDeterministic(t *testing.T) {
	in := loadInstance(t, "p3.4.n.txt")
	for _, variety := range []float64{0, 0.05} {
		a, err := Solve(context.Background(), in.Problem(), Options{Iterations: 300, Variety: variety}, newRand(7))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Solve(context.Background(), in.Problem(), Options{Iterations: 300, Variety: variety}, newRand(7))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("variety %g: same seed, different plans:\n%v\n%v", variety, a, b)
		}
	}
}

func TestSolveVariety(t *testing.T) {
	in := loadInstance(t, "p3.4.n.txt")
	const variety = 0.05
	plans := map[string]bool{}
	best := 440.0
	for seed := range uint64(6) {
		sol, err := Solve(context.Background(), in.Problem(), Options{Iterations: 500, Variety: variety}, newRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Problem().Check(sol, 1e-9); err != nil {
			t.Fatal(err)
		}
		if sol.Score < (1-variety)*best {
			t.Errorf("seed %d: score %g below %g", seed, sol.Score, (1-variety)*best)
		}
		plans[sortedKey(sol.Routes)] = true
	}
	if len(plans) < 3 {
		t.Errorf("6 seeds gave only %d distinct plans", len(plans))
	}
}

func sortedKey(routes [][]int) string {
	var b []byte
	for _, r := range routes {
		for _, v := range r {
			b = append(b, byte(v), ',')
		}
		b = append(b, ';')
	}
	return string(b)
}

// bruteForce returns the optimal score of a problem whose teams all share
// one matrix, start, end and budget, by Held–Karp over subsets and an
// enumeration of disjoint subsets per team.
func bruteForce(p *Problem, targets []int) float64 {
	tm := p.Teams[0]
	m := p.matrix(0)
	k := len(targets)
	full := 1 << k
	inf := math.Inf(1)
	// dp[S][i]: shortest path from start through S ending at targets[i].
	dp := make([][]float64, full)
	for s := range dp {
		dp[s] = make([]float64, k)
		for i := range dp[s] {
			dp[s][i] = inf
		}
	}
	for i, v := range targets {
		dp[1<<i][i] = m.At(tm.Start, v) + p.dwell(v)
	}
	for s := 1; s < full; s++ {
		for i := range k {
			if s&(1<<i) == 0 || math.IsInf(dp[s][i], 1) {
				continue
			}
			for j := range k {
				if s&(1<<j) != 0 {
					continue
				}
				if c := dp[s][i] + m.At(targets[i], targets[j]) + p.dwell(targets[j]); c < dp[s|1<<j][j] {
					dp[s|1<<j][j] = c
				}
			}
		}
	}
	feasible := make([]bool, full)
	score := make([]float64, full)
	feasible[0] = m.At(tm.Start, tm.End) <= tm.Budget
	for s := 1; s < full; s++ {
		for i := range k {
			if s&(1<<i) != 0 {
				score[s] += p.Score[targets[i]]
				if dp[s][i]+m.At(targets[i], tm.End) <= tm.Budget+1e-9 {
					feasible[s] = true
				}
			}
		}
	}
	var rec func(team int, avail int) float64
	rec = func(team, avail int) float64 {
		if team == len(p.Teams) {
			return 0
		}
		best := 0.0
		for s := avail; ; s = (s - 1) & avail {
			if feasible[s] {
				best = math.Max(best, score[s]+rec(team+1, avail&^s))
			}
			if s == 0 {
				break
			}
		}
		return best
	}
	return rec(0, full-1)
}

func randomProblem(rng *rand.Rand, targets, teams int, asym, dwell bool) *Problem {
	n := targets + 2
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{rng.Float64() * 10, rng.Float64() * 10}
	}
	m := EuclideanMatrix(pts)
	if asym {
		for i := range n {
			for j := range n {
				if i != j {
					m.Set(i, j, m.At(i, j)*(1+0.5*rng.Float64()))
				}
			}
		}
		// Close it under shortest paths, as a road-network matrix is.
		for k := range n {
			for i := range n {
				for j := range n {
					if c := m.At(i, k) + m.At(k, j); c < m.At(i, j) {
						m.Set(i, j, c)
					}
				}
			}
		}
	}
	p := &Problem{Travel: m, Score: make([]float64, n)}
	if dwell {
		p.Dwell = make([]float64, n)
	}
	for v := 2; v < n; v++ {
		p.Score[v] = float64(1 + rng.IntN(9))
		if dwell {
			p.Dwell[v] = rng.Float64()
		}
	}
	for range teams {
		p.Teams = append(p.Teams, Team{Start: 0, End: 1, Budget: m.At(0, 1) + 8 + 6*rng.Float64()})
	}
	b := p.Teams[0].Budget
	for i := range p.Teams {
		p.Teams[i].Budget = b
	}
	return p
}

func TestSolveBruteForce(t *testing.T) {
	tests := []struct {
		name         string
		targets      int
		teams        int
		asym, dwells bool
	}{
		{"op symmetric", 10, 1, false, false},
		{"top two teams", 9, 2, false, false},
		{"top asymmetric with dwell", 9, 2, true, true},
		{"top three teams", 8, 3, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRand(99)
			for trial := range 8 {
				p := randomProblem(rng, tc.targets, tc.teams, tc.asym, tc.dwells)
				var targets []int
				for v := 2; v < len(p.Score); v++ {
					targets = append(targets, v)
				}
				want := bruteForce(p, targets)
				sol, err := Solve(context.Background(), p, Options{}, newRand(uint64(trial)))
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Check(sol, 1e-9); err != nil {
					t.Fatalf("trial %d: %v", trial, err)
				}
				if sol.Score != want {
					t.Errorf("trial %d: score %g, optimum %g", trial, sol.Score, want)
				}
			}
		})
	}
}

func TestSolvePerTeamMatrixAndUnreachable(t *testing.T) {
	// Two teams on separate networks: team 0 cannot reach node 3, team 1
	// cannot reach node 2.
	pts := []orb.Point{{0, 0}, {1, 0}, {0, 1}, {1, 1}}
	m0, m1 := EuclideanMatrix(pts), EuclideanMatrix(pts)
	for _, v := range []int{0, 1, 2} {
		m0.Set(v, 3, math.Inf(1))
		m0.Set(3, v, math.Inf(1))
	}
	for _, v := range []int{0, 1, 3} {
		m1.Set(v, 2, math.Inf(1))
		m1.Set(2, v, math.Inf(1))
	}
	p := &Problem{
		Travel: m0,
		Score:  []float64{0, 0, 5, 7},
		Teams: []Team{
			{Start: 0, End: 0, Budget: 3},
			{Start: 1, End: 1, Budget: 3, Travel: m1},
		},
	}
	sol, err := Solve(context.Background(), p, Options{}, newRand(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(sol, 1e-9); err != nil {
		t.Fatal(err)
	}
	want := [][]int{{0, 2, 0}, {1, 3, 1}}
	if sol.Score != 12 || !reflect.DeepEqual(sol.Routes, want) {
		t.Errorf("got %v score %g, want %v score 12", sol.Routes, sol.Score, want)
	}
}

func TestSolveErrors(t *testing.T) {
	pts := []orb.Point{{0, 0}, {10, 0}, {5, 0}}
	m := EuclideanMatrix(pts)
	tests := []struct {
		name  string
		p     *Problem
		check func(error) bool
	}{
		{"team cannot reach its end", &Problem{Travel: m, Score: []float64{0, 0, 1}, Teams: []Team{{Start: 0, End: 1, Budget: 5}}},
			func(err error) bool { var e *TeamInfeasibleError; return errors.As(err, &e) && e.Team == 0 }},
		{"no teams", &Problem{Travel: m, Score: []float64{0, 0, 1}},
			func(err error) bool { return errors.Is(err, ErrInvalidProblem) }},
		{"bad index", &Problem{Travel: m, Score: []float64{0, 0, 1}, Teams: []Team{{Start: 0, End: 3, Budget: 5}}},
			func(err error) bool { return errors.Is(err, ErrInvalidProblem) }},
		{"matrix size", &Problem{Travel: NewMatrix(2), Score: []float64{0, 0, 1}, Teams: []Team{{Start: 0, End: 1, Budget: 5}}},
			func(err error) bool { return errors.Is(err, ErrInvalidProblem) }},
		{"negative score", &Problem{Travel: m, Score: []float64{0, 0, -1}, Teams: []Team{{Start: 0, End: 1, Budget: 50}}},
			func(err error) bool { return errors.Is(err, ErrInvalidProblem) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Solve(context.Background(), tc.p, Options{}, newRand(1))
			if !tc.check(err) {
				t.Errorf("unexpected error %v", err)
			}
		})
	}
}

func TestSolveCancelled(t *testing.T) {
	in := loadInstance(t, "p3.4.n.txt")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Solve(ctx, in.Problem(), Options{}, newRand(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func BenchmarkSolve(b *testing.B) {
	for _, name := range []string{"tsiligirides_problem_3_budget_050.txt", "p3.4.n.txt"} {
		in := loadInstance(b, name)
		p := in.Problem()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := Solve(context.Background(), p, Options{Iterations: 500}, newRand(uint64(i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestSolveNonMetricFeasible(t *testing.T) {
	rng := newRand(5)
	for trial := range 20 {
		p := randomProblem(rng, 25, 3, false, true)
		n := len(p.Score)
		for i := range n {
			for j := range n {
				if i != j && rng.IntN(3) == 0 {
					p.Travel.Set(i, j, p.Travel.At(i, j)*(0.3+2*rng.Float64()))
				}
			}
		}
		if p.Travel.At(0, 1) > p.Teams[0].Budget {
			continue
		}
		sol, err := Solve(context.Background(), p, Options{Iterations: 300}, newRand(uint64(trial)))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check(sol, 1e-9); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
	}
}

package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Team is one route of a Problem: it leaves Start, ends at End and may take
// at most Budget in travel plus dwell time.
type Team struct {
	// Start and End are node indices; they may be equal.
	Start, End int
	// Budget is the largest allowed route duration (travel plus dwell),
	// in the unit of the travel matrix.
	Budget float64
	// Travel is this team's own travel-cost matrix, for teams that move on
	// different networks or at different speeds; nil means Problem.Travel.
	Travel *Matrix
}

// Problem is a Team Orienteering Problem with time budgets: every team
// drives one route from its start to its end within its budget, and the
// plan collects the score of every node visited by at least one team.
// The start and end nodes of the teams are never targets.
type Problem struct {
	// Travel is the default travel-cost matrix over all nodes. Matrices
	// should satisfy the triangle inequality, as shortest-path matrices do;
	// on others plans stay feasible but may be far from the best.
	Travel *Matrix
	// Score is the score of each node; nodes with score 0 are never visited.
	Score []float64
	// Dwell is the time spent at each visited node; nil means none.
	Dwell []float64
	// Teams are the routes to plan.
	Teams []Team
}

// Options tune Solve.
type Options struct {
	// TimeLimit stops the search after this wall-clock time and returns the
	// best plan found; 0 means no limit. A search that ends by its
	// iteration budget is deterministic for a given random source; one cut
	// short by the time limit is not.
	TimeLimit time.Duration
	// Iterations is the largest number of perturbation and local-search
	// rounds; 0 chooses a default from the problem size. The search also
	// ends after a long run of rounds without improvement.
	Iterations int
	// Variety, in [0, 1), makes Solve return a plan drawn at random from
	// the distinct plans it met whose score is at least (1-Variety) times
	// the best score, so that different random sources give different but
	// near-best plans. 0 returns the best plan.
	Variety float64
}

// Solution is a plan for a Problem.
type Solution struct {
	// Routes holds per team the node sequence, start and end included.
	Routes [][]int
	// Lengths holds per team the route duration: travel plus dwell.
	Lengths []float64
	// Score is the total score of the distinct visited targets.
	Score float64
}

// ErrInvalidProblem is wrapped by the errors Solve returns for malformed
// problems (bad indices, mismatched lengths, negative budgets).
var ErrInvalidProblem = errors.New("invalid problem")

// TeamInfeasibleError reports a team that cannot even go straight from its
// start to its end within its budget.
type TeamInfeasibleError struct {
	Team   int
	Need   float64
	Budget float64
}

// Error implements error.
func (e *TeamInfeasibleError) Error() string {
	return fmt.Sprintf("team %d: the direct way from start to end takes %g, more than its budget %g", e.Team, e.Need, e.Budget)
}

// feasEps is the slack allowed on a budget for floating-point rounding.
const feasEps = 1e-9

func (p *Problem) matrix(t int) *Matrix {
	if m := p.Teams[t].Travel; m != nil {
		return m
	}
	return p.Travel
}

func (p *Problem) dwell(v int) float64 {
	if p.Dwell == nil {
		return 0
	}
	return p.Dwell[v]
}

// Validate reports whether the problem is well formed.
func (p *Problem) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidProblem, fmt.Sprintf(format, a...))
	}
	n := len(p.Score)
	if p.Dwell != nil && len(p.Dwell) != n {
		return bad("%d dwell times for %d nodes", len(p.Dwell), n)
	}
	if len(p.Teams) == 0 {
		return bad("no teams")
	}
	for v, s := range p.Score {
		if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
			return bad("node %d: score %g is not a finite non-negative number", v, s)
		}
		if d := p.dwell(v); math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
			return bad("node %d: dwell %g is not a finite non-negative number", v, d)
		}
	}
	for t, tm := range p.Teams {
		m := p.matrix(t)
		if m == nil || m.Len() != n {
			return bad("team %d: travel matrix missing or not %d×%d", t, n, n)
		}
		if tm.Start < 0 || tm.Start >= n || tm.End < 0 || tm.End >= n {
			return bad("team %d: start %d or end %d outside [0, %d)", t, tm.Start, tm.End, n)
		}
		if math.IsNaN(tm.Budget) || tm.Budget < 0 {
			return bad("team %d: budget %g is negative", t, tm.Budget)
		}
	}
	return nil
}

// RouteLength returns the duration of route (start and end included) for
// team t: the travel costs along it plus the dwell at every inner node.
func (p *Problem) RouteLength(t int, route []int) float64 {
	m := p.matrix(t)
	var l float64
	for i := 1; i < len(route); i++ {
		l += m.At(route[i-1], route[i])
		if i < len(route)-1 {
			l += p.dwell(route[i])
		}
	}
	return l
}

// Check re-checks a solution against the problem: one route per team from
// its start to its end, no target visited twice, every route within its
// budget (with tolerance tol) and the stated score and lengths matching.
func (p *Problem) Check(s *Solution, tol float64) error {
	if len(s.Routes) != len(p.Teams) {
		return fmt.Errorf("%d routes for %d teams", len(s.Routes), len(p.Teams))
	}
	seen := make(map[int]int)
	var score float64
	for t, r := range s.Routes {
		tm := p.Teams[t]
		if len(r) < 2 || r[0] != tm.Start || r[len(r)-1] != tm.End {
			return fmt.Errorf("route %d does not run from %d to %d", t, tm.Start, tm.End)
		}
		for _, v := range r[1 : len(r)-1] {
			if v < 0 || v >= len(p.Score) {
				return fmt.Errorf("route %d: node %d out of range", t, v)
			}
			if u, ok := seen[v]; ok {
				return fmt.Errorf("node %d visited by routes %d and %d", v, u, t)
			}
			seen[v] = t
			score += p.Score[v]
		}
		l := p.RouteLength(t, r)
		if !(l <= tm.Budget+tol) {
			return fmt.Errorf("route %d: length %.9g exceeds budget %g", t, l, tm.Budget)
		}
		if t < len(s.Lengths) && math.Abs(s.Lengths[t]-l) > 1e-6*math.Max(1, l) {
			return fmt.Errorf("route %d: stated length %g, actual %g", t, s.Lengths[t], l)
		}
	}
	if math.Abs(score-s.Score) > 1e-6*math.Max(1, score) {
		return fmt.Errorf("stated score %g, actual %g", s.Score, score)
	}
	return nil
}

// Solve plans the routes with an iterated local search: a greedy
// ratio-based construction, then rounds of perturbation (removal of route
// segments, random or poor-ratio targets) followed by local search (2-opt,
// or-opt, inter-route exchange and relocation, insertion, and replacement
// of visited targets by better unvisited ones). It checks ctx between
// rounds and returns ctx's error if ctx ends; the time limit in opt instead
// ends the search with the best plan so far. The result is deterministic
// for a given rng state when the iteration budget ends the search.
func Solve(ctx context.Context, p *Problem, opt Options, rng *rand.Rand) (*Solution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if opt.Variety < 0 || opt.Variety >= 1 || math.IsNaN(opt.Variety) {
		return nil, fmt.Errorf("%w: variety %g outside [0, 1)", ErrInvalidProblem, opt.Variety)
	}
	for t, tm := range p.Teams {
		if need := p.matrix(t).At(tm.Start, tm.End); !(need <= tm.Budget+feasEps) {
			return nil, &TeamInfeasibleError{Team: t, Need: need, Budget: tm.Budget}
		}
	}
	s := newSolver(p, rng)
	iters := opt.Iterations
	if iters <= 0 {
		iters = 3000 + 60*len(s.cands)
	}
	var deadline time.Time
	if opt.TimeLimit > 0 {
		deadline = time.Now().Add(opt.TimeLimit)
	}
	best, err := s.run(ctx, iters, deadline, opt.Variety)
	if err != nil {
		return nil, err
	}
	out := &Solution{Score: best.score}
	for t, r := range best.routes {
		out.Routes = append(out.Routes, slices.Clone(r))
		out.Lengths = append(out.Lengths, p.RouteLength(t, r))
	}
	return out, nil
}

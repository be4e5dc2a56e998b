package planner

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// fullTravel is the team travel matrix as it was before the rows were
// bounded: every row but the end's searched up to the whole budget.
func fullTravel(ctx context.Context, r *router, budgetS float64, _ []float64) (*Matrix, error) {
	sources := make([]bool, len(r.o.pts))
	for i := range sources {
		sources[i] = i != 1
	}
	return r.matrix(ctx, sources, budgetS)
}

// TestBoundedRowsKeepPlans holds the bounded rows of teamTravel to the
// plans of the full matrices: on the same input and seed, the plans are
// the same, with several budgets and numbers of targets.
func TestBoundedRowsKeepPlans(t *testing.T) {
	for _, tc := range []struct {
		name     string
		targets  int
		shiftH   float64
		seed     uint64
		variety  float64
		offroadM float64
	}{
		{"40 targets", 40, 0, 1, 0, 0},
		{"80 targets, short shifts", 80, 2, 2, 0, 0},
		{"60 targets, long shifts", 60, 10, 3, 0, 0},
		{"60 targets, variety", 60, 0, 4, 0.05, 0},
		{"30 targets, long off-road legs", 30, 0, 5, 0, 12000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, req := patrolFixture(t, tc.targets)
			if tc.shiftH > 0 {
				for i := range req.Teams {
					req.Teams[i].ShiftH = tc.shiftH
				}
			}
			req.Solver.Variety = tc.variety
			req.MaxOffroadM = tc.offroadM
			ctx := context.Background()
			want, err := planPatrols(ctx, g, req, rand.New(rand.NewPCG(tc.seed, 7)), fullTravel)
			if err != nil {
				t.Fatal(err)
			}
			got, err := planPatrols(ctx, g, req, rand.New(rand.NewPCG(tc.seed, 7)), teamTravel)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("bounded rows plan score %g, routes %v; full rows %g, %v", got.Score, routesOf(got), want.Score, routesOf(want))
			}
		})
	}
}

// TestBoundedRowsKeepFeasiblePairs checks teamTravel against the full
// matrix pair by pair: every pair a route within the budget can use
// (reached from the start, plus the dwell, plus the pair, within the
// budget) has the same time; the others are +Inf or the same.
func TestBoundedRowsKeepFeasiblePairs(t *testing.T) {
	g, req := patrolFixture(t, 60)
	ctx := context.Background()
	tm := req.Teams[0]
	net := g.Restrict(Access{Country: tm.Country, MaxKPH: tm.SpeedKPH})
	nodes := problemNodes(req)
	pts := append(nodes[0:2:2], nodes[2*len(req.Teams):]...)
	r := net.router(pts)
	budgetS := tm.ShiftH * 3600
	dwellS := make([]float64, len(req.Targets))
	for k := range dwellS {
		dwellS[k] = tm.DwellMin * 60
	}
	full, err := fullTravel(ctx, r, budgetS, dwellS)
	if err != nil {
		t.Fatal(err)
	}
	bounded, err := teamTravel(ctx, r, budgetS, dwellS)
	if err != nil {
		t.Fatal(err)
	}
	kept, cut := 0, 0
	for i := range pts {
		for j := range pts {
			f, b := full.At(i, j), bounded.At(i, j)
			usable := i == 0 || (i >= 2 && full.At(0, i)+dwellS[i-2]+f <= budgetS)
			switch {
			case usable && f != b:
				t.Errorf("pair %d→%d: bounded %g, full %g", i, j, b, f)
			case !usable && !math.IsInf(b, 1) && b != f:
				t.Errorf("pair %d→%d beyond the budget: bounded %g, full %g", i, j, b, f)
			case f != b:
				cut++
			default:
				kept++
			}
		}
	}
	if cut == 0 {
		t.Errorf("no pair was left out (%d kept): the fixture does not exercise the bound", kept)
	}
}

func routesOf(p *Plan) [][]string {
	var out [][]string
	for _, tp := range p.Teams {
		var ids []string
		for _, st := range tp.Stops {
			ids = append(ids, st.TargetID)
		}
		out = append(out, ids)
	}
	return out
}

package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
)

// PatrolTeam is a mobile team to plan a route for.
type PatrolTeam struct {
	// ID names the team in the plan and in errors.
	ID string
	// Base is where the team starts and ends, in {lon, lat}.
	Base orb.Point
	// Start and End, if set, replace Base as the start or the end.
	Start, End *orb.Point
	// Country is the team's country; the route never leaves it.
	Country orb.MultiPolygon
	// CountryCode, if set, also excludes roads tagged with another country.
	CountryCode string
	// SpeedKPH caps the road speeds (the vehicle's top speed); 0 means none.
	SpeedKPH float64
	// OffroadKPH is the speed off the network; 0 means 15 km/h.
	OffroadKPH float64
	// ShiftH is the time budget in hours, from leaving to being back.
	ShiftH float64
	// DwellMin is the default time spent at a target, in minutes.
	DwellMin float64
}

// Target is a place worth checking.
type Target struct {
	// ID names the target in the plan and in errors.
	ID string
	// Point is its position in {lon, lat}.
	Point orb.Point
	// Score is the value of checking it; it counts once across teams.
	Score float64
	// DwellMin is the time to spend there in minutes; 0 means the team's
	// default.
	DwellMin float64
	// Reason says why the place is worth a visit.
	Reason string
}

// PatrolRequest is the input of PlanPatrols.
type PatrolRequest struct {
	// Teams are the teams to plan for; each gets one route.
	Teams []PatrolTeam
	// Targets are the candidate places.
	Targets []Target
	// Crossings are the border crossings the teams may use.
	Crossings []Crossing
	// Now is the departure time; ETAs are relative to it.
	Now time.Time
	// MaxOffroadM is the longest off-road leg; 0 means 5 km.
	MaxOffroadM float64
	// RequireAll makes a target that no team can reach an error instead
	// of an entry in Plan.Unreachable.
	RequireAll bool
	// Solver tunes the search.
	Solver Options
}

// Stop is one visit of a planned route.
type Stop struct {
	// Seq is the 1-based position in the route.
	Seq int
	// TargetID and Point identify the target.
	TargetID string
	Point    orb.Point
	// ETA is the arrival time and Depart the time the team moves on.
	ETA, Depart time.Time
	// DwellMin is the planned time at the target in minutes.
	DwellMin float64
	// Score is the target's score; Reason why it is visited.
	Score  float64
	Reason string
}

// TeamPlan is the route of one team.
type TeamPlan struct {
	// TeamID names the team.
	TeamID string
	// Stops are the visits in order.
	Stops []Stop
	// Geometry is the way driven, along the roads, from start to end.
	Geometry orb.LineString
	// LengthKM is the length of Geometry; OffroadKM the part off the network.
	LengthKM, OffroadKM float64
	// DurationH is the travel plus dwell time in hours.
	DurationH float64
	// Score is the total score of the stops.
	Score float64
	// Return is the time the team is back at its end point.
	Return time.Time
	// Legs are the ways between the stops: Legs[i] arrives at Stops[i],
	// and the last one at the team's end.
	Legs []RouteLeg
}

// RouteLeg is the way from one stop of a route to the next.
type RouteLeg struct {
	// LengthKM is its length and OffroadKM the part off the network.
	LengthKM, OffroadKM float64
	// KindKM is the length on roads of each kind other than mapped
	// ("inferred", "synthetic"); empty when the leg keeps to mapped roads.
	KindKM map[string]float64
}

// Plan is the result of PlanPatrols.
type Plan struct {
	// Teams holds one route per requested team, in request order.
	Teams []TeamPlan
	// Score is the total score of all visited targets.
	Score float64
	// Unreachable lists the targets that no team can reach and come back
	// from within its shift.
	Unreachable []string
}

// Errors of PlanPatrols, wrapped by TeamError and TargetError.
var (
	// ErrBadTeam marks an invalid team (no ID, duplicate ID, bad shift).
	ErrBadTeam = errors.New("invalid team")
	// ErrBaseOutsideCountry marks a team whose start or end lies outside
	// its own country.
	ErrBaseOutsideCountry = errors.New("base outside the team's country")
	// ErrBadTarget marks an invalid target (bad position, score or dwell,
	// duplicate ID).
	ErrBadTarget = errors.New("invalid target")
	// ErrUnreachableTarget marks a target no team can reach within its
	// shift, when the request requires all targets.
	ErrUnreachableTarget = errors.New("target unreachable")
	// ErrNoReachableTarget is returned when no team can reach any target.
	ErrNoReachableTarget = errors.New("no reachable target")
)

// TeamError reports a problem with one team.
type TeamError struct {
	TeamID string
	Err    error
	Detail string
}

// Error implements error.
func (e *TeamError) Error() string {
	return fmt.Sprintf("team %q: %v: %s", e.TeamID, e.Err, e.Detail)
}

// Unwrap returns the sentinel error.
func (e *TeamError) Unwrap() error { return e.Err }

// TargetError reports a problem with one target.
type TargetError struct {
	TargetID string
	Err      error
	Detail   string
}

// Error implements error.
func (e *TargetError) Error() string {
	return fmt.Sprintf("target %q: %v: %s", e.TargetID, e.Err, e.Detail)
}

// Unwrap returns the sentinel error.
func (e *TargetError) Unwrap() error { return e.Err }

// PlanPatrols plans one route per team on the road graph: from its start
// to its end within its shift, never leaving its country except at the
// allowed crossings, maximising the total score of the visited targets,
// each counted once across teams. The plan is re-checked before it is
// returned: every route segment is allowed and every route fits its shift.
func PlanPatrols(ctx context.Context, g *Graph, req PatrolRequest, rng *rand.Rand) (*Plan, error) {
	return planPatrols(ctx, g, req, rng, teamTravel)
}

// travelFunc returns the travel times between a team's own points (its
// start, its end, then the targets with dwell times dwellS) within its
// budget.
type travelFunc func(ctx context.Context, r *router, budgetS float64, dwellS []float64) (*Matrix, error)

// planPatrols is PlanPatrols with the team travel times computed by
// travel.
func planPatrols(ctx context.Context, g *Graph, req PatrolRequest, rng *rand.Rand, travel travelFunc) (*Plan, error) {
	if err := validatePatrol(req); err != nil {
		return nil, err
	}
	nt, nk := len(req.Teams), len(req.Targets)
	nodes := problemNodes(req)
	prob := &Problem{Score: make([]float64, 2*nt+nk)}
	for k, tg := range req.Targets {
		prob.Score[2*nt+k] = tg.Score
	}
	routers := make([]*router, nt)
	dwellS := make([][]float64, nt)
	reach := make([]bool, nk)
	// The teams' travel times are independent searches: run them side by
	// side.
	teams := make([]Team, nt)
	errs := make([]error, nt)
	var wg sync.WaitGroup
	for t := range req.Teams {
		wg.Go(func() { teams[t], routers[t], dwellS[t], errs[t] = teamProblem(ctx, g, req, nodes, t, travel) })
	}
	wg.Wait()
	for t := range req.Teams {
		if errs[t] != nil {
			return nil, errs[t]
		}
		team := teams[t]
		prob.Teams = append(prob.Teams, team)
		for k := range nk {
			v := 2*nt + k
			if team.Travel.At(2*t, v)+team.Travel.At(v, 2*t+1) <= team.Budget+feasEps {
				reach[k] = true
			}
		}
	}
	plan := &Plan{}
	anyReach := false
	for k, ok := range reach {
		if ok {
			anyReach = true
			continue
		}
		if req.RequireAll {
			return nil, &TargetError{TargetID: req.Targets[k].ID, Err: ErrUnreachableTarget, Detail: "no team can reach it and return within its shift"}
		}
		plan.Unreachable = append(plan.Unreachable, req.Targets[k].ID)
	}
	if !anyReach {
		return nil, ErrNoReachableTarget
	}
	prob.Travel = prob.Teams[0].Travel
	sol, err := Solve(ctx, prob, req.Solver, rng)
	if err != nil {
		return nil, fmt.Errorf("plan patrols: %w", err)
	}
	for t, tm := range req.Teams {
		tp, err := buildTeamPlan(ctx, req, t, sol.Routes[t], routers[t], dwellS[t])
		if err != nil {
			return nil, fmt.Errorf("team %q: %w", tm.ID, err)
		}
		plan.Teams = append(plan.Teams, tp)
		plan.Score += tp.Score
	}
	return plan, nil
}

// problemNodes returns the nodes of the orienteering problem: the start
// and the end of each team, then the targets.
func problemNodes(req PatrolRequest) []orb.Point {
	nodes := make([]orb.Point, 0, 2*len(req.Teams)+len(req.Targets))
	for _, tm := range req.Teams {
		s, e := tm.Base, tm.Base
		if tm.Start != nil {
			s = *tm.Start
		}
		if tm.End != nil {
			e = *tm.End
		}
		nodes = append(nodes, s, e)
	}
	for _, tg := range req.Targets {
		nodes = append(nodes, tg.Point)
	}
	return nodes
}

// teamProblem returns team t's part of the orienteering problem over
// nodes: its travel times on the roads it may use, with the dwell at a
// target folded into the cost of arriving there, its router and its dwell
// times at the targets in seconds.
func teamProblem(ctx context.Context, g *Graph, req PatrolRequest, nodes []orb.Point, t int, travel travelFunc) (Team, *router, []float64, error) {
	nt := len(req.Teams)
	tm := req.Teams[t]
	net := g.Restrict(Access{
		Country: tm.Country, CountryCode: tm.CountryCode, Crossings: req.Crossings,
		MaxKPH: tm.SpeedKPH, OffroadKPH: tm.OffroadKPH, MaxOffroadM: req.MaxOffroadM,
	})
	for _, p := range []orb.Point{nodes[2*t], nodes[2*t+1]} {
		if !net.Inside(p) {
			return Team{}, nil, nil, &TeamError{TeamID: tm.ID, Err: ErrBaseOutsideCountry, Detail: fmt.Sprintf("point %v is not inside the team's country", p)}
		}
	}
	// The team's own points: its start, its end and every target.
	pts := append([]orb.Point{nodes[2*t], nodes[2*t+1]}, nodes[2*nt:]...)
	r := net.router(pts)
	budgetS := tm.ShiftH * 3600
	dwellS := make([]float64, len(req.Targets))
	for k, tg := range req.Targets {
		d := tg.DwellMin
		if d == 0 {
			d = tm.DwellMin
		}
		dwellS[k] = d * 60
	}
	sub, err := travel(ctx, r, budgetS, dwellS)
	if err != nil {
		return Team{}, nil, nil, fmt.Errorf("team %q: %w", tm.ID, err)
	}
	m := teamMatrix(len(nodes), nt, t, sub, dwellS)
	if sub.At(0, 1) > budgetS && !(nodes[2*t] == nodes[2*t+1]) {
		return Team{}, nil, nil, &TeamError{TeamID: tm.ID, Err: ErrBadTeam, Detail: fmt.Sprintf("its end cannot be reached from its start within %g h", tm.ShiftH)}
	}
	if nodes[2*t] == nodes[2*t+1] {
		m.Set(2*t, 2*t+1, 0)
	}
	return Team{Start: 2 * t, End: 2*t + 1, Budget: budgetS, Travel: m}, r, dwellS, nil
}

// teamTravel returns the travel times between a team's own points (its
// start, its end, then the targets with dwell times dwellS) within its
// budget. The start's row is searched first, up to the budget; a target's
// row only up to what the budget leaves after the shortest way there and
// the dwell, since no route within the budget can leave the target later
// (times along a route are at least the shortest ones); a target that
// cannot be reached at all gets no row, and neither does the end. The
// pairs left out are +Inf, as are those beyond the budget.
func teamTravel(ctx context.Context, r *router, budgetS float64, dwellS []float64) (*Matrix, error) {
	n := len(r.o.pts)
	bounds := make([]float64, n)
	for i := range bounds {
		bounds[i] = -1
	}
	bounds[0] = budgetS
	first, err := r.boundedMatrix(ctx, bounds)
	if err != nil {
		return nil, err
	}
	bounds[0] = -1
	for i := 2; i < n; i++ {
		bounds[i] = budgetS - first.At(0, i) - dwellS[i-2]
	}
	rest, err := r.boundedMatrix(ctx, bounds)
	if err != nil {
		return nil, err
	}
	for j := range n {
		rest.Set(0, j, first.At(0, j))
	}
	return rest, nil
}

// teamMatrix spreads team t's matrix sub over its own points (its start,
// its end, the targets) to the n problem nodes of nt teams, adding the
// dwell at a target to the cost of arriving there; the other teams' start
// and end nodes are unreachable.
func teamMatrix(n, nt, t int, sub *Matrix, dwellS []float64) *Matrix {
	m := NewMatrix(n)
	local := func(v int) int { // problem node → pts index, or -1
		switch {
		case v == 2*t:
			return 0
		case v == 2*t+1:
			return 1
		case v >= 2*nt:
			return 2 + v - 2*nt
		}
		return -1
	}
	for a := range n {
		for b := range n {
			la, lb := local(a), local(b)
			c := math.Inf(1)
			switch {
			case a == b:
				c = 0
			case la >= 0 && lb >= 0:
				c = sub.At(la, lb)
				if b >= 2*nt {
					c += dwellS[b-2*nt]
				}
			}
			m.Set(a, b, c)
		}
	}
	return m
}

func buildTeamPlan(ctx context.Context, req PatrolRequest, t int, route []int, r *router, dwellS []float64) (TeamPlan, error) {
	tm := req.Teams[t]
	nt := len(req.Teams)
	tp := TeamPlan{TeamID: tm.ID}
	local := func(v int) int {
		switch v {
		case 2 * t:
			return 0
		case 2*t + 1:
			return 1
		}
		return 2 + v - 2*nt
	}
	clock := 0.0 // seconds since req.Now
	for i := 1; i < len(route); i++ {
		a, b := local(route[i-1]), local(route[i])
		leg, err := r.path(ctx, a, b)
		if err != nil {
			return TeamPlan{}, err
		}
		for k := 1; k < len(leg.Geometry); k++ {
			if !r.o.n.SegmentAllowed(leg.Geometry[k-1], leg.Geometry[k]) {
				return TeamPlan{}, fmt.Errorf("internal check: leg %d leaves the team's country at %v", i, leg.Geometry[k])
			}
		}
		if len(tp.Geometry) == 0 {
			tp.Geometry = append(tp.Geometry, leg.Geometry...)
		} else {
			tp.Geometry = append(tp.Geometry, leg.Geometry[1:]...)
		}
		tp.LengthKM += leg.LengthM / 1000
		tp.OffroadKM += leg.OffroadM / 1000
		tp.Legs = append(tp.Legs, routeLeg(r.o.n.g, leg))
		clock += leg.DurationS
		if i == len(route)-1 {
			break
		}
		k := route[i] - 2*nt
		tg := req.Targets[k]
		st := Stop{
			Seq: i, TargetID: tg.ID, Point: tg.Point,
			ETA:      req.Now.Add(time.Duration(clock * float64(time.Second))),
			DwellMin: dwellS[k] / 60, Score: tg.Score, Reason: tg.Reason,
		}
		clock += dwellS[k]
		st.Depart = req.Now.Add(time.Duration(clock * float64(time.Second)))
		tp.Stops = append(tp.Stops, st)
		tp.Score += tg.Score
	}
	tp.DurationH = clock / 3600
	tp.Return = req.Now.Add(time.Duration(clock * float64(time.Second)))
	if clock > tm.ShiftH*3600+1e-3 {
		return TeamPlan{}, fmt.Errorf("internal check: route takes %.3f h, shift is %g h", tp.DurationH, tm.ShiftH)
	}
	return tp, nil
}

// routeLeg sums leg's length by the kind of road driven.
func routeLeg(g *Graph, leg Leg) RouteLeg {
	out := RouteLeg{LengthKM: leg.LengthM / 1000, OffroadKM: leg.OffroadM / 1000, KindKM: map[string]float64{}}
	for _, e := range leg.Edges {
		if k := g.Edges[e].Kind; k != "" && k != "mapped" {
			out.KindKM[k] += g.Edges[e].LengthM / 1000
		}
	}
	return out
}

func validatePatrol(req PatrolRequest) error {
	if len(req.Teams) == 0 {
		return &TeamError{Err: ErrBadTeam, Detail: "no teams"}
	}
	ids := map[string]bool{}
	for _, tm := range req.Teams {
		bad := func(detail string) error { return &TeamError{TeamID: tm.ID, Err: ErrBadTeam, Detail: detail} }
		switch {
		case tm.ID == "":
			return bad("empty ID")
		case ids[tm.ID]:
			return bad("duplicate ID")
		case !(tm.ShiftH > 0) || math.IsInf(tm.ShiftH, 0):
			return bad(fmt.Sprintf("shift %g h must be positive", tm.ShiftH))
		case tm.SpeedKPH < 0 || tm.OffroadKPH < 0 || math.IsNaN(tm.SpeedKPH) || math.IsNaN(tm.OffroadKPH):
			return bad("negative speed")
		case !(tm.DwellMin >= 0):
			return bad("negative default dwell")
		case !geo.ValidLonLat(tm.Base):
			return bad(fmt.Sprintf("base %v is not a valid lon/lat", tm.Base))
		case tm.Start != nil && !geo.ValidLonLat(*tm.Start), tm.End != nil && !geo.ValidLonLat(*tm.End):
			return bad("start or end is not a valid lon/lat")
		case len(tm.Country) == 0:
			return bad("no country polygon")
		}
		ids[tm.ID] = true
	}
	tids := map[string]bool{}
	for _, tg := range req.Targets {
		bad := func(detail string) error { return &TargetError{TargetID: tg.ID, Err: ErrBadTarget, Detail: detail} }
		switch {
		case tg.ID == "":
			return bad("empty ID")
		case tids[tg.ID]:
			return bad("duplicate ID")
		case !geo.ValidLonLat(tg.Point):
			return bad(fmt.Sprintf("point %v is not a valid lon/lat", tg.Point))
		case !(tg.Score >= 0) || math.IsInf(tg.Score, 0):
			return bad(fmt.Sprintf("score %g must be a finite non-negative number", tg.Score))
		case !(tg.DwellMin >= 0) || math.IsInf(tg.DwellMin, 0):
			return bad(fmt.Sprintf("dwell %g min must be non-negative", tg.DwellMin))
		}
		tids[tg.ID] = true
	}
	if len(req.Targets) == 0 {
		return ErrNoReachableTarget
	}
	return nil
}

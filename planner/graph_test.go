package planner

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// Two synthetic countries split by a bent border near lon 70.05.
var (
	countryA = orb.MultiPolygon{{{{69, 37}, {70.05, 37}, {70.12, 37.5}, {70.05, 38}, {69, 38}, {69, 37}}}}
	countryB = orb.MultiPolygon{{{{70.05, 37}, {71, 37}, {71, 38}, {70.05, 38}, {70.12, 37.5}, {70.05, 37}}}}
)

// gridRoads returns a road grid over both countries; every road shares its
// vertices with the crossing roads, so the grid points become nodes.
func gridRoads(nx, ny int) []Road {
	x := func(i int) float64 { return 69.0 + 2*float64(i)/float64(nx-1) }
	y := func(j int) float64 { return 37.0 + float64(j)/float64(ny-1) }
	var roads []Road
	for j := range ny {
		var line orb.LineString
		for i := range nx {
			line = append(line, orb.Point{x(i), y(j)})
		}
		roads = append(roads, Road{Line: line, SpeedKPH: 40 + float64(j%3)*20})
	}
	for i := range nx {
		var line orb.LineString
		for j := range ny {
			line = append(line, orb.Point{x(i), y(j)})
		}
		roads = append(roads, Road{Line: line, SpeedKPH: 30, Oneway: i%4 == 1})
	}
	return roads
}

// segmentInside checks a segment against a polygon by dense sampling.
func segmentInside(mp orb.MultiPolygon, a, b orb.Point) bool {
	for k := 0; k <= 64; k++ {
		f := float64(k) / 64
		if !planar.MultiPolygonContains(mp, orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}) {
			return false
		}
	}
	return true
}

// segmentAllowed checks by dense sampling that every point of a segment is
// inside the polygon or within the radius of a crossing.
func segmentAllowed(mp orb.MultiPolygon, crossings []Crossing, a, b orb.Point) bool {
	for k := 0; k <= 256; k++ {
		f := float64(k) / 256
		p := orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
		ok := planar.MultiPolygonContains(mp, p)
		for _, c := range crossings {
			ok = ok || orbgeo.DistanceHaversine(p, c.Point) <= c.RadiusM
		}
		if !ok {
			return false
		}
	}
	return true
}

func TestNewGraphSnapsAndSplits(t *testing.T) {
	roads := []Road{
		{Line: orb.LineString{{69, 37}, {69.01, 37}, {69.02, 37}}, SpeedKPH: 50},
		// Starts 0.5 m from the first road's end; crosses its middle vertex.
		{Line: orb.LineString{{69.02, 37.0000045}, {69.03, 37}}, SpeedKPH: 50, Oneway: true},
		{Line: orb.LineString{{69.01, 36.99}, {69.01, 37}, {69.01, 37.01}}, SpeedKPH: 30},
	}
	g, err := NewGraph(roads, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Nodes: 69/37, 69.01/37 (shared), 69.02/37 (snapped), 69.03/37, and
	// the two ends of the third road.
	if len(g.Nodes) != 6 {
		t.Errorf("%d nodes, want 6: %v", len(g.Nodes), g.Nodes)
	}
	// Edges: road 1 split in two (×2 directions), road 2 one way, road 3
	// split in two (×2).
	if len(g.Edges) != 9 {
		t.Errorf("%d edges, want 9", len(g.Edges))
	}
	for _, e := range g.Edges {
		if g.Nodes[e.From] != e.Geometry[0] || g.Nodes[e.To] != e.Geometry[len(e.Geometry)-1] {
			t.Errorf("edge %v does not join its nodes", e)
		}
		if want := orbgeo.LengthHaversine(e.Geometry); math.Abs(e.LengthM-want) > 1e-6 {
			t.Errorf("edge length %g, want %g", e.LengthM, want)
		}
	}
	if _, err := NewGraph([]Road{{Line: orb.LineString{{69, 37}}, SpeedKPH: 1}}, 1); !errors.Is(err, ErrBadRoad) {
		t.Errorf("one-point road: got %v", err)
	}
	if _, err := NewGraph([]Road{{Line: orb.LineString{{69, 37}, {69, 38}}}}, 1); !errors.Is(err, ErrBadRoad) {
		t.Errorf("zero speed: got %v", err)
	}
}

func TestRestrictKeepsEdgesInside(t *testing.T) {
	g, err := NewGraph(gridRoads(21, 11), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mp   orb.MultiPolygon
	}{{"A", countryA}, {"B", countryB}} {
		t.Run(tc.name, func(t *testing.T) {
			n := g.Restrict(Access{Country: tc.mp})
			allowed := 0
			for i, e := range g.Edges {
				inside := true
				for k := 1; k < len(e.Geometry); k++ {
					if !segmentInside(tc.mp, e.Geometry[k-1], e.Geometry[k]) {
						inside = false
					}
				}
				if n.allowed[i] && !inside {
					t.Errorf("edge %d %v allowed but leaves the country", i, e.Geometry)
				}
				if n.allowed[i] {
					allowed++
				}
			}
			if allowed < len(g.Edges)/5 {
				t.Errorf("only %d of %d edges allowed", allowed, len(g.Edges))
			}
		})
	}
}

// floyd returns all-pairs travel times over the allowed edges.
func floyd(n *Network) [][]float64 {
	nv := len(n.g.Nodes)
	d := make([][]float64, nv)
	for i := range d {
		d[i] = make([]float64, nv)
		for j := range d[i] {
			if i != j {
				d[i][j] = math.Inf(1)
			}
		}
	}
	for i, e := range n.g.Edges {
		if n.allowed[i] && n.costS[i] < d[e.From][e.To] {
			d[e.From][e.To] = n.costS[i]
		}
	}
	for k := range nv {
		for i := range nv {
			for j := range nv {
				if c := d[i][k] + d[k][j]; c < d[i][j] {
					d[i][j] = c
				}
			}
		}
	}
	return d
}

func TestTravelMatrixMatchesFloydWarshall(t *testing.T) {
	g, err := NewGraph(gridRoads(9, 6), 1)
	if err != nil {
		t.Fatal(err)
	}
	n := g.Restrict(Access{Country: countryA, MaxKPH: 50, MaxOffroadM: 1})
	want := floyd(n)
	rng := rand.New(rand.NewPCG(3, 3))
	var ids []int
	var pts []orb.Point
	for len(ids) < 12 {
		v := rng.IntN(len(g.Nodes))
		if n.Inside(g.Nodes[v]) {
			ids = append(ids, v)
			pts = append(pts, g.Nodes[v])
		}
	}
	m, err := n.TravelMatrix(context.Background(), pts, math.Inf(1))
	if err != nil {
		t.Fatal(err)
	}
	for a, u := range ids {
		for b, v := range ids {
			got, w := m.At(a, b), want[u][v]
			if math.IsInf(w, 1) != math.IsInf(got, 1) || (!math.IsInf(w, 1) && math.Abs(got-w) > 1e-6) {
				t.Errorf("%d→%d: %g s, want %g s", u, v, got, w)
			}
			if a != b && !math.IsInf(w, 1) {
				leg, err := n.Path(context.Background(), pts[a], pts[b])
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(leg.DurationS-w) > 1e-6 {
					t.Errorf("path %d→%d takes %g s, want %g s", u, v, leg.DurationS, w)
				}
				if leg.Geometry[0] != pts[a] || leg.Geometry[len(leg.Geometry)-1] != pts[b] {
					t.Errorf("path %d→%d geometry runs %v…%v", u, v, leg.Geometry[0], leg.Geometry[len(leg.Geometry)-1])
				}
			}
		}
	}
	// A budget bound turns far pairs into +Inf.
	mb, err := n.TravelMatrix(context.Background(), pts, 600)
	if err != nil {
		t.Fatal(err)
	}
	for a := range pts {
		for b := range pts {
			if w := m.At(a, b); w <= 600 && mb.At(a, b) != w || w > 600 && !math.IsInf(mb.At(a, b), 1) {
				t.Errorf("bounded %d→%d: %g, unbounded %g", a, b, mb.At(a, b), w)
			}
		}
	}
}

func patrolFixture(t testing.TB, nTargets int) (*Graph, PatrolRequest) {
	t.Helper()
	g, err := NewGraph(gridRoads(41, 21), 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	var targets []Target
	for k := range nTargets {
		targets = append(targets, Target{
			ID:     string(rune('a'+k%26)) + string(rune('0'+k/26)),
			Point:  orb.Point{69.02 + 1.96*rng.Float64(), 37.02 + 0.96*rng.Float64()},
			Score:  float64(1 + rng.IntN(10)),
			Reason: "test",
		})
	}
	req := PatrolRequest{
		Teams: []PatrolTeam{
			{ID: "a1", Base: orb.Point{69.3, 37.5}, Country: countryA, ShiftH: 6, DwellMin: 10, SpeedKPH: 60},
			{ID: "a2", Base: orb.Point{69.7, 37.2}, Country: countryA, ShiftH: 4, DwellMin: 15},
			{ID: "b1", Base: orb.Point{70.6, 37.6}, Country: countryB, ShiftH: 6, DwellMin: 10},
		},
		Targets: targets,
		Now:     time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC),
	}
	return g, req
}

func checkPlan(t *testing.T, req PatrolRequest, plan *Plan) {
	t.Helper()
	seen := map[string]bool{}
	byID := map[string]Target{}
	for _, tg := range req.Targets {
		byID[tg.ID] = tg
	}
	for i, tp := range plan.Teams {
		tm := req.Teams[i]
		if tp.TeamID != tm.ID {
			t.Fatalf("plan %d is for %q, want %q", i, tp.TeamID, tm.ID)
		}
		if tp.Geometry[0] != tm.Base || tp.Geometry[len(tp.Geometry)-1] != tm.Base {
			t.Errorf("team %s: route does not start and end at its base", tm.ID)
		}
		for k := 1; k < len(tp.Geometry); k++ {
			if !segmentAllowed(tm.Country, req.Crossings, tp.Geometry[k-1], tp.Geometry[k]) {
				t.Errorf("team %s: segment %v–%v leaves its country", tm.ID, tp.Geometry[k-1], tp.Geometry[k])
			}
		}
		if tp.DurationH > tm.ShiftH+1e-9 || tp.Return.Sub(req.Now) > time.Duration(tm.ShiftH*float64(time.Hour))+time.Second {
			t.Errorf("team %s: %g h over its %g h shift", tm.ID, tp.DurationH, tm.ShiftH)
		}
		prev := req.Now
		var score float64
		for j, s := range tp.Stops {
			if s.Seq != j+1 || s.ETA.Before(prev) || s.Depart.Before(s.ETA) {
				t.Errorf("team %s: stop %d out of order: %+v", tm.ID, j, s)
			}
			prev = s.Depart
			if seen[s.TargetID] {
				t.Errorf("target %s visited twice", s.TargetID)
			}
			seen[s.TargetID] = true
			if byID[s.TargetID].Point != s.Point {
				t.Errorf("stop %s at the wrong point", s.TargetID)
			}
			score += s.Score
			if !onLine(tp.Geometry, s.Point) {
				t.Errorf("team %s: the route does not pass stop %s", tm.ID, s.TargetID)
			}
		}
		if score != tp.Score {
			t.Errorf("team %s: score %g, stops sum to %g", tm.ID, tp.Score, score)
		}
		if l := orbgeo.LengthHaversine(tp.Geometry) / 1000; math.Abs(l-tp.LengthKM) > 1e-6*math.Max(1, l) {
			t.Errorf("team %s: length %g km, geometry %g km", tm.ID, tp.LengthKM, l)
		}
	}
}

func onLine(ls orb.LineString, p orb.Point) bool {
	for _, q := range ls {
		if q == p {
			return true
		}
	}
	return false
}

func TestPlanPatrols(t *testing.T) {
	g, req := patrolFixture(t, 40)
	plan, err := PlanPatrols(context.Background(), g, req, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, req, plan)
	if plan.Score <= 0 || len(plan.Teams) != 3 {
		t.Fatalf("plan score %g with %d teams", plan.Score, len(plan.Teams))
	}
	for _, tp := range plan.Teams {
		if len(tp.Stops) == 0 {
			t.Errorf("team %s has no stops", tp.TeamID)
		}
	}
	again, err := PlanPatrols(context.Background(), g, req, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plan, again) {
		t.Error("same seed, different plans")
	}
}

func TestPlanPatrolsCrossing(t *testing.T) {
	g, err := NewGraph(gridRoads(41, 21), 1)
	if err != nil {
		t.Fatal(err)
	}
	// A target just across the border, next to a road crossing it.
	target := Target{ID: "bridge", Point: orb.Point{70.16, 37.5}, Score: 5}
	req := PatrolRequest{
		Teams:   []PatrolTeam{{ID: "a", Base: orb.Point{69.8, 37.5}, Country: countryA, ShiftH: 3}},
		Targets: []Target{target, {ID: "home", Point: orb.Point{69.6, 37.4}, Score: 1}},
		Now:     time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC),
	}
	plan, err := PlanPatrols(context.Background(), g, req, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, req, plan)
	if !reflect.DeepEqual(plan.Unreachable, []string{"bridge"}) {
		t.Errorf("without a crossing: unreachable %v, want [bridge]", plan.Unreachable)
	}
	req.Crossings = []Crossing{{Point: orb.Point{70.12, 37.5}, RadiusM: 6000}}
	plan, err = PlanPatrols(context.Background(), g, req, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, req, plan)
	if len(plan.Unreachable) != 0 || plan.Score != 6 {
		t.Errorf("with the crossing: score %g, unreachable %v", plan.Score, plan.Unreachable)
	}
}

func TestPlanPatrolsErrors(t *testing.T) {
	g, base := patrolFixture(t, 10)
	tests := []struct {
		name   string
		modify func(r *PatrolRequest)
		want   error
	}{
		{"base outside country", func(r *PatrolRequest) { r.Teams[0].Base = orb.Point{70.5, 37.5} }, ErrBaseOutsideCountry},
		{"zero shift", func(r *PatrolRequest) { r.Teams[1].ShiftH = 0 }, ErrBadTeam},
		{"duplicate team", func(r *PatrolRequest) { r.Teams[1].ID = r.Teams[0].ID }, ErrBadTeam},
		{"duplicate target", func(r *PatrolRequest) { r.Targets[1].ID = r.Targets[0].ID }, ErrBadTarget},
		{"bad target point", func(r *PatrolRequest) { r.Targets[2].Point = orb.Point{200, 0} }, ErrBadTarget},
		{"no targets", func(r *PatrolRequest) { r.Targets = nil }, ErrNoReachableTarget},
		{"nothing reachable", func(r *PatrolRequest) {
			for i := range r.Targets {
				r.Targets[i].Point = orb.Point{75, 30}
			}
		}, ErrNoReachableTarget},
		{"require all", func(r *PatrolRequest) {
			r.RequireAll = true
			r.Targets[3].Point = orb.Point{75, 30}
		}, ErrUnreachableTarget},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := base
			req.Teams = append([]PatrolTeam(nil), base.Teams...)
			req.Targets = append([]Target(nil), base.Targets...)
			tc.modify(&req)
			_, err := PlanPatrols(context.Background(), g, req, rand.New(rand.NewPCG(1, 2)))
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func BenchmarkTravelMatrix(b *testing.B) {
	g, req := patrolFixture(b, 40)
	n := g.Restrict(Access{Country: countryA})
	var pts []orb.Point
	for _, tg := range req.Targets {
		pts = append(pts, tg.Point)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.TravelMatrix(context.Background(), pts, 6*3600); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanPatrols(b *testing.B) {
	g, req := patrolFixture(b, 40)
	req.Solver.Iterations = 500
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := PlanPatrols(context.Background(), g, req, rand.New(rand.NewPCG(uint64(i), 1))); err != nil {
			b.Fatal(err)
		}
	}
}

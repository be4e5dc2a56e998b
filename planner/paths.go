package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// arc is an edge of the search graph: a network edge (edge >= 0) or an
// off-road leg.
type arc struct {
	to    int
	costS float64
	edge  int // network edge index, or -1 for an off-road leg
	lenM  float64
}

// overlay links points off the network into it for one query.
type overlay struct {
	n    *Network
	pts  []orb.Point
	base int           // search-node index of pts[0]
	arcs map[int][]arc // extra arcs leaving a search node
	// linked marks the network nodes with an off-road leg to a point.
	linked []bool
}

// ErrOffNetwork is returned for a point that no allowed off-road leg links
// to the network or to another point.
var ErrOffNetwork = errors.New("point cannot be linked to the road network")

func (n *Network) overlay(pts []orb.Point) *overlay {
	o := &overlay{n: n, pts: pts, base: len(n.g.Nodes), arcs: map[int][]arc{}, linked: make([]bool, len(n.g.Nodes))}
	speed := n.acc.OffroadKPH
	leg := func(from, to int, a, b orb.Point) {
		d := orbgeo.DistanceHaversine(a, b)
		o.arcs[from] = append(o.arcs[from], arc{to: to, costS: d / 1000 / speed * 3600, edge: -1, lenM: d})
		if from < o.base {
			o.linked[from] = true
		}
	}
	for i, p := range pts {
		if !n.Inside(p) {
			continue
		}
		type near struct {
			node int
			d    float64
		}
		var cands []near
		n.g.grid.within(p, n.acc.MaxOffroadM, func(v int) {
			if d := orbgeo.DistanceHaversine(p, n.g.Nodes[v]); d <= n.acc.MaxOffroadM {
				cands = append(cands, near{v, d})
			}
		})
		slices.SortFunc(cands, func(a, b near) int {
			if a.d != b.d {
				if a.d < b.d {
					return -1
				}
				return 1
			}
			return a.node - b.node
		})
		links := 0
		for _, c := range cands {
			if links >= n.acc.Links {
				break
			}
			q := n.g.Nodes[c.node]
			if !n.SegmentAllowed(p, q) {
				continue
			}
			links++
			leg(o.base+i, c.node, p, q)
			leg(c.node, o.base+i, q, p)
		}
		for j := i + 1; j < len(pts); j++ {
			q := pts[j]
			if orbgeo.DistanceHaversine(p, q) <= n.acc.MaxOffroadM && n.Inside(q) && n.SegmentAllowed(p, q) {
				leg(o.base+i, o.base+j, p, q)
				leg(o.base+j, o.base+i, q, p)
			}
		}
	}
	return o
}

// forEach calls fn for every arc leaving search node v: the allowed
// network edges, then the off-road legs.
func (o *overlay) forEach(v int, fn func(a arc)) {
	n := o.n
	if v < o.base {
		for k := n.csrOff[v]; k < n.csrOff[v+1]; k++ {
			fn(arc{to: int(n.csrTo[k]), costS: n.csrCost[k], edge: int(n.csrEdge[k]), lenM: n.csrLen[k]})
		}
		if !o.linked[v] {
			return
		}
	}
	for _, a := range o.arcs[v] {
		fn(a)
	}
}

type pqItem struct {
	v    int
	cost float64
}

// pq is a binary min-heap of search nodes by cost.
type pq []pqItem

func (q pq) Len() int { return len(q) }

func (q *pq) push(v int, c float64) {
	*q = append(*q, pqItem{v, c})
	h := *q
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].cost <= h[i].cost {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (q *pq) pop() pqItem {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].cost < h[m].cost {
			m = l
		}
		if r < len(h) && h[r].cost < h[m].cost {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// search is a reusable Dijkstra / A* state over the search graph.
type search struct {
	o      *overlay
	dist   []float64
	prev   []arcFrom
	touch  []int
	q      pq
	maxKPH float64
}

type arcFrom struct {
	from int
	a    arc
}

func (o *overlay) newSearch() *search {
	n := o.base + len(o.pts)
	s := &search{o: o, dist: make([]float64, n), prev: make([]arcFrom, n)}
	for i := range s.dist {
		s.dist[i] = math.Inf(1)
	}
	s.maxKPH = o.n.topKPH
	return s
}

func (s *search) reset() {
	for _, v := range s.touch {
		s.dist[v] = math.Inf(1)
	}
	s.touch = s.touch[:0]
	s.q = s.q[:0]
}

func (s *search) pos(v int) orb.Point {
	if v >= s.o.base {
		return s.o.pts[v-s.o.base]
	}
	return s.o.n.g.Nodes[v]
}

// run searches from src until the queue holds nothing cheaper than maxS,
// or until target (if >= 0) is settled; with a target it uses the A*
// bound of the straight-line distance at the top speed. Without a target
// it also stops once every point of the overlay that has an off-road leg
// is settled: their distances are final then.
func (s *search) run(ctx context.Context, src, target int, maxS float64) error {
	pending := 0
	if target < 0 {
		for i := range s.o.pts {
			if v := s.o.base + i; v != src && len(s.o.arcs[v]) > 0 {
				pending++
			}
		}
	}
	s.reset()
	h := func(v int) float64 { return 0 }
	if target >= 0 {
		tp := s.pos(target)
		h = func(v int) float64 { return orbgeo.DistanceHaversine(s.pos(v), tp) / 1000 / s.maxKPH * 3600 * 0.999 }
	}
	s.dist[src] = 0
	s.prev[src] = arcFrom{from: -1}
	s.touch = append(s.touch, src)
	s.q.push(src, h(src))
	settled := 0
	for s.q.Len() > 0 {
		it := s.q.pop()
		v := it.v
		g := it.cost - h(v)
		if g > s.dist[v]+1e-9 {
			continue
		}
		if v == target || s.dist[v] > maxS {
			return nil
		}
		if v >= s.o.base && v != src && target < 0 && len(s.o.arcs[v]) > 0 {
			if pending--; pending == 0 {
				return nil
			}
		}
		settled++
		if settled%512 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s.o.forEach(v, func(a arc) {
			nd := s.dist[v] + a.costS
			if nd < s.dist[a.to] && nd <= maxS {
				if math.IsInf(s.dist[a.to], 1) {
					s.touch = append(s.touch, a.to)
				}
				s.dist[a.to] = nd
				s.prev[a.to] = arcFrom{from: v, a: a}
				s.q.push(a.to, nd+h(a.to))
			}
		})
	}
	return nil
}

// router answers travel-time and path queries between fixed points on a
// Network, linking the points to the network by off-road legs.
type router struct {
	o *overlay
	s *search
}

func (n *Network) router(pts []orb.Point) *router {
	o := n.overlay(pts)
	return &router{o: o, s: o.newSearch()}
}

// TravelMatrix returns the travel times in seconds between the points, by
// the allowed roads and off-road legs; pairs with no way, or none within
// maxS seconds, get +Inf. A point outside the team's country is linked to
// nothing. It runs one bounded Dijkstra search per point.
func (n *Network) TravelMatrix(ctx context.Context, pts []orb.Point, maxS float64) (*Matrix, error) {
	return n.router(pts).matrix(ctx, nil, maxS)
}

// Leg is the way between two points found by Network.Path.
type Leg struct {
	// Geometry runs from the first point to the second, along the roads.
	Geometry orb.LineString
	// LengthM is the length in metres, DurationS the travel time in seconds.
	LengthM, DurationS float64
	// OffroadM is the part of LengthM driven off the network.
	OffroadM float64
	// Edges lists the network edges used, in order.
	Edges []int
}

// ErrNoPath is returned by Path when the points are not connected.
var ErrNoPath = errors.New("no allowed path")

// Path returns the fastest allowed way from a to b (A* search), as a
// polyline along the road edges and off-road legs.
func (n *Network) Path(ctx context.Context, a, b orb.Point) (Leg, error) {
	return n.router([]orb.Point{a, b}).path(ctx, 0, 1)
}

// path returns the fastest way from point i to point j.
func (r *router) path(ctx context.Context, i, j int) (Leg, error) {
	s := r.s
	src, dst := r.o.base+i, r.o.base+j
	a, b := r.o.pts[i], r.o.pts[j]
	if err := s.run(ctx, src, dst, math.Inf(1)); err != nil {
		return Leg{}, fmt.Errorf("path: %w", err)
	}
	if math.IsInf(s.dist[dst], 1) {
		return Leg{}, fmt.Errorf("path from %v to %v: %w", a, b, ErrNoPath)
	}
	var arcs []arcFrom
	for v := dst; v != src; v = s.prev[v].from {
		arcs = append(arcs, s.prev[v])
	}
	slices.Reverse(arcs)
	leg := Leg{DurationS: s.dist[dst], Geometry: orb.LineString{a}}
	for _, af := range arcs {
		leg.LengthM += af.a.lenM
		if af.a.edge < 0 {
			leg.OffroadM += af.a.lenM
			leg.Geometry = append(leg.Geometry, s.pos(af.a.to))
			continue
		}
		leg.Edges = append(leg.Edges, af.a.edge)
		for _, p := range r.o.n.g.Edges[af.a.edge].Geometry {
			if p != leg.Geometry[len(leg.Geometry)-1] {
				leg.Geometry = append(leg.Geometry, p)
			}
		}
	}
	if len(leg.Geometry) == 1 {
		leg.Geometry = append(leg.Geometry, b)
	}
	return leg, nil
}

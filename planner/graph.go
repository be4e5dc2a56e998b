package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"github.com/borderwatch/borderwatch/geo"
)

// Road is one polyline of the road network, as imported.
type Road struct {
	// Line is the geometry in {lon, lat}, at least two points.
	Line orb.LineString
	// SpeedKPH is the usual travel speed on the road.
	SpeedKPH float64
	// Oneway roads may only be driven in the direction of Line.
	Oneway bool
	// Country is the ISO 3166-1 alpha-3 code of the country the road lies
	// in, or "" when unknown.
	Country string
}

// Edge is a directed edge of a Graph.
type Edge struct {
	// From and To are node indices.
	From, To int
	// LengthM is the geodesic length of Geometry in metres.
	LengthM float64
	// SpeedKPH is the travel speed.
	SpeedKPH float64
	// Country is the code of the road's country, or "".
	Country string
	// Geometry runs from node From to node To.
	Geometry orb.LineString
}

// Graph is a directed road graph. Its nodes are road end points and the
// vertices that several roads share.
type Graph struct {
	// Nodes holds the node positions in {lon, lat}.
	Nodes []orb.Point
	// Edges holds the directed edges.
	Edges []Edge
	out   [][]int // edge indices leaving each node
	grid  pointGrid
}

// ErrBadRoad is wrapped by NewGraph's errors about malformed roads.
var ErrBadRoad = errors.New("bad road")

// NewGraph builds a graph from polylines. Road vertices closer than snapM
// metres are merged into one position; every road end point and every
// vertex shared by two or more roads (or visited twice by one) becomes a
// node, and roads are split into edges there. Two-way roads give an edge in
// each direction.
func NewGraph(roads []Road, snapM float64) (*Graph, error) {
	if snapM < 0 || math.IsNaN(snapM) {
		return nil, fmt.Errorf("%w: snap distance %g", ErrBadRoad, snapM)
	}
	g := &Graph{}
	snap := newSnapper(snapM)
	ids := make([][]int, len(roads)) // snapped position id per vertex
	uses := map[int]int{}
	for i, r := range roads {
		if len(r.Line) < 2 {
			return nil, fmt.Errorf("%w %d: %d points", ErrBadRoad, i, len(r.Line))
		}
		if !(r.SpeedKPH > 0) || math.IsInf(r.SpeedKPH, 0) {
			return nil, fmt.Errorf("%w %d: speed %g km/h", ErrBadRoad, i, r.SpeedKPH)
		}
		for _, p := range r.Line {
			if !geo.ValidLonLat(p) {
				return nil, fmt.Errorf("%w %d: invalid coordinate %v", ErrBadRoad, i, p)
			}
		}
		ids[i] = make([]int, len(r.Line))
		for j, p := range r.Line {
			id := snap.id(p)
			ids[i][j] = id
			uses[id]++
		}
		uses[ids[i][0]]++
		uses[ids[i][len(r.Line)-1]]++
	}
	node := map[int]int{}
	nodeOf := func(id int) int {
		if n, ok := node[id]; ok {
			return n
		}
		node[id] = len(g.Nodes)
		g.Nodes = append(g.Nodes, snap.pos[id])
		return node[id]
	}
	for i, r := range roads {
		start := 0
		for j := 1; j < len(r.Line); j++ {
			if j < len(r.Line)-1 && uses[ids[i][j]] < 2 {
				continue
			}
			var line orb.LineString
			for k := start; k <= j; k++ {
				p := snap.pos[ids[i][k]]
				if len(line) == 0 || line[len(line)-1] != p {
					line = append(line, p)
				}
			}
			from, to := nodeOf(ids[i][start]), nodeOf(ids[i][j])
			start = j
			if from == to && len(line) < 3 {
				continue
			}
			length := orbgeo.LengthHaversine(line)
			g.Edges = append(g.Edges, Edge{From: from, To: to, LengthM: length, SpeedKPH: r.SpeedKPH, Country: r.Country, Geometry: line})
			if !r.Oneway {
				back := slices.Clone(line)
				slices.Reverse(back)
				g.Edges = append(g.Edges, Edge{From: to, To: from, LengthM: length, SpeedKPH: r.SpeedKPH, Country: r.Country, Geometry: back})
			}
		}
	}
	g.index()
	return g, nil
}

func (g *Graph) index() {
	g.out = make([][]int, len(g.Nodes))
	for i, e := range g.Edges {
		g.out[e.From] = append(g.out[e.From], i)
	}
	g.grid = newPointGrid(g.Nodes, 0.02)
}

// snapper merges positions closer than a tolerance, in LAEA metres.
type snapper struct {
	tolM  float64
	cells map[[2]int64][]int
	pos   []orb.Point
	xy    []orb.Point
}

func newSnapper(tolM float64) *snapper {
	return &snapper{tolM: tolM, cells: map[[2]int64][]int{}}
}

func (s *snapper) id(p orb.Point) int {
	q := geo.Project(p)
	size := math.Max(s.tolM, 1e-3)
	cx, cy := int64(math.Floor(q[0]/size)), int64(math.Floor(q[1]/size))
	for dx := int64(-1); dx <= 1; dx++ {
		for dy := int64(-1); dy <= 1; dy++ {
			for _, id := range s.cells[[2]int64{cx + dx, cy + dy}] {
				if s.pos[id] == p || math.Hypot(s.xy[id][0]-q[0], s.xy[id][1]-q[1]) <= s.tolM {
					return id
				}
			}
		}
	}
	id := len(s.pos)
	s.pos = append(s.pos, p)
	s.xy = append(s.xy, q)
	s.cells[[2]int64{cx, cy}] = append(s.cells[[2]int64{cx, cy}], id)
	return id
}

// pointGrid buckets points by lon/lat cells.
type pointGrid struct {
	cellDeg float64
	cells   map[[2]int32][]int
}

func newPointGrid(pts []orb.Point, cellDeg float64) pointGrid {
	g := pointGrid{cellDeg: cellDeg, cells: map[[2]int32][]int{}}
	for i, p := range pts {
		k := g.key(p)
		g.cells[k] = append(g.cells[k], i)
	}
	return g
}

func (g pointGrid) key(p orb.Point) [2]int32 {
	return [2]int32{int32(math.Floor(p[0] / g.cellDeg)), int32(math.Floor(p[1] / g.cellDeg))}
}

// within calls fn for the points in the cells that cover the box of
// radius radiusM around p.
func (g pointGrid) within(p orb.Point, radiusM float64, fn func(i int)) {
	dLat := radiusM / 111_000
	dLon := radiusM / (111_000 * math.Max(math.Cos(p[1]*math.Pi/180), 0.01))
	lo := g.key(orb.Point{p[0] - dLon, p[1] - dLat})
	hi := g.key(orb.Point{p[0] + dLon, p[1] + dLat})
	if int64(hi[0]-lo[0])*int64(hi[1]-lo[1]) > 1_000_000 {
		for _, ids := range g.cells {
			for _, i := range ids {
				fn(i)
			}
		}
		return
	}
	for x := lo[0]; x <= hi[0]; x++ {
		for y := lo[1]; y <= hi[1]; y++ {
			for _, i := range g.cells[[2]int32{x, y}] {
				fn(i)
			}
		}
	}
}

// Crossing is a place where a team may pass its country's border: within
// RadiusM of Point, the country constraint does not apply.
type Crossing struct {
	Point   orb.Point
	RadiusM float64
}

// Access are the travel rules of one team on a Graph.
type Access struct {
	// Country is the team's country; a team never leaves it, apart from
	// the allowed crossings. Empty means no constraint.
	Country orb.MultiPolygon
	// CountryCode, if set, also excludes edges tagged with another code.
	CountryCode string
	// Crossings are the border crossings the team may use.
	Crossings []Crossing
	// MaxKPH caps the road speeds (the vehicle's top speed); 0 means none.
	MaxKPH float64
	// OffroadKPH is the speed of straight off-road legs to points off the
	// network; 0 means 15 km/h.
	OffroadKPH float64
	// MaxOffroadM is the longest off-road leg; 0 means 5 km.
	MaxOffroadM float64
	// Links is the number of nearest network nodes a point off the
	// network is linked to; 0 means 4.
	Links int
}

// Network is a Graph as one team may use it: the edges that keep it in
// its country and its speeds.
type Network struct {
	g       *Graph
	acc     Access
	allowed []bool    // per edge
	costS   []float64 // per edge travel time in seconds
	border  *borderIndex
}

// Restrict returns the part of g that a team with the given access may use.
// An edge is allowed when every point of it lies inside acc.Country without
// touching its boundary, or within an allowed crossing's radius (see
// SegmentAllowed); containment is tested with planar geometry in lon/lat,
// the way GeoJSON and PostGIS geometry read straight segments.
func (g *Graph) Restrict(acc Access) *Network {
	if acc.OffroadKPH <= 0 {
		acc.OffroadKPH = 15
	}
	if acc.MaxOffroadM <= 0 {
		acc.MaxOffroadM = 5000
	}
	if acc.Links <= 0 {
		acc.Links = 4
	}
	n := &Network{g: g, acc: acc, allowed: make([]bool, len(g.Edges)), costS: make([]float64, len(g.Edges))}
	if len(acc.Country) > 0 {
		n.border = newBorderIndex(acc.Country)
	}
	for i, e := range g.Edges {
		speed := e.SpeedKPH
		if acc.MaxKPH > 0 && acc.MaxKPH < speed {
			speed = acc.MaxKPH
		}
		n.costS[i] = e.LengthM / 1000 / speed * 3600
		n.allowed[i] = acc.CountryCode == "" || e.Country == "" || e.Country == acc.CountryCode
	}
	if n.border == nil {
		return n
	}
	// An edge that does not touch the boundary has all its points on one
	// side, so one containment test per component of such edges suffices.
	clean := make([]bool, len(g.Edges))
	for i, e := range g.Edges {
		if !n.allowed[i] {
			continue
		}
		clean[i] = true
		for k := 1; k < len(e.Geometry); k++ {
			if n.border.touches(e.Geometry[k-1], e.Geometry[k]) {
				clean[i] = false
				break
			}
		}
	}
	comp := make([]int, len(g.Nodes))
	for i := range comp {
		comp[i] = -1
	}
	adj := make([][]int, len(g.Nodes))
	for i, e := range g.Edges {
		if clean[i] {
			adj[e.From] = append(adj[e.From], e.To)
			adj[e.To] = append(adj[e.To], e.From)
		}
	}
	var inside []bool
	for s := range g.Nodes {
		if comp[s] >= 0 {
			continue
		}
		c := len(inside)
		inside = append(inside, planar.MultiPolygonContains(acc.Country, g.Nodes[s]))
		comp[s] = c
		stack := []int{s}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, w := range adj[v] {
				if comp[w] < 0 {
					comp[w] = c
					stack = append(stack, w)
				}
			}
		}
	}
	for i, e := range g.Edges {
		if !n.allowed[i] {
			continue
		}
		if clean[i] && inside[comp[e.From]] {
			continue
		}
		n.allowed[i] = n.lineOK(e.Geometry)
	}
	return n
}

// SegmentAllowed reports whether a team with this network's access may
// travel the straight segment a–b: every point of it must lie inside the
// team's country without touching the border, or within RadiusM of an
// allowed crossing.
func (n *Network) SegmentAllowed(a, b orb.Point) bool {
	if n.border == nil {
		return true
	}
	// Parts of the segment inside crossing discs, as parameter intervals.
	var cut [][2]float64
	for _, c := range n.acc.Crossings {
		if t0, t1, ok := discInterval(a, b, c.Point, 0.99*c.RadiusM); ok {
			cut = append(cut, [2]float64{t0, t1})
		}
	}
	if len(cut) == 0 {
		return !n.border.touches(a, b) && planar.MultiPolygonContains(n.acc.Country, a)
	}
	slices.SortFunc(cut, func(x, y [2]float64) int {
		if x[0] < y[0] {
			return -1
		}
		if x[0] > y[0] {
			return 1
		}
		return 0
	})
	at := func(t float64) orb.Point { return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])} }
	free := func(t0, t1 float64) bool { // the part [t0, t1] outside every disc
		p, q := at(t0), at(t1)
		return !n.border.touches(p, q) && planar.MultiPolygonContains(n.acc.Country, p)
	}
	pos := 0.0
	for _, iv := range cut {
		if iv[0] > pos && !free(pos, iv[0]) {
			return false
		}
		pos = math.Max(pos, iv[1])
	}
	return pos >= 1 || free(pos, 1)
}

// discInterval returns the parameter interval [t0, t1] ⊆ [0, 1] of the
// segment a–b that lies within radiusM of c, using an equirectangular
// projection at c, which is affine in lon/lat and so keeps the parameter.
func discInterval(a, b, c orb.Point, radiusM float64) (t0, t1 float64, ok bool) {
	const mPerDeg = 111_195.0
	k := math.Cos(c[1] * math.Pi / 180)
	ax, ay := (a[0]-c[0])*k*mPerDeg, (a[1]-c[1])*mPerDeg
	dx, dy := (b[0]-a[0])*k*mPerDeg, (b[1]-a[1])*mPerDeg
	qa := dx*dx + dy*dy
	qb := 2 * (ax*dx + ay*dy)
	qc := ax*ax + ay*ay - radiusM*radiusM
	if qa == 0 {
		return 0, 1, qc <= 0
	}
	disc := qb*qb - 4*qa*qc
	if disc < 0 {
		return 0, 0, false
	}
	sq := math.Sqrt(disc)
	t0, t1 = (-qb-sq)/(2*qa), (-qb+sq)/(2*qa)
	t0, t1 = math.Max(t0, 0), math.Min(t1, 1)
	return t0, t1, t0 <= t1
}

func (n *Network) lineOK(line orb.LineString) bool {
	for k := 1; k < len(line); k++ {
		if !n.SegmentAllowed(line[k-1], line[k]) {
			return false
		}
	}
	return true
}

// Inside reports whether p lies strictly inside the team's country or
// within an allowed crossing.
func (n *Network) Inside(p orb.Point) bool {
	return n.SegmentAllowed(p, p)
}

// borderIndex buckets the boundary segments of a multipolygon by lon/lat
// cells for fast segment intersection tests.
type borderIndex struct {
	cellDeg float64
	segs    [][2]orb.Point
	cells   map[[2]int32][]int32
}

func newBorderIndex(mp orb.MultiPolygon) *borderIndex {
	b := &borderIndex{cellDeg: 0.05, cells: map[[2]int32][]int32{}}
	for _, pg := range mp {
		for _, r := range pg {
			for k := 1; k < len(r); k++ {
				b.segs = append(b.segs, [2]orb.Point{r[k-1], r[k]})
			}
			if len(r) > 1 && r[0] != r[len(r)-1] {
				b.segs = append(b.segs, [2]orb.Point{r[len(r)-1], r[0]})
			}
		}
	}
	for i, s := range b.segs {
		b.cover(s[0], s[1], func(k [2]int32) { b.cells[k] = append(b.cells[k], int32(i)) })
	}
	return b
}

func (b *borderIndex) cover(p, q orb.Point, fn func([2]int32)) {
	x0 := int32(math.Floor(math.Min(p[0], q[0]) / b.cellDeg))
	x1 := int32(math.Floor(math.Max(p[0], q[0]) / b.cellDeg))
	y0 := int32(math.Floor(math.Min(p[1], q[1]) / b.cellDeg))
	y1 := int32(math.Floor(math.Max(p[1], q[1]) / b.cellDeg))
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			fn([2]int32{x, y})
		}
	}
}

// touches reports whether segment p–q intersects or touches the boundary.
func (b *borderIndex) touches(p, q orb.Point) bool {
	hit := false
	seen := map[int32]bool{}
	b.cover(p, q, func(k [2]int32) {
		if hit {
			return
		}
		for _, i := range b.cells[k] {
			if seen[i] {
				continue
			}
			seen[i] = true
			if segmentsIntersect(p, q, b.segs[i][0], b.segs[i][1]) {
				hit = true
				return
			}
		}
	})
	return hit
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether closed segments p1–p2 and q1–q2 share
// a point.
func segmentsIntersect(p1, p2, q1, q2 orb.Point) bool {
	d1 := orient(q1, q2, p1)
	d2 := orient(q1, q2, p2)
	d3 := orient(p1, p2, q1)
	d4 := orient(p1, p2, q2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(q1, q2, p1)) || (d2 == 0 && onSegment(q1, q2, p2)) ||
		(d3 == 0 && onSegment(p1, p2, q1)) || (d4 == 0 && onSegment(p1, p2, q2))
}

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
}

// ErrOffNetwork is returned for a point that no allowed off-road leg links
// to the network or to another point.
var ErrOffNetwork = errors.New("point cannot be linked to the road network")

func (n *Network) overlay(pts []orb.Point) *overlay {
	o := &overlay{n: n, pts: pts, base: len(n.g.Nodes), arcs: map[int][]arc{}}
	speed := n.acc.OffroadKPH
	leg := func(from, to int, a, b orb.Point) {
		d := orbgeo.DistanceHaversine(a, b)
		o.arcs[from] = append(o.arcs[from], arc{to: to, costS: d / 1000 / speed * 3600, edge: -1, lenM: d})
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

func (o *overlay) forEach(v int, fn func(a arc)) {
	if v < o.base {
		for _, ei := range o.n.g.out[v] {
			if o.n.allowed[ei] {
				e := &o.n.g.Edges[ei]
				fn(arc{to: e.To, costS: o.n.costS[ei], edge: ei, lenM: e.LengthM})
			}
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
	s.maxKPH = o.n.acc.OffroadKPH
	for i, e := range o.n.g.Edges {
		if o.n.allowed[i] {
			s.maxKPH = math.Max(s.maxKPH, e.LengthM/1000/o.n.costS[i]*3600)
		}
	}
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
// bound of the straight-line distance at the top speed.
func (s *search) run(ctx context.Context, src, target int, maxS float64) error {
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

// matrix returns travel times in seconds between the points; rows for
// points with sources[i] false, pairs without a way and pairs over maxS
// are +Inf.
func (r *router) matrix(ctx context.Context, sources []bool, maxS float64) (*Matrix, error) {
	pts := r.o.pts
	m := NewMatrix(len(pts))
	for i := range pts {
		for j := range pts {
			if i != j {
				m.Set(i, j, math.Inf(1))
			}
		}
	}
	for i := range pts {
		if sources != nil && !sources[i] {
			continue
		}
		if err := r.s.run(ctx, r.o.base+i, -1, maxS); err != nil {
			return nil, fmt.Errorf("travel matrix: %w", err)
		}
		for j := range pts {
			if j != i && r.s.dist[r.o.base+j] <= maxS {
				m.Set(i, j, r.s.dist[r.o.base+j])
			}
		}
	}
	return m, nil
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

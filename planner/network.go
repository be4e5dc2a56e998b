package planner

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

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
	// The allowed edges in compressed sparse rows by their start node:
	// the edges leaving node v are csrEdge[csrOff[v]:csrOff[v+1]].
	csrOff  []int32
	csrEdge []int32
	csrTo   []int32
	csrCost []float64
	csrLen  []float64
	// topKPH is the highest speed on an allowed edge or off the road.
	topKPH float64
}

// restrictCacheMax bounds the networks a Graph keeps.
const restrictCacheMax = 64

// Restrict returns the part of g that a team with the given access may use
// (see restrict). Networks are kept with the graph by the content of their
// access, so that a team planned again gets the same one at once.
func (g *Graph) Restrict(acc Access) *Network {
	key := accessKey(acc)
	g.netMu.Lock()
	n, ok := g.nets[key]
	g.netMu.Unlock()
	if ok {
		return n
	}
	n = g.restrict(acc)
	g.netMu.Lock()
	defer g.netMu.Unlock()
	if g.nets == nil || len(g.nets) >= restrictCacheMax {
		g.nets = map[string]*Network{}
	}
	g.nets[key] = n
	return n
}

// accessKey identifies an Access by its content: FNV-1a over every
// number of it and the country code.
func accessKey(acc Access) string {
	h := fnv.New64a()
	var buf [8]byte
	put := func(v float64) {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		h.Write(buf[:])
	}
	for _, pg := range acc.Country {
		put(math.NaN())
		for _, r := range pg {
			put(math.Inf(1))
			for _, p := range r {
				put(p[0])
				put(p[1])
			}
		}
	}
	for _, c := range acc.Crossings {
		put(c.Point[0])
		put(c.Point[1])
		put(c.RadiusM)
	}
	put(acc.MaxKPH)
	put(acc.OffroadKPH)
	put(acc.MaxOffroadM)
	put(float64(acc.Links))
	return fmt.Sprintf("%s|%d|%d|%x", acc.CountryCode, len(acc.Country), len(acc.Crossings), h.Sum64())
}

// buildCSR lays the allowed edges out by start node.
func (n *Network) buildCSR() {
	g := n.g
	n.csrOff = make([]int32, len(g.Nodes)+1)
	n.topKPH = n.acc.OffroadKPH
	for i, e := range g.Edges {
		if n.allowed[i] {
			n.csrOff[e.From+1]++
			if n.costS[i] > 0 {
				n.topKPH = math.Max(n.topKPH, e.LengthM/1000/n.costS[i]*3600)
			}
		}
	}
	for v := range g.Nodes {
		n.csrOff[v+1] += n.csrOff[v]
	}
	m := n.csrOff[len(g.Nodes)]
	n.csrEdge, n.csrTo, n.csrCost, n.csrLen = make([]int32, m), make([]int32, m), make([]float64, m), make([]float64, m)
	next := slices.Clone(n.csrOff[:len(g.Nodes)])
	for i, e := range g.Edges {
		if n.allowed[i] {
			k := next[e.From]
			next[e.From]++
			n.csrEdge[k], n.csrTo[k], n.csrCost[k], n.csrLen[k] = int32(i), int32(e.To), n.costS[i], e.LengthM
		}
	}
}

// restrict returns the part of g that a team with the given access may use.
// An edge is allowed when every point of it lies inside acc.Country without
// touching its boundary, or within an allowed crossing's radius (see
// SegmentAllowed); containment is tested with planar geometry in lon/lat,
// the way GeoJSON and PostGIS geometry read straight segments.
func (g *Graph) restrict(acc Access) *Network {
	n := g.restrictEdges(acc)
	n.buildCSR()
	return n
}

// restrictEdges decides which edges the access allows and their costs.
func (g *Graph) restrictEdges(acc Access) *Network {
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
		inside = append(inside, n.border.contains(g.Nodes[s]))
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
		return !n.border.touches(a, b) && n.border.contains(a)
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
		return !n.border.touches(p, q) && n.border.contains(p)
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
	cellDeg  float64
	segs     [][2]orb.Point
	cells    map[[2]int32][]int32
	maxCellX int32
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
	b.maxCellX = math.MinInt32
	for i, s := range b.segs {
		b.cover(s[0], s[1], func(k [2]int32) {
			b.cells[k] = append(b.cells[k], int32(i))
			b.maxCellX = max(b.maxCellX, k[0])
		})
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

// cellRange returns the cells a segment's box covers.
func (b *borderIndex) cellRange(p, q orb.Point) (x0, x1, y0, y1 int32) {
	x0 = int32(math.Floor(math.Min(p[0], q[0]) / b.cellDeg))
	x1 = int32(math.Floor(math.Max(p[0], q[0]) / b.cellDeg))
	y0 = int32(math.Floor(math.Min(p[1], q[1]) / b.cellDeg))
	y1 = int32(math.Floor(math.Max(p[1], q[1]) / b.cellDeg))
	return
}

// touches reports whether segment p–q intersects or touches the boundary.
// A boundary segment listed in several of the cells that p–q covers is
// tested only in the first of them, so nothing is allocated.
func (b *borderIndex) touches(p, q orb.Point) bool {
	qx0, qx1, qy0, qy1 := b.cellRange(p, q)
	for x := qx0; x <= qx1; x++ {
		for y := qy0; y <= qy1; y++ {
			for _, i := range b.cells[[2]int32{x, y}] {
				s := b.segs[i]
				sx0, _, sy0, _ := b.cellRange(s[0], s[1])
				if x != max(sx0, qx0) || y != max(sy0, qy0) {
					continue
				}
				if segmentsIntersect(p, q, s[0], s[1]) {
					return true
				}
			}
		}
	}
	return false
}

// contains reports whether p lies inside the multipolygon (even-odd rule
// over all rings, as planar.MultiPolygonContains for polygons that do not
// overlap), by counting the boundary segments that a ray from p towards
// +x crosses, through the cells of p's row; a point on the boundary may
// go either way (touches tells those apart).
func (b *borderIndex) contains(p orb.Point) bool {
	cx := int32(math.Floor(p[0] / b.cellDeg))
	cy := int32(math.Floor(p[1] / b.cellDeg))
	inside := false
	for x := cx; x <= b.maxCellX; x++ {
		for _, i := range b.cells[[2]int32{x, cy}] {
			s := b.segs[i]
			sx0, _, _, _ := b.cellRange(s[0], s[1])
			if x != max(sx0, cx) {
				continue
			}
			a, c := s[0], s[1]
			if (a[1] > p[1]) != (c[1] > p[1]) {
				if xi := a[0] + (p[1]-a[1])*(c[0]-a[0])/(c[1]-a[1]); xi > p[0] {
					inside = !inside
				}
			}
		}
	}
	return inside
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

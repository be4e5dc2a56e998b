package planner

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/borderwatch/borderwatch/geo"
)

// TrackOptions tune BorderTracks.
type TrackOptions struct {
	// InsetM is the distance of the tracks from the border; 0 means 3 km.
	InsetM float64
	// StepM is the spacing of track vertices; 0 means 2 km.
	StepM float64
	// SpeedKPH is the speed on the tracks; 0 means 25 km/h.
	SpeedKPH float64
	// SpurKPH is the speed on the links to the anchors; 0 means 30 km/h.
	SpurKPH float64
	// MaxSpurM is the longest link from an anchor to a track; 0 means 40 km.
	MaxSpurM float64
	// Country is the code given to the generated roads.
	Country string
}

// BorderTracks returns a synthetic track network on one country's side of
// its border lines, for demonstrations where no real road data exists: a
// track parallel to every border line at opt.InsetM inside the country,
// interrupted wherever it would leave the country or touch its boundary,
// and a straight link from every anchor (bases, crossings, towns) to the
// nearest track vertex within opt.MaxSpurM that it can reach without
// leaving the country. An anchor on the border line itself, such as a
// crossing, is linked up to that point. Every generated segment lies inside
// the country, apart from the end of a link at an anchor on the boundary.
// Geometry is computed in the geo LAEA projection and tested in lon/lat.
func BorderTracks(border orb.MultiLineString, country orb.MultiPolygon, anchors []orb.Point, opt TrackOptions) []Road {
	if opt.InsetM <= 0 {
		opt.InsetM = 3000
	}
	if opt.StepM <= 0 {
		opt.StepM = 2000
	}
	if opt.SpeedKPH <= 0 {
		opt.SpeedKPH = 25
	}
	if opt.SpurKPH <= 0 {
		opt.SpurKPH = 30
	}
	if opt.MaxSpurM <= 0 {
		opt.MaxSpurM = 40000
	}
	if len(country) == 0 {
		return nil
	}
	bi := newBorderIndex(country)
	inside := func(a, b orb.Point) bool {
		return !bi.touches(a, b) && planar.MultiPolygonContains(country, a)
	}
	var roads []Road
	var vertices []orb.Point
	emit := func(line orb.LineString) {
		if len(line) >= 2 {
			roads = append(roads, Road{Line: line, SpeedKPH: opt.SpeedKPH, Country: opt.Country})
			vertices = append(vertices, line...)
		}
	}
	for _, ls := range border {
		samples := resample(ls, opt.StepM)
		var cur orb.LineString
		for i, q := range samples {
			// Unit normal from the neighbouring samples.
			a, b := samples[max(i-1, 0)], samples[min(i+1, len(samples)-1)]
			dx, dy := b[0]-a[0], b[1]-a[1]
			l := math.Hypot(dx, dy)
			var p orb.Point
			ok := false
			if l > 0 {
				nx, ny := -dy/l, dx/l
				for _, sgn := range []float64{1, -1} {
					c := geo.Unproject(orb.Point{q[0] + sgn*nx*opt.InsetM, q[1] + sgn*ny*opt.InsetM})
					if planar.MultiPolygonContains(country, c) && !bi.touches(c, c) {
						if ok { // both sides inside: a narrow strip, skip
							ok = false
							break
						}
						p, ok = c, true
					}
				}
			}
			if ok && len(cur) > 0 && !inside(cur[len(cur)-1], p) {
				emit(cur)
				cur = nil
			}
			if !ok {
				emit(cur)
				cur = nil
				continue
			}
			cur = append(cur, p)
		}
		emit(cur)
	}
	grid := newPointGrid(vertices, 0.05)
	for _, a := range anchors {
		onBoundary := bi.touches(a, a)
		if !onBoundary && !planar.MultiPolygonContains(country, a) {
			continue
		}
		best, bestD := -1, math.Inf(1)
		grid.within(a, opt.MaxSpurM, func(i int) {
			v := vertices[i]
			d := distanceM(a, v)
			if d > opt.MaxSpurM || d >= bestD || d == 0 {
				return
			}
			from := a
			if onBoundary {
				// Leave the contact point itself out of the test.
				from = orb.Point{a[0] + 1e-3*(v[0]-a[0]), a[1] + 1e-3*(v[1]-a[1])}
			}
			if inside(from, v) && (!onBoundary || !bi.touches(from, v)) {
				best, bestD = i, d
			}
		})
		if best >= 0 {
			roads = append(roads, Road{Line: orb.LineString{a, vertices[best]}, SpeedKPH: opt.SpurKPH, Country: opt.Country})
		}
	}
	return roads
}

// resample returns points every stepM metres along ls, in LAEA metres,
// including both ends.
func resample(ls orb.LineString, stepM float64) []orb.Point {
	if len(ls) == 0 {
		return nil
	}
	proj := make([]orb.Point, len(ls))
	for i, p := range ls {
		proj[i] = geo.Project(p)
	}
	out := []orb.Point{proj[0]}
	carry := 0.0 // distance walked since the last sample
	for i := 1; i < len(proj); i++ {
		a, b := proj[i-1], proj[i]
		seg := math.Hypot(b[0]-a[0], b[1]-a[1])
		pos := stepM - carry
		for pos <= seg {
			f := pos / seg
			out = append(out, orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])})
			pos += stepM
		}
		carry = seg - (pos - stepM)
	}
	if last := proj[len(proj)-1]; out[len(out)-1] != last {
		out = append(out, last)
	}
	return out
}

// distanceM is the distance in metres between two lon/lat points, measured
// in the LAEA projection.
func distanceM(a, b orb.Point) float64 {
	p, q := geo.Project(a), geo.Project(b)
	return math.Hypot(p[0]-q[0], p[1]-q[1])
}

// ConnectOptions tune ConnectRoads.
type ConnectOptions struct {
	// GridM is the spacing of the waypoints that links are routed along;
	// 0 means 5 km.
	GridM float64
	// MaxWaypoints bounds the number of waypoints; GridM grows to keep
	// under it. 0 means 200000.
	MaxWaypoints int
	// SpeedKPH is the speed on the links; 0 means 40 km/h.
	SpeedKPH float64
	// Country is the code given to the links.
	Country string
}

// ConnectRoads returns synthetic links that join the roads and anchors of
// one country into one network wherever the country allows it: starting
// from the largest connected part, it repeatedly finds the nearest part
// not yet joined, by a shortest path inside the country over a grid of
// waypoints opt.GridM apart and the network's own vertices, and adds that
// path, straightened wherever a straight segment stays inside, as a link.
// This is Prim's algorithm over the parts with in-country distances, so
// every anchor and every piece of road that the country connects (no
// enclave or island) ends up on one network. Every segment of a link lies
// inside the country without touching its boundary, apart from the end of
// a link at an anchor or road vertex on the boundary, such as a crossing.
// Geometry is computed in the geo LAEA projection and tested in lon/lat.
func ConnectRoads(roads []Road, anchors []orb.Point, country orb.MultiPolygon, opt ConnectOptions) []Road {
	if opt.GridM <= 0 {
		opt.GridM = 5000
	}
	if opt.MaxWaypoints <= 0 {
		opt.MaxWaypoints = 200_000
	}
	if opt.SpeedKPH <= 0 {
		opt.SpeedKPH = 40
	}
	if len(country) == 0 {
		return nil
	}
	c := newConnector(country)
	for _, r := range roads {
		prev := -1
		for _, p := range r.Line {
			i := c.node(p)
			if prev >= 0 {
				c.union(prev, i)
			}
			prev = i
		}
	}
	for _, a := range anchors {
		c.node(a)
	}
	c.nodes = len(c.pts)
	if c.nodes == 0 {
		return nil
	}
	c.addWaypoints(opt.GridM, opt.MaxWaypoints)
	var out []Road
	for _, line := range c.connect() {
		out = append(out, Road{Line: line, SpeedKPH: opt.SpeedKPH, Country: opt.Country})
	}
	return out
}

// Position of a connector point relative to the country.
const (
	outside int8 = iota
	interior
	onBoundary
)

// connector holds the points of ConnectRoads: the network's vertices and
// anchors (the first nodes points), then the waypoints.
type connector struct {
	country orb.MultiPolygon
	bi      *borderIndex
	pts     []orb.Point // lon/lat
	xy      []orb.Point // LAEA metres
	state   []int8
	parent  []int // union-find over the nodes
	byPos   map[orb.Point]int
	nodes   int
	cellM   float64
	cells   map[[2]int64][]int
}

func newConnector(country orb.MultiPolygon) *connector {
	return &connector{country: country, bi: newBorderIndex(country), byPos: map[orb.Point]int{}}
}

// node returns the index of the node at p, adding it if it is new.
func (c *connector) node(p orb.Point) int {
	if i, ok := c.byPos[p]; ok {
		return i
	}
	st := outside
	switch {
	case c.bi.touches(p, p):
		st = onBoundary
	case planar.MultiPolygonContains(c.country, p):
		st = interior
	}
	return c.addPoint(p, geo.Project(p), st, true)
}

func (c *connector) addPoint(p, xy orb.Point, st int8, isNode bool) int {
	i := len(c.pts)
	c.pts = append(c.pts, p)
	c.xy = append(c.xy, xy)
	c.state = append(c.state, st)
	if isNode {
		c.byPos[p] = i
		c.parent = append(c.parent, i)
	}
	return i
}

func (c *connector) find(i int) int {
	for c.parent[i] != i {
		c.parent[i] = c.parent[c.parent[i]]
		i = c.parent[i]
	}
	return i
}

func (c *connector) union(i, j int) {
	if ri, rj := c.find(i), c.find(j); ri != rj {
		c.parent[ri] = rj
	}
}

// addWaypoints adds the grid points strictly inside the country, gridM
// apart in the projection (wider when there would be more than maxN).
func (c *connector) addWaypoints(gridM float64, maxN int) {
	var b orb.Bound
	first := true
	for _, pg := range c.country {
		for _, r := range pg {
			for _, p := range r {
				q := geo.Project(p)
				if first {
					b, first = orb.Bound{Min: q, Max: q}, false
				} else {
					b = b.Extend(q)
				}
			}
		}
	}
	cols := func(g float64) int { return int((b.Max[0]-b.Min[0])/g) + 1 }
	rows := func(g float64) int { return int((b.Max[1]-b.Min[1])/g) + 1 }
	for cols(gridM)*rows(gridM) > maxN {
		gridM *= 1.25
	}
	nc, nr := cols(gridM), rows(gridM)
	grid := make([]orb.Point, nc*nr)
	ok := make([]bool, nc*nr)
	for r := range nr {
		for k := range nc {
			p := geo.Unproject(orb.Point{b.Min[0] + float64(k)*gridM, b.Min[1] + float64(r)*gridM})
			grid[r*nc+k] = p
			ok[r*nc+k] = !c.bi.touches(p, p)
		}
	}
	// Grid points joined by segments that do not touch the boundary lie on
	// the same side of it: one containment test per such group.
	parent := make([]int, len(grid))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for r := range nr {
		for k := range nc {
			i := r*nc + k
			if !ok[i] {
				continue
			}
			for _, j := range []int{i + 1, i + nc} {
				if (j == i+1 && k+1 == nc) || j >= len(grid) || !ok[j] || c.bi.touches(grid[i], grid[j]) {
					continue
				}
				if ri, rj := find(i), find(j); ri != rj {
					parent[ri] = rj
				}
			}
		}
	}
	in := map[int]bool{}
	for i, p := range grid {
		if !ok[i] {
			continue
		}
		root := find(i)
		v, seen := in[root]
		if !seen {
			v = planar.MultiPolygonContains(c.country, p)
			in[root] = v
		}
		if v {
			c.addPoint(p, geo.Project(p), interior, false)
		}
	}
	c.cellM = 1.5 * gridM
	c.cells = map[[2]int64][]int{}
	for i, q := range c.xy {
		k := c.cellKey(q)
		c.cells[k] = append(c.cells[k], i)
	}
}

func (c *connector) cellKey(q orb.Point) [2]int64 {
	return [2]int64{int64(math.Floor(q[0] / c.cellM)), int64(math.Floor(q[1] / c.cellM))}
}

// near calls fn for every point within c.cellM of point i.
func (c *connector) near(i int, fn func(j int, d float64)) {
	q := c.xy[i]
	k := c.cellKey(q)
	for dx := int64(-1); dx <= 1; dx++ {
		for dy := int64(-1); dy <= 1; dy++ {
			for _, j := range c.cells[[2]int64{k[0] + dx, k[1] + dy}] {
				if d := math.Hypot(c.xy[j][0]-q[0], c.xy[j][1]-q[1]); j != i && d <= c.cellM {
					fn(j, d)
				}
			}
		}
	}
}

// segmentOK reports whether the straight segment between points i and j
// lies inside the country, an end on the boundary apart.
func (c *connector) segmentOK(i, j int) bool {
	si, sj := c.state[i], c.state[j]
	if si == outside || sj == outside {
		return false
	}
	a, b := c.pts[i], c.pts[j]
	if a == b {
		return false
	}
	nudge := func(p, towards orb.Point) orb.Point {
		return orb.Point{p[0] + 1e-3*(towards[0]-p[0]), p[1] + 1e-3*(towards[1]-p[1])}
	}
	a2, b2 := a, b
	if si == onBoundary {
		a2 = nudge(a, b)
	}
	if sj == onBoundary {
		b2 = nudge(b, a)
	}
	if c.bi.touches(a2, b2) {
		return false
	}
	if si == interior || sj == interior {
		return true
	}
	return planar.MultiPolygonContains(c.country, a2)
}

// connect joins the parts of the network, nearest first, and returns the
// links as lines.
func (c *connector) connect() []orb.LineString {
	size := map[int]int{}
	main := -1
	for i := range c.nodes {
		r := c.find(i)
		size[r]++
		if main < 0 || size[r] > size[main] || (size[r] == size[main] && r < main) {
			main = r
		}
	}
	joined := map[int]bool{main: true}
	dist := make([]float64, len(c.pts))
	prev := make([]int, len(c.pts))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	var q pq
	source := func(i int) {
		dist[i], prev[i] = 0, -1
		q.push(i, 0)
	}
	members := map[int][]int{}
	for i := range c.nodes {
		members[c.find(i)] = append(members[c.find(i)], i)
	}
	for _, i := range members[main] {
		source(i)
	}
	var links []orb.LineString
	for q.Len() > 0 {
		it := q.pop()
		v := it.v
		if it.cost > dist[v] {
			continue
		}
		if v < c.nodes && !joined[c.find(v)] {
			var path []int
			for u := v; u >= 0; u = prev[u] {
				path = append(path, u)
			}
			slices.Reverse(path)
			line := c.straighten(path)
			links = append(links, line)
			joined[c.find(v)] = true
			for _, i := range members[c.find(v)] {
				source(i)
			}
			for _, p := range line {
				if i, ok := c.byPos[p]; ok {
					source(i)
				}
			}
			for _, i := range path {
				if i >= c.nodes && slices.Contains(line, c.pts[i]) {
					source(i)
				}
			}
			continue
		}
		c.near(v, func(w int, d float64) {
			if nd := dist[v] + d; nd < dist[w] && c.segmentOK(v, w) {
				dist[w], prev[w] = nd, v
				q.push(w, nd)
			}
		})
	}
	return links
}

// straighten returns the path as a line, skipping points wherever a
// straight segment to a later point stays inside the country.
func (c *connector) straighten(path []int) orb.LineString {
	const lookahead = 64
	line := orb.LineString{c.pts[path[0]]}
	for i := 0; i < len(path)-1; {
		j := min(len(path)-1, i+lookahead)
		for ; j > i+1 && !c.segmentOK(path[i], path[j]); j-- {
		}
		line = append(line, c.pts[path[j]])
		i = j
	}
	return line
}

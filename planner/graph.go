package planner

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

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
	// Kind says how the road is known: "" or "mapped" for a mapped road,
	// "inferred" for a connector inferred where mapped roads break, and
	// "synthetic" for a track drawn where no mapped road reaches.
	Kind string
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
	// Kind is the kind of the road the edge belongs to (Road.Kind).
	Kind string
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
	netMu sync.Mutex
	nets  map[string]*Network // Restrict's networks by access
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
			g.Edges = append(g.Edges, Edge{From: from, To: to, LengthM: length, SpeedKPH: r.SpeedKPH, Country: r.Country, Kind: r.Kind, Geometry: line})
			if !r.Oneway {
				back := slices.Clone(line)
				slices.Reverse(back)
				g.Edges = append(g.Edges, Edge{From: to, To: from, LengthM: length, SpeedKPH: r.SpeedKPH, Country: r.Country, Kind: r.Kind, Geometry: back})
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
	exact map[orb.Point]int // with tolerance 0: positions by value
}

func newSnapper(tolM float64) *snapper {
	if tolM == 0 {
		return &snapper{exact: map[orb.Point]int{}}
	}
	return &snapper{tolM: tolM, cells: map[[2]int64][]int{}}
}

func (s *snapper) id(p orb.Point) int {
	if s.exact != nil {
		if id, ok := s.exact[p]; ok {
			return id
		}
		s.exact[p] = len(s.pos)
		s.pos = append(s.pos, p)
		return len(s.pos) - 1
	}
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

// Components returns, per node, the index of its weakly connected part:
// nodes joined by edges in either direction share it.
func Components(g *Graph) []int {
	comp := make([]int, len(g.Nodes))
	for i := range comp {
		comp[i] = -1
	}
	adj := make([][]int, len(g.Nodes))
	for _, e := range g.Edges {
		adj[e.From] = append(adj[e.From], e.To)
		adj[e.To] = append(adj[e.To], e.From)
	}
	c := 0
	for s := range g.Nodes {
		if comp[s] >= 0 {
			continue
		}
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
		c++
	}
	return comp
}

package geo

import (
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Hex is a cell of a HexGrid in axial coordinates (Q along the x axis, R
// along the rows). The third cube coordinate is S = −Q−R.
type Hex struct {
	Q, R int32
}

// Add returns the cell h + o (axial vector addition).
func (h Hex) Add(o Hex) Hex { return Hex{h.Q + o.Q, h.R + o.R} }

// Distance returns the number of steps between h and o on the grid:
// (|ΔQ| + |ΔR| + |ΔS|) / 2.
func (h Hex) Distance(o Hex) int {
	dq := int(h.Q - o.Q)
	dr := int(h.R - o.R)
	ds := -dq - dr
	return (absInt(dq) + absInt(dr) + absInt(ds)) / 2
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// sqrt3 is √3.
const sqrt3 = 1.7320508075688772

// HexGrid is a grid of pointy-top regular hexagons in the projected (LAEA)
// plane whose centres form a triangular lattice with spacing CellM metres
// between adjacent centres. Cell (0,0) is centred on the projection origin;
// the centre of cell (q,r) is x = CellM·(q + r/2), y = CellM·(√3/2)·r. Each
// hexagon has circumradius CellM/√3 and area (√3/2)·CellM².
// docs/statistics.md, "Hexagonal grid".
type HexGrid struct {
	CellM float64
}

// NewHexGrid returns the grid with centre-to-centre distance cellM, which
// must be a positive finite number of metres.
func NewHexGrid(cellM float64) (HexGrid, error) {
	if !(cellM > 0) || math.IsInf(cellM, 0) {
		return HexGrid{}, &ParamError{Param: "cell_m", Reason: "must be a positive number of metres"}
	}
	return HexGrid{CellM: cellM}, nil
}

// Center returns the projected centre of h in metres.
func (g HexGrid) Center(h Hex) (xM, yM float64) {
	return g.CellM * (float64(h.Q) + 0.5*float64(h.R)), g.CellM * (sqrt3 / 2) * float64(h.R)
}

// CellAreaM2 returns the area of one hexagon in square metres.
func (g HexGrid) CellAreaM2() float64 { return sqrt3 / 2 * g.CellM * g.CellM }

// Cell returns the hexagon that contains the projected point (x, y), which
// is the cell with the nearest centre (hexagons are the Voronoi cells of the
// lattice). Fractional cube coordinates are rounded and the component with
// the largest rounding error is recomputed from the other two, which keeps
// Q+R+S = 0 and gives the exact nearest centre.
func (g HexGrid) Cell(xM, yM float64) Hex {
	return hexCell(xM, yM, 1/g.CellM, 2/(sqrt3*g.CellM))
}

// hexCell is Cell with the reciprocals of the cell spacing (invCell) and
// of the row spacing (invRow) precomputed, for hot loops.
func hexCell(xM, yM, invCell, invRow float64) Hex {
	rf := yM * invRow
	qf := xM*invCell - rf/2
	sf := -qf - rf
	// RoundToEven compiles to one instruction on amd64 and arm64; ties
	// lie on cell edges, where either side is correct.
	q, r, s := math.RoundToEven(qf), math.RoundToEven(rf), math.RoundToEven(sf)
	dq, dr, ds := math.Abs(q-qf), math.Abs(r-rf), math.Abs(s-sf)
	switch {
	case dq > dr && dq > ds:
		q = -r - s
	case dr > ds:
		r = -q - s
	}
	return Hex{int32(q), int32(r)}
}

// Ring returns the projected outline of h as a closed ring of six vertices,
// counter-clockwise, starting at the top vertex.
func (g HexGrid) Ring(h Hex) orb.Ring {
	cx, cy := g.Center(h)
	rad := g.CellM / sqrt3
	ring := make(orb.Ring, 7)
	for i := 0; i < 6; i++ {
		a := math.Pi/2 + float64(i)*math.Pi/3
		ring[i] = orb.Point{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	ring[6] = ring[0]
	return ring
}

// LonLatRing returns the outline of h in WGS84 lon/lat degrees (the
// projected vertices unprojected).
func (g HexGrid) LonLatRing(h Hex) orb.Ring {
	ring := g.Ring(h)
	for i, p := range ring {
		ring[i] = Unproject(p)
	}
	return ring
}

// hexDirs are the six axial unit vectors, counter-clockwise from +x.
var hexDirs = [6]Hex{{1, 0}, {0, 1}, {-1, 1}, {-1, 0}, {0, -1}, {1, -1}}

// KRing returns every cell at most k steps from h (3k(k+1)+1 cells), h
// first, then ring by ring.
func KRing(h Hex, k int) []Hex {
	if k < 0 {
		return nil
	}
	out := make([]Hex, 0, 3*k*(k+1)+1)
	out = append(out, h)
	for ring := 1; ring <= k; ring++ {
		// Start ring steps in direction 4 and walk the six sides.
		c := Hex{h.Q + hexDirs[4].Q*int32(ring), h.R + hexDirs[4].R*int32(ring)}
		for side := 0; side < 6; side++ {
			for step := 0; step < ring; step++ {
				out = append(out, c)
				c = c.Add(hexDirs[side])
			}
		}
	}
	return out
}

// DiskOffsets returns the axial offsets of every cell whose centre lies
// within radiusM metres (inclusive) of a cell's centre, the cell itself
// (offset 0,0) first, in order of distance. The grid is translation
// invariant, so the offsets apply to every cell.
func (g HexGrid) DiskOffsets(radiusM float64) []Hex {
	if radiusM < 0 {
		return nil
	}
	k := int(math.Ceil(radiusM/(g.CellM*sqrt3/2))) + 1
	type cand struct {
		h  Hex
		d2 float64
	}
	var cs []cand
	r2 := radiusM * radiusM * (1 + 1e-12)
	for _, h := range KRing(Hex{}, k) {
		x, y := g.Center(h)
		if d2 := x*x + y*y; d2 <= r2 {
			cs = append(cs, cand{h, d2})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d2 < cs[j].d2 })
	out := make([]Hex, len(cs))
	for i, c := range cs {
		out[i] = c.h
	}
	return out
}

// Disk returns every cell whose centre lies within radiusM metres of the
// centre of h, h included.
func (g HexGrid) Disk(h Hex, radiusM float64) []Hex {
	offs := g.DiskOffsets(radiusM)
	for i := range offs {
		offs[i] = offs[i].Add(h)
	}
	return offs
}

// rowRange returns the rows whose centre y lies in [minY, maxY].
func (g HexGrid) rowRange(minY, maxY float64) (r0, r1 int) {
	dy := g.CellM * sqrt3 / 2
	return int(math.Ceil(minY / dy)), int(math.Floor(maxY / dy))
}

// qRange returns the q values of row r whose centre x lies in [minX, maxX].
func (g HexGrid) qRange(r int, minX, maxX float64) (q0, q1 int) {
	off := 0.5 * float64(r)
	return int(math.Ceil(minX/g.CellM - off)), int(math.Floor(maxX/g.CellM - off))
}

// CellsInBound returns every cell whose centre lies in the projected
// rectangle b (edges included), row by row from the south.
func (g HexGrid) CellsInBound(b orb.Bound) []Hex {
	var out []Hex
	r0, r1 := g.rowRange(b.Min[1], b.Max[1])
	for r := r0; r <= r1; r++ {
		q0, q1 := g.qRange(r, b.Min[0], b.Max[0])
		for q := q0; q <= q1; q++ {
			out = append(out, Hex{int32(q), int32(r)})
		}
	}
	return out
}

// CellsInPolygon returns every cell whose centre lies inside the projected
// multipolygon mp (outer rings minus holes, by the even-odd rule over all
// rings), row by row from the south. Each row is a scanline: the crossings of
// the ring edges with the row's y are sorted and the centres between
// alternate pairs are taken, so the cost is O(rows × edges), not O(cells ×
// edges). A centre exactly on an edge may fall either way.
func (g HexGrid) CellsInPolygon(mp orb.MultiPolygon) []Hex {
	b := mp.Bound()
	if len(mp) == 0 {
		return nil
	}
	var out []Hex
	var xs []float64
	r0, r1 := g.rowRange(b.Min[1], b.Max[1])
	for r := r0; r <= r1; r++ {
		_, y := g.Center(Hex{0, int32(r)})
		xs = xs[:0]
		for _, pg := range mp {
			for _, ring := range pg {
				for i := 0; i+1 < len(ring); i++ {
					a, c := ring[i], ring[i+1]
					if (a[1] > y) != (c[1] > y) {
						xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
					}
				}
			}
		}
		slices.Sort(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			q0, q1 := g.qRange(r, xs[i], xs[i+1])
			for q := q0; q <= q1; q++ {
				out = append(out, Hex{int32(q), int32(r)})
			}
		}
	}
	return out
}

// Corridor is the set of projected points within DistM metres of a set of
// projected polylines (a buffer around border lines). Distances are planar
// in the LAEA plane; segments are held in an R-tree so a query only visits
// the segments whose bounding box, widened by DistM, contains the point.
type Corridor struct {
	DistM float64
	segs  [][2]orb.Point
	tree  rtree.RTreeG[int32]
	bound orb.Bound
}

// NewCorridor builds the corridor of distM metres around the projected
// polylines lines. distM must be positive.
func NewCorridor(lines []orb.LineString, distM float64) (*Corridor, error) {
	if !(distM > 0) || math.IsInf(distM, 0) {
		return nil, &ParamError{Param: "corridor_km", Reason: "must be a positive distance"}
	}
	c := &Corridor{DistM: distM}
	first := true
	for _, ls := range lines {
		for i := 0; i+1 < len(ls); i++ {
			a, b := ls[i], ls[i+1]
			sb := orb.Bound{Min: a, Max: a}.Extend(b)
			c.tree.Insert(sb.Min, sb.Max, int32(len(c.segs)))
			c.segs = append(c.segs, [2]orb.Point{a, b})
			if first {
				c.bound, first = sb, false
			} else {
				c.bound = c.bound.Union(sb)
			}
		}
		if len(ls) == 1 {
			p := ls[0]
			c.tree.Insert(p, p, int32(len(c.segs)))
			c.segs = append(c.segs, [2]orb.Point{p, p})
			if first {
				c.bound, first = orb.Bound{Min: p, Max: p}, false
			} else {
				c.bound = c.bound.Extend(p)
			}
		}
	}
	if len(c.segs) == 0 {
		return nil, &ParamError{Param: "lines", Reason: "no border line to build a corridor around"}
	}
	return c, nil
}

// Bound returns the projected bounding box of the corridor (the lines'
// bound widened by DistM).
func (c *Corridor) Bound() orb.Bound { return c.bound.Pad(c.DistM) }

// Distance returns the planar distance in metres from p to the nearest line,
// or +Inf if it exceeds maxM (pass math.Inf(1) for no limit, at the cost of
// visiting every segment).
func (c *Corridor) Distance(p orb.Point, maxM float64) float64 {
	best2 := math.Inf(1)
	visit := func(_, _ [2]float64, i int32) bool {
		if d2 := segDist2(c.segs[i][0], c.segs[i][1], p); d2 < best2 {
			best2 = d2
		}
		return true
	}
	if math.IsInf(maxM, 1) {
		c.tree.Scan(visit)
	} else {
		c.tree.Search([2]float64{p[0] - maxM, p[1] - maxM}, [2]float64{p[0] + maxM, p[1] + maxM}, visit)
	}
	d := math.Sqrt(best2)
	if d > maxM {
		return math.Inf(1)
	}
	return d
}

// Contains reports whether p lies within DistM metres of a line.
func (c *Corridor) Contains(p orb.Point) bool {
	found := false
	lim2 := c.DistM * c.DistM
	c.tree.Search([2]float64{p[0] - c.DistM, p[1] - c.DistM}, [2]float64{p[0] + c.DistM, p[1] + c.DistM},
		func(_, _ [2]float64, i int32) bool {
			if segDist2(c.segs[i][0], c.segs[i][1], p) <= lim2 {
				found = true
				return false
			}
			return true
		})
	return found
}

// Cells returns every cell of g whose centre lies in the corridor, row by
// row from the south, in increasing Q within a row. The buffer of a segment
// is a convex capsule (a rectangle and two end discs), so its intersection
// with a row of centres is one interval; the intervals of all segments are
// merged per row, which costs O(segments × rows crossed) rather than a
// distance query per candidate centre. A centre within a rounding error of
// the buffer's edge may fall either way.
func (c *Corridor) Cells(g HexGrid) []Hex {
	b := c.Bound()
	r0, r1 := g.rowRange(b.Min[1], b.Max[1])
	if r1 < r0 {
		return nil
	}
	rows := make([][][2]float64, r1-r0+1)
	dy := g.CellM * sqrt3 / 2
	D := c.DistM
	for _, s := range c.segs {
		a, e := s[0], s[1]
		lo, hi := math.Min(a[1], e[1])-D, math.Max(a[1], e[1])+D
		ra, rb := int(math.Ceil(lo/dy)), int(math.Floor(hi/dy))
		for r := max(ra, r0); r <= min(rb, r1); r++ {
			y := float64(r) * dy
			if x0, x1, ok := capsuleChord(a, e, D, y); ok {
				rows[r-r0] = append(rows[r-r0], [2]float64{x0, x1})
			}
		}
	}
	var out []Hex
	for i, ivs := range rows {
		if len(ivs) == 0 {
			continue
		}
		r := r0 + i
		slices.SortFunc(ivs, func(p, q [2]float64) int {
			switch {
			case p[0] < q[0]:
				return -1
			case p[0] > q[0]:
				return 1
			}
			return 0
		})
		last := math.MinInt
		for _, iv := range ivs {
			q0, q1 := g.qRange(r, iv[0], iv[1])
			for q := max(q0, last+1); q <= q1; q++ {
				out = append(out, Hex{int32(q), int32(r)})
				last = q
			}
		}
	}
	return out
}

// capsuleChord returns the x-interval in which the horizontal line y meets
// the set of points within d of the segment a–b: the union of the chords of
// the two end discs and of the rectangle swept by the segment's normal,
// which is one interval because the capsule is convex.
func capsuleChord(a, b orb.Point, d, y float64) (x0, x1 float64, ok bool) {
	x0, x1 = math.Inf(1), math.Inf(-1)
	add := func(x float64) {
		x0 = math.Min(x0, x)
		x1 = math.Max(x1, x)
	}
	for _, p := range [2]orb.Point{a, b} {
		if h := d*d - (y-p[1])*(y-p[1]); h >= 0 {
			w := math.Sqrt(h)
			add(p[0] - w)
			add(p[0] + w)
		}
	}
	dx, dy := b[0]-a[0], b[1]-a[1]
	if l := math.Hypot(dx, dy); l > 0 {
		nx, ny := -dy/l*d, dx/l*d
		quad := [5]orb.Point{{a[0] + nx, a[1] + ny}, {b[0] + nx, b[1] + ny}, {b[0] - nx, b[1] - ny}, {a[0] - nx, a[1] - ny}}
		quad[4] = quad[0]
		for i := 0; i < 4; i++ {
			p, q := quad[i], quad[i+1]
			if (p[1] <= y && y <= q[1]) || (q[1] <= y && y <= p[1]) {
				if p[1] == q[1] {
					add(p[0])
					add(q[0])
				} else {
					add(p[0] + (y-p[1])*(q[0]-p[0])/(q[1]-p[1]))
				}
			}
		}
	}
	return x0, x1, x0 <= x1
}

// segDist2 is the squared planar distance from p to the segment a–b.
func segDist2(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	px, py := p[0]-a[0], p[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 > 0 {
		t := (px*dx + py*dy) / l2
		if t > 1 {
			t = 1
		} else if t < 0 {
			t = 0
		}
		px -= t * dx
		py -= t * dy
	}
	return px*px + py*py
}

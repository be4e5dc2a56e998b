package geo

import (
	"context"
	"math"
	"slices"
)

// Noise is the DBSCAN label of a point that belongs to no cluster.
const Noise = -1

// DBSCANResult is the outcome of DBSCAN on n points.
type DBSCANResult struct {
	// Labels holds each point's cluster, 0…NClusters−1, or Noise.
	Labels []int32
	// Core reports whether each point is a core point.
	Core []bool
	// NClusters is the number of clusters.
	NClusters int
}

// Members returns the indices of the points of every cluster, in increasing
// order; Members()[c] belongs to cluster c.
func (r *DBSCANResult) Members() [][]int32 {
	out := make([][]int32, r.NClusters)
	for i, l := range r.Labels {
		if l >= 0 {
			out[l] = append(out[l], int32(i))
		}
	}
	return out
}

// DBSCAN clusters projected points (Ester, Kriegel, Sander & Xu 1996) with
// the semantics of PostGIS ST_ClusterDBSCAN(geom, eps, minpoints):
//
//   - a point is a core point when at least minPoints points, itself
//     included, lie within epsM of it (distance ≤ epsM);
//   - core points within epsM of each other are in the same cluster,
//     transitively;
//   - a non-core point within epsM of a core point is a border point and
//     joins the cluster of its nearest core point (ties: the lowest index);
//     PostGIS takes whichever it meets first, so only the partition of the
//     core points, the number of clusters and the set of clustered points
//     are comparable with it;
//   - every other point is noise.
//
// Clusters are numbered in the order of their lowest-indexed point. Points
// are bucketed in squares of side eps/√2, so a point only meets the points
// of its 5×5 block, a square holding minPoints points is core without
// counting, and two squares are joined by the first pair of core points
// within eps.
//
// DBSCAN checks ctx every ctxCheckEvery squares of the grid and returns
// ctx's error once it is done. docs/statistics.md, "DBSCAN".
func DBSCAN(ctx context.Context, pts [][2]float64, epsM float64, minPoints int) (DBSCANResult, error) {
	if !(epsM > 0) || math.IsInf(epsM, 0) {
		return DBSCANResult{}, &ParamError{Param: "eps_m", Reason: "must be a positive number of metres"}
	}
	if minPoints < 1 {
		return DBSCANResult{}, &ParamError{Param: "min_points", Reason: "must be at least 1"}
	}
	if err := ctx.Err(); err != nil {
		return DBSCANResult{}, err
	}
	n := len(pts)
	res := DBSCANResult{Labels: make([]int32, n), Core: make([]bool, n)}
	if n == 0 {
		return res, nil
	}
	// Squares of side eps/√2: two points in the same square are within
	// eps, and the points within eps of a square lie in its 5×5 block.
	d := &dbscan{g: newPointGrid(pts, epsM/math.Sqrt2), eps2: epsM * epsM, minPoints: minPoints}
	if err := d.corePoints(ctx); err != nil {
		return DBSCANResult{}, err
	}
	for k, o := range d.g.order {
		res.Core[o] = d.core[k]
	}
	if err := d.joinCores(ctx); err != nil {
		return DBSCANResult{}, err
	}
	root, err := d.borderRoots(ctx)
	if err != nil {
		return DBSCANResult{}, err
	}
	// Labels in the order of each cluster's lowest original index.
	byOrig := make([]int32, n)
	for k, o := range d.g.order {
		byOrig[o] = root[k]
	}
	label := make(map[int32]int32)
	for i, r := range byOrig {
		if r < 0 {
			res.Labels[i] = Noise
			continue
		}
		l, ok := label[r]
		if !ok {
			l = int32(len(label))
			label[r] = l
		}
		res.Labels[i] = l
	}
	res.NClusters = len(label)
	return res, nil
}

// dbscan is the state of one DBSCAN run, by grid position.
type dbscan struct {
	g         *pointGrid
	eps2      float64
	minPoints int
	core      []bool  // core point
	parent    []int32 // union-find forest of the core points
}

// corePoints is pass 1: a square holding minPoints points is all core;
// elsewhere each point counts its neighbours until minPoints is reached.
// It checks ctx every ctxCheckEvery squares.
func (d *dbscan) corePoints(ctx context.Context) error {
	g, minPoints, pts, eps2 := d.g, d.minPoints, d.g.pts, d.eps2
	within := func(a, b int32) bool {
		p, q := pts[a], pts[b]
		dx, dy := p[0]-q[0], p[1]-q[1]
		return dx*dx+dy*dy <= eps2
	}
	core := make([]bool, len(g.pts))
	d.core = core
	parallelRange(len(g.cells), func(lo, hi int) {
		var blk [25][2]int32
		for c := lo; c < hi; c++ {
			if (c-lo)%ctxCheckEvery == 0 && ctx.Err() != nil {
				return
			}
			cell := g.cells[c]
			if int(cell.end-cell.start) >= minPoints {
				for k := cell.start; k < cell.end; k++ {
					core[k] = true
				}
				continue
			}
			nb := g.block(c, &blk)
			for k := cell.start; k < cell.end; k++ {
				cnt := 0
			count:
				for _, r := range nb {
					for m := r[0]; m < r[1]; m++ {
						if within(k, m) {
							if cnt++; cnt >= minPoints {
								break count
							}
						}
					}
				}
				core[k] = cnt >= minPoints
			}
		}
	})
	return ctx.Err()
}

// findRoot returns the root of i in the union-find forest parent,
// halving the path on the way.
func findRoot(parent []int32, i int32) int32 {
	for parent[i] != i {
		parent[i] = parent[parent[i]]
		i = parent[i]
	}
	return i
}

// unionRoots joins the trees of a and b; the smaller root becomes the
// root of both.
func unionRoots(parent []int32, a, b int32) {
	if a, b = findRoot(parent, a), findRoot(parent, b); a != b {
		if a < b {
			parent[b] = a
		} else {
			parent[a] = b
		}
	}
}

// joinCores is pass 2: core points of one square are all connected; two
// squares are joined when any pair of their core points is within eps.
// It checks ctx every ctxCheckEvery squares.
func (d *dbscan) joinCores(ctx context.Context) error {
	g, core, pts, eps2 := d.g, d.core, d.g.pts, d.eps2
	within := func(a, b int32) bool {
		p, q := pts[a], pts[b]
		dx, dy := p[0]-q[0], p[1]-q[1]
		return dx*dx+dy*dy <= eps2
	}
	parent := make([]int32, len(g.pts))
	for i := range parent {
		parent[i] = int32(i)
	}
	d.parent = parent
	firstCore := make([]int32, len(g.cells)) // per square, its first core point; −1: none
	for c, cell := range g.cells {
		firstCore[c] = -1
		for k := cell.start; k < cell.end; k++ {
			if core[k] {
				if firstCore[c] < 0 {
					firstCore[c] = k
				} else {
					unionRoots(parent, firstCore[c], k)
				}
			}
		}
	}
	var blkIdx [25]int32
	for c := range g.cells {
		if c%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if firstCore[c] < 0 {
			continue
		}
		cell := g.cells[c]
		for _, c2 := range g.blockCells(c, &blkIdx) {
			if int(c2) <= c || firstCore[c2] < 0 || findRoot(parent, firstCore[c]) == findRoot(parent, firstCore[c2]) {
				continue
			}
			other := g.cells[c2]
		pair:
			for k := cell.start; k < cell.end; k++ {
				if !core[k] {
					continue
				}
				for m := other.start; m < other.end; m++ {
					if core[m] && within(k, m) {
						unionRoots(parent, k, m)
						break pair
					}
				}
			}
		}
	}
	return nil
}

// borderRoots is pass 3: it returns, by grid position, the cluster root of
// every point: a core point's own root, a border point the root of its
// nearest core point (ties: the lowest input index), −1 for noise. It
// checks ctx every ctxCheckEvery squares.
func (d *dbscan) borderRoots(ctx context.Context) ([]int32, error) {
	g, core, parent, eps2 := d.g, d.core, d.parent, d.eps2
	root := make([]int32, len(g.pts))
	var blk [25][2]int32
	for c := range g.cells {
		if c%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		nb := g.block(c, &blk)
		for k := g.cells[c].start; k < g.cells[c].end; k++ {
			if core[k] {
				root[k] = findRoot(parent, k)
				continue
			}
			p := g.pts[k]
			best, bestD2, bestIdx := int32(-1), math.Inf(1), int32(math.MaxInt32)
			for _, r := range nb {
				for m := r[0]; m < r[1]; m++ {
					if !core[m] {
						continue
					}
					q := g.pts[m]
					dx, dy := p[0]-q[0], p[1]-q[1]
					d2 := dx*dx + dy*dy
					if d2 <= eps2 && (d2 < bestD2 || (d2 == bestD2 && g.order[m] < bestIdx)) {
						best, bestD2, bestIdx = m, d2, g.order[m]
					}
				}
			}
			if best >= 0 {
				root[k] = findRoot(parent, best)
			} else {
				root[k] = -1
			}
		}
	}
	return root, nil
}

// pointGrid buckets points in squares of side s: pts are the points sorted
// by square, order maps a sorted position back to the input index, and
// cells lists the occupied squares with their ranges.
type pointGrid struct {
	pts   [][2]float64
	order []int32
	cells []gridCell
	index map[[2]int64]int32
}

type gridCell struct {
	key        [2]int64
	start, end int32
}

func newPointGrid(pts [][2]float64, s float64) *pointGrid {
	n := len(pts)
	type kp struct {
		key [2]int64
		i   int32
	}
	keys := make([]kp, n)
	for i, p := range pts {
		keys[i] = kp{[2]int64{int64(math.Floor(p[0] / s)), int64(math.Floor(p[1] / s))}, int32(i)}
	}
	slices.SortFunc(keys, func(a, b kp) int {
		switch {
		case a.key[0] != b.key[0]:
			return cmpInt64(a.key[0], b.key[0])
		case a.key[1] != b.key[1]:
			return cmpInt64(a.key[1], b.key[1])
		}
		return int(a.i - b.i)
	})
	g := &pointGrid{pts: make([][2]float64, n), order: make([]int32, n), index: make(map[[2]int64]int32)}
	for k, e := range keys {
		g.pts[k] = pts[e.i]
		g.order[k] = e.i
		if k == 0 || e.key != keys[k-1].key {
			g.index[e.key] = int32(len(g.cells))
			g.cells = append(g.cells, gridCell{key: e.key, start: int32(k)})
		}
		g.cells[len(g.cells)-1].end = int32(k + 1)
	}
	return g
}

func cmpInt64(a, b int64) int {
	if a < b {
		return -1
	}
	return 1
}

// blockCells returns the occupied squares of the 5×5 block around square
// c (c included).
func (g *pointGrid) blockCells(c int, buf *[25]int32) []int32 {
	out := buf[:0]
	k := g.cells[c].key
	for dx := int64(-2); dx <= 2; dx++ {
		for dy := int64(-2); dy <= 2; dy++ {
			if j, ok := g.index[[2]int64{k[0] + dx, k[1] + dy}]; ok {
				out = append(out, j)
			}
		}
	}
	return out
}

// block returns the point ranges of the occupied squares of the 5×5 block
// around square c.
func (g *pointGrid) block(c int, buf *[25][2]int32) [][2]int32 {
	var idx [25]int32
	out := buf[:0]
	for _, j := range g.blockCells(c, &idx) {
		out = append(out, [2]int32{g.cells[j].start, g.cells[j].end})
	}
	return out
}

// ConvexHull returns the convex hull of pts (Andrew's monotone chain) as a
// closed counter-clockwise ring; collinear points are dropped. Fewer than
// three distinct points give a degenerate ring of those points.
func ConvexHull(pts [][2]float64) [][2]float64 {
	ps := slices.Clone(pts)
	slices.SortFunc(ps, func(a, b [2]float64) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		case a[1] < b[1]:
			return -1
		case a[1] > b[1]:
			return 1
		}
		return 0
	})
	ps = slices.Compact(ps)
	if len(ps) == 0 {
		return nil
	}
	if len(ps) < 3 {
		return append(ps, ps[0])
	}
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	hull := make([][2]float64, 0, 2*len(ps))
	for _, p := range ps {
		for len(hull) >= 2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	lower := len(hull) + 1
	for i := len(ps) - 2; i >= 0; i-- {
		p := ps[i]
		for len(hull) >= lower && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	return hull
}

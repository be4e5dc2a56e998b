package geo

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// Area is an analysis area in WGS84 lon/lat. Exactly one of Lines, BBox and
// Polygon is set. The cells of an area are those whose centres lie inside
// it in the LAEA plane.
type Area struct {
	// Lines are border lines; the area is the corridor of CorridorKM around
	// them (planar distance in the LAEA plane).
	Lines      []orb.LineString
	CorridorKM float64
	// BBox is a lon/lat box; its edges are followed densely, so the area
	// is exactly the points whose lon/lat lie in the box.
	BBox *orb.Bound
	// Polygon is a lon/lat (multi)polygon, e.g. a sector; its vertices
	// are projected and its edges are straight in the LAEA plane, as with
	// PostGIS ST_Transform.
	Polygon orb.MultiPolygon
}

// DefaultCorridorKM is the default width of the corridor around the border
// lines, on each side.
const DefaultCorridorKM = 50

func (a *Area) validate() error {
	set := 0
	if len(a.Lines) > 0 {
		set++
		if !(a.CorridorKM > 0) || a.CorridorKM > 1000 {
			return &ParamError{Param: "corridor_km", Reason: "must be a distance in (0, 1000] km"}
		}
		for _, ls := range a.Lines {
			for _, p := range ls {
				if !ValidLonLat(p) {
					return &ParamError{Param: "lines", Reason: "a border line has an invalid lon/lat"}
				}
			}
		}
	}
	if a.BBox != nil {
		set++
		b := *a.BBox
		if !ValidLonLat(b.Min) || !ValidLonLat(b.Max) || b.Min[0] >= b.Max[0] || b.Min[1] >= b.Max[1] {
			return &ParamError{Param: "bbox", Reason: "must be a non-empty lon/lat box"}
		}
	}
	if len(a.Polygon) > 0 {
		set++
		for _, pg := range a.Polygon {
			for _, r := range pg {
				for _, p := range r {
					if !ValidLonLat(p) {
						return &ParamError{Param: "polygon", Reason: "a vertex has an invalid lon/lat"}
					}
				}
			}
		}
	}
	switch set {
	case 0:
		return &ParamError{Param: "area", Reason: "give border lines, a bbox or a polygon"}
	case 1:
		return nil
	}
	return &ParamError{Param: "area", Reason: "give only one of border lines, bbox and polygon"}
}

// key hashes the area's contents with seed. Border lines have thousands
// of points and are hashed on every query, so the coordinates go to the
// hash through a fixed buffer, a block at a time, rather than value by
// value.
func (a *Area) key(seed maphash.Seed) uint64 {
	var kh keyHash
	kh.h.SetSeed(seed)
	switch {
	case len(a.Lines) > 0:
		kh.tag('L')
		kh.put(a.CorridorKM)
		for _, ls := range a.Lines {
			kh.put(float64(len(ls)))
			kh.points(ls)
		}
	case a.BBox != nil:
		kh.tag('B')
		kh.points([]orb.Point{a.BBox.Min, a.BBox.Max})
	default:
		kh.tag('P')
		for _, pg := range a.Polygon {
			kh.put(float64(len(pg)))
			for _, r := range pg {
				kh.put(float64(len(r)))
				kh.points(r)
			}
		}
	}
	kh.flush()
	return kh.h.Sum64()
}

// keyHash feeds Area.key's hash through a fixed buffer.
type keyHash struct {
	h   maphash.Hash
	buf [2048]byte
	n   int
}

func (k *keyHash) flush() {
	k.h.Write(k.buf[:k.n])
	k.n = 0
}

func (k *keyHash) tag(c byte) {
	if k.n == len(k.buf) {
		k.flush()
	}
	k.buf[k.n] = c
	k.n++
}

func (k *keyHash) put(v float64) {
	if k.n+8 > len(k.buf) {
		k.flush()
	}
	binary.LittleEndian.PutUint64(k.buf[k.n:], math.Float64bits(v))
	k.n += 8
}

// points puts the coordinates of pts, lon then lat of each.
func (k *keyHash) points(pts []orb.Point) {
	for _, p := range pts {
		if k.n+16 > len(k.buf) {
			k.flush()
		}
		b := k.buf[k.n : k.n+16]
		binary.LittleEndian.PutUint64(b, math.Float64bits(p[0]))
		binary.LittleEndian.PutUint64(b[8:], math.Float64bits(p[1]))
		k.n += 16
	}
}

// projected returns the area's projected bounding box and a function that
// lists its cells for grid g.
func (a *Area) projected() (orb.Bound, func(HexGrid) []Hex, error) {
	switch {
	case len(a.Lines) > 0:
		var lines []orb.LineString
		for _, ls := range a.Lines {
			lines = append(lines, ProjectLineString(ls))
		}
		c, err := NewCorridor(lines, a.CorridorKM*1000)
		if err != nil {
			return orb.Bound{}, nil, err
		}
		return c.Bound(), c.Cells, nil
	case a.BBox != nil:
		mp := orb.MultiPolygon{{densifiedBoxRing(*a.BBox)}}
		return mp.Bound(), func(g HexGrid) []Hex { return g.CellsInPolygon(mp) }, nil
	default:
		mp := ProjectMultiPolygon(a.Polygon)
		return mp.Bound(), func(g HexGrid) []Hex { return cellsInAnyPolygon(g, mp) }, nil
	}
}

// cellsInAnyPolygon returns the cells of g whose centres lie in some
// polygon of mp (each with its holes), row by row as CellsInPolygon does.
// For a valid multipolygon, whose parts do not overlap, that is
// CellsInPolygon(mp); where parts overlap (a union of sectors) the overlap
// counts once, as planar.MultiPolygonContains has it, rather than cancel
// out by the even-odd rule.
func cellsInAnyPolygon(g HexGrid, mp orb.MultiPolygon) []Hex {
	if len(mp) <= 1 {
		return g.CellsInPolygon(mp)
	}
	var out []Hex
	for _, pg := range mp {
		out = append(out, g.CellsInPolygon(orb.MultiPolygon{pg})...)
	}
	slices.SortFunc(out, func(a, b Hex) int {
		if a.R != b.R {
			return cmp.Compare(a.R, b.R)
		}
		return cmp.Compare(a.Q, b.Q)
	})
	return slices.Compact(out)
}

// densifiedBoxRing returns the projected outline of a lon/lat box with
// each edge split into segments of at most 0.01°, so the outline follows
// the curved meridians and parallels to well under a metre.
func densifiedBoxRing(b orb.Bound) orb.Ring {
	corners := [5]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
	var ring orb.Ring
	for i := 0; i < 4; i++ {
		p, q := corners[i], corners[i+1]
		n := int(math.Ceil(math.Max(math.Abs(q[0]-p[0]), math.Abs(q[1]-p[1])) / 0.01))
		n = max(n, 1)
		for k := 0; k < n; k++ {
			f := float64(k) / float64(n)
			ring = append(ring, Project(orb.Point{p[0] + f*(q[0]-p[0]), p[1] + f*(q[1]-p[1])}))
		}
	}
	return append(ring, ring[0])
}

// areaGrid is the analysis grid of one area: its cells, a lookup from cell
// to index, the Gi* neighbour lists and the cells' geometry in lon/lat. It
// is immutable once built and shared between queries.
type areaGrid struct {
	grid    HexGrid
	radiusM float64
	cells   []Hex
	xy      [][2]float64 // centres in LAEA metres
	bound   orb.Bound    // of the centres, widened by a cell
	nb      *Neighbors   // cells within radiusM, self first
	// dense lookup over [q0, q0+w) × [r0, r0+h); −1 = not in the area.
	q0, r0, w, h int32
	dense        []int32
	sparse       map[Hex]int32

	geoOnce sync.Once
	lonLat  [][2]float64
	rings   []orb.Ring
}

func newAreaGrid(g HexGrid, cells []Hex, radiusM float64) *areaGrid {
	ag := &areaGrid{grid: g, radiusM: radiusM, cells: cells, xy: make([][2]float64, len(cells))}
	if len(cells) == 0 {
		ag.nb = &Neighbors{Start: []int32{0}}
		return ag
	}
	qmin, qmax, rmin, rmax := cells[0].Q, cells[0].Q, cells[0].R, cells[0].R
	for i, c := range cells {
		qmin, qmax = min(qmin, c.Q), max(qmax, c.Q)
		rmin, rmax = min(rmin, c.R), max(rmax, c.R)
		x, y := g.Center(c)
		ag.xy[i] = [2]float64{x, y}
		if i == 0 {
			ag.bound = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}
		} else {
			ag.bound = ag.bound.Extend(orb.Point{x, y})
		}
	}
	ag.bound = ag.bound.Pad(g.CellM)
	ag.q0, ag.r0, ag.w, ag.h = qmin, rmin, qmax-qmin+1, rmax-rmin+1
	if span := int64(ag.w) * int64(ag.h); span <= 16*int64(len(cells))+4096 {
		ag.dense = make([]int32, span)
		for i := range ag.dense {
			ag.dense[i] = -1
		}
		for i, c := range cells {
			ag.dense[(c.R-ag.r0)*ag.w+(c.Q-ag.q0)] = int32(i)
		}
	} else {
		ag.sparse = make(map[Hex]int32, len(cells))
		for i, c := range cells {
			ag.sparse[c] = int32(i)
		}
	}
	offs := g.DiskOffsets(radiusM)
	nb := &Neighbors{Start: make([]int32, len(cells)+1), Idx: make([]int32, 0, len(cells)*len(offs))}
	for i, c := range cells {
		for _, o := range offs {
			if j := ag.index(c.Add(o)); j >= 0 {
				nb.Idx = append(nb.Idx, j)
			}
		}
		nb.Start[i+1] = int32(len(nb.Idx))
	}
	ag.nb = nb
	return ag
}

// index returns the index of cell h in the area, or −1.
func (ag *areaGrid) index(h Hex) int32 {
	if ag.dense != nil {
		q, r := h.Q-ag.q0, h.R-ag.r0
		if q < 0 || r < 0 || q >= ag.w || r >= ag.h {
			return -1
		}
		return ag.dense[r*ag.w+q]
	}
	if i, ok := ag.sparse[h]; ok {
		return i
	}
	return -1
}

// geometry returns the cells' centres and outlines in lon/lat, computed
// once.
func (ag *areaGrid) geometry() ([][2]float64, []orb.Ring) {
	ag.geoOnce.Do(func() {
		ag.lonLat = make([][2]float64, len(ag.cells))
		ag.rings = make([]orb.Ring, len(ag.cells))
		parallelRange(len(ag.cells), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				lon, lat := UnprojectXY(ag.xy[i][0], ag.xy[i][1])
				ag.lonLat[i] = [2]float64{lon, lat}
				ag.rings[i] = ag.grid.LonLatRing(ag.cells[i])
			}
		})
	})
	return ag.lonLat, ag.rings
}

// gridKey identifies a cached areaGrid.
type gridKey struct {
	cellM, radiusM float64
	area           uint64
}

// gridCacheSize is the number of analysis grids an Index keeps.
const gridCacheSize = 16

// gridCache keeps the most recently used analysis grids. The zero value is
// ready to use.
type gridCache struct {
	mu      sync.Mutex
	entries []gridEntry
	tick    uint64
	seed    maphash.Seed // of the area keys, set on first use
	seeded  bool
}

// areaKey returns the key of area in this cache.
func (c *gridCache) areaKey(area *Area) uint64 {
	c.mu.Lock()
	if !c.seeded {
		c.seed, c.seeded = maphash.MakeSeed(), true
	}
	seed := c.seed
	c.mu.Unlock()
	return area.key(seed)
}

type gridEntry struct {
	key  gridKey
	grid *areaGrid
	used uint64
}

func (c *gridCache) get(k gridKey, build func() (*areaGrid, error)) (*areaGrid, error) {
	c.mu.Lock()
	c.tick++
	for i := range c.entries {
		if c.entries[i].key == k {
			c.entries[i].used = c.tick
			g := c.entries[i].grid
			c.mu.Unlock()
			return g, nil
		}
	}
	c.mu.Unlock()
	g, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := gridEntry{key: k, grid: g, used: c.tick}
	if len(c.entries) < gridCacheSize {
		c.entries = append(c.entries, e)
		return g, nil
	}
	oldest := 0
	for i := range c.entries {
		if c.entries[i].used < c.entries[oldest].used {
			oldest = i
		}
	}
	c.entries[oldest] = e
	return g, nil
}

package geo

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// TrackSegment is a piece of a team's track between two consecutive fixes
// (lon/lat degrees) that counts as patrol effort: Hours is the time between
// the fixes.
type TrackSegment struct {
	TeamID   int
	From, To [2]float64
	Hours    float64
}

// CellEffort is the patrol effort spent in one hexagonal cell: the
// kilometres of track inside it (measured in the LAEA plane, LAEAProj4),
// the hours of presence, and the distinct teams whose track touched it.
type CellEffort struct {
	Hex      Hex
	XM, YM   float64 // the cell's centre in the LAEA projection
	KM       float64
	Hours    float64
	Teams    int
	Segments int // segments with a positive share in the cell
}

// EffortByCell spreads the segments over the cells of grid and returns the
// cells with any effort, ordered by (R, Q). Each segment is a straight
// line in the LAEA plane between its projected fixes (the line PostGIS
// draws after ST_Transform(geom, LAEAProj4)); the part of it inside a cell
// is found by clipping it against the cell's hexagon, the intersection of
// three slabs |n_k·(p−c)| ≤ CellM/2 with n_k at 0°, 60° and 120°
// (Liang–Barsky). A cell gets the part's planar length and the same share
// of the segment's hours (a team moves at constant speed between fixes);
// a segment of zero length (the team stood still) puts all its hours in
// the cell of its point. The shares of a segment sum to one, so the
// cells' hours add up to the segments' hours and their kilometres to the
// segments' planar lengths. LAEA is equal-area, not equidistant: within
// 500 km of its centre (38° N, 68° E) a planar length is within 0.1 % of
// the geodesic one.
func EffortByCell(ctx context.Context, grid HexGrid, segs []TrackSegment) ([]CellEffort, error) {
	type acc struct {
		km, hours float64
		teams     map[int]struct{}
		segments  int
	}
	cells := map[Hex]*acc{}
	add := func(h Hex, team int, km, hours float64) {
		a := cells[h]
		if a == nil {
			a = &acc{teams: map[int]struct{}{}}
			cells[h] = a
		}
		a.km += km
		a.hours += hours
		a.teams[team] = struct{}{}
		a.segments++
	}
	for i, s := range segs {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ax, ay := ProjectXY(s.From[0], s.From[1])
		bx, by := ProjectXY(s.To[0], s.To[1])
		lenM := math.Hypot(bx-ax, by-ay)
		if lenM == 0 {
			add(grid.Cell(ax, ay), s.TeamID, 0, s.Hours)
			continue
		}
		for _, h := range segmentCells(grid, ax, ay, bx, by, lenM) {
			t0, t1, ok := clipHex(grid, h, ax, ay, bx, by)
			if ok && t1 > t0 {
				add(h, s.TeamID, (t1-t0)*lenM/1000, (t1-t0)*s.Hours)
			}
		}
	}
	out := make([]CellEffort, 0, len(cells))
	for h, a := range cells {
		x, y := grid.Center(h)
		out = append(out, CellEffort{Hex: h, XM: x, YM: y, KM: a.km, Hours: a.hours, Teams: len(a.teams), Segments: a.segments})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Hex.R != out[j].Hex.R {
			return out[i].Hex.R < out[j].Hex.R
		}
		return out[i].Hex.Q < out[j].Hex.Q
	})
	return out, nil
}

// segmentCells returns every cell the projected segment a→b may cross:
// the cells of points a quarter cell apart along it and their six
// neighbours. A point of the segment is within CellM/4 of a sample, and
// within CellM/√3 of its own cell's centre, so that cell's centre is
// within (1/4 + 2/√3)·CellM < √3·CellM of the sample's cell's centre:
// they are the same cell or neighbours.
func segmentCells(grid HexGrid, ax, ay, bx, by, lenM float64) []Hex {
	n := int(math.Ceil(lenM/(grid.CellM/4))) + 1
	seen := map[Hex]bool{}
	var out []Hex
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		c := grid.Cell(ax+f*(bx-ax), ay+f*(by-ay))
		if seen[c] {
			continue
		}
		for _, h := range KRing(c, 1) {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// hexNormals are the unit normals of a pointy-top hexagon's three pairs of
// edges: towards the neighbours at 0°, 60° and 120°.
var hexNormals = [3][2]float64{{1, 0}, {0.5, sqrt3 / 2}, {-0.5, sqrt3 / 2}}

// clipHex returns the parameters t0 ≤ t1 in [0, 1] of the part of the
// segment a + t(b−a) inside cell h (Liang–Barsky over the three slabs),
// and false if the segment misses the cell.
func clipHex(grid HexGrid, h Hex, ax, ay, bx, by float64) (t0, t1 float64, ok bool) {
	cx, cy := grid.Center(h)
	half := grid.CellM / 2
	t0, t1 = 0, 1
	dx, dy := bx-ax, by-ay
	for _, n := range hexNormals {
		p0 := n[0]*(ax-cx) + n[1]*(ay-cy) // signed offset of a
		d := n[0]*dx + n[1]*dy
		if d == 0 {
			if math.Abs(p0) > half {
				return 0, 0, false
			}
			continue
		}
		lo, hi := (-half-p0)/d, (half-p0)/d
		if lo > hi {
			lo, hi = hi, lo
		}
		t0, t1 = math.Max(t0, lo), math.Min(t1, hi)
		if t0 >= t1 {
			return 0, 0, false
		}
	}
	return t0, t1, true
}

// ParseCellM reads a cell size parameter named name: empty is
// DefaultCellM; otherwise a number of metres in [MinCellM, 1e6].
func ParseCellM(name, s string) (float64, error) {
	if s == "" {
		return DefaultCellM, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || checkCellM(v) != nil {
		return 0, &ParamError{Param: name, Reason: fmt.Sprintf("must be a number of metres in [%g, 1e6]", MinCellM)}
	}
	return v, nil
}

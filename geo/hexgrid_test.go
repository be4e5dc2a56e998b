package geo

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestHexGridCellIsNearestCentre(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cellM := range []float64{1000, 5000, 7321.5} {
		g := HexGrid{CellM: cellM}
		for i := 0; i < 20000; i++ {
			x := (rng.Float64()*2 - 1) * 1e6
			y := (rng.Float64()*2 - 1) * 1e6
			h := g.Cell(x, y)
			cx, cy := g.Center(h)
			d := math.Hypot(x-cx, y-cy)
			for _, n := range KRing(h, 2)[1:] {
				nx, ny := g.Center(n)
				if dn := math.Hypot(x-nx, y-ny); dn < d-1e-6 {
					t.Fatalf("cell_m %v: Cell(%v, %v) = %v at %.3f m, but %v is at %.3f m", cellM, x, y, h, d, n, dn)
				}
			}
		}
	}
}

func TestHexGridCenterRoundTrip(t *testing.T) {
	g := HexGrid{CellM: 5000}
	for _, h := range KRing(Hex{-37, 12}, 6) {
		x, y := g.Center(h)
		if got := g.Cell(x, y); got != h {
			t.Errorf("Cell(Center(%v)) = %v", h, got)
		}
	}
}

func TestNewHexGrid(t *testing.T) {
	tests := []struct {
		name  string
		cellM float64
		ok    bool
	}{
		{"positive", 5000, true},
		{"zero", 0, false},
		{"negative", -1, false},
		{"nan", math.NaN(), false},
		{"inf", math.Inf(1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewHexGrid(tc.cellM)
			if (err == nil) != tc.ok {
				t.Fatalf("NewHexGrid(%v) error = %v, want ok=%v", tc.cellM, err, tc.ok)
			}
		})
	}
}

func TestKRing(t *testing.T) {
	c := Hex{3, -4}
	for k := 0; k <= 5; k++ {
		ring := KRing(c, k)
		if want := 3*k*(k+1) + 1; len(ring) != want {
			t.Fatalf("k=%d: %d cells, want %d", k, len(ring), want)
		}
		seen := map[Hex]bool{}
		for _, h := range ring {
			if seen[h] {
				t.Fatalf("k=%d: %v repeated", k, h)
			}
			seen[h] = true
			if d := c.Distance(h); d > k {
				t.Fatalf("k=%d: %v at distance %d", k, h, d)
			}
		}
	}
}

func TestDiskOffsets(t *testing.T) {
	tests := []struct {
		name    string
		cellM   float64
		radiusM float64
		want    int
	}{
		// Ring 1 at d, ring 2 at √3·d and 2d, ring 3 at √7·d, 3d (docs/statistics.md, "Hexagonal grid").
		{"self only", 5000, 4999, 1},
		{"ring 1 at exactly d", 5000, 5000, 7},
		{"just below sqrt3 d", 5000, 8660, 7},
		{"sqrt3 d", 5000, 8661, 13},
		{"2d", 5000, 10000, 19},
		{"12 km band", 5000, 12000, 19},
		{"just below sqrt7 d", 5000, 13228, 19},
		{"sqrt7 d", 5000, 13229, 31},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := HexGrid{CellM: tc.cellM}
			offs := g.DiskOffsets(tc.radiusM)
			if len(offs) != tc.want {
				t.Fatalf("DiskOffsets(%v) = %d cells, want %d", tc.radiusM, len(offs), tc.want)
			}
			if offs[0] != (Hex{}) {
				t.Fatalf("first offset %v, want the cell itself", offs[0])
			}
		})
	}
}

func TestCellsInPolygonMatchesContains(t *testing.T) {
	g := HexGrid{CellM: 3000}
	// A concave polygon with a hole, plus a second part.
	mp := orb.MultiPolygon{
		{
			{{-50000, -40000}, {60000, -30000}, {20000, 0}, {70000, 50000}, {-40000, 45000}, {-50000, -40000}},
			{{-20000, -10000}, {-20000, 10000}, {-1000, 10000}, {-1000, -10000}, {-20000, -10000}},
		},
		{{{100000, 100000}, {130000, 100000}, {115000, 140000}, {100000, 100000}}},
	}
	got := map[Hex]bool{}
	for _, h := range g.CellsInPolygon(mp) {
		got[h] = true
	}
	for _, h := range g.CellsInBound(mp.Bound()) {
		x, y := g.Center(h)
		if want := planar.MultiPolygonContains(mp, orb.Point{x, y}); want != got[h] {
			t.Errorf("cell %v centre (%v, %v): CellsInPolygon %v, planar.MultiPolygonContains %v", h, x, y, got[h], want)
		}
	}
	if len(got) < 100 {
		t.Fatalf("only %d cells", len(got))
	}
}

func TestCorridor(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var lines []orb.LineString
	for l := 0; l < 3; l++ {
		ls := orb.LineString{{rng.Float64() * 4e5, rng.Float64() * 4e5}}
		for i := 0; i < 40; i++ {
			p := ls[len(ls)-1]
			ls = append(ls, orb.Point{p[0] + (rng.Float64()-0.3)*3e4, p[1] + (rng.Float64()-0.5)*3e4})
		}
		lines = append(lines, ls)
	}
	lines = append(lines, orb.LineString{{-1e5, -1e5}}) // a lone point
	const distM = 25000
	c, err := NewCorridor(lines, distM)
	if err != nil {
		t.Fatal(err)
	}
	brute := func(p orb.Point) float64 {
		best := math.Inf(1)
		for _, ls := range lines {
			if len(ls) == 1 {
				best = math.Min(best, planar.Distance(ls[0], p))
			}
			for i := 0; i+1 < len(ls); i++ {
				best = math.Min(best, planar.DistanceFromSegment(ls[i], ls[i+1], p))
			}
		}
		return best
	}
	for i := 0; i < 2000; i++ {
		p := orb.Point{rng.Float64()*8e5 - 2e5, rng.Float64()*8e5 - 2e5}
		want := brute(p)
		if got := c.Distance(p, math.Inf(1)); math.Abs(got-want) > 1e-6 {
			t.Fatalf("Distance(%v) = %v, want %v", p, got, want)
		}
		if got := c.Contains(p); got != (want <= distM) {
			t.Fatalf("Contains(%v) = %v at distance %v", p, got, want)
		}
	}
	g := HexGrid{CellM: 4000}
	got := map[Hex]bool{}
	for _, h := range c.Cells(g) {
		if got[h] {
			t.Fatalf("Cells repeats %v", h)
		}
		got[h] = true
	}
	for _, h := range g.CellsInBound(c.Bound().Pad(g.CellM)) {
		x, y := g.Center(h)
		d := brute(orb.Point{x, y})
		if math.Abs(d-distM) < 1e-6 {
			continue
		}
		if want := d <= distM; want != got[h] {
			t.Errorf("cell %v at %.3f m: Cells %v, want %v", h, d, got[h], want)
		}
	}
}

func TestNewCorridorErrors(t *testing.T) {
	if _, err := NewCorridor(nil, 1000); err == nil {
		t.Error("no lines: want error")
	}
	if _, err := NewCorridor([]orb.LineString{{{0, 0}, {1, 1}}}, 0); err == nil {
		t.Error("zero distance: want error")
	}
}

func BenchmarkCorridorCells(b *testing.B) {
	lines := syntheticBorder()
	c, err := NewCorridor(lines, 50000)
	if err != nil {
		b.Fatal(err)
	}
	g := HexGrid{CellM: 5000}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Cells(g)
	}
}

func ExampleHexGrid() {
	g, _ := NewHexGrid(5000)
	h := g.Cell(7400, 4100)
	x, y := g.Center(h)
	fmt.Println(h, x, math.Round(y))
	fmt.Println(len(g.DiskOffsets(12000)), "cells within 12 km")
	// Output:
	// {1 1} 7500 4330
	// 19 cells within 12 km
}

func ExampleCorridor() {
	border := orb.LineString{{0, 0}, {100000, 0}}
	c, _ := NewCorridor([]orb.LineString{border}, 10000)
	fmt.Println(c.Contains(orb.Point{50000, 9000}), c.Contains(orb.Point{50000, 11000}))
	fmt.Println(c.Distance(orb.Point{-3000, 4000}, math.Inf(1)))
	// Output:
	// true false
	// 5000
}

func BenchmarkHexGridCell(b *testing.B) {
	g := HexGrid{CellM: 5000}
	b.ReportAllocs()
	var acc int32
	for i := 0; b.Loop(); i++ {
		h := g.Cell(float64(i%1000000)*1.37-6e5, float64(i%777777)*0.91-3e5)
		acc += h.Q ^ h.R
	}
	_ = acc
}

// BenchmarkAreaKey hashes a corridor of border lines of about 14,000
// points in all (the demo's border lines have 14,065), as every analysis
// of the default area does to find its cached grid.
func BenchmarkAreaKey(b *testing.B) {
	var area Area
	area.CorridorKM = DefaultCorridorKM
	n := 0
	for _, ls := range corridorArea().Lines {
		var dense orb.LineString
		for i := 0; i+1 < len(ls); i++ {
			for k := 0; k < 800; k++ {
				f := float64(k) / 800
				dense = append(dense, orb.Point{ls[i][0] + f*(ls[i+1][0]-ls[i][0]), ls[i][1] + f*(ls[i+1][1]-ls[i][1])})
			}
		}
		dense = append(dense, ls[len(ls)-1])
		area.Lines = append(area.Lines, dense)
		n += len(dense)
	}
	seed := maphash.MakeSeed()
	b.ReportAllocs()
	for b.Loop() {
		area.key(seed)
	}
	b.ReportMetric(float64(n), "points")
}

// TestAreaKey holds Area.key to the hash of its contents written out value
// by value (a tag, then each count and coordinate as eight little-endian
// bytes), across the buffer's block boundaries, and checks that a change of
// any one of them changes the key.
func TestAreaKey(t *testing.T) {
	seed := maphash.MakeSeed()
	want := func(tag byte, vals []float64) uint64 {
		b := []byte{tag}
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return maphash.Bytes(seed, b)
	}
	long := make(orb.LineString, 300) // several blocks of the buffer
	for i := range long {
		long[i] = orb.Point{60 + float64(i)*0.01, 35 + float64(i%7)*0.1}
	}
	lines := []orb.LineString{{{64, 36}, {65, 36.5}}, long}
	box := orb.Bound{Min: orb.Point{66, 36}, Max: orb.Point{70, 39}}
	poly := orb.MultiPolygon{{{{66, 36}, {67, 36}, {67, 37}, {66, 36}}}, {orb.Ring(long)}}
	flat := func(v ...any) []float64 {
		var out []float64
		for _, x := range v {
			switch x := x.(type) {
			case float64:
				out = append(out, x)
			case int:
				out = append(out, float64(x))
			case orb.LineString:
				for _, p := range x {
					out = append(out, p[0], p[1])
				}
			case orb.Ring:
				for _, p := range x {
					out = append(out, p[0], p[1])
				}
			}
		}
		return out
	}
	tests := []struct {
		name string
		area Area
		want uint64
	}{
		{"lines", Area{Lines: lines, CorridorKM: 50}, want('L', flat(50.0, 2, lines[0], len(long), long))},
		{"bbox", Area{BBox: &box}, want('B', []float64{66, 36, 70, 39})},
		{"polygon", Area{Polygon: poly}, want('P', flat(1, 4, poly[0][0], 1, len(long), orb.Ring(long)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.area.key(seed); got != tc.want {
				t.Fatalf("key %x, want %x", got, tc.want)
			}
		})
	}
	moved := slices.Clone(long)
	moved[250][1] += 1e-9
	if (&Area{Lines: []orb.LineString{lines[0], moved}, CorridorKM: 50}).key(seed) == tests[0].want {
		t.Error("moving one point of a line keeps the key")
	}
	if (&Area{Lines: lines, CorridorKM: 40}).key(seed) == tests[0].want {
		t.Error("another corridor width keeps the key")
	}
}

package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb/maptile"
)

// TestTileCellsMatchesABruteForceBinning bins synthetic events with
// TileCells and, independently, by walking every event: the tile by
// maptile.At, the cell from the Mercator x/y of orb's projection.
func TestTileCellsMatchesABruteForceBinning(t *testing.T) {
	evs := syntheticEvents(20000, 41)
	var ix Index
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	for _, z := range []maptile.Zoom{3, 6, 8, 10} {
		const grid = 64
		// The tile of the first event and of one more.
		for _, e := range []Event{evs[0], evs[7]} {
			tile := maptile.At([2]float64{e.Lon, e.Lat}, z)
			got, n, err := ix.TileCells(tile, grid, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			b := tile.Bound()
			want := map[[2]int]int{}
			wantN, wantSeizures := 0, 0
			for _, e := range evs {
				// PostGIS's &&: the float32 boxes, rounded outwards, overlap.
				if float32(e.Lon) < float32(b.Min[0]) || float32(e.Lon) > float32(b.Max[0]) ||
					float32(e.Lat) < float32(b.Min[1]) || float32(e.Lat) > float32(b.Max[1]) {
					continue
				}
				x, y := MercatorXY(e.Lon, e.Lat)
				size := 2 * mercatorHalf / math.Exp2(float64(z))
				col := int(math.Floor((x + mercatorHalf - float64(tile.X)*size) / (size / grid)))
				row := int(math.Floor((mercatorHalf - float64(tile.Y)*size - y) / (size / grid)))
				want[[2]int{row, col}]++
				wantN++
				if e.Kind == KindSeizure {
					wantSeizures++
				}
			}
			if wantN == 0 || n != wantN {
				t.Fatalf("zoom %d: %d events binned, brute force %d", z, n, wantN)
			}
			seizures := 0
			for _, c := range got {
				if want[[2]int{c.Row, c.Col}] != c.Count {
					t.Fatalf("zoom %d cell %d/%d: %d events, brute force %d", z, c.Row, c.Col, c.Count, want[[2]int{c.Row, c.Col}])
				}
				delete(want, [2]int{c.Row, c.Col})
				seizures += c.Seizures
				size := 2 * mercatorHalf / math.Exp2(float64(z)) / grid
				left, top := -mercatorHalf+float64(tile.X)*size*grid+float64(c.Col)*size, mercatorHalf-float64(tile.Y)*size*grid-float64(c.Row)*size
				if c.Row >= 0 && c.Row < grid && c.Col >= 0 && c.Col < grid && (c.X < left || c.X > left+size || c.Y > top || c.Y < top-size) {
					t.Fatalf("zoom %d cell %d/%d: mean position %v,%v outside the cell", z, c.Row, c.Col, c.X, c.Y)
				}
			}
			if len(want) != 0 || seizures != wantSeizures {
				t.Fatalf("zoom %d: cells missing %v, seizures %d of %d", z, want, seizures, wantSeizures)
			}
		}
	}
}

// TestMercatorXY checks the projection against PROJ: x of 180° is half
// the plane, latitudes beyond the clamp map to the clamp's y, and
// `echo 69.3 37.2 | cs2cs +init=epsg:4326 +to +init=epsg:3857` gives
// 7714440.71 4467020.99.
func TestMercatorXY(t *testing.T) {
	x, y := MercatorXY(180, 89)
	_, yc := MercatorXY(0, 85.0511)
	if math.Abs(x-20037508.342789244) > 1e-6 || y != yc || math.Abs(y-20037471.2) > 0.1 {
		t.Fatalf("x %v y %v", x, y)
	}
	x, y = MercatorXY(69.3, 37.2)
	if math.Abs(x-7714440.71) > 0.01 || math.Abs(y-4467020.99) > 0.01 {
		t.Fatalf("x %.2f y %.2f", x, y)
	}
}

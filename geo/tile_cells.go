package geo

import (
	"github.com/paulmach/orb/maptile"
	"math"
)

// mercatorR is the radius of the Web Mercator sphere (EPSG:3857) in
// metres, and mercatorHalf half the width of its plane.
const (
	mercatorR    = 6378137.0
	mercatorHalf = math.Pi * mercatorR
	// mercatorMaxLat is the latitude clamp of the Web Mercator plane.
	mercatorMaxLat = 85.0511
)

// MercatorXY returns the Web Mercator (EPSG:3857) x and y in metres of
// lon/lat degrees, latitude clamped to ±85.0511°:
// x = R·λ, y = R·ln tan(π/4 + φ/2), R = 6378137 m (EPSG Guidance Note 7-2,
// "Popular Visualisation Pseudo Mercator").
func MercatorXY(lon, lat float64) (x, y float64) {
	lat = min(max(lat, -mercatorMaxLat), mercatorMaxLat)
	return mercatorX(lon), mercatorR * math.Log(math.Tan(math.Pi/4+lat*math.Pi/180/2))
}

// mercatorX is MercatorXY's easting.
func mercatorX(lon float64) float64 { return mercatorR * lon * math.Pi / 180 }

// tileParts is how many goroutines bin a tile that covers most of the
// index: the machines this runs on have two cores or more.
const tileParts = 2

// TileCell is one cell of a tile's grid with the events that fall in it.
type TileCell struct {
	// Col and Row number the cell from the tile's top-left corner. An
	// event within a float32 step outside the tile (which PostGIS's &&
	// finds in it) falls in column or row −1 or grid.
	Col, Row int
	// Count is the number of events, Seizures how many of them are
	// seizures, KG their summed kilograms (all drugs).
	Count, Seizures int
	KG              float64
	// X and Y are the mean Web Mercator position of the events in metres.
	X, Y float64
}

// TileCells bins the events that pass f and lie in tile t (their lon/lat
// as the viewer sees it in t's lon/lat box by PostGIS's &&, as CountBox
// finds them) into a grid × grid division of the tile in Web Mercator,
// and returns the cells with events ordered by row and column, and the
// number of events binned. A cell's column is ⌊(x − left)/s⌋ and its row
// ⌊(top − y)/s⌋, s the tile's width over grid: the rule of the events
// tiles' SQL (data.EventTile), so that both bin each event alike.
func (ix *Index) TileCells(t maptile.Tile, grid int, f Filter) ([]TileCell, int, error) {
	size := 2 * mercatorHalf / math.Exp2(float64(t.Z))
	left := -mercatorHalf + float64(t.X)*size
	top := mercatorHalf - float64(t.Y)*size
	cell := size / float64(grid)
	type acc struct {
		n, seizures int
		kg, sx, sy  float64
	}
	// Rows and columns −1…grid, stored from 0, one grid per part of a
	// large tile's pass, summed afterwards.
	w := grid + 2
	parts := tileParts
	grids := make([][]acc, parts)
	counts := make([]int, parts)
	err := ix.visitBox(t.Bound(), f, parts, func(part int, st *store, slot int, ll [2]float64) {
		// The northing of a point seen exactly was computed when it was
		// stored; a coarsened one's is computed here.
		var x, y float64
		if ll == st.ll[slot] {
			x, y = mercatorX(ll[0]), st.mercY[slot]
		} else {
			x, y = MercatorXY(ll[0], ll[1])
		}
		r := min(max(int(math.Floor((top-y)/cell)), -1), grid)
		c := min(max(int(math.Floor((x-left)/cell)), -1), grid)
		if grids[part] == nil {
			grids[part] = make([]acc, w*w)
		}
		a := &grids[part][(r+1)*w+c+1]
		a.n++
		if st.attr[slot].kind == KindSeizure {
			a.seizures++
		}
		a.kg += float64(st.kg[slot])
		a.sx += x
		a.sy += y
		counts[part]++
	})
	if err != nil {
		return nil, 0, err
	}
	cells := make([]acc, w*w)
	n := 0
	for p, g := range grids {
		n += counts[p]
		for i := range g {
			c, a := &cells[i], &g[i]
			c.n += a.n
			c.seizures += a.seizures
			c.kg += a.kg
			c.sx += a.sx
			c.sy += a.sy
		}
	}
	var out []TileCell
	for i := range cells {
		if a := &cells[i]; a.n > 0 {
			out = append(out, TileCell{Row: i/w - 1, Col: i%w - 1, Count: a.n, Seizures: a.seizures, KG: a.kg,
				X: a.sx / float64(a.n), Y: a.sy / float64(a.n)})
		}
	}
	return out, n, nil
}

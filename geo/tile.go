package geo

import (
	"strconv"

	"github.com/paulmach/orb/maptile"
)

// MaxTileZoom is the deepest zoom level (tile matrix) of the
// WebMercatorQuad tiles served.
const MaxTileZoom = 22

// ParseTile parses the z, y and x of a WebMercatorQuad tile path
// (/tiles/WebMercatorQuad/{z}/{y}/{x}, the OGC API – Tiles order: tile
// matrix, row, column). z must be 0..MaxTileZoom and y and x below 2^z;
// an error names the offending part.
func ParseTile(zs, ys, xs string) (maptile.Tile, error) {
	z, err := strconv.Atoi(zs)
	if err != nil || z < 0 || z > MaxTileZoom {
		return maptile.Tile{}, &ParamError{Param: "z", Reason: "must be a tile matrix (zoom level) from 0 to " + strconv.Itoa(MaxTileZoom)}
	}
	n := 1 << z
	y, err := strconv.Atoi(ys)
	if err != nil || y < 0 || y >= n {
		return maptile.Tile{}, &ParamError{Param: "y", Reason: "must be a tile row from 0 to " + strconv.Itoa(n-1) + " at zoom " + zs}
	}
	x, err := strconv.Atoi(xs)
	if err != nil || x < 0 || x >= n {
		return maptile.Tile{}, &ParamError{Param: "x", Reason: "must be a tile column from 0 to " + strconv.Itoa(n-1) + " at zoom " + zs}
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

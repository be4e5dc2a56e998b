package geo

import (
	"context"

	"github.com/paulmach/orb"
)

// ZoneHotspots is the Gi* analysis of event counts over the hexagonal cells
// whose centres lie in any of a set of zones (lon/lat polygons such as
// sectors): the same grid, distance-band neighbours, Gi* and FDR bins as
// HotSpots computes for a polygon area (giStarFDR), with each zone's share
// of hot cells. Add the zones with AddZone, the events with AddPoint, then
// call Compute.
type ZoneHotspots struct {
	grid    HexGrid
	radiusM float64
	cells   []Hex
	index   map[Hex]int32
	zones   [][]int32 // cells of each zone, as indices into cells
	values  []float64
}

// ZoneHotspotResult is the outcome of ZoneHotspots.Compute.
type ZoneHotspotResult struct {
	// Mean and Std are the mean and population standard deviation of the
	// cells' counts (GiStar).
	Mean, Std float64
	// Cells is the number of cells of each zone, HotCells those of them
	// with an FDR bin ≥ 1.
	Cells, HotCells []int
}

// NewZoneHotspots returns an empty analysis on the grid of spacing cellM
// with the Gi* distance band radiusM.
func NewZoneHotspots(cellM, radiusM float64) (*ZoneHotspots, error) {
	g, err := NewHexGrid(cellM)
	if err != nil {
		return nil, err
	}
	return &ZoneHotspots{grid: g, radiusM: radiusM, index: map[Hex]int32{}}, nil
}

// AddZone adds a zone, a lon/lat (multi)polygon whose vertices are
// projected (its edges are straight in the LAEA plane), and returns the
// number of distinct cells of all zones so far.
func (z *ZoneHotspots) AddZone(mp orb.MultiPolygon) int {
	hexes := z.grid.CellsInPolygon(ProjectMultiPolygon(mp))
	idx := make([]int32, len(hexes))
	for k, h := range hexes {
		i, ok := z.index[h]
		if !ok {
			i = int32(len(z.cells))
			z.index[h] = i
			z.cells = append(z.cells, h)
		}
		idx[k] = i
	}
	z.zones = append(z.zones, idx)
	return len(z.cells)
}

// NCells returns the number of distinct cells of all zones.
func (z *ZoneHotspots) NCells() int { return len(z.cells) }

// AddPoint counts an event at lon/lat in its cell, if that cell belongs to
// a zone.
func (z *ZoneHotspots) AddPoint(lon, lat float64) {
	if z.values == nil {
		z.values = make([]float64, len(z.cells))
	}
	x, y := ProjectXY(lon, lat)
	if i, ok := z.index[z.grid.Cell(x, y)]; ok {
		z.values[i]++
	}
}

// Compute runs Gi* with FDR bins over the cells and counts each zone's hot
// cells. Zones must not be added afterwards. It returns ctx's error once
// ctx is done.
func (z *ZoneHotspots) Compute(ctx context.Context) (ZoneHotspotResult, error) {
	if z.values == nil {
		z.values = make([]float64, len(z.cells))
	}
	ag := newAreaGrid(z.grid, z.cells, z.radiusM)
	res := ZoneHotspotResult{Cells: make([]int, len(z.zones)), HotCells: make([]int, len(z.zones))}
	if len(z.cells) == 0 {
		return res, nil
	}
	g, err := giStarFDR(ctx, z.values, nil, ag.nb)
	if err != nil {
		return ZoneHotspotResult{}, err
	}
	res.Mean, res.Std = g.mean, g.std
	for k, idx := range z.zones {
		res.Cells[k] = len(idx)
		for _, i := range idx {
			if g.bins[i] >= 1 {
				res.HotCells[k]++
			}
		}
	}
	return res, nil
}

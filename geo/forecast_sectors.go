package geo

import (
	"context"

	"github.com/paulmach/orb"
)

// SectorForecastValue is one sector's forecast.
type SectorForecastValue struct {
	// Risk is the expected number of events in [AsOf, Until): the sum of
	// the risks of the sector's cells.
	Risk float64
	// Cells is the number of the sector's cells, those whose centres lie
	// in its outline.
	Cells int
}

// SectorForecast forecasts q over the sectors of outlines (lon/lat, as
// Area.Polygon) by one forecast of their union — one fit, the same cells
// as the map's — and returns, beside that forecast (every cell, whatever
// q.MinRisk), each sector's expected count: the sum of the risks of the
// cells whose centres lie in its outline (the cells of an Area of that
// outline alone). A cell whose centre lies on the shared edge of two
// sectors, or in two overlapping sectors, counts in both. The history starts, without a from, at the
// earliest event of the union. q.Area is ignored.
func SectorForecast(ctx context.Context, ix *Index, q ForecastQuery, outlines []orb.MultiPolygon) (ForecastResult, []SectorForecastValue, error) {
	if len(outlines) == 0 {
		return ForecastResult{}, nil, &ParamError{Param: "set", Reason: "the sector set has no sectors"}
	}
	var union orb.MultiPolygon
	for _, mp := range outlines {
		union = append(union, mp...)
	}
	q.Area = Area{Polygon: union}
	q.MinRisk = 0
	res, err := Forecast(ctx, ix, q)
	if err != nil {
		return ForecastResult{}, nil, err
	}
	risk := make(map[Hex]float64, len(res.Cells))
	for _, c := range res.Cells {
		risk[c.Hex] = c.Risk
	}
	g := HexGrid{CellM: q.CellM}
	out := make([]SectorForecastValue, len(outlines))
	for i, mp := range outlines {
		if err := ctx.Err(); err != nil {
			return ForecastResult{}, nil, err
		}
		for _, h := range cellsInAnyPolygon(g, ProjectMultiPolygon(mp)) {
			out[i].Risk += risk[h]
			out[i].Cells++
		}
	}
	return res, out, nil
}

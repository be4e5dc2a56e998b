package geo

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// TestSectorForecastSumsSectorCells splits a box into four sectors and
// requires each sector's naive and average forecasts to be those of a
// forecast over its outline alone, and the sectors to add up to the
// whole. The history starts at a given from: without it, it starts at
// the earliest event of the area, the union's or one sector's.
func TestSectorForecastSumsSectorCells(t *testing.T) {
	ctx := context.Background()
	var ix Index
	if err := ix.Load(syntheticEvents(20000, 29)); err != nil {
		t.Fatal(err)
	}
	box := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
	}
	sectors := []orb.MultiPolygon{box(67, 36.5, 69, 37.5), box(69, 36.5, 71, 37.5), box(67, 37.5, 69, 38.5), box(69, 37.5, 71, 38.5)}
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []ForecastMethod{ForecastNaive, ForecastAverage} {
		q := ForecastQuery{ForecastParams: ForecastParams{Method: m}, AsOf: asOf, Until: asOf.AddDate(0, 1, 0), CellM: 5000,
			Filter: Filter{Time: Interval{Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}}}
		res, got, err := SectorForecast(ctx, &ix, q, sectors)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for i, mp := range sectors {
			one := q
			one.Area = Area{Polygon: mp}
			want, err := Forecast(ctx, &ix, one)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got[i].Risk, want.Total, 1e-9) || got[i].Cells != want.NCells {
				t.Errorf("%v sector %d: risk %v in %d cells; alone %v in %d", m, i, got[i].Risk, got[i].Cells, want.Total, want.NCells)
			}
			if want.Total == 0 {
				t.Errorf("%v sector %d: no events to compare", m, i)
			}
			sum += got[i].Risk
		}
		if !near(sum, res.Total, 1e-9) {
			t.Errorf("%v: sectors add up to %v, the union's total is %v", m, sum, res.Total)
		}
	}
}

// TestSectorForecastOverlappingSectors: where two sectors overlap, each
// still gets the forecast of its outline alone (the union's cells take
// the overlap once, not cancelled by the even-odd rule).
func TestSectorForecastOverlappingSectors(t *testing.T) {
	ctx := context.Background()
	var ix Index
	if err := ix.Load(syntheticEvents(20000, 31)); err != nil {
		t.Fatal(err)
	}
	a := orb.MultiPolygon{{{{67, 36.5}, {69, 36.5}, {69, 37.5}, {67, 37.5}, {67, 36.5}}}}
	b := orb.MultiPolygon{{{{68, 36.5}, {70, 36.5}, {70, 37.5}, {68, 37.5}, {68, 36.5}}}}
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	q := ForecastQuery{ForecastParams: ForecastParams{Method: ForecastNaive}, AsOf: asOf, Until: asOf.AddDate(0, 1, 0), CellM: 5000}
	_, got, err := SectorForecast(ctx, &ix, q, []orb.MultiPolygon{a, b})
	if err != nil {
		t.Fatal(err)
	}
	for i, mp := range []orb.MultiPolygon{a, b} {
		one := q
		one.Area = Area{Polygon: mp}
		want, err := Forecast(ctx, &ix, one)
		if err != nil {
			t.Fatal(err)
		}
		if got[i].Risk != want.Total || got[i].Cells != want.NCells || want.Total == 0 {
			t.Errorf("sector %d: risk %v in %d cells; alone %v in %d", i, got[i].Risk, got[i].Cells, want.Total, want.NCells)
		}
	}
}

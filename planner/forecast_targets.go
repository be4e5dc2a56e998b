package planner

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/geo"
)

// ForecastCellM is the cell size of the forecast targets of a plan, the
// hot spot targets' grid.
const ForecastCellM = HotspotCellM

// minForecastScore is the score of a forecast target whose risk rounds
// to zero: the solver needs a positive score.
const minForecastScore = 0.01

// ForecastTargets runs the forecast q (its Area, Filter, method and period;
// CellM defaults to ForecastCellM) on ix and returns the cells of highest
// predicted risk that lie in a team's country within its reach, riskiest
// first, at most maxHotspotTargets, each scored by its risk (the expected
// number of events in [q.AsOf, q.Until)) and with the reason ("forecast:
// 3.2 events expected in 7 days (kde)"). It also returns the forecast,
// whose Used names the method auto chose and whose Cells are every cell
// of positive risk.
func ForecastTargets(ctx context.Context, ix *geo.Index, q geo.ForecastQuery, teams []PatrolTeam) ([]Candidate, geo.ForecastResult, error) {
	if q.CellM == 0 {
		q.CellM = ForecastCellM
	}
	if q.MinRisk == 0 {
		q.MinRisk = math.SmallestNonzeroFloat64
	}
	res, err := geo.Forecast(ctx, ix, q)
	if err != nil {
		return nil, res, fmt.Errorf("forecast: %w", err)
	}
	cells := make([]geo.ForecastCell, 0, len(res.Cells))
	for _, c := range res.Cells {
		if reachable(orb.Point{c.Lon, c.Lat}, teams) {
			cells = append(cells, c)
		}
	}
	sort.SliceStable(cells, func(i, j int) bool { return cells[i].Risk > cells[j].Risk })
	if len(cells) > maxHotspotTargets {
		cells = cells[:maxHotspotTargets]
	}
	days := q.Until.Sub(q.AsOf).Hours() / 24
	method := res.Used.Method.String()
	out := make([]Candidate, 0, len(cells))
	for _, c := range cells {
		t := Candidate{Kind: "forecast", Name: fmt.Sprintf("forecast cell %d,%d", c.Hex.Q, c.Hex.R),
			Risk: c.Risk, Method: method, PeriodDays: days}
		t.ID = fmt.Sprintf("forecast:%d,%d", c.Hex.Q, c.Hex.R)
		t.Point = orb.Point{c.Lon, c.Lat}
		t.Score = forecastScore(c.Risk)
		t.Reason = fmt.Sprintf("forecast: %.1f events expected in %.0f days (%s)", c.Risk, days, method)
		out = append(out, t)
	}
	return out, res, nil
}

// forecastScore is the score of a target of predicted risk r.
func forecastScore(r float64) float64 { return max(round2(r), minForecastScore) }

// RescoreCrossings scores the crossing candidates by the forecast instead
// of past events: each by the risk of the forecast cells whose centre lies
// within crossingNearM of the crossing, with the reason worded after it.
func RescoreCrossings(cands []Candidate, res geo.ForecastResult) {
	days := res.Query.Until.Sub(res.Query.AsOf).Hours() / 24
	method := res.Used.Method.String()
	for i := range cands {
		t := &cands[i]
		if t.Kind != "crossing" {
			continue
		}
		risk := 0.0
		for _, c := range res.Cells {
			if orbgeo.Distance(t.Point, orb.Point{c.Lon, c.Lat}) <= crossingNearM {
				risk += c.Risk
			}
		}
		t.Risk, t.Method, t.PeriodDays = risk, method, days
		t.Score = forecastScore(risk)
		t.Reason = fmt.Sprintf("border crossing %s (%s–%s): %.1f events expected within %.0f km in %.0f days (%s)",
			t.Name, t.Country, t.Other, risk, crossingNearM/1000, days, method)
		if t.InsideKM > 0 {
			t.Reason += fmt.Sprintf(", checked %.1f km inside %s", t.InsideKM, t.Country)
		}
	}
}

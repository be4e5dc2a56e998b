package api

import (
	"context"
	"errors"
	"time"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/planner"
)

// Target sources of a plan request ("targets" as a string).
const (
	// planOnHotspots plans on the Gi* hot spots of the window [from, to)
	// and the events near the crossings: the default.
	planOnHotspots = "hotspots"
	// planOnForecast plans on the forecast of the period [as_of, until):
	// the cells of highest predicted risk and the crossings scored by the
	// risk near them.
	planOnForecast = "forecast"
	// planForecastDefaultDays is the forecast period when until is not
	// given.
	planForecastDefaultDays = 7
)

// planForecast is the "forecast" block of a plan request: the forecast
// the plan is made on when targets is "forecast".
type planForecast struct {
	Method string   `json:"method,omitempty"`
	AsOf   string   `json:"as_of,omitempty"`
	Until  string   `json:"until,omitempty"`
	CellM  *float64 `json:"cell_m,omitempty"`
	// Effort "adjusted" plans on the effort-adjusted forecast (as
	// GET /api/forecast?effort=adjusted), with a prior of EffortPriorH
	// hours.
	Effort       string   `json:"effort,omitempty"`
	EffortPriorH *float64 `json:"effort_prior_h,omitempty"`
}

// forecastInput is a validated forecast block: as_of defaults to the end
// of the window (to, default now), until to as_of + 7 days, the method to
// auto and the cell to planner.ForecastCellM.
type forecastInput struct {
	method      geo.ForecastMethod
	asOf, until time.Time
	cellM       float64
	// effortAdjusted asks for the effort-adjusted forecast, with a prior
	// of effortPriorH hours.
	effortAdjusted bool
	effortPriorH   float64
}

// parsePlanTargets reads "targets" — a string naming the target source
// ("hotspots", "forecast") or the array of extra points, planned beside
// the hot spots — and the forecast block, adding each bad field to add.
func parsePlanTargets(req planRequest, in *planInput, add func(name, format string, args ...any)) {
	in.source = planOnHotspots
	raw := req.Targets
	switch {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '"':
		var s string
		if err := decodeBytes(raw, &s); err != nil || (s != planOnHotspots && s != planOnForecast) {
			add("targets", `must be "hotspots", "forecast" or an array of points`)
			break
		}
		in.source = s
	default:
		if err := decodeBytes(raw, &in.points); err != nil {
			var br *badRequest
			reason := "must be \"hotspots\", \"forecast\" or an array of points {lon, lat, score, dwell_min, name}"
			if errors.As(err, &br) && len(br.params) > 0 && br.params[0].Name != "body" {
				reason = br.params[0].Name + ": " + br.params[0].Reason
			}
			add("targets", "%s", reason)
		}
	}
	if req.Forecast != nil && in.source != planOnForecast {
		add("forecast", `applies only to targets "forecast"`)
	}
	if in.source != planOnForecast {
		return
	}
	f := planForecast{}
	if req.Forecast != nil {
		f = *req.Forecast
	}
	in.forecast = forecastInput{method: geo.ForecastAuto, asOf: in.to, cellM: planner.ForecastCellM}
	if f.Method != "" {
		m, ok := geo.ParseForecastMethod(f.Method)
		if !ok {
			add("forecast.method", "must be naive, average, kde, seppp or auto")
		}
		in.forecast.method = m
	}
	if f.AsOf != "" {
		iv, err := geo.ParseInterval("as_of", f.AsOf)
		if err != nil {
			add("forecast.as_of", "must be an RFC 3339 time or a date YYYY-MM-DD")
		}
		in.forecast.asOf = iv.Start
	}
	in.forecast.until = in.forecast.asOf.AddDate(0, 0, planForecastDefaultDays)
	if f.Until != "" {
		iv, err := geo.ParseInterval("until", f.Until)
		if err != nil {
			add("forecast.until", "must be an RFC 3339 time or a date YYYY-MM-DD")
		}
		in.forecast.until = iv.Start
	}
	if !in.forecast.until.After(in.forecast.asOf) {
		add("forecast.until", "must be after as_of")
	}
	if f.CellM != nil {
		in.forecast.cellM = *f.CellM
	}
	parsePlanEffort(f, &in.forecast, add)
}

// parsePlanEffort reads the forecast block's effort and effort_prior_h
// as GET /api/forecast reads effort and effort_prior_h.
func parsePlanEffort(f planForecast, in *forecastInput, add func(name, format string, args ...any)) {
	switch f.Effort {
	case "", "none":
	case "adjusted":
		in.effortAdjusted = true
	default:
		add("forecast.effort", "must be none or adjusted")
	}
	in.effortPriorH = geo.EffortPrior
	if f.EffortPriorH == nil {
		return
	}
	if !in.effortAdjusted {
		add("forecast.effort_prior_h", "applies to effort adjusted only")
		return
	}
	if v := *f.EffortPriorH; !(v > 0 && v <= 1e6) {
		add("forecast.effort_prior_h", "must be a number of hours in (0, 1000000]")
		return
	}
	in.effortPriorH = *f.EffortPriorH
}

// forecastTargets returns the forecast targets of a plan and rescores
// its crossing candidates by the forecast; the forecast's history is
// what the caller may see in filter's area from the request's from (when
// given) to as_of, and for the effort-adjusted forecast the patrol effort
// the caller sees over the same time (data.Store.EffortSamples). A
// parameter the forecast refuses is named under "forecast.". It returns
// the forecast's description for the plan.
func forecastTargets(ctx context.Context, store *data.Store, ix *geo.Index, in planInput, area geo.Area, filter geo.Filter, teams []planner.PatrolTeam, cross []planner.Candidate) ([]planner.Candidate, map[string]any, int, error) {
	q := geo.ForecastQuery{ForecastParams: geo.ForecastParams{Method: in.forecast.method},
		AsOf: in.forecast.asOf, Until: in.forecast.until, CellM: in.forecast.cellM, Filter: filter, Area: area,
		EffortAdjusted: in.forecast.effortAdjusted, EffortPriorH: in.forecast.effortPriorH}
	q.Filter.Time = geo.Interval{}
	if in.req.From != "" {
		q.Filter.Time.Start = in.from
	}
	if q.EffortAdjusted {
		var err error
		if q.Effort, err = store.EffortSamples(ctx, q.Filter.Time.Start, q.AsOf); err != nil {
			return nil, nil, 0, err
		}
	}
	targets, res, err := planner.ForecastTargets(ctx, ix, q, teams)
	var pe *geo.ParamError
	if errors.As(err, &pe) {
		return nil, nil, 0, newBadRequest("forecast."+pe.Param, pe.Reason)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	planner.RescoreCrossings(cross, res)
	on := map[string]any{"targets": planOnForecast, "method": res.Used.Method.String(),
		"as_of": q.AsOf.UTC().Format(time.RFC3339), "until": q.Until.UTC().Format(time.RFC3339),
		"cell_m": res.Query.CellM, "total": round2(res.Total), "history_start": res.HistStart.UTC().Format(time.RFC3339)}
	if q.Method == geo.ForecastAuto {
		on["requested_method"] = "auto"
	}
	if q.EffortAdjusted {
		on["effort"] = "adjusted"
		on["effort_prior_h"] = q.EffortPriorH
		on["effort_samples"] = len(q.Effort)
	}
	if res.Used.Method == geo.ForecastKDE {
		on["bandwidth_m"] = res.Used.BandwidthM
		on["half_life_days"] = round2(res.Used.HalfLife.Hours() / 24)
	}
	return targets, on, res.Events, nil
}

// plannedOn describes what a hot spot plan was planned on.
func plannedOn(in planInput) map[string]any {
	return map[string]any{"targets": planOnHotspots, "from": in.from.UTC().Format(time.RFC3339),
		"to": in.to.UTC().Format(time.RFC3339), "hotspot_cell_m": planner.HotspotCellM,
		"hotspot_radius_m": planner.HotspotRadiusM}
}

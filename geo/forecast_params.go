package geo

import (
	"fmt"
	"math"
	"net/url"
	"time"
)

// forecastOwnParams are the parameters of a forecast and a backtest:
// as_of and until (required; a date or date-time, the start of the
// forecast period and its exclusive end), method (naive, average, kde,
// seppp, auto; default auto), cell_m, bandwidth_m and half_life_days (kde
// only; defaults cell_m and the period), periods (the backtest's origins),
// and max_cells. The common datetime/to are refused: a forecast's history
// ends at as_of.
func forecastOwnParams() []param[ForecastQuery] {
	return []param[ForecastQuery]{
		{"as_of", func(name string, v url.Values, q *ForecastQuery) error {
			if !q.Filter.Time.End.IsZero() {
				p := "to"
				if v.Has("datetime") {
					p = "datetime"
				}
				return &ParamError{Param: p, Reason: "the history of a forecast ends at as_of; give only its start (from)"}
			}
			return parseInstantParam(name, v, &q.AsOf)
		}},
		{"until", func(name string, v url.Values, q *ForecastQuery) error {
			if err := parseInstantParam(name, v, &q.Until); err != nil {
				return err
			}
			if !q.Until.After(q.AsOf) {
				return &ParamError{Param: name, Reason: "must be after as_of"}
			}
			return nil
		}},
		{"method", func(name string, v url.Values, q *ForecastQuery) error {
			q.Method = ForecastAuto
			if s := v.Get(name); s != "" {
				m, ok := ParseForecastMethod(s)
				if !ok {
					return &ParamError{Param: name, Reason: "must be naive, average, kde, seppp or auto"}
				}
				q.Method = m
			}
			return nil
		}},
		{"cell_m", func(name string, v url.Values, q *ForecastQuery) error { return parseCellM(name, v, &q.CellM) }},
		{"bandwidth_m", func(name string, v url.Values, q *ForecastQuery) (err error) {
			if v.Has(name) && q.Method != ForecastKDE {
				return &ParamError{Param: name, Reason: "applies to method=kde only"}
			}
			q.BandwidthM, err = parseFloatDefault(v, name, q.CellM)
			return err
		}},
		{"half_life_days", func(name string, v url.Values, q *ForecastQuery) error {
			if v.Has(name) && q.Method != ForecastKDE {
				return &ParamError{Param: name, Reason: "applies to method=kde only"}
			}
			days, err := parseFloatDefault(v, name, 0)
			if err != nil {
				return err
			}
			if days != 0 && !(days >= 1.0/24 && days <= 3650) {
				return &ParamError{Param: name, Reason: "must be between 1/24 and 3650 days"}
			}
			q.HalfLife = time.Duration(days * float64(24*time.Hour))
			return nil
		}},
		{"periods", func(name string, v url.Values, q *ForecastQuery) (err error) {
			q.Periods, err = parseIntDefault(v, name, 0)
			if err == nil && (q.Periods < 0 || q.Periods > MaxBacktestPeriods) {
				return &ParamError{Param: name, Reason: fmt.Sprintf("must be in [1, %d]", MaxBacktestPeriods)}
			}
			return err
		}},
		{"max_cells", func(name string, v url.Values, q *ForecastQuery) (err error) {
			q.MaxCells, err = parseIntDefault(v, name, DefaultMaxCells)
			return err
		}},
	}
}

// parseInstantParam reads a required date or date-time: its first instant.
func parseInstantParam(name string, v url.Values, t *time.Time) error {
	s := v.Get(name)
	if s == "" {
		return &ParamError{Param: name, Reason: "required: a date or date-time"}
	}
	iv, err := parseOneDate(name, s)
	if err != nil {
		return err
	}
	*t = iv.Start
	return nil
}

// forecastParams are the parameters of GET /api/forecast: those of
// forecastOwnParams, min_risk (default the smallest positive float64:
// leave out the cells of risk 0; 0 keeps every cell), effort (none or
// adjusted: EffortAdjustedRates from the patrol positions) and
// effort_prior_h (default EffortPrior).
var forecastParams = ParamTable[ForecastQuery]{
	own: append(forecastOwnParams(), param[ForecastQuery]{"min_risk", func(name string, v url.Values, q *ForecastQuery) (err error) {
		q.MinRisk, err = parseFloatDefault(v, name, math.SmallestNonzeroFloat64)
		return err
	}}, param[ForecastQuery]{"effort", func(name string, v url.Values, q *ForecastQuery) error {
		switch v.Get(name) {
		case "", "none":
		case "adjusted":
			q.EffortAdjusted = true
		default:
			return &ParamError{Param: name, Reason: "must be none or adjusted"}
		}
		return nil
	}}, param[ForecastQuery]{"effort_prior_h", func(name string, v url.Values, q *ForecastQuery) (err error) {
		if v.Has(name) && !q.EffortAdjusted {
			return &ParamError{Param: name, Reason: "applies to effort=adjusted only"}
		}
		q.EffortPriorH, err = parseFloatDefault(v, name, EffortPrior)
		if err == nil && !(q.EffortPriorH > 0 && q.EffortPriorH <= 1e6) {
			return &ParamError{Param: name, Reason: "must be a number of hours in (0, 1000000]"}
		}
		return err
	}}),
	filter: func(q *ForecastQuery) *Filter { return &q.Filter },
	finish: func(q *ForecastQuery) error { return q.normalize(DefaultAutoPeriods) },
}

// backtestParams are the parameters of GET /api/forecast/backtest: those
// of forecastOwnParams, where as_of and until are the last period scored.
var backtestParams = ParamTable[ForecastQuery]{
	own:    forecastOwnParams(),
	filter: func(q *ForecastQuery) *Filter { return &q.Filter },
	finish: func(q *ForecastQuery) error { return q.normalize(DefaultBacktestPeriods) },
}

// ForecastParamTable returns the parameter table of a forecast.
func ForecastParamTable() ParamTable[ForecastQuery] { return forecastParams }

// BacktestParamTable returns the parameter table of a backtest.
func BacktestParamTable() ParamTable[ForecastQuery] { return backtestParams }

package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// handleForecast serves GET /api/forecast: the expected number of events
// per hexagonal cell of the area in [as_of, until), from the events before
// as_of the caller may see. See appendForecast for the response. With
// effort=adjusted the forecast also reads the patrol positions the caller
// sees in full (data.Store.EffortSamples), which the analysis cache does
// not version: such answers are computed afresh for every request.
func handleForecast(logger *slog.Logger, store *data.Store, live *data.Live, cache *responseCache) http.Handler {
	rings := newRingCache(1 << 20)
	compute := func(ctx context.Context, q geo.ForecastQuery, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error) {
		sc, err := live.Scope(ctx, vis, c)
		if err != nil {
			return nil, 0, err
		}
		sc.Restrict(&q.Filter)
		q.Area = sc.Area
		if q.EffortAdjusted {
			if q.Effort, err = store.EffortSamples(ctx, q.Filter.Time.Start, q.AsOf); err != nil {
				return nil, 0, err
			}
		}
		res, err := geo.Forecast(ctx, live.Index(), q)
		if err != nil {
			return nil, 0, err
		}
		return appendForecast(make([]byte, 0, 1024+len(res.Cells)*300), res, c, rings), res.Version, nil
	}
	cached := analysisHandler(logger, live, cache, "forecast", geo.ForecastParamTable(), compute)
	params := geo.ForecastParamTable()
	names := params.Names()
	fresh := serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q, c, err := parseAnalysis(r, params, names)
		if err != nil {
			return err
		}
		vis, err := live.Visibility(r.Context())
		if err != nil {
			return err
		}
		b, _, err := compute(r.Context(), q, c, vis)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Content-Type", "application/geo+json")
		_, err = w.Write(b)
		return err
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("effort") == "adjusted" {
			fresh.ServeHTTP(w, r)
			return
		}
		cached.ServeHTTP(w, r)
	})
}

// handleBacktest serves GET /api/forecast/backtest: the rolling-origin
// backtest of the forecast methods on the events the caller may see, as
// JSON (see backtestJSON).
func handleBacktest(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	return analysisHandlerAs(logger, live, cache, "forecast/backtest", mediaJSON, geo.BacktestParamTable(),
		func(ctx context.Context, q geo.ForecastQuery, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error) {
			sc, err := live.Scope(ctx, vis, c)
			if err != nil {
				return nil, 0, err
			}
			sc.Restrict(&q.Filter)
			q.Area = sc.Area
			res, err := geo.Backtest(ctx, live.Index(), q)
			if err != nil {
				return nil, 0, err
			}
			b, err := json.Marshal(newBacktestJSON(res, c))
			if err != nil {
				return nil, 0, err
			}
			return append(b, '\n'), res.Version, nil
		})
}

// appendForecastParams writes the parameters of a forecast query as a
// JSON object.
func appendForecastParams(b []byte, q geo.ForecastQuery, c geo.CommonParams) []byte {
	b = append(b, `{"method":"`...)
	b = append(b, q.Method.String()...)
	b = append(b, `","as_of":"`...)
	b = q.AsOf.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","until":"`...)
	b = q.Until.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","cell_m":`...)
	b = appendFloat(b, q.CellM)
	if q.Method == geo.ForecastKDE {
		b = append(b, `,"bandwidth_m":`...)
		b = appendFloat(b, q.BandwidthM)
		b = append(b, `,"half_life_days":`...)
		b = appendFloat(b, q.HalfLife.Hours()/24)
	}
	b = append(b, `,"periods":`...)
	b = strconv.AppendInt(b, int64(q.Periods), 10)
	b = append(b, `,"max_cells":`...)
	b = strconv.AppendInt(b, int64(q.MaxCells), 10)
	if q.EffortAdjusted {
		b = append(b, `,"effort":"adjusted","effort_prior_h":`...)
		b = appendFloat(b, q.EffortPriorH)
		b = append(b, `,"effort_samples":`...)
		b = strconv.AppendInt(b, int64(len(q.Effort)), 10)
	}
	b = appendCommon(b, c, q.Filter)
	return append(b, '}')
}

// appendUsed writes the method and parameters a forecast used as a JSON
// object.
func appendUsed(b []byte, used geo.ForecastParams) []byte {
	b = append(b, `{"method":"`...)
	b = append(b, used.Method.String()...)
	b = append(b, '"')
	if used.Method == geo.ForecastKDE {
		b = append(b, `,"bandwidth_m":`...)
		b = appendFloat(b, used.BandwidthM)
		b = append(b, `,"half_life_days":`...)
		b = appendFloat(b, used.HalfLife.Hours()/24)
	}
	return append(b, '}')
}

// appendForecast encodes a forecast as a GeoJSON FeatureCollection of
// hexagons with properties q, r, x_m, y_m (centre in the LAEA projection,
// as in /api/hotspots) and risk, the expected number of events in
// [as_of, until); cells below min_risk (by default those of risk 0) are
// left out. The collection carries the parameters asked for, "used" (the
// method and parameters the forecast was computed with: auto's choice),
// for seppp the fit (theta, omega_per_day, iterations, converged), for
// auto the backtest's chosen candidate and its mean scores, history_start,
// n_cells, total (expected events over the area), events (in the history)
// and the index version.
func appendForecast(b []byte, res geo.ForecastResult, c geo.CommonParams, rings *ringCache) []byte {
	q := res.Query
	b = append(b, `{"type":"FeatureCollection","parameters":`...)
	b = appendForecastParams(b, q, c)
	b = append(b, `,"used":`...)
	b = appendUsed(b, res.Used)
	b = appendFit(b, res.Fit)
	if bt := res.Backtest; bt != nil {
		m := bt.Methods[bt.Best]
		b = append(b, `,"auto":{"chosen":`...)
		b = appendJSONString(b, m.Name)
		b = append(b, `,"origins":`...)
		b = strconv.AppendInt(b, int64(len(bt.Origins)), 10)
		b = append(b, `,"hit_rate_5":`...)
		b = appendFloat(b, m.Mean.HitRate[2])
		b = append(b, `,"pai_5":`...)
		b = appendFloat(b, m.Mean.PAI[2])
		b = append(b, '}')
	}
	b = append(b, `,"projection":`...)
	b = appendJSONString(b, geo.LAEAProj4)
	b = append(b, `,"history_start":"`...)
	b = res.HistStart.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","n_cells":`...)
	b = strconv.AppendInt(b, int64(res.NCells), 10)
	b = append(b, `,"total":`...)
	b = appendFloat(b, res.Total)
	b = append(b, `,"events":`...)
	b = strconv.AppendInt(b, int64(res.Events), 10)
	b = appendFeaturesStart(b, res.Version, len(res.Cells))
	for i := range res.Cells {
		cell := &res.Cells[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCellHead(b, rings, q.CellM, cell.Hex, cell.Ring, cell.XM, cell.YM)
		b = append(b, `,"risk":`...)
		b = appendFloat(b, cell.Risk)
		b = append(b, `}}`...)
	}
	return append(b, "]}\n"...)
}

// backtestJSON is the body of GET /api/forecast/backtest: the parameters,
// the coverages (shares of the area), the origins, and per candidate
// method its scores per origin, their means and its paired differences
// from naive and from the long-run average (hit rate at 5 % and
// log-likelihood, with 95 % intervals); best names the candidate of the
// highest mean hit rate at 5 %.
type backtestJSON struct {
	Parameters   json.RawMessage      `json:"parameters"`
	Coverages    []float64            `json:"coverages"`
	Origins      []time.Time          `json:"origins"`
	PeriodDays   float64              `json:"period_days"`
	NCells       int                  `json:"n_cells"`
	Best         string               `json:"best"`
	Methods      []backtestMethodJSON `json:"methods"`
	IndexVersion uint64               `json:"index_version"`
}

type backtestMethodJSON struct {
	Name            string      `json:"name"`
	Method          string      `json:"method"`
	BandwidthM      float64     `json:"bandwidth_m,omitempty"`
	HalfLifeDays    float64     `json:"half_life_days,omitempty"`
	Effort          string      `json:"effort,omitempty"`
	Mean            scoreJSON   `json:"mean"`
	HitVsNaive      diffJSON    `json:"hit_rate_5_vs_naive"`
	HitVsAverage    diffJSON    `json:"hit_rate_5_vs_average"`
	LogLikVsNaive   diffJSON    `json:"log_lik_vs_naive"`
	LogLikVsAverage diffJSON    `json:"log_lik_vs_average"`
	Scores          []scoreJSON `json:"scores"`
}

type scoreJSON struct {
	Origin    *time.Time `json:"origin,omitempty"`
	Events    int        `json:"events"`
	HitRate   []float64  `json:"hit_rate"`
	PAI       []float64  `json:"pai"`
	PEI       []float64  `json:"pei"`
	PEIStar   []float64  `json:"pei_star"`
	LogLik    float64    `json:"log_lik"`
	MAE       float64    `json:"mae"`
	TopGroups int        `json:"top_groups_5"`
}

type diffJSON struct {
	Mean float64  `json:"mean"`
	Lo   *float64 `json:"lo"` // null with one origin
	Hi   *float64 `json:"hi"`
	N    int      `json:"n"`
}

func newScoreJSON(s geo.ForecastScore, withOrigin bool) scoreJSON {
	out := scoreJSON{Events: s.Events, HitRate: s.HitRate[:], PAI: s.PAI[:], PEI: s.PEI[:], PEIStar: s.PEIStar[:],
		LogLik: s.LogLik, MAE: s.MAE, TopGroups: s.TopGroups}
	if withOrigin {
		o := s.Origin
		out.Origin = &o
	}
	return out
}

func newDiffJSON(d geo.PairedDiff) diffJSON {
	out := diffJSON{Mean: d.Mean, N: d.N}
	if !math.IsNaN(d.Lo) && d.N > 1 {
		lo, hi := d.Lo, d.Hi
		out.Lo, out.Hi = &lo, &hi
	}
	return out
}

// BacktestJSON returns the JSON document of GET /api/forecast/backtest for
// res, asked with the common parameters c (for the command-line tool).
func BacktestJSON(res geo.BacktestResult, c geo.CommonParams) any { return newBacktestJSON(res, c) }

func newBacktestJSON(res geo.BacktestResult, c geo.CommonParams) backtestJSON {
	q := res.Query
	out := backtestJSON{Parameters: appendForecastParams(nil, q, c), Coverages: geo.ForecastCoverages[:], Origins: res.Origins,
		PeriodDays: q.Until.Sub(q.AsOf).Hours() / 24, NCells: res.NCells, IndexVersion: res.Version}
	for i, m := range res.Methods {
		mj := backtestMethodJSON{Name: m.Name, Method: m.Params.Method.String(), Mean: newScoreJSON(m.Mean, false),
			HitVsNaive: newDiffJSON(m.HitVsNaive), HitVsAverage: newDiffJSON(m.HitVsAverage),
			LogLikVsNaive: newDiffJSON(m.LogLikVsNaive), LogLikVsAverage: newDiffJSON(m.LogLikVsAverage)}
		if m.Params.Method == geo.ForecastKDE {
			mj.BandwidthM, mj.HalfLifeDays = m.Params.BandwidthM, m.Params.HalfLife.Hours()/24
		}
		if m.EffortAdjusted {
			mj.Method, mj.Effort = m.Name, "adjusted"
		}
		for _, s := range m.Scores {
			mj.Scores = append(mj.Scores, newScoreJSON(s, true))
		}
		out.Methods = append(out.Methods, mj)
		if i == res.Best {
			out.Best = m.Name
		}
	}
	return out
}

// appendFit appends the seppp fit of a forecast (theta, omega per day,
// iterations, converged) as a "fit" member, or nothing without one.
func appendFit(b []byte, f *geo.SEPPFit) []byte {
	if f == nil {
		return b
	}
	b = append(b, `,"fit":{"theta":`...)
	b = appendFloat(b, f.Theta)
	b = append(b, `,"omega_per_day":`...)
	b = appendFloat(b, f.Omega)
	b = append(b, `,"iterations":`...)
	b = strconv.AppendInt(b, int64(f.Iterations), 10)
	b = append(b, `,"converged":`...)
	b = strconv.AppendBool(b, f.Converged)
	return append(b, '}')
}

package geo

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// ForecastMethod is a method of forecasting the number of events per cell
// in a future period.
type ForecastMethod uint8

// Forecast methods. docs/statistics.md, "Forecasts".
const (
	// ForecastNaive repeats the counts of the period just before the
	// origin.
	ForecastNaive ForecastMethod = iota + 1
	// ForecastAverage is the long-run average count per period of the
	// whole history before the origin.
	ForecastAverage
	// ForecastKDE is a time-decayed Gaussian kernel density.
	ForecastKDE
	// ForecastSEPPP is the self-exciting point process on the grid of
	// Mohler et al., fitted by expectation–maximisation.
	ForecastSEPPP
	// ForecastAuto is the candidate that scored best in a backtest over
	// the periods before the origin.
	ForecastAuto
)

var forecastMethodNames = [...]string{ForecastNaive: "naive", ForecastAverage: "average", ForecastKDE: "kde",
	ForecastSEPPP: "seppp", ForecastAuto: "auto"}

// String returns the query name of m ("naive", "average", "kde", "seppp",
// "auto").
func (m ForecastMethod) String() string { return enumName(forecastMethodNames[:], uint8(m)) }

// ParseForecastMethod returns the ForecastMethod named s.
func ParseForecastMethod(s string) (ForecastMethod, bool) {
	v, ok := enumParse(forecastMethodNames[:], s)
	return ForecastMethod(v), ok
}

// Limits and defaults of forecasts.
const (
	// MinForecastPeriod and MaxForecastPeriod bound until − as_of.
	MinForecastPeriod = time.Hour
	MaxForecastPeriod = 366 * 24 * time.Hour
	// DefaultBacktestPeriods is the default number of backtest origins of
	// the backtest endpoint; DefaultAutoPeriods that of method=auto.
	DefaultBacktestPeriods = 12
	DefaultAutoPeriods     = 6
	// MaxBacktestPeriods bounds the number of origins.
	MaxBacktestPeriods = 120
	// MaxKDEBandwidthCells bounds bandwidth_m to this many cell_m.
	MaxKDEBandwidthCells = 10
	// kdeCutoffSigmas truncates the Gaussian kernel at this many
	// bandwidths; the mass beyond is e^(−8) ≈ 3.4·10⁻⁴.
	kdeCutoffSigmas = 4
	// kdeMinWeight skips events whose time-decay weight is below it
	// (older than about 20 half-lives).
	kdeMinWeight = 1e-6
)

// ForecastParams are the parameters of a forecast method.
type ForecastParams struct {
	Method ForecastMethod
	// BandwidthM is the standard deviation of the Gaussian kernel of kde,
	// in metres. Zero means CellM.
	BandwidthM float64
	// HalfLife is kde's time-decay half-life. Zero means the period.
	HalfLife time.Duration
}

// ForecastQuery asks for the expected number of events per cell of Area in
// [AsOf, Until), from the events before AsOf.
type ForecastQuery struct {
	ForecastParams
	AsOf, Until time.Time
	CellM       float64
	// Periods is the number of backtest origins of method=auto and of a
	// backtest (0: the default of each).
	Periods int
	// Filter selects the events; its Time.Start, when set, is the start of
	// the history (else the earliest event); its Time.End must be zero:
	// the history ends at AsOf.
	Filter Filter
	Area   Area
	// MaxCells limits the number of cells in the area (0: DefaultMaxCells).
	MaxCells int
	// MinRisk returns only the cells of risk ≥ MinRisk (0: every cell).
	// ParseForecastParams defaults it to the smallest positive float64.
	MinRisk float64
	// EffortAdjusted asks for the effort-adjusted forecast
	// (EffortAdjustedRates) from the patrol effort Effort, with a prior of
	// EffortPriorH hours (0: EffortPrior). The method is then used only
	// by auto's backtest; the risk is the adjusted one.
	EffortAdjusted bool
	Effort         []EffortSample
	EffortPriorH   float64
}

// period returns Until − AsOf in nanoseconds.
func (q *ForecastQuery) period() int64 { return q.Until.Sub(q.AsOf).Nanoseconds() }

// normalize fills q's defaults and validates it; errors are *ParamError.
func (q *ForecastQuery) normalize(defPeriods int) error {
	if q.Method == 0 {
		q.Method = ForecastAuto
	}
	if q.Method.String() == "" {
		return &ParamError{Param: "method", Reason: "must be naive, average, kde, seppp or auto"}
	}
	if q.AsOf.IsZero() {
		return &ParamError{Param: "as_of", Reason: "required: the start of the forecast period"}
	}
	if q.Until.IsZero() {
		return &ParamError{Param: "until", Reason: "required: the end of the forecast period"}
	}
	if !q.Until.After(q.AsOf) {
		return &ParamError{Param: "until", Reason: "must be after as_of"}
	}
	if p := q.Until.Sub(q.AsOf); p < MinForecastPeriod || p > MaxForecastPeriod {
		return &ParamError{Param: "until", Reason: fmt.Sprintf("the period until − as_of must be between %v and %v", MinForecastPeriod, MaxForecastPeriod)}
	}
	if !q.Filter.Time.End.IsZero() {
		return &ParamError{Param: "to", Reason: "the history of a forecast ends at as_of; give only its start (from)"}
	}
	if !q.Filter.Time.Start.IsZero() && !q.Filter.Time.Start.Before(q.AsOf) {
		return &ParamError{Param: "from", Reason: "the history must start before as_of"}
	}
	if err := checkCellM(q.CellM); err != nil {
		return err
	}
	if q.BandwidthM == 0 {
		q.BandwidthM = q.CellM
	}
	if !(q.BandwidthM >= q.CellM/4) || q.BandwidthM > MaxKDEBandwidthCells*q.CellM {
		return &ParamError{Param: "bandwidth_m", Reason: fmt.Sprintf("must be between cell_m/4 and %d × cell_m", MaxKDEBandwidthCells)}
	}
	if q.HalfLife == 0 {
		q.HalfLife = q.Until.Sub(q.AsOf)
	}
	if q.HalfLife < time.Hour || q.HalfLife > 10*365*24*time.Hour {
		return &ParamError{Param: "half_life_days", Reason: "must be between 1 hour and 3650 days"}
	}
	if q.Periods == 0 {
		q.Periods = defPeriods
	}
	if q.Periods < 1 || q.Periods > MaxBacktestPeriods {
		return &ParamError{Param: "periods", Reason: fmt.Sprintf("must be in [1, %d]", MaxBacktestPeriods)}
	}
	if !(q.MinRisk >= 0) || math.IsInf(q.MinRisk, 0) {
		return &ParamError{Param: "min_risk", Reason: "must be a number of events, at least 0"}
	}
	return checkMaxCells(&q.MaxCells)
}

// ForecastCell is one cell of a forecast.
type ForecastCell struct {
	Hex      Hex
	XM, YM   float64 // centre in LAEA metres
	Lon, Lat float64
	Ring     orb.Ring // outline in lon/lat; shared, do not modify
	Risk     float64  // expected number of events in [AsOf, Until)
}

// SEPPFit is a fitted self-exciting point process on a grid: the intensity
// of cell n at time t is Mu[n] + Σ θ·ω·e^(−ω(t−tᵢ)) over the earlier events
// i of the cell. Rates are per day.
type SEPPFit struct {
	Mu         []float64 // background rate per cell, events per day
	Theta      float64   // expected number of events each event triggers
	Omega      float64   // decay rate of triggering, per day
	Iterations int       // EM iterations run
	Converged  bool
}

// ForecastResult is the answer to a ForecastQuery.
type ForecastResult struct {
	Query ForecastQuery
	// Used is the method and parameters the forecast was computed with
	// (for auto, the backtest's choice).
	Used ForecastParams
	// Backtest is the backtest behind an auto choice (nil otherwise).
	Backtest *BacktestResult
	// Fit is the fitted process of seppp (nil otherwise).
	Fit       *SEPPFit
	NCells    int     // cells in the area
	Total     float64 // expected events over the area
	Events    int     // events in the area in the history
	Cells     []ForecastCell
	Version   uint64
	HistStart time.Time // start of the history used
}

// Forecast computes the expected number of events per cell of q.Area in
// [q.AsOf, q.Until) from the events before q.AsOf that pass q.Filter as its
// viewer sees them (docs/statistics.md, "Forecasts"). The index holds
// occurrence times only, not when an event was recorded, so an event
// recorded after AsOf about an earlier time counts as history. Invalid
// parameters give a *ParamError naming the parameter. It checks ctx every
// ctxCheckEvents events and once per EM iteration and returns ctx's error
// once it is done.
func Forecast(ctx context.Context, ix *Index, q ForecastQuery) (ForecastResult, error) {
	if err := q.normalize(DefaultAutoPeriods); err != nil {
		return ForecastResult{}, err
	}
	res := ForecastResult{Query: q, Used: q.ForecastParams}
	keepFrom := int64(keepAll)
	if q.Method == ForecastKDE && !q.EffortAdjusted {
		// kde sums the events of about the last 20 half-lives only
		// (kdeMinWeight); one more is margin.
		keepFrom = q.AsOf.UnixNano() - int64(float64(q.HalfLife.Nanoseconds())*(math.Log2(1/kdeMinWeight)+1))
	}
	d, version, err := ix.forecastDataVia(ctx, &q, q.AsOf.UnixNano(), candidateMaxBandwidth(&q), keepFrom, false)
	if err != nil {
		return ForecastResult{}, err
	}
	res.Version = version
	if q.Method == ForecastAuto {
		bq := q
		bq.AsOf, bq.Until = q.AsOf.Add(-q.Until.Sub(q.AsOf)), q.AsOf
		bq.EffortAdjusted = false // auto chooses among the methods
		bt, err := backtest(ctx, d, &bq, autoCandidates(&q), nil)
		if err != nil {
			return ForecastResult{}, err
		}
		bt.Version = version
		res.Backtest = &bt
		res.Used = bt.Methods[bt.Best].Params
	}
	risk, fit, err := ix.forecastFit(ctx, d, &q, res.Used)
	if err != nil {
		return ForecastResult{}, err
	}
	res.Fit = fit
	if q.EffortAdjusted {
		d.effortRisk(&q, risk)
	}
	res.HistStart = time.Unix(0, d.start).UTC()
	res.Events = d.events(q.AsOf.UnixNano())
	ag := d.ag
	res.NCells = len(ag.cells)
	lonLat, rings := ag.geometry()
	for i, r := range risk {
		res.Total += r
		if r < q.MinRisk {
			continue
		}
		res.Cells = append(res.Cells, ForecastCell{Hex: ag.cells[i], XM: ag.xy[i][0], YM: ag.xy[i][1],
			Lon: lonLat[i][0], Lat: lonLat[i][1], Ring: rings[i], Risk: r})
	}
	return res, nil
}

// forecastFit is d.forecast of q's period by method p; a seppp fit comes
// from the index's fit cache when it holds that of the same area, filter,
// origin and history, else starts from the cache's fit of the same area
// and filter, and is kept there.
func (ix *Index) forecastFit(ctx context.Context, d *forecastData, q *ForecastQuery, p ForecastParams) ([]float64, *SEPPFit, error) {
	t0, t1 := q.AsOf.UnixNano(), q.Until.UnixNano()
	fk, ok := fitFilterKey(&q.Filter)
	if p.Method != ForecastSEPPP || !ok {
		return d.forecast(ctx, p, t0, t1, nil)
	}
	key := fitKey{ag: d.ag, filter: fk}
	hist := ix.fits.fingerprint(d, t0)
	fit, exact := ix.fits.get(key, t0, hist)
	if exact {
		risk := make([]float64, len(d.ag.cells))
		s := d.seppCellsBefore(t0)
		sepppRisk(&s, fit, risk, float64(t1-t0)/nsPerDay)
		return risk, fit, nil
	}
	risk, fit, err := d.forecast(ctx, p, t0, t1, fit)
	if err != nil {
		return nil, nil, err
	}
	ix.fits.put(key, t0, hist, fit)
	return risk, fit, nil
}

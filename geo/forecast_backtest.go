package geo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// ForecastCoverages are the shares of the area at which a backtest scores
// the top cells: 1, 2, 5 and 10 %.
var ForecastCoverages = [4]float64{0.01, 0.02, 0.05, 0.10}

// maxKDECarry bounds origins × cells of a backtest whose kde forecasts
// carry their kernel sums from one origin to the next (kdeOrigins keeps a
// vector per origin and worker: 8 M entries are 64 MB); larger ones
// compute each origin afresh.
const maxKDECarry = 8 << 20

// coverage5 is the index of 5 % in ForecastCoverages, the share at which
// methods are compared and auto chooses.
const coverage5 = 2

// ScoreFloor is the smallest expected count per cell the log-likelihood
// score uses: a forecast of 0 in a cell that then has an event would
// otherwise score −∞.
const ScoreFloor = 1e-3

// ForecastScore is the score of one forecast against the events of its
// period (docs/statistics.md, "Backtest").
type ForecastScore struct {
	Origin time.Time
	Events int // N: events in the area in the period
	// At each share of ForecastCoverages: the hit rate n/N, PAI
	// (n/N)/(a/A), PEI n/n* and PEI* a*/a.
	HitRate, PAI, PEI, PEIStar [4]float64
	// LogLik is the mean per cell Poisson log-likelihood of the counts
	// under the forecast (floored at ScoreFloor); MAE the mean absolute
	// error per cell.
	LogLik, MAE float64
	// TopGroups is the number of connected groups (cells sharing an edge)
	// of the top 5 % cells: how scattered the patrol area would be.
	TopGroups int
}

// PairedDiff is the mean of the per-origin differences of a score between
// a method and a baseline, with its 95 % t confidence interval.
type PairedDiff struct {
	Mean, Lo, Hi float64
	N            int
}

// BacktestMethod is one candidate of a backtest and its scores.
type BacktestMethod struct {
	Name   string // method and parameters, e.g. "kde b=5000m h=30d"
	Params ForecastParams
	Scores []ForecastScore // per origin, oldest first
	Mean   ForecastScore   // the mean of each score over the origins
	// Differences from naive and from the long-run average, of the hit
	// rate at 5 % of the area and of the log-likelihood.
	HitVsNaive, HitVsAverage, LogLikVsNaive, LogLikVsAverage PairedDiff
	// EffortAdjusted marks the effort-adjusted forecast (Params unused),
	// scored when the query asks for it and has patrol effort.
	EffortAdjusted bool
}

// BacktestResult is the answer to a backtest.
type BacktestResult struct {
	Query   ForecastQuery
	Origins []time.Time // oldest first
	NCells  int
	Methods []BacktestMethod
	// Best is the index in Methods of the highest mean hit rate at 5 % of
	// the area (ties: the higher log-likelihood, then the earlier).
	Best    int
	Version uint64
}

// autoCandidates are the methods and parameters auto and a backtest
// compare: naive, the long-run average, kde at bandwidths of 1 and 2
// cells and half-lives of 1 and 4 periods, and seppp.
func autoCandidates(q *ForecastQuery) []ForecastParams {
	p := q.Until.Sub(q.AsOf)
	out := []ForecastParams{{Method: ForecastNaive}, {Method: ForecastAverage}}
	for _, b := range []float64{1, 2} {
		for _, h := range []time.Duration{1, 4} {
			out = append(out, ForecastParams{Method: ForecastKDE, BandwidthM: b * q.CellM, HalfLife: h * p})
		}
	}
	return append(out, ForecastParams{Method: ForecastSEPPP})
}

// backtestCandidates are the candidates of a backtest of q: every one for
// auto, else q's method beside naive and the average.
func backtestCandidates(q *ForecastQuery) []ForecastParams {
	if q.Method == ForecastAuto {
		return autoCandidates(q)
	}
	out := []ForecastParams{{Method: ForecastNaive}, {Method: ForecastAverage}}
	if q.Method != ForecastNaive && q.Method != ForecastAverage {
		out = append(out, q.ForecastParams)
	}
	return out
}

// candidateMaxBandwidth is the widest kde bandwidth q may use.
func candidateMaxBandwidth(q *ForecastQuery) float64 {
	if q.Method == ForecastAuto {
		return max(q.BandwidthM, 2*q.CellM)
	}
	if q.Method == ForecastKDE {
		return q.BandwidthM
	}
	return 0
}

// paramsName names a candidate.
func paramsName(p ForecastParams) string {
	if p.Method == ForecastKDE {
		return fmt.Sprintf("kde b=%gm h=%gd", p.BandwidthM, p.HalfLife.Hours()/24)
	}
	return p.Method.String()
}

// Backtest scores forecasts with rolling origins: for k = Periods−1 … 0,
// the origin o = AsOf − k·P (P = Until − AsOf), each candidate forecasts
// [o, o + P) from the events before o and is scored on the events of
// [o, o + P). The candidates are every method of auto when q.Method is
// auto, else q's method, naive and the long-run average, and with
// q.EffortAdjusted and patrol effort q.Effort also the effort-adjusted
// forecast (EffortAdjustedRates). It checks ctx as
// Forecast does. docs/statistics.md, "Backtest".
func Backtest(ctx context.Context, ix *Index, q ForecastQuery) (BacktestResult, error) {
	return BacktestProgress(ctx, ix, q, nil)
}

// BacktestProgress is Backtest that calls progress (when not nil) after
// each forecast it scores with the number done and the total (candidates
// × origins), from the calling goroutine.
func BacktestProgress(ctx context.Context, ix *Index, q ForecastQuery, progress func(done, total int)) (BacktestResult, error) {
	if err := q.normalize(DefaultBacktestPeriods); err != nil {
		return BacktestResult{}, err
	}
	d, version, err := ix.forecastData(ctx, &q, q.Until.UnixNano(), candidateMaxBandwidth(&q))
	if err != nil {
		return BacktestResult{}, err
	}
	res, err := backtest(ctx, d, &q, backtestCandidates(&q), progress)
	res.Version = version
	return res, err
}

// backtest is Backtest on collected data; progress may be nil.
func backtest(ctx context.Context, d *forecastData, q *ForecastQuery, cands []ForecastParams, progress func(done, total int)) (BacktestResult, error) {
	res := BacktestResult{Query: *q, NCells: len(d.ag.cells)}
	p := q.period()
	for k := q.Periods - 1; k >= 0; k-- {
		res.Origins = append(res.Origins, time.Unix(0, q.AsOf.UnixNano()-int64(k)*p).UTC())
	}
	actual := make([][]float64, len(res.Origins))
	for k, o := range res.Origins {
		actual[k] = d.counts(o.UnixNano(), o.UnixNano()+p)
	}
	origins := make([]int64, len(res.Origins))
	for k, o := range res.Origins {
		origins[k] = o.UnixNano()
	}
	for _, c := range cands {
		m := BacktestMethod{Name: paramsName(c), Params: c}
		var warm *SEPPFit
		var carried [][]float64
		if c.Method == ForecastKDE && !d.noCarry && len(origins)*len(d.ag.cells) <= maxKDECarry {
			var err error
			carry := d.kdeOrigins
			if d.carry != nil {
				carry = d.carry
			}
			if carried, err = carry(ctx, c.BandwidthM, c.HalfLife, origins, p); err != nil {
				return BacktestResult{}, err
			}
		}
		for k, o := range res.Origins {
			var risk []float64
			var fit *SEPPFit
			var err error
			if carried != nil {
				risk = carried[k]
			} else if risk, fit, err = d.forecast(ctx, c, o.UnixNano(), o.UnixNano()+p, warm); err != nil {
				return BacktestResult{}, err
			}
			warm = fit
			s := scoreForecast(d.ag, risk, actual[k])
			s.Origin = o
			m.Scores = append(m.Scores, s)
			if progress != nil {
				progress(len(res.Methods)*len(res.Origins)+k+1, len(cands)*len(res.Origins))
			}
		}
		m.Mean = meanScore(m.Scores)
		res.Methods = append(res.Methods, m)
	}
	if q.EffortAdjusted && len(q.Effort) > 0 {
		res.Methods = append(res.Methods, backtestEffort(d, q, res.Origins, actual))
	}
	naive, avg := -1, -1
	for i, m := range res.Methods {
		switch m.Params.Method {
		case ForecastNaive:
			naive = i
		case ForecastAverage:
			avg = i
		}
	}
	hit := func(s ForecastScore) float64 { return s.HitRate[coverage5] }
	ll := func(s ForecastScore) float64 { return s.LogLik }
	for i := range res.Methods {
		m := &res.Methods[i]
		if naive >= 0 {
			m.HitVsNaive = pairedDiff(m.Scores, res.Methods[naive].Scores, hit)
			m.LogLikVsNaive = pairedDiff(m.Scores, res.Methods[naive].Scores, ll)
		}
		if avg >= 0 {
			m.HitVsAverage = pairedDiff(m.Scores, res.Methods[avg].Scores, hit)
			m.LogLikVsAverage = pairedDiff(m.Scores, res.Methods[avg].Scores, ll)
		}
		b := &res.Methods[res.Best]
		if hit(m.Mean) > hit(b.Mean) || hit(m.Mean) == hit(b.Mean) && m.Mean.LogLik > b.Mean.LogLik {
			res.Best = i
		}
	}
	return res, nil
}

// backtestEffort scores the effort-adjusted forecast (effortRisk, from
// q.Effort and q.EffortPriorH) at each origin against the counts actual.
func backtestEffort(d *forecastData, q *ForecastQuery, origins []time.Time, actual [][]float64) BacktestMethod {
	m := BacktestMethod{Name: "effort-adjusted", EffortAdjusted: true}
	p := q.Until.Sub(q.AsOf)
	for k, o := range origins {
		qo := *q
		qo.AsOf, qo.Until = o, o.Add(p)
		risk := make([]float64, len(d.ag.cells))
		d.effortRisk(&qo, risk)
		s := scoreForecast(d.ag, risk, actual[k])
		s.Origin = o
		m.Scores = append(m.Scores, s)
	}
	m.Mean = meanScore(m.Scores)
	return m
}

// counts returns each cell's number of events in [t0, t1).
func (d *forecastData) counts(t0, t1 int64) []float64 {
	y := make([]float64, len(d.ag.cells))
	for c := range y {
		y[c] = float64(d.countIn(c, t0, t1))
	}
	return y
}

// scoreForecast scores risk against the counts y (docs/statistics.md,
// "Backtest"). The top k = max(1, round(x·M)) of the M cells by risk are
// the predicted area at share x; cells tied at the cut count with the mean
// of the tied cells' events (ties broken at random, in expectation), so a
// forecast of many equal values gains nothing by the order of the cells.
func scoreForecast(ag *areaGrid, risk, y []float64) ForecastScore {
	m := len(risk)
	var s ForecastScore
	order := make([]int32, m)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmpDesc(risk[a], risk[b]) })
	best := slices.Clone(y)
	slices.SortFunc(best, cmpDesc)
	var total float64
	for i := range y {
		total += y[i]
		lam := math.Max(risk[i], ScoreFloor)
		lg, _ := math.Lgamma(y[i] + 1)
		s.LogLik += y[i]*math.Log(lam) - lam - lg
		s.MAE += math.Abs(y[i] - risk[i])
	}
	s.Events = int(total)
	s.LogLik /= float64(m)
	s.MAE /= float64(m)
	for ci, x := range ForecastCoverages {
		k := max(1, int(math.Round(x*float64(m))))
		n := capturedAt(order, risk, y, k)
		var nStar float64
		for _, v := range best[:k] {
			nStar += v
		}
		if total > 0 {
			s.HitRate[ci] = n / total
			s.PAI[ci] = s.HitRate[ci] / (float64(k) / float64(m))
		}
		if nStar > 0 {
			s.PEI[ci] = n / nStar
			s.PEIStar[ci] = cellsToCapture(best, n) / float64(k)
		}
	}
	s.TopGroups = countGroups(ag, order[:max(1, int(math.Round(ForecastCoverages[coverage5]*float64(m))))])
	return s
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// capturedAt returns the expected events in the top k cells of order (by
// risk, descending): all of the cells above the tie at the cut, and the
// tied cells' mean count for each of the remaining places.
func capturedAt(order []int32, risk, y []float64, k int) float64 {
	cut := risk[order[k-1]]
	var n, tieSum float64
	above, ties := 0, 0
	for _, i := range order {
		switch r := risk[i]; {
		case r > cut:
			n += y[i]
			above++
		case r == cut:
			tieSum += y[i]
			ties++
		}
		if risk[i] < cut {
			break
		}
	}
	return n + float64(k-above)*tieSum/float64(ties)
}

// cellsToCapture returns the least (fractional) number of cells, the
// busiest first (best is the counts descending), that hold n events: the
// a* of PEI*, in cells.
func cellsToCapture(best []float64, n float64) float64 {
	var acc float64
	for i, v := range best {
		if acc+v >= n {
			if v == 0 {
				return float64(i)
			}
			return float64(i) + (n-acc)/v
		}
		acc += v
	}
	return float64(len(best))
}

// countGroups returns the number of connected groups of the cells (edge
// neighbours on the grid).
func countGroups(ag *areaGrid, cells []int32) int {
	in := make(map[int32]bool, len(cells))
	for _, c := range cells {
		in[c] = true
	}
	seen := make(map[int32]bool, len(cells))
	groups := 0
	var stack []int32
	for _, c := range cells {
		if seen[c] {
			continue
		}
		groups++
		seen[c] = true
		stack = append(stack[:0], c)
		for len(stack) > 0 {
			cur := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, dir := range hexDirs {
				j := ag.index(ag.cells[cur].Add(dir))
				if j >= 0 && in[j] && !seen[j] {
					seen[j] = true
					stack = append(stack, j)
				}
			}
		}
	}
	return groups
}

// meanScore averages the scores over origins.
func meanScore(ss []ForecastScore) ForecastScore {
	var m ForecastScore
	if len(ss) == 0 {
		return m
	}
	for _, s := range ss {
		m.Events += s.Events
		for i := range m.HitRate {
			m.HitRate[i] += s.HitRate[i]
			m.PAI[i] += s.PAI[i]
			m.PEI[i] += s.PEI[i]
			m.PEIStar[i] += s.PEIStar[i]
		}
		m.LogLik += s.LogLik
		m.MAE += s.MAE
		m.TopGroups += s.TopGroups
	}
	n := float64(len(ss))
	for i := range m.HitRate {
		m.HitRate[i] /= n
		m.PAI[i] /= n
		m.PEI[i] /= n
		m.PEIStar[i] /= n
	}
	m.LogLik /= n
	m.MAE /= n
	m.Events = int(math.Round(float64(m.Events) / n))
	m.TopGroups = int(math.Round(float64(m.TopGroups) / n))
	return m
}

// pairedDiff returns the mean of f(a[k]) − f(b[k]) over the origins and its
// 95 % confidence interval mean ± t₀.₉₇₅,ₙ₋₁ · sd/√n (Student's t; no
// interval for one origin).
func pairedDiff(a, b []ForecastScore, f func(ForecastScore) float64) PairedDiff {
	n := len(a)
	d := PairedDiff{N: n}
	if n == 0 {
		return d
	}
	diffs := make([]float64, n)
	for k := range a {
		diffs[k] = f(a[k]) - f(b[k])
		d.Mean += diffs[k]
	}
	d.Mean /= float64(n)
	if n < 2 {
		d.Lo, d.Hi = math.NaN(), math.NaN()
		return d
	}
	var ss float64
	for _, x := range diffs {
		ss += (x - d.Mean) * (x - d.Mean)
	}
	half := tQuantile975(n-1) * math.Sqrt(ss/float64(n-1)/float64(n))
	d.Lo, d.Hi = d.Mean-half, d.Mean+half
	return d
}

// t975 are the 0.975 quantiles of Student's t for 1…30 degrees of freedom
// (any table, e.g. Abramowitz & Stegun table 26.10).
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// tQuantile975 returns t₀.₉₇₅ with df degrees of freedom: the table up to
// 30, beyond it the Cornish–Fisher expansion z + (z³ + z)/(4·df) with
// z = 1.959964 (error below 10⁻³ for df > 30).
func tQuantile975(df int) float64 {
	if df <= len(t975) {
		return t975[df-1]
	}
	const z = 1.959964
	return z + (z*z*z+z)/(4*float64(df))
}

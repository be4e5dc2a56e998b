package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// backtestDefaultPeriods is the number of origins of `borderwatch
// backtest`: three years of 30-day periods.
const backtestDefaultPeriods = 36

// runBacktest runs `borderwatch backtest`: the rolling-origin backtest of
// GET /api/forecast/backtest (the same parameters, parsed by the same
// table, and the same computation) over every event in the database,
// printed as a table or as the endpoint's JSON. Without -as-of and -until
// the last period scored is the 30 days up to the day after the latest
// event.
func runBacktest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	asOf := fs.String("as-of", "", "start of the last period scored (date or RFC 3339); default until − 30 days")
	until := fs.String("until", "", "end of the last period scored; default the day after the latest event")
	method := fs.String("method", "auto", "naive, average, kde, seppp, or auto (every candidate)")
	periods := fs.Int("periods", backtestDefaultPeriods, "number of rolling origins")
	cellM := fs.Float64("cell-m", 5000, "hexagon cell size in metres")
	extra := fs.String("q", "", "further query parameters of /api/forecast/backtest (kind=seizure&drug=heroin&corridor_km=25, bbox=…, sector=…, from=…)")
	format := fs.String("format", "table", "table or json")
	effort := fs.String("effort", "none", "none, or adjusted to score the effort-adjusted forecast from the patrol positions too")
	effortPriorH := fs.Float64("effort-prior-h", geo.EffortPrior, "prior strength in patrol hours of -effort adjusted")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backtest: unexpected argument %q", fs.Arg(0))
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("backtest: -format must be table or json, not %q", *format)
	}
	if *effort != "none" && *effort != "adjusted" {
		return fmt.Errorf("backtest: -effort must be none or adjusted, not %q", *effort)
	}
	if !(*effortPriorH > 0 && *effortPriorH <= 1e6) {
		return fmt.Errorf("backtest: -effort-prior-h must be a number of hours in (0, 1000000], not %g", *effortPriorH)
	}
	if *periods < 1 {
		return fmt.Errorf("backtest: -periods must be at least 1, not %d", *periods)
	}
	if *dbURL == "" {
		return errors.New("backtest: no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	v, err := url.ParseQuery(*extra)
	if err != nil {
		return fmt.Errorf("backtest: -q: %w", err)
	}
	store, err := openStore(ctx, *dbURL, 2, 0, false, getenv)
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	defer store.Close()
	prog := newRoadProgress(stderr)
	stop := prog.tick(func() string { return "loading the events" })
	live := data.NewLive(store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	err = live.Load(ctx)
	stop()
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	if err := backtestDefaults(live.Index(), v, *asOf, *until); err != nil {
		return err
	}
	v.Set("method", *method)
	v.Set("periods", strconv.Itoa(*periods))
	v.Set("cell_m", strconv.FormatFloat(*cellM, 'g', -1, 64))
	start := time.Now()
	var eff *backtestEffort
	if *effort == "adjusted" {
		eff = &backtestEffort{store: store, priorH: *effortPriorH}
	}
	res, c, err := backtestRun(ctx, live, v, eff, prog)
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(api.BacktestJSON(res, c))
	}
	return writeBacktestTable(stdout, res, time.Since(start))
}

// backtestDefaults sets as_of and until in v from the flags, or from the
// latest event in ix.
func backtestDefaults(ix *geo.Index, v url.Values, asOf, until string) error {
	if until == "" {
		var last int64
		err := ix.Search(orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, geo.Filter{}, func(e *geo.Event, _ orb.Point) bool {
			last = max(last, e.At.UnixNano())
			return true
		})
		if err != nil {
			return fmt.Errorf("backtest: %w", err)
		}
		if last == 0 {
			return errors.New("backtest: there are no events")
		}
		until = time.Unix(0, last).UTC().Truncate(24*time.Hour).AddDate(0, 0, 1).Format(time.DateOnly)
	}
	if asOf == "" {
		u, err := time.Parse(time.DateOnly, until)
		if err != nil {
			if u, err = time.Parse(time.RFC3339, until); err != nil {
				return fmt.Errorf("backtest: -until: must be a date or RFC 3339 time")
			}
		}
		asOf = u.AddDate(0, 0, -30).Format(time.RFC3339)
	}
	v.Set("as_of", asOf)
	v.Set("until", until)
	return nil
}

// backtestRun parses v with the endpoint's table, resolves the area as the
// database's owner sees it and runs the backtest with progress on prog.
func backtestRun(ctx context.Context, live *data.Live, v url.Values, eff *backtestEffort, prog *roadProgress) (geo.BacktestResult, geo.CommonParams, error) {
	q, c, err := geo.BacktestParamTable().Parse(v)
	if err != nil {
		return geo.BacktestResult{}, c, err
	}
	sc, err := live.UnrestrictedScope(ctx, c)
	if err != nil {
		return geo.BacktestResult{}, c, err
	}
	sc.Restrict(&q.Filter)
	q.Area = sc.Area
	if eff != nil {
		if err := eff.apply(ctx, &q); err != nil {
			return geo.BacktestResult{}, c, err
		}
	}
	var done, total atomic.Int64
	t0 := time.Now()
	stop := prog.tick(func() string {
		d, n := done.Load(), total.Load()
		if n == 0 {
			return "collecting the history"
		}
		return fmt.Sprintf("forecasts scored: %d of %d (%.0f s)", d, n, time.Since(t0).Seconds())
	})
	res, err := geo.BacktestProgress(ctx, live.Index(), q, func(d, n int) { done.Store(int64(d)); total.Store(int64(n)) })
	stop()
	return res, c, err
}

// writeBacktestTable prints each method's mean scores over the origins:
// hit rate and PAI at 1, 2, 5 and 10 % of the area, PEI* at 5 %, the
// log-likelihood, the groups of the top 5 % cells, and the paired
// difference of the hit rate at 5 % from naive with its 95 % interval.
func writeBacktestTable(w io.Writer, res geo.BacktestResult, took time.Duration) error {
	q := res.Query
	fmt.Fprintf(w, "backtest: %d origins of %.0f days, last [%s, %s), %d cells of %.0f m, %.1f s\n\n",
		len(res.Origins), q.Until.Sub(q.AsOf).Hours()/24, q.AsOf.UTC().Format(time.DateOnly), q.Until.UTC().Format(time.DateOnly),
		res.NCells, q.CellM, took.Seconds())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "method\thit 1%\thit 2%\thit 5%\thit 10%\tPAI 1%\tPAI 2%\tPAI 5%\tPAI 10%\tPEI* 5%\tloglik\tgroups 5%\thit 5% − naive [95% CI]\t")
	for i, m := range res.Methods {
		s := m.Mean
		name := m.Name
		if i == res.Best {
			name += " *"
		}
		fmt.Fprintf(tw, "%s\t", name)
		for _, h := range s.HitRate {
			fmt.Fprintf(tw, "%.1f%%\t", 100*h)
		}
		for _, p := range s.PAI {
			fmt.Fprintf(tw, "%.2f\t", p)
		}
		fmt.Fprintf(tw, "%.2f\t%.4f\t%d\t%s\t\n", s.PEIStar[2], s.LogLik, s.TopGroups, diffText(m.HitVsNaive))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\n* best mean hit rate at 5 % of the area; hit rates and PAI are means over the origins")
	return err
}

// diffText writes a paired difference in percentage points.
func diffText(d geo.PairedDiff) string {
	if d.N < 2 || math.IsNaN(d.Lo) {
		return fmt.Sprintf("%+.1f", 100*d.Mean)
	}
	return fmt.Sprintf("%+.1f [%+.1f, %+.1f]", 100*d.Mean, 100*d.Lo, 100*d.Hi)
}

// backtestEffort is -effort adjusted: the positions to read the patrol
// effort from and the prior's strength.
type backtestEffort struct {
	store  *data.Store
	priorH float64
}

// apply asks q for the effort-adjusted forecast too, from the patrol
// effort of the history (from its start, when given, to the end of the
// last period scored); without any patrol positions there it refuses.
func (e *backtestEffort) apply(ctx context.Context, q *geo.ForecastQuery) error {
	samples, err := e.store.EffortSamples(ctx, q.Filter.Time.Start, q.Until)
	if err != nil {
		return err
	}
	if len(samples) == 0 {
		return errors.New("-effort adjusted: there are no patrol positions to read the effort from")
	}
	q.EffortAdjusted, q.Effort, q.EffortPriorH = true, samples, e.priorH
	return nil
}

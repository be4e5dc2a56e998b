package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/seed"
)

// runDemo implements "borderwatch demo [-events N] [-seed S] [-from DATE]
// [-to DATE]": it migrates the database, loads the reference data and the
// real reported seizures, and replaces the synthetic history with a new one.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	events := fs.Int("events", seed.DefaultDemoEvents, "number of synthetic events")
	seedFlag := fs.Int64("seed", 1, "random seed of the synthetic history")
	from := fs.String("from", seed.DefaultDemoFrom().Format(time.DateOnly), "first day of the synthetic history (YYYY-MM-DD)")
	to := fs.String("to", seed.DefaultDemoTo().Format(time.DateOnly), "day after the synthetic history (YYYY-MM-DD)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected argument %q", fs.Arg(0))
	}
	if *dbURL == "" {
		return errors.New("demo: no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	if *events < 1 {
		return errors.New("demo: -events must be at least 1")
	}
	opts := seed.DemoOptions{Events: *events, Seed: *seedFlag}
	var err error
	if opts.From, err = time.Parse(time.DateOnly, *from); err != nil {
		return fmt.Errorf("demo: -from: %w", err)
	}
	if opts.To, err = time.Parse(time.DateOnly, *to); err != nil {
		return fmt.Errorf("demo: -to: %w", err)
	}
	store, err := openStore(ctx, *dbURL, 4, 0, false, getenv)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	start := time.Now()
	ref, err := seed.Reference(ctx, store, nil)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(stdout, "reference: %d agencies, %d countries, %d provinces, %d borders, %d crossings, %d places, %d rivers, %d offices\n",
		ref.Agencies, ref.Countries, ref.Provinces, ref.Borders, ref.Crossings, ref.Places, ref.Rivers, ref.Offices)
	fmt.Fprintf(stdout, "reported seizures: %d loaded, %d without coordinates skipped\n", ref.Seizures, ref.SeizuresSkipped)
	sum, err := seed.Demo(ctx, store, opts)
	if err != nil {
		return err
	}
	printDemoSummary(stdout, opts, sum)
	sectors, err := store.GenerateSectors(ctx, data.DefaultSectorKM, data.DefaultDepthKM)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	printSectorSummary(stdout, "generated", sectors)
	if err := demoRoadsAndAccess(ctx, store, opts.Seed, stdout); err != nil {
		return err
	}
	// The planner needs statistics of what was just loaded, and autovacuum
	// may be off or not have come round yet.
	n, err := store.Analyze(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(stdout, "statistics refreshed: %d tables analyzed\n", n)
	fmt.Fprintf(stdout, "done in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// printDemoSummary prints what the synthetic history holds.
func printDemoSummary(stdout io.Writer, opts seed.DemoOptions, sum seed.DemoSummary) {
	fmt.Fprintf(stdout, "synthetic history (seed %d, %s to %s): %d events (%d seizures, %d incidents), %d joint operations, %d MOBIT teams\n",
		opts.Seed, opts.From.Format(time.DateOnly), opts.To.Format(time.DateOnly),
		sum.Events, sum.Seizures, sum.Incidents, sum.JointOperations, sum.Teams)
	drugs := make([]string, 0, len(sum.DrugKG))
	for d := range sum.DrugKG {
		drugs = append(drugs, d)
	}
	sort.Slice(drugs, func(i, j int) bool { return sum.DrugKG[drugs[i]] > sum.DrugKG[drugs[j]] })
	fmt.Fprintf(stdout, "seized: %.0f kg:", sum.TotalKG)
	for _, d := range drugs {
		fmt.Fprintf(stdout, " %s %.0f", d, sum.DrugKG[d])
	}
	fmt.Fprintln(stdout)
	for _, c := range sum.Clusters {
		fmt.Fprintf(stdout, "trend cluster: %-11s %s (%.3f, %.3f)\n", c.Trend, c.Name, c.Location[0], c.Location[1])
	}
}

// demoRoadsAndAccess loads the synthetic track network, the demo's
// agreements, users, entities and BLO exchange, and prints how to sign in.
func demoRoadsAndAccess(ctx context.Context, store *data.Store, seedValue int64, stdout io.Writer) error {
	roadsStart := time.Now()
	roads, err := seed.DemoRoads(ctx, store)
	if err != nil {
		return err
	}
	if roads.Sides == 0 {
		fmt.Fprintf(stdout, "synthetic tracks (labelled source %q, kind synthetic) only to posts no mapped road reaches within %d km: %d tracks, %.0f km in %s\n",
			roads.Source, seed.DemoPostReachM/1000, roads.Roads, roads.KM, time.Since(roadsStart).Round(time.Millisecond))
	} else {
		fmt.Fprintf(stdout, "no mapped roads imported: synthetic track network (labelled source %q, not real roads): %d tracks, %.0f km along %d border sides in %s\n",
			roads.Source, roads.Roads, roads.KM, roads.Sides, time.Since(roadsStart).Round(time.Millisecond))
	}
	logins, err := seed.DemoAccess(ctx, store)
	if err != nil {
		return err
	}
	ents, err := seed.DemoEntities(ctx, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "synthetic entities (labelled, invented names): %d persons, vehicles, goods and groups, %d links, %d links to seizures\n",
		ents.Entities, ents.Links, ents.EventLinks)
	exStart := time.Now()
	ex, err := seed.DemoExchange(ctx, store, seed.DemoExchangeOptions{Seed: seedValue})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "synthetic BLO exchange (texts start [synthetic]): %d lookouts (%d active), %d requests for information, %d replies, %d notices, %d overdue, %d hit released, in %s\n",
		ex.Lookouts, ex.ActiveLookouts, ex.RFIs, ex.Replies, ex.Notices, ex.Overdue, ex.Hits, time.Since(exStart).Round(time.Millisecond))
	fmt.Fprintln(stdout, "sign in to the web client (these passwords are new on every demo run):")
	for _, l := range logins {
		fmt.Fprintf(stdout, "  sign in: %-10s password %s  (%s)\n", l.Username, l.Password, l.Role)
	}
	return nil
}

package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// DemoOptions configures Demo.
type DemoOptions struct {
	// Events is the number of synthetic events; 0 means DefaultDemoEvents.
	Events int
	// Seed makes the history reproducible: the same seed over the same
	// reference data gives the same events.
	Seed int64
	// From and To bound the history [From, To); zero values give
	// DefaultDemoFrom and DefaultDemoTo.
	From, To time.Time
}

// DefaultDemoEvents is the number of synthetic events Demo makes
// when DemoOptions.Events is 0.
const DefaultDemoEvents = 20000

// DefaultDemoFrom and DefaultDemoTo bound the default synthetic history:
// 2016 to 2025.
func DefaultDemoFrom() time.Time { return time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC) }

// DefaultDemoTo is the day after the default synthetic history.
func DefaultDemoTo() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// DemoCluster is a place whose activity the synthetic history makes change
// over time, for hot-spot analyses to find.
type DemoCluster struct {
	Name     string
	Location orb.Point
	// Trend is "emerging" (quiet, then rising towards the end),
	// "diminishing" (hot early, then fading) or "oscillating".
	Trend string
}

// DemoSummary counts what Demo wrote.
type DemoSummary struct {
	Events          int
	Seizures        int
	Incidents       int
	JointOperations int
	Teams           int
	Bases           int
	// TrackFixes is the number of fixes of the synthetic patrol tracks.
	TrackFixes int
	// TotalKG is the weight of all synthetic seizure items in kilograms.
	TotalKG float64
	// DrugKG is the weight per drug in kilograms.
	DrugKG   map[string]float64
	Clusters []DemoCluster
}

func (o *DemoOptions) defaults() error {
	if o.Events == 0 {
		o.Events = DefaultDemoEvents
	}
	if o.From.IsZero() {
		o.From = DefaultDemoFrom()
	}
	if o.To.IsZero() {
		o.To = DefaultDemoTo()
	}
	if o.Events < 0 || o.Events > 50_000_000 {
		return fmt.Errorf("demo: events must be between 1 and 50000000")
	}
	if !o.To.After(o.From) {
		return fmt.Errorf("demo: the end %s is not after the start %s", o.To.Format(time.RFC3339), o.From.Format(time.RFC3339))
	}
	return nil
}

// Demo replaces the synthetic history (synthetic events, joint
// operations, MOBIT teams and their bases) with a new one drawn from
// opts.Seed: seizures and incidents clustered at crossings, river fords and
// border towns, each on its reporting agency's side of the border, with
// seasons, trending clusters and joint operations. Reference must have
// run. Everything it writes is marked synthetic; events get source_ref
// "synthetic-<seed>-<n>".
func Demo(ctx context.Context, store *data.Store, opts DemoOptions) (DemoSummary, error) {
	if err := opts.defaults(); err != nil {
		return DemoSummary{}, err
	}
	w, err := loadDemoWorld(ctx, store)
	if err != nil {
		return DemoSummary{}, fmt.Errorf("demo: %w", data.MapErr(err))
	}
	pl, err := planDemo(w, opts)
	if err != nil {
		return DemoSummary{}, err
	}
	sum := summarize(pl)
	if err := writeDemo(ctx, store, pl, opts.Seed, &sum); err != nil {
		return DemoSummary{}, fmt.Errorf("demo: %w", err)
	}
	return sum, nil
}

// summarize counts the events and weights of a generated history.
func summarize(pl *demoPlan) DemoSummary {
	sum := DemoSummary{DrugKG: map[string]float64{}, Clusters: pl.clusters, JointOperations: len(pl.ops)}
	for _, e := range pl.events {
		sum.Events++
		if e.Kind == record.KindSeizure {
			sum.Seizures++
		} else {
			sum.Incidents++
		}
		for _, it := range e.Items {
			if it.Unit == "kg" {
				sum.DrugKG[it.Drug] += it.Quantity
				sum.TotalKG += it.Quantity
			}
		}
	}
	return sum
}

// Command benchmatch loads synthetic entities and active lookouts into a
// scratch database and measures matching one new record against them: the
// path of every write's hit check (data.Store.MatchLookouts: candidates by
// bw_hit_candidates over the trigram index, then scoring in Go), and, as
// the same run's baseline, the same retrieval with index scans disabled
// (a sequential similarity scan of every key). scripts/bench-match.sh runs
// it.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchmatch:", err)
		os.Exit(1)
	}
}

func run() error {
	owner := flag.String("owner", "", "the owner's database URL (load)")
	service := flag.String("service", "", "the service's database URL (measure)")
	n := flag.Int("entities", 1_000_000, "entities to load")
	lookouts := flag.Int("lookouts", 100_000, "active lookouts to load")
	runs := flag.Int("runs", 500, "matches to time")
	baseRuns := flag.Int("baseline-runs", 5, "matches to time without the index")
	flag.Parse()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, *owner)
	if err != nil {
		return err
	}
	defer pool.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	subjects, err := load(ctx, pool, rng, *n, *lookouts)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	fmt.Printf("loaded %d entities and %d lookouts in %s\n", *n, *lookouts, time.Since(start).Round(time.Second))

	store, err := data.Open(ctx, data.Config{URL: *service, Restricted: true})
	if err != nil {
		return err
	}
	defer store.Close()
	as := data.WithPrincipal(ctx, data.Principal{AgencyID: "af-border", Role: "analyst", Actor: "bench"})
	probes, err := makeProbes(as, store, rng, subjects, 200)
	if err != nil {
		return fmt.Errorf("probes: %w", err)
	}
	indexed, found, err := timeMatches(as, store, probes, *runs, false)
	if err != nil {
		return err
	}
	base, baseFound, err := timeMatches(as, store, probes, *baseRuns, true)
	if err != nil {
		return err
	}
	p50, p99 := pct(indexed, 50), pct(indexed, 99)
	b50 := pct(base, 50)
	fmt.Printf("match one record against %d active lookouts among %d entities (%d runs, %d probes, %.0f%% of them variants of a subject; %d matched):\n",
		*lookouts, *n, *runs, len(probes), 50.0, found)
	fmt.Printf("  trigram index:        p50 %7.2f ms  p99 %7.2f ms  (target p99 <= 50 ms)\n", ms(p50), ms(p99))
	fmt.Printf("  without index (%d runs): p50 %7.2f ms  (%d matched)\n", *baseRuns, ms(b50), baseFound)
	fmt.Printf("  ratio without/with (p50): %.0fx\n", float64(b50)/float64(p50))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// timeMatches times MatchLookouts over the probes, round robin; noIndex
// turns index scans off for the transaction (the baseline).
func timeMatches(ctx context.Context, store *data.Store, probes []record.Entity, runs int, noIndex bool) ([]time.Duration, int, error) {
	var ds []time.Duration
	found := 0
	for i := range runs {
		e := probes[i%len(probes)]
		t0 := time.Now()
		var got []data.LookoutMatch
		var err error
		if noIndex {
			err = store.InTx(ctx, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexscan = off`); err != nil {
					return err
				}
				got, err = data.LookoutMatchesTx(ctx, tx, e)
				return err
			})
		} else {
			got, err = store.MatchLookouts(ctx, e)
		}
		if err != nil {
			return nil, 0, err
		}
		ds = append(ds, time.Since(t0))
		if len(got) > 0 {
			found++
		}
	}
	return ds, found, nil
}

// Command benchmatch loads synthetic entities and active lookouts into a
// scratch database and measures matching one new record against them: the
// path of every write's hit check (data.Store.MatchLookouts: candidates by
// bw_hit_candidates over the trigram index on the lookouts' keys, then
// scoring in Go), and, as the same run's baseline on the same probes, the
// same path with migration 0020's bw_hit_candidates (a trigram search over
// the keys of every entity). It checks that the two find the same hits.
// scripts/bench-match.sh runs it.
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
	baseRuns := flag.Int("baseline-runs", 100, "matches to time with the baseline (0020's function)")
	warmup := flag.Int("warmup", 10, "untimed matches of each path first")
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
	if err := installBefore(ctx, pool); err != nil {
		return fmt.Errorf("baseline function: %w", err)
	}

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
	// Warm both paths up untimed: the pool's connections compile the
	// functions on first use and the caches fill.
	for _, before := range []bool{false, true} {
		if _, err := timeMatches(as, store, probes, *warmup, before); err != nil {
			return err
		}
	}
	after, err := timeMatches(as, store, probes, *runs, false)
	if err != nil {
		return err
	}
	before, err := timeMatches(as, store, probes, *baseRuns, true)
	if err != nil {
		return err
	}
	// The same hits: every probe timed both ways matched the same subjects.
	differ := 0
	for i := range min(len(probes), *baseRuns, *runs) {
		if !slices.Equal(before.hits[i], after.hits[i]) {
			differ++
			fmt.Printf("  probe %d: before %v, after %v\n", i, before.hits[i], after.hits[i])
		}
	}
	fmt.Printf("match one record against %d active lookouts among %d entities (%d probes, half of them variants of a subject):\n",
		*lookouts, *n, len(probes))
	fmt.Printf("  lookout keys (now):       p50 %8.2f ms  p99 %8.2f ms  %d runs, %d matched  (target p99 <= 50 ms)\n",
		ms(pct(after.times, 50)), ms(pct(after.times, 99)), len(after.times), after.found)
	fmt.Printf("  all entity keys (0020):   p50 %8.2f ms  p99 %8.2f ms  %d runs, %d matched\n",
		ms(pct(before.times, 50)), ms(pct(before.times, 99)), len(before.times), before.found)
	fmt.Printf("  ratio 0020/now: p50 %.0fx, p99 %.0fx; probes timed both ways with different hits: %d\n",
		float64(pct(before.times, 50))/float64(pct(after.times, 50)),
		float64(pct(before.times, 99))/float64(pct(after.times, 99)), differ)
	if differ > 0 {
		return fmt.Errorf("%d probes matched other subjects than with 0020's function", differ)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// timing is what timeMatches measured: the time of each run, the subjects
// each probe matched (sorted "message/subject"), and how many runs matched.
type timing struct {
	times []time.Duration
	hits  map[int][]string
	found int
}

// timeMatches times the hit check over the probes, round robin; before
// runs it with 0020's bw_hit_candidates (the baseline schema first on the
// transaction's search_path).
func timeMatches(ctx context.Context, store *data.Store, probes []record.Entity, runs int, before bool) (timing, error) {
	t := timing{hits: map[int][]string{}}
	for i := range runs {
		e := probes[i%len(probes)]
		t0 := time.Now()
		var got []data.LookoutMatch
		var err error
		if before {
			err = store.InTx(ctx, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `SET LOCAL search_path = `+beforeSchema+`, public`); err != nil {
					return err
				}
				got, err = data.LookoutMatchesTx(ctx, tx, e)
				return err
			})
		} else {
			got, err = store.MatchLookouts(ctx, e)
		}
		if err != nil {
			return t, err
		}
		t.times = append(t.times, time.Since(t0))
		if len(got) > 0 {
			t.found++
		}
		if i < len(probes) {
			var ids []string
			for _, m := range got {
				ids = append(ids, fmt.Sprintf("%d/%s", m.MessageID, m.SubjectID))
			}
			slices.Sort(ids)
			t.hits[i] = ids
		}
	}
	return t, nil
}

package data_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
)

// runLive loads a live index on its own restricted store, logged in as
// the service's role, and runs its change feed until the test ends, as one
// replica of the service does.
func runLive(t *testing.T, url string) *data.Live {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	store, err := data.Open(ctx, data.Config{URL: datatest.ServiceURL(t, url), Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	live := data.NewLive(store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := live.Load(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = live.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		store.Close()
	})
	return live
}

// waitFor polls cond every 10 ms until it holds or within fails the test.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLiveReplicasFollowWritesAndResync(t *testing.T) {
	url := datatest.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA (test)', 'TJK', 'drug_control')`); err != nil {
		t.Fatal(err)
	}
	insert := func(n int) []uuid.UUID {
		t.Helper()
		rows, err := pool.Query(ctx, `INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, items)
			SELECT 'seizure', '2024-01-01'::timestamptz + g * interval '1 hour',
			       ST_SetSRID(ST_MakePoint(68 + g * 0.001, 37.5), 4326), 'tj-dca', 'regional',
			       '[{"drug":"heroin","quantity":2,"unit":"kg"}]'
			FROM generate_series(1, $1) g RETURNING id`, n)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	before := insert(10)
	a, b := runLive(t, url), runLive(t, url)
	for name, l := range map[string]*data.Live{"a": a, "b": b} {
		if l.Len() != 10 {
			t.Fatalf("replica %s loaded %d events, want 10", name, l.Len())
		}
		waitFor(t, 5*time.Second, "replica "+name+" listening", l.Ready)
	}

	// Writes reach both replicas within a second.
	insert(5)
	for name, l := range map[string]*data.Live{"a": a, "b": b} {
		waitFor(t, time.Second, "insert on replica "+name, func() bool { return l.Len() == 15 })
	}
	if _, err := pool.Exec(ctx, `UPDATE event_records SET geom = ST_SetSRID(ST_MakePoint(70, 38), 4326) WHERE id = $1`, before[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "update on replica b", func() bool {
		e, ok := b.Index().Get(before[0])
		return ok && e.Lon == 70 && e.Lat == 38
	})
	if _, err := pool.Exec(ctx, `DELETE FROM event_records WHERE id = ANY($1)`, before[:3]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "delete on replica a", func() bool { return a.Len() == 12 })
	// A deleted id written again is alive, although it has a tombstone.
	if _, err := pool.Exec(ctx, `INSERT INTO event_records (id, kind, occurred_at, geom, agency_id, sharing, category, severity)
		VALUES ($1, 'incident', '2024-02-01', ST_SetSRID(ST_MakePoint(69, 37), 4326), 'tj-dca', 'agency', 'arrest', 1)`, before[1]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "re-insert on replica a", func() bool { _, ok := a.Index().Get(before[1]); return ok && a.Len() == 13 })

	// Kill replica b's listening connection and write meanwhile: b
	// reconnects, catches up from its watermark and misses nothing.
	var killed int
	if err := pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'borderwatch-live' AND datname = current_database()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 2 {
		t.Fatalf("terminated %d listening connections, want 2 (one per replica)", killed)
	}
	insert(7)
	if _, err := pool.Exec(ctx, `DELETE FROM event_records WHERE id = $1`, before[5]); err != nil {
		t.Fatal(err)
	}
	for name, l := range map[string]*data.Live{"a": a, "b": b} {
		waitFor(t, 3*time.Second, "resync of replica "+name, func() bool { return l.Len() == 19 })
		if _, ok := l.Index().Get(before[5]); ok {
			t.Fatalf("replica %s still has an event deleted while it was disconnected", name)
		}
		waitFor(t, 5*time.Second, "replica "+name+" listening again", l.Ready)
	}
	if a.Version() == 0 || a.LastSync().IsZero() {
		t.Fatal("version and last sync are not reported")
	}
}

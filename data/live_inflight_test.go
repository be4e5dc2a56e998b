package data_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data/datatest"
)

// TestLiveSeesTransactionsThatWereInFlight: a pull that runs while a
// writing transaction is open cannot see its row; the next pull must, even
// though later transactions committed and moved the snapshot on.
func TestLiveSeesTransactionsThatWereInFlight(t *testing.T) {
	url := datatest.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA', 'TJK', 'drug_control')`); err != nil {
		t.Fatal(err)
	}
	live := runLive(t, url)
	insert := `INSERT INTO event_records (kind, occurred_at, geom, agency_id, category, severity, source_ref)
		VALUES ('incident', now(), ST_SetSRID(ST_MakePoint(68.6, 37.2), 4326), 'tj-dca', 'arrest', 2, $1)`

	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	if _, err := slow.Exec(ctx, insert, "slow"); err != nil {
		t.Fatal(err)
	}
	// Later writes commit and are pulled while the slow one is open.
	for _, ref := range []string{"quick-1", "quick-2"} {
		if _, err := pool.Exec(ctx, insert, ref); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 3*time.Second, "quick writes", func() bool { return live.Len() == 2 })
	if err := live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if live.Len() != 2 {
		t.Fatalf("index holds %d events before the slow commit, want 2", live.Len())
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "the slow write", func() bool { return live.Len() == 3 })
}

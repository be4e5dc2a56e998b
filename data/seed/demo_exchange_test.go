package seed_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/data/seed"
)

// sqlExchangeFingerprint hashes the demo's messages sent before $1 (the
// history, not the reply sent after the hit) with their deliveries'
// states up to $1.
const sqlExchangeFingerprint = `SELECT md5(string_agg(concat_ws('|', m.kind, m.urgency, m.author_agency, m.author, m.body,
	m.created_at, m.valid_from, m.valid_until, m.ack_due_at, m.crossing_id,
	(SELECT string_agg(concat_ws(',', r.agency_id, r.delivered_at, r.read_at, r.acked_at,
		CASE WHEN r.answered_at < $1 THEN r.answered_at END), ';') FROM message_recipients r WHERE r.message_id = m.id)),
	',' ORDER BY m.created_at, m.id)) FROM messages m WHERE m.author LIKE 'synthetic:%' AND m.created_at < $1`

// TestDemoExchange: the demo's BLO exchange holds every kind of message
// between the agreed pairs only, labelled synthetic, about the reference
// crossings and the demo entities, with deliveries in every state, one
// overdue, and one hit released to the lookout's author; each agency sees
// only what is addressed to it or from it; a re-run replaces it the same
// way, and DemoEntities can run after it.
func TestDemoExchange(t *testing.T) {
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	if _, err := seed.Reference(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, s, seed.DemoOptions{Events: 2000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.DemoExchange(ctx, s, seed.DemoExchangeOptions{Seed: 5}); err == nil {
		t.Fatal("DemoExchange without the demo entities succeeded")
	}
	if _, err := seed.DemoAccess(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.DemoEntities(ctx, s); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sum, err := seed.DemoExchange(ctx, s, seed.DemoExchangeOptions{Seed: 5, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := seed.DemoExchangeSummary{Lookouts: 6, RFIs: 3, Replies: 6, Notices: 3, ActiveLookouts: 4, Overdue: 1, Hits: 1}
	if sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	checkExchangeRows(t, pool)
	checkExchangeVisibility(t, s, pool)

	var fp1, fp2, fp3 string
	if err := pool.QueryRow(ctx, sqlExchangeFingerprint, now).Scan(&fp1); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.DemoExchange(ctx, s, seed.DemoExchangeOptions{Seed: 5, Now: now}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if err := pool.QueryRow(ctx, sqlExchangeFingerprint, now).Scan(&fp2); err != nil {
		t.Fatal(err)
	}
	if fp1 != fp2 {
		t.Error("the same seed gave a different exchange")
	}
	checkExchangeRows(t, pool)
	if _, err := seed.DemoEntities(ctx, s); err != nil {
		t.Fatalf("demo entities after the exchange: %v", err)
	}
	if n := countRows(t, pool, `SELECT count(*) FROM messages`); n != 0 {
		t.Errorf("%d messages left after the demo entities were replaced", n)
	}
	if _, err := seed.DemoExchange(ctx, s, seed.DemoExchangeOptions{Seed: 6, Now: now}); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, sqlExchangeFingerprint, now).Scan(&fp3); err != nil {
		t.Fatal(err)
	}
	if fp3 == fp1 {
		t.Error("another seed gave the same exchange")
	}
}

// checkExchangeRows checks the stored exchange as the owner sees it.
func checkExchangeRows(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	for _, tc := range []struct {
		name string
		sql  string
		want int
	}{
		{"lookouts", `SELECT count(*) FROM messages WHERE kind = 'lookout'`, 6},
		{"requests for information", `SELECT count(*) FROM messages WHERE kind = 'rfi'`, 3},
		{"replies", `SELECT count(*) FROM messages WHERE kind = 'reply'`, 6},
		{"notices", `SELECT count(*) FROM messages WHERE kind = 'notice'`, 3},
		{"not labelled synthetic", `SELECT count(*) FROM messages WHERE body NOT LIKE '[synthetic] %' OR author NOT LIKE 'synthetic: %'`, 0},
		{"expired lookouts", `SELECT count(*) FROM messages WHERE kind = 'lookout' AND valid_until < now()`, 2},
		{"lookout urgencies", `SELECT count(DISTINCT urgency)::int FROM messages WHERE kind = 'lookout'`, 3},
		{"threads with replies", `SELECT count(DISTINCT thread_id)::int FROM messages WHERE kind = 'reply'`, 5},
		{"not at a crossing", `SELECT count(*) FROM messages WHERE kind <> 'reply' AND crossing_id IS NULL`, 0},
		{"crossings", `SELECT count(DISTINCT c.id)::int FROM messages m JOIN crossings c ON c.id = m.crossing_id
			WHERE c.name LIKE '%Panji Poyon%' OR c.name LIKE '%Termez - Hairatan%' OR c.name LIKE 'Ishkoshim%' OR c.name LIKE 'Kyzyl-Art%'`, 4},
		{"lookouts without subjects", `SELECT count(*) FROM messages m WHERE kind = 'lookout'
			AND NOT EXISTS (SELECT 1 FROM message_subjects s WHERE s.message_id = m.id)`, 0},
		{"subjects not synthetic", `SELECT count(*) FROM message_subjects s JOIN entity_records e ON e.id = s.entity_id WHERE NOT e.synthetic`, 0},
		{"author and recipients in an agreement", `SELECT count(*) FROM message_recipients r JOIN messages m ON m.id = r.message_id
			WHERE NOT EXISTS (SELECT 1 FROM sharing_agreements a WHERE (a.agency_a, a.agency_b) IN ((m.author_agency, r.agency_id), (r.agency_id, m.author_agency)))`, 0},
		{"delivery states", `SELECT count(DISTINCT CASE WHEN answered_at IS NOT NULL THEN 'answered' WHEN acked_at IS NOT NULL THEN 'acknowledged'
			WHEN read_at IS NOT NULL THEN 'read' ELSE 'delivered' END)::int FROM message_recipients`, 4},
		{"overdue", `SELECT count(*) FROM message_recipients r JOIN messages m ON m.id = r.message_id
			WHERE r.acked_at IS NULL AND m.ack_due_at <= now()`, 1},
		{"overdue is urgent", `SELECT count(*) FROM message_recipients r JOIN messages m ON m.id = r.message_id
			WHERE r.acked_at IS NULL AND m.ack_due_at <= now() AND m.urgency = 'urgent' AND m.valid_until > now()`, 1},
		{"states in time order", `SELECT count(*) FROM message_recipients r JOIN messages m ON m.id = r.message_id
			WHERE r.delivered_at <> m.created_at OR r.read_at < r.delivered_at OR r.acked_at < r.read_at OR r.read_at > now()`, 0},
		{"hits", `SELECT count(*) FROM hits`, 1},
		{"hit released to the author", `SELECT count(*) FROM hits h JOIN entity_records e ON e.id = h.entity_id
			JOIN entity_records s ON s.id = h.subject_id JOIN messages m ON m.id = h.message_id
			WHERE h.released_at IS NOT NULL AND h.agency_id = 'tj-border' AND h.author_agency = 'af-border' AND m.author_agency = 'af-border'
			AND e.plate = '4521 АВ 03' AND s.plate = '4521 AB 03' AND e.sharing = 'agency' AND e.synthetic AND s.synthetic`, 1},
		{"answered after the hit", `SELECT count(*) FROM messages m JOIN hits h ON h.message_id = m.in_reply_to
			WHERE m.author_agency = 'tj-border' AND m.created_at >= h.released_at`, 1},
	} {
		if got := countRows(t, pool, tc.sql); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

// checkExchangeVisibility reads the exchange as each agency through a
// restricted store: an agency sees exactly the messages it wrote or
// received, a third agency none, and the released hit reaches the
// lookout's author.
func checkExchangeVisibility(t *testing.T, s *data.Store, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	rs, err := s.Restricted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for _, agency := range []string{"tj-border", "af-border", "uz-border", "kg-border", "tj-dca", "tm-border"} {
		actx := data.WithPrincipal(ctx, data.Principal{AgencyID: agency, Role: "analyst", Actor: "test"})
		var seen []int64
		for _, box := range []string{"inbox", "outbox"} {
			msgs, _, _, err := rs.ListMessages(actx, box, 0, 500)
			if err != nil {
				t.Fatalf("%s %s: %v", agency, box, err)
			}
			for _, m := range msgs {
				seen = append(seen, m.ID)
			}
		}
		slices.Sort(seen)
		seen = slices.Compact(seen)
		rows, err := pool.Query(ctx, `SELECT id FROM messages m WHERE author_agency = $1
			OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.agency_id = $1) ORDER BY id`, agency)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			want = append(want, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(seen, want) {
			t.Errorf("%s sees messages %v, want %v", agency, seen, want)
		}
		if agency == "tm-border" && len(seen) != 0 {
			t.Errorf("tm-border, a party to no agreement, sees %d messages", len(seen))
		}
		hits, err := rs.ListHits(actx, data.HitQuery{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		wantHits := 0
		if agency == "tj-border" || agency == "af-border" {
			wantHits = 1
		}
		if len(hits) != wantHits || (wantHits == 1 && hits[0].ReleasedAt == nil) {
			t.Errorf("%s sees hits %+v, want %d released", agency, hits, wantHits)
		}
	}
	// Each agency's share is a strict part of the exchange.
	if n := countRows(t, pool, `SELECT count(*) FROM messages m WHERE author_agency = 'uz-border'
		OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.agency_id = 'uz-border')`); n == 0 || n >= 18 {
		t.Errorf("uz-border is party to %d of 18 messages", n)
	}
}

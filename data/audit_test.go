package data_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/record"
)

// auditedStore returns a store on a fresh database whose audit log holds
// five event creations.
func auditedStore(t *testing.T) (*data.Store, *pgxpool.Pool) {
	t.Helper()
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA', 'TJK', 'drug_control')`); err != nil {
		t.Fatal(err)
	}
	ctx = data.WithPrincipal(ctx, data.Principal{AgencyID: "tj-dca", Role: "analyst", Actor: "user:7", Remote: "10.1.2.3"})
	for i := 0; i < 5; i++ {
		if _, err := s.CreateEvent(ctx, record.Event{Kind: "incident", OccurredAt: time.Now(), Location: orb.Point{68, 37},
			AgencyID: "tj-dca", Category: "arrest", Severity: 2, SourceRef: fmt.Sprint("A", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return s, pool
}

func TestVerifyAuditDetectsTampering(t *testing.T) {
	ctx := context.Background()
	s, pool := auditedStore(t)
	rep, err := s.VerifyAudit(ctx, data.AuditVerify{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 5 || len(rep.Problems) != 0 {
		t.Fatalf("intact log: %+v", rep)
	}
	var actor, remote string
	if err := pool.QueryRow(ctx, `SELECT actor, remote_addr FROM audit_log WHERE id = 1`).Scan(&actor, &remote); err != nil {
		t.Fatal(err)
	}
	if actor != "user:7" || remote != "10.1.2.3" {
		t.Errorf("audit entry records %q from %q", actor, remote)
	}

	cases := []struct {
		name, sql, want string
	}{
		{"altered detail", `UPDATE audit_log SET detail = '{"source_ref": "forged"}' WHERE id = 2`, "entry 2 was altered"},
		{"altered actor", `UPDATE audit_log SET actor = 'someone else' WHERE id = 3`, "entry 3 was altered"},
		{"deleted entry", `DELETE FROM audit_log WHERE id = 3`, "entries 3 to 3 are missing"},
		{"deleted newest", `DELETE FROM audit_log WHERE id = 5`, "newest entries 5 to 5 are missing"},
		{"rehashed forgery", `UPDATE audit_log SET actor = 'x', hash = sha256(prev_hash || bw_audit_text(id, at, 'x', agency_id, action, target, detail, remote_addr)) WHERE id = 2`,
			"entry 3 does not follow"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, pool := auditedStore(t)
			if _, err := pool.Exec(ctx, tc.sql); err != nil {
				t.Fatal(err)
			}
			rep, err := s.VerifyAudit(ctx, data.AuditVerify{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(rep.Problems, "\n"), tc.want) {
				t.Errorf("problems %q do not report %q", rep.Problems, tc.want)
			}
		})
	}
}

// rewriteAuditFrom changes entry id's actor and recomputes its hash and the
// hash of every entry after it, as someone with the database alone (a
// superuser) can: the chain is then consistent again.
func rewriteAuditFrom(t *testing.T, pool *pgxpool.Pool, id int) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `DO $$
DECLARE r record; prev bytea;
BEGIN
  UPDATE audit_log SET actor = 'someone else' WHERE id = `+fmt.Sprint(id)+`;
  SELECT hash INTO prev FROM audit_log WHERE id = `+fmt.Sprint(id-1)+`;
  prev := coalesce(prev, '\x'::bytea);
  FOR r IN SELECT * FROM audit_log WHERE id >= `+fmt.Sprint(id)+` ORDER BY id LOOP
    UPDATE audit_log SET prev_hash = prev,
      hash = sha256(prev || bw_audit_text(r.id, r.at, r.actor, r.agency_id, r.action, r.target, r.detail, r.remote_addr))
      WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
END $$`)
	if err != nil {
		t.Fatal(err)
	}
}

// TestSignedAuditDetectsRewrite: the review rewrote an entry's actor and
// recomputed every hash after it, and verification still said intact.
// With signatures by a key outside the database, and a checkpoint a
// partner holds, the rewrite shows.
func TestSignedAuditDetectsRewrite(t *testing.T) {
	ctx := context.Background()
	privPEM, pubPEM, err := data.NewAuditKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := data.ParseAuditKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := data.ParseAuditPublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	signed := func(t *testing.T) (*data.Store, *pgxpool.Pool) {
		pool := datatest.Pool(t)
		s := data.NewFromPool(pool)
		// Two unsigned entries from before the key, then signed ones.
		if _, err := pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA', 'TJK', 'drug_control')`); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			if i == 2 {
				s.SetAuditKey(priv)
			}
			if err := s.Audit(ctx, "test.entry", fmt.Sprint("entry:", i), map[string]any{"i": i}); err != nil {
				t.Fatal(err)
			}
		}
		return s, pool
	}
	s, pool := signed(t)
	rep, err := s.VerifyAudit(ctx, data.AuditVerify{Keys: []ed25519.PublicKey{pub}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || rep.Signed != 4 || rep.Unsigned != 2 || rep.Last == nil || rep.Last.ID != 6 {
		t.Fatalf("intact signed log: %+v", rep)
	}
	checkpoint := *rep.Last
	if rep, _ := s.VerifyAudit(ctx, data.AuditVerify{Keys: []ed25519.PublicKey{pub}, RequireSigned: true}); len(rep.Problems) != 2 {
		t.Errorf("requiring signatures: %q, want the 2 unsigned entries", rep.Problems)
	}

	rewriteAuditFrom(t, pool, 4)
	if rep, _ := s.VerifyAudit(ctx, data.AuditVerify{}); len(rep.Problems) != 0 {
		t.Fatalf("the test's rewrite is not consistent: %q", rep.Problems)
	}
	rep, _ = s.VerifyAudit(ctx, data.AuditVerify{Keys: []ed25519.PublicKey{pub}})
	if got := strings.Join(rep.Problems, "\n"); !strings.Contains(got, "entry 4's signature does not match") {
		t.Errorf("signatures miss the rewrite: %q", rep.Problems)
	}
	rep, _ = s.VerifyAudit(ctx, data.AuditVerify{Checkpoints: []data.AuditCheckpoint{checkpoint}})
	if got := strings.Join(rep.Problems, "\n"); !strings.Contains(got, "entry 6 differs from the checkpoint") {
		t.Errorf("the checkpoint misses the rewrite: %q", rep.Problems)
	}

	// Dropping the signatures as well leaves unsigned entries after signed
	// ones, which is a problem too; and a signature cannot be replaced.
	s, pool = signed(t)
	if _, err := pool.Exec(ctx, `DELETE FROM audit_signatures WHERE entry_id >= 5`); err != nil {
		t.Fatal(err)
	}
	rep, _ = s.VerifyAudit(ctx, data.AuditVerify{Keys: []ed25519.PublicKey{pub}})
	if got := strings.Join(rep.Problems, "\n"); !strings.Contains(got, "entry 5 is not signed") {
		t.Errorf("removed signatures pass: %q", rep.Problems)
	}
	if _, err := pool.Exec(ctx, `SELECT bw_audit_sign(3, '0000000000000000', decode(repeat('00', 64), 'hex'))`); err == nil {
		t.Error("a second signature of an entry was accepted")
	}
}

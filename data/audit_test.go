package data_test

import (
	"context"
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
	rep, err := s.VerifyAudit(ctx, nil)
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
			rep, err := s.VerifyAudit(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(rep.Problems, "\n"), tc.want) {
				t.Errorf("problems %q do not report %q", rep.Problems, tc.want)
			}
		})
	}
}

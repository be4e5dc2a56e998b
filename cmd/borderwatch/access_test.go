package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/data/datatest"
)

func TestTokenCreateAndAuditVerify(t *testing.T) {
	ctx := context.Background()
	conn, getenv := cliDB(t)
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"borderwatch"}, args...), getenv, &out, &errb)
		return out.String(), err
	}
	out, err := cli("token", "create", "-agency", "tj-dca", "-role", "analyst", "-label", "qgis")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "bw_") {
		t.Fatalf("token create must print the token alone, printed %q", out)
	}
	if _, err := cli("token", "create", "-agency", "tj-dca", "-role", "superuser"); err == nil {
		t.Error("an unknown role was accepted")
	}
	if out, err = cli("token", "list"); err != nil || !strings.Contains(out, "qgis") {
		t.Fatalf("token list: %v %q", err, out)
	}
	if out, err = cli("token", "revoke", "1"); err != nil {
		t.Fatalf("token revoke: %v %q", err, out)
	}
	if out, err = cli("audit", "verify"); err != nil || !strings.Contains(out, "intact: 2 entries") {
		t.Fatalf("audit verify on an intact log: %v %q", err, out)
	}
	if _, err := conn.Exec(ctx, `UPDATE audit_log SET detail = '{}' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	out, err = cli("audit", "verify")
	if err == nil || !strings.Contains(out, "entry 1 was altered") {
		t.Fatalf("audit verify on a tampered log: %v %q", err, out)
	}
}

// cliDB gives a test a fresh migrated database holding the agency tj-dca,
// a connection to it, and a getenv that points OWNER_DATABASE_URL (the
// tools', and serve's for migrations) at it as its owner and DATABASE_URL
// (serve's) at it as the service's role, as the quick start does.
func cliDB(t *testing.T) (conn *pgx.Conn, getenv func(string) string) {
	t.Helper()
	url := datatest.URL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA', 'TJK', 'drug_control')`); err != nil {
		t.Fatal(err)
	}
	service := datatest.ServiceURL(t, url)
	return conn, func(k string) string {
		switch k {
		case "OWNER_DATABASE_URL":
			return url
		case "DATABASE_URL":
			return service
		}
		return ""
	}
}

// TestAgreementCLI: the operator's tool follows the same two-party rule:
// a proposal is not in force until the partner accepts, and the author
// cannot accept it for the partner.
func TestAgreementCLI(t *testing.T) {
	ctx := context.Background()
	conn, getenv := cliDB(t)
	if _, err := conn.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('af-border', 'Afghan border police (test)', 'AFG', 'border_guard')`); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"borderwatch"}, args...), getenv, &out, &errb)
		return out.String(), err
	}
	inForce := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM sharing_agreements`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	out, err := cli("agreement", "propose", "-as", "tj-dca", "-partner", "af-border", "-coarsen-m", "5000", "-coarsen-time", "day")
	if err != nil || !strings.Contains(out, "proposal 1: waits for af-border") {
		t.Fatalf("propose: %v %q", err, out)
	}
	if inForce() != 0 {
		t.Fatal("a proposal is in force before the partner accepted")
	}
	if _, err := cli("agreement", "accept", "-as", "tj-dca", "-id", "1"); err == nil {
		t.Fatal("the author accepted its own proposal")
	}
	if _, err := cli("agreement", "accept", "-id", "1"); err == nil {
		t.Fatal("a step without -as was taken")
	}
	if out, err := cli("agreement", "accept", "-as", "af-border", "-id", "1"); err != nil || inForce() != 1 {
		t.Fatalf("accept: %v %q", err, out)
	}
	if out, err := cli("agreement", "list"); err != nil || !strings.Contains(out, "in force") || !strings.Contains(out, "5000") {
		t.Fatalf("list: %v %q", err, out)
	}
	if out, err := cli("agreement", "revoke", "-as", "af-border", "-partner", "tj-dca"); err != nil || inForce() != 0 {
		t.Fatalf("revoke: %v %q", err, out)
	}
}

// TestAuditSignedVerify: `audit verify` detects a rewritten entry even when
// every hash in the database was recomputed, from the signatures (with
// -pubkey) and from a checkpoint a partner holds (with -checkpoint).
func TestAuditSignedVerify(t *testing.T) {
	ctx := context.Background()
	conn, dbenv := cliDB(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "audit.key")
	getenv := func(k string) string {
		if k == "AUDIT_KEY" {
			return key
		}
		return dbenv(k)
	}
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"borderwatch"}, args...), getenv, &out, &errb)
		return out.String(), err
	}
	if out, err := cli("audit", "keygen", "-out", key); err != nil || !strings.Contains(out, "signing key") {
		t.Fatalf("keygen: %v %q", err, out)
	}
	for _, label := range []string{"a", "b", "c"} {
		if _, err := cli("token", "create", "-agency", "tj-dca", "-role", "viewer", "-label", label); err != nil {
			t.Fatal(err)
		}
	}
	out, err := cli("audit", "verify", "-pubkey", key+".pub")
	if err != nil || !strings.Contains(out, "3 entries signed and verified, 0 unsigned") {
		t.Fatalf("verify a signed log: %v %q", err, out)
	}
	cp, err := cli("audit", "checkpoint", "-pubkey", key+".pub")
	if err != nil || !strings.Contains(cp, `"id":3`) {
		t.Fatalf("checkpoint: %v %q", err, cp)
	}
	cpFile := filepath.Join(dir, "checkpoint.json")
	if err := os.WriteFile(cpFile, []byte(cp), 0o644); err != nil {
		t.Fatal(err)
	}
	// Rewrite entry 2's actor and recompute every hash from there on.
	if _, err := conn.Exec(ctx, `DO $$
DECLARE r record; prev bytea;
BEGIN
  UPDATE audit_log SET actor = 'someone else' WHERE id = 2;
  SELECT hash INTO prev FROM audit_log WHERE id = 1;
  FOR r IN SELECT * FROM audit_log WHERE id >= 2 ORDER BY id LOOP
    UPDATE audit_log SET prev_hash = prev,
      hash = sha256(prev || bw_audit_text(r.id, r.at, r.actor, r.agency_id, r.action, r.target, r.detail, r.remote_addr))
      WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
END $$`); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("audit", "verify"); err != nil {
		t.Fatalf("the rewrite in this test is not consistent: %v %q", err, out)
	}
	if out, err := cli("audit", "verify", "-pubkey", key+".pub"); err == nil || !strings.Contains(out, "entry 2's signature does not match") {
		t.Errorf("verify -pubkey missed the rewrite: %v %q", err, out)
	}
	if out, err := cli("audit", "verify", "-checkpoint", cpFile); err == nil || !strings.Contains(out, "entry 3 differs from the checkpoint") {
		t.Errorf("verify -checkpoint missed the rewrite: %v %q", err, out)
	}
}

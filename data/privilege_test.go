package data_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
)

// The service logs in with least privilege (migration 0015): these tests
// connect as the tests' service role (datatest.ServiceURL), as the
// service's pools do, and try what a flaw in a request's handling could.

// serviceConn connects to url as the service's login and switches to
// bw_app for agency as the service's request connections do.
func serviceConn(t *testing.T, url, agency string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, datatest.ServiceURL(t, url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	if _, err := c.Exec(ctx, `SELECT set_config('role', 'bw_app', false), set_config('bw.agency', $1, false),
		set_config('bw.role', 'admin', false)`, agency); err != nil {
		t.Fatal(err)
	}
	return c
}

// wantDenied fails unless err is PostgreSQL's insufficient_privilege.
func wantDenied(t *testing.T, what string, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("%s: got %v, want insufficient_privilege (42501)", what, err)
	}
}

// owners returns the database's owner and the owner of event_records.
func owners(t *testing.T, pool *pgxpool.Pool) (db, tables string) {
	t.Helper()
	if err := pool.QueryRow(context.Background(), `SELECT pg_get_userbyid(d.datdba), pg_get_userbyid(c.relowner)
		FROM pg_database d, pg_class c WHERE d.datname = current_database() AND c.oid = 'event_records'::regclass`).Scan(&db, &tables); err != nil {
		t.Fatal(err)
	}
	return db, tables
}

func TestServiceLoginIsNotSuperuserNorBypassRLS(t *testing.T) {
	url := datatest.URL(t)
	c := serviceConn(t, url, "tj-dca")
	var super, bypass, createRole, createDB bool
	if err := c.QueryRow(context.Background(), `SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb
		FROM pg_roles WHERE rolname = session_user`).Scan(&super, &bypass, &createRole, &createDB); err != nil {
		t.Fatal(err)
	}
	if super || bypass || createRole || createDB {
		t.Fatalf("the service's login: superuser %v, BYPASSRLS %v, CREATEROLE %v, CREATEDB %v; want none", super, bypass, createRole, createDB)
	}
	// serve's guard sees the same.
	store, err := data.Open(context.Background(), data.Config{URL: datatest.ServiceURL(t, url), Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r, err := store.LoginRole(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ex := r.Excess(); len(ex) > 0 || !r.App {
		t.Fatalf("LoginRole of the service: %+v, excess %v; want none and a member of bw_app", r, ex)
	}
}

func TestServiceCannotBecomeTheOwner(t *testing.T) {
	url := datatest.URL(t)
	ctx := context.Background()
	dbOwner, tableOwner := owners(t, poolAt(t, url))
	c := serviceConn(t, url, "tj-dca")
	for _, role := range []string{dbOwner, tableOwner} {
		_, err := c.Exec(ctx, "SET ROLE "+pgx.Identifier{role}.Sanitize())
		wantDenied(t, "SET ROLE "+role, err)
		_, err = c.Exec(ctx, "SET SESSION AUTHORIZATION "+pgx.Identifier{role}.Sanitize())
		wantDenied(t, "SET SESSION AUTHORIZATION "+role, err)
	}
	// RESET ROLE leads back to the login, which is not the owner either.
	if _, err := c.Exec(ctx, "RESET ROLE"); err != nil {
		t.Fatal(err)
	}
	var user string
	var owner bool
	if err := c.QueryRow(ctx, `SELECT current_user::text, pg_has_role('pg_database_owner', 'USAGE')`).Scan(&user, &owner); err != nil {
		t.Fatal(err)
	}
	if user != datatest.ServiceRole || owner {
		t.Fatalf("after RESET ROLE: current_user %s, owner's privileges %v; want %s without them", user, owner, datatest.ServiceRole)
	}
}

func poolAt(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestServiceCannotRewriteTheAuditLog: whether acting for an agency or
// reset to its login, the service can append to the audit log only
// through the functions, never change, remove or truncate an entry or a
// signature, nor move the sequence that numbers them.
func TestServiceCannotRewriteTheAuditLog(t *testing.T) {
	url := datatest.URL(t)
	ctx := context.Background()
	owner := poolAt(t, url)
	if _, err := owner.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA', 'TJK', 'drug_control')`); err != nil {
		t.Fatal(err)
	}
	priv, _, err := data.NewAuditKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := data.ParseAuditKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	ownerStore := data.NewFromPool(owner)
	ownerStore.SetAuditKey(key)
	if err := ownerStore.Audit(ctx, "test.entry", "x", nil); err != nil {
		t.Fatal(err)
	}
	for _, reset := range []bool{false, true} {
		c := serviceConn(t, url, "tj-dca")
		if reset {
			if _, err := c.Exec(ctx, "RESET ROLE"); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{
			`UPDATE audit_log SET actor = 'someone else'`,
			`DELETE FROM audit_log`,
			`TRUNCATE audit_log CASCADE`,
			`INSERT INTO audit_log (actor, action, prev_hash, hash) VALUES ('x', 'y', '\x', '\x')`,
			`UPDATE audit_signatures SET key_id = '0000000000000000'`,
			`DELETE FROM audit_signatures`,
			`TRUNCATE audit_signatures`,
			`SELECT setval('audit_log_id_seq', 1)`,
		} {
			_, err := c.Exec(ctx, q)
			wantDenied(t, q+map[bool]string{false: " (as bw_app)", true: " (after RESET ROLE)"}[reset], err)
		}
	}
	var n int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM audit_log l JOIN audit_signatures g ON g.entry_id = l.id WHERE l.actor = 'system'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the signed entry after the attempts: %d (%v), want 1", n, err)
	}
}

// TestServiceResetRoleSeesOnlyItsAgency: a service connection acting for
// tj-dca that resets its role to the login sees no more than tj-dca may:
// not af-border's agency-only records, through the view or the table.
func TestServiceResetRoleSeesOnlyItsAgency(t *testing.T) {
	url := datatest.URL(t)
	ctx := context.Background()
	owner := poolAt(t, url)
	for _, q := range []string{
		`INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA', 'TJK', 'drug_control'),
			('af-border', 'ABP', 'AFG', 'border_guard')`,
		`INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, category, severity, notes)
			SELECT 'incident', now(), ST_SetSRID(ST_MakePoint(68.6, 37.2), 4326), a, 'agency', 'arrest', 2, 'secret of ' || a
			FROM unnest(ARRAY['tj-dca', 'af-border']) a`,
	} {
		if _, err := owner.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c := serviceConn(t, url, "tj-dca")
	count := func(what, q string) int {
		t.Helper()
		var n int
		if err := c.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return n
	}
	const view = `SELECT count(*) FROM events WHERE agency_id = 'af-border'`
	const table = `SELECT count(*) FROM event_records WHERE agency_id = 'af-border'`
	if n := count("as bw_app", view); n != 0 {
		t.Fatalf("acting for tj-dca the service sees %d of af-border's agency-only records, want 0", n)
	}
	if _, err := c.Exec(ctx, "RESET ROLE"); err != nil {
		t.Fatal(err)
	}
	if n := count("view after RESET ROLE", view); n != 0 {
		t.Errorf("after RESET ROLE the service sees %d of af-border's agency-only records in events, want 0", n)
	}
	if n := count("table after RESET ROLE", table); n != 0 {
		t.Errorf("after RESET ROLE the service sees %d of af-border's agency-only records in event_records, want 0", n)
	}
	if n := count("own records after RESET ROLE", `SELECT count(*) FROM events WHERE agency_id = 'tj-dca'`); n != 1 {
		t.Errorf("after RESET ROLE the service sees %d of tj-dca's own records, want 1", n)
	}
}

// TestServiceAuditAppendIsSigned: the service's login appends to the audit
// log, for a request and for a sign-in (before any agency is known), and
// signs each entry; the owner's verification finds every entry signed.
func TestServiceAuditAppendIsSigned(t *testing.T) {
	url := datatest.URL(t)
	ctx := context.Background()
	owner := data.NewFromPool(poolAt(t, url))
	if _, err := poolAt(t, url).Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES ('tj-dca', 'DCA', 'TJK', 'drug_control')`); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CreateUser(ctx, "nasrullo", "tj-dca", "viewer", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	priv, pub, err := data.NewAuditKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := data.ParseAuditKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pubKey, err := data.ParseAuditPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := data.Open(ctx, data.Config{URL: datatest.ServiceURL(t, url), Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	svc.SetAuditKey(key)
	if _, _, err := svc.Login(ctx, "nasrullo", "a long enough password", "10.0.0.9"); err != nil {
		t.Fatalf("sign-in through the service's login: %v", err)
	}
	actx := data.WithPrincipal(ctx, data.Principal{AgencyID: "tj-dca", Role: "viewer", Actor: "user:1", Remote: "10.0.0.9"})
	if err := svc.Audit(actx, "export.events", "csv", nil); err != nil {
		t.Fatalf("append through the service's login: %v", err)
	}
	rep, err := owner.VerifyAudit(ctx, data.AuditVerify{Keys: []ed25519.PublicKey{pubKey}, RequireSigned: true})
	if err != nil {
		t.Fatal(err)
	}
	// The owner's CreateUser entry is unsigned (owner has no key here):
	// only the service's two must be signed.
	if rep.Signed != 2 {
		t.Errorf("signed entries: %d, want the service's 2 (report %+v)", rep.Signed, rep)
	}
	for _, p := range rep.Problems {
		if !strings.Contains(p, "entry 1 is not signed") {
			t.Errorf("audit problem: %s", p)
		}
	}
	var actors []string
	rows, err := poolAt(t, url).Query(ctx, `SELECT actor || ' ' || action FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	actors, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"system user.create", "user:nasrullo user.login", "user:1 export.events"}; !slices.Equal(actors, want) {
		t.Errorf("audit entries %q, want %q", actors, want)
	}
}

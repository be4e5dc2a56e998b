// Package datatest gives integration tests of data and api their own fresh,
// migrated PostGIS database each, cloned from a template database that is
// migrated once per set of migrations.
//
// The server comes from TEST_DATABASE_URL. When it is unset the tests skip
// with a message, except when CI is set: then they fail.
package datatest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/migrations"
)

// EnvURL is the variable naming the test server.
const EnvURL = "TEST_DATABASE_URL"

// ServiceRole is the login the tests' service runs as, as a deployment's
// bw_service does: a member of bw_app and nothing else (no superuser, no
// BYPASSRLS, not the owner of the test databases). Roles belong to the
// server, not to a database: URL makes it once, under the lock that
// serialises the test binaries, and every test database holds the grants
// to bw_app it needs from its migrations alone.
const ServiceRole = "bw_test_service"

// servicePassword is ServiceRole's password, for servers that ask for one.
const servicePassword = "bw_test_service"

// URL creates a fresh migrated database and returns its connection string.
// The database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set, and CI is: the PostGIS integration tests must run (see README)", EnvURL)
		}
		t.Skipf("%s not set: skipping PostGIS integration test (scripts/test.sh sets it)", EnvURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer admin.Close(ctx)

	tmpl, err := templateName()
	if err != nil {
		t.Fatal(err)
	}
	// One advisory lock serialises template creation and cloning across
	// the test binaries that go test runs in parallel.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		t.Fatalf("advisory lock: %v", err)
	}
	defer func() { _, _ = admin.Exec(context.Background(), "SELECT pg_advisory_unlock(727274)") }()

	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tmpl).Scan(&exists); err != nil {
		t.Fatalf("look up template: %v", err)
	}
	if !exists {
		if err := buildTemplate(ctx, admin, base, tmpl); err != nil {
			t.Fatalf("build template database: %v", err)
		}
	}
	if err := ensureServiceRole(ctx, admin); err != nil {
		t.Fatalf("service role: %v", err)
	}
	name := "bw_test_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return withDatabase(t, base, name)
}

// Pool returns a pool on a fresh migrated database (see URL), closed when
// the test ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := URL(t)
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Store returns a data.Store on a fresh migrated database.
func Store(t testing.TB) *data.Store {
	t.Helper()
	return data.NewFromPool(Pool(t))
}

// ServiceURL is dbURL (from URL) logged in as ServiceRole.
func ServiceURL(t testing.TB, dbURL string) string {
	t.Helper()
	if u, err := url.Parse(dbURL); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.User = url.UserPassword(ServiceRole, servicePassword)
		return u.String()
	}
	return fmt.Sprintf("%s user=%s password=%s", dbURL, ServiceRole, servicePassword)
}

// ensureServiceRole makes ServiceRole if it does not exist, with exactly
// the attributes a service login has, and a member of bw_app. Another
// process making it meanwhile is no error.
func ensureServiceRole(ctx context.Context, admin *pgx.Conn) error {
	_, err := admin.Exec(ctx, `DO $$ BEGIN
  BEGIN
    CREATE ROLE `+ServiceRole+` LOGIN PASSWORD '`+servicePassword+`';
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '`+ServiceRole+`'
             AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole OR NOT rolinherit OR NOT rolcanlogin)) THEN
    ALTER ROLE `+ServiceRole+` LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT;
  END IF;
  IF NOT pg_has_role('`+ServiceRole+`', 'bw_app', 'MEMBER') THEN
    GRANT bw_app TO `+ServiceRole+`;
  END IF;
EXCEPTION WHEN unique_violation THEN NULL;
END $$`)
	return err
}

// keptTemplates is how many templates of other migration sets stay beside
// the newest one.
const keptTemplates = 8

func buildTemplate(ctx context.Context, admin *pgx.Conn, base, tmpl string) error {
	build := tmpl + "_build"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{build}.Sanitize()+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{build}.Sanitize()); err != nil {
		return err
	}
	u, err := dbURL(base, build)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		return err
	}
	err = data.MigratePool(ctx, pool)
	pool.Close()
	if err != nil {
		return err
	}
	// Drop templates of older migration sets beyond the newest few, then
	// publish this one by renaming it: a half-built template is never
	// cloned. Several checkouts (branches) testing against one server each
	// keep their own template; dropping every other set would end their
	// clones in progress (DROP ... WITH (FORCE)) and rebuild in turn.
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database
  WHERE datname LIKE 'bw_tmpl_%' AND datname <> $1
  ORDER BY oid DESC OFFSET $2`, build, keptTemplates)
	if err != nil {
		return err
	}
	old, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, o := range old {
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{o}.Sanitize()+" WITH (FORCE)")
	}
	_, err = admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{build}.Sanitize()+" RENAME TO "+pgx.Identifier{tmpl}.Sanitize())
	return err
}

// templateName is derived from the migration files, so a new or changed
// migration builds a new template.
func templateName() (string, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return "bw_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

func withDatabase(t testing.TB, base, name string) string {
	t.Helper()
	u, err := dbURL(base, name)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	return u
}

// dbURL returns base with its database replaced by name. base may be a URL
// or a keyword/value connection string.
func dbURL(base, name string) (string, error) {
	if u, err := url.Parse(base); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String(), nil
	}
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s dbname=%s", base, name), nilIfOK(cfg)
}

func nilIfOK(*pgx.ConnConfig) error { return nil }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

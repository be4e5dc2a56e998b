package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
)

// tempRole makes a login role with attrs, a member of bw_app, for this
// test alone (roles belong to the whole server: the name is random, and
// the role is dropped when the test ends), and returns dbURL logged in as
// it.
func tempRole(t *testing.T, conn *pgx.Conn, dbURL, attrs string) (name, roleURL string) {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name = "bw_test_role_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE ROLE "+name+" LOGIN PASSWORD '"+name+"' "+attrs+" IN ROLE bw_app"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// conn is still open: cleanups run last first.
		for _, q := range []string{"REASSIGN OWNED BY " + name + " TO CURRENT_USER", "DROP OWNED BY " + name, "DROP ROLE " + name} {
			if _, err := conn.Exec(context.Background(), q); err != nil {
				t.Errorf("%s: %v", q, err)
				return
			}
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(name, name)
	return name, u.String()
}

// TestServeRefusesPrivilegedLogins: serve will not run as a login that
// may do more than the service needs — a superuser, a BYPASSRLS role, the
// database's owner — unless told to allow it, and runs as a member of
// bw_app only.
func TestServeRefusesPrivilegedLogins(t *testing.T) {
	ctx := context.Background()
	conn, getenv := cliDB(t)
	admin := getenv("OWNER_DATABASE_URL")
	_, bypass := tempRole(t, conn, admin, "NOSUPERUSER BYPASSRLS")
	owner, ownerURL := tempRole(t, conn, admin, "NOSUPERUSER")
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{conn.Config().Database}.Sanitize()+" OWNER TO "+owner); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name, url, want string
	}{
		{"superuser", admin, "is a superuser"},
		{"bypassrls", bypass, "bypasses row-level security"},
		{"owner", ownerURL, "owner of the database"},
		{"service", getenv("DATABASE_URL"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, err := data.Open(ctx, data.Config{URL: tc.url, Restricted: true})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			privileged, err := checkServiceRole(ctx, store, false, logger)
			if tc.want == "" {
				if err != nil || privileged {
					t.Fatalf("the service's role: privileged %v, %v; want accepted", privileged, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "-allow-privileged-db") {
				t.Fatalf("refusal: %v, want one saying %q and naming -allow-privileged-db", err, tc.want)
			}
			if privileged, err := checkServiceRole(ctx, store, true, logger); err != nil || !privileged {
				t.Fatalf("with -allow-privileged-db: privileged %v, %v; want a warning only", privileged, err)
			}
		})
	}
	// serve itself stops before it listens.
	err := run(ctx, []string{"borderwatch", "serve", "-addr", "127.0.0.1:0", "-metrics-addr", "off", "-db", admin}, getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is a superuser") {
		t.Fatalf("serve as a superuser: %v, want a refusal", err)
	}
}

// TestToolsNeedTheOwner: an operator's tool given the service's login
// says so, instead of seeing nothing and failing on its first write.
func TestToolsNeedTheOwner(t *testing.T) {
	_, getenv := cliDB(t)
	service := func(k string) string {
		if k == "DATABASE_URL" {
			return getenv("DATABASE_URL")
		}
		return ""
	}
	err := run(context.Background(), []string{"borderwatch", "token", "list"}, service, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "does not own the database") || !strings.Contains(err.Error(), datatest.ServiceRole) {
		t.Fatalf("token list as the service's login: %v, want a refusal naming %s", err, datatest.ServiceRole)
	}
}

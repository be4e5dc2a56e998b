package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
)

// closedPortURL returns a database URL on a local TCP port nobody listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "postgres://nobody@" + addr + "/borderwatch?sslmode=disable&connect_timeout=2"
}

// storeAt returns a store over a pool for url whose search path is
// searchPath (empty for the server's default).
func storeAt(t *testing.T, url, searchPath string) *data.Store {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	if searchPath != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = searchPath
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return data.NewFromPool(pool)
}

// readyz asks handleReadyz over store and returns the status and the
// body's "status" member.
func readyz(t *testing.T, store *data.Store) (int, string) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := httptest.NewRecorder()
	handleReadyz(logger, store, nil).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("readyz body is not JSON: %v: %s", err, w.Body.Bytes())
	}
	return w.Code, body.Status
}

func TestReadyzDatabaseDown(t *testing.T) {
	code, status := readyz(t, storeAt(t, closedPortURL(t), ""))
	if code != http.StatusServiceUnavailable || status != "database unreachable" {
		t.Fatalf("readyz with the database down: %d %q, want 503 \"database unreachable\"", code, status)
	}
}

func TestReadyzMigrations(t *testing.T) {
	u := datatest.URL(t)
	if code, status := readyz(t, storeAt(t, datatest.ServiceURL(t, u), "")); code != http.StatusOK || status != "ready" {
		t.Fatalf("readyz on a migrated database: %d %q, want 200 \"ready\"", code, status)
	}
	// Without tern's version table in sight no migration is applied.
	if code, status := readyz(t, storeAt(t, datatest.ServiceURL(t, u), "pg_catalog")); code != http.StatusServiceUnavailable || status != "migrations pending" {
		t.Fatalf("readyz without migrations: %d %q, want 503 \"migrations pending\"", code, status)
	}
}

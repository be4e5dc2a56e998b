package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
)

// testEnv is a server on a fresh PostGIS database with two agencies and one
// crossing.
type testEnv struct {
	srv   *httptest.Server
	store *data.Store // restricted, logged in as the service's role, as the service runs it
	sys   *data.Store // unrestricted, for seeding
	pool  *pgxpool.Pool
	// token is an analyst token of tj-dca that do sends unless the
	// caller passes its own Authorization header.
	token string
	// live is the server's hotspot index, loaded and following writes.
	live *data.Live
	// metricsURL serves the metrics, apart from the API.
	metricsURL string
	// url is the test database's connection string.
	url string
	// logs holds what the server logged (JSON lines).
	logs *lockedBuffer
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes and reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tokenFor creates an API token for agency and role.
func (e *testEnv) tokenFor(t *testing.T, agency, role string) string {
	t.Helper()
	tok, _, err := e.sys.CreateToken(context.Background(), agency, role, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnvWith(t, func(cfg *api.Config) { cfg.RatePerSec = 0 })
}

// newEnvWith is newEnv with the API's settings changed by set.
func newEnvWith(t *testing.T, set func(*api.Config)) *testEnv {
	t.Helper()
	u := datatest.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, q := range []string{
		`INSERT INTO agencies (id, name, country, kind) VALUES
			('tj-dca', 'Drug Control Agency (test)', 'TJK', 'drug_control'),
			('af-border', 'Afghan Border Police (test)', 'AFG', 'border_guard')`,
		`INSERT INTO countries (iso3, name, source, license, geom) VALUES
			('TJK', 'Tajikistan', 'test', 'test', ST_Multi(ST_MakeEnvelope(67, 36.6, 75, 41, 4326))),
			('AFG', 'Afghanistan', 'test', 'test', ST_Multi(ST_MakeEnvelope(60, 29, 67, 36.6, 4326)))`,
		`INSERT INTO crossings (name, country_a, country_b, kind, confidence, source_url, geom) VALUES
			('Panji Poyon bridge', 'TJK', 'AFG', 'bridge', 'high', 'https://example.org/a', ST_SetSRID(ST_MakePoint(68.6053, 37.1946), 4326))`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	// The server logs in as the service does: a member of bw_app only.
	store, err := data.Open(ctx, data.Config{URL: datatest.ServiceURL(t, u), Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	cfg := api.DefaultConfig()
	set(&cfg)
	live := startLive(t, store, logger)
	if cfg.Stream == nil {
		cfg.Stream = startStream(t, store, logger)
	}
	cfg.Metrics = api.NewMetrics(store, api.LiveGauges(live))
	srv := httptest.NewServer(api.NewServer(logger, cfg, store, live))
	t.Cleanup(srv.Close)
	metrics := httptest.NewServer(cfg.Metrics.Handler())
	t.Cleanup(metrics.Close)
	e := &testEnv{srv: srv, store: store, sys: data.NewFromPool(pool), pool: pool, live: live, metricsURL: metrics.URL, url: u, logs: logs}
	e.token = e.tokenFor(t, "tj-dca", "analyst")
	return e
}

// do sends a request and returns the response with its body read.
func (e *testEnv) do(t *testing.T, method, path string, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func (e *testEnv) countEvents(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, b)
	}
	return m
}

// problemParams returns the names in a problem's invalid_params.
func problemParams(t *testing.T, resp *http.Response, b []byte) []string {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, b)
	}
	var p struct {
		Status        int `json:"status"`
		InvalidParams []struct {
			Name string `json:"name"`
		} `json:"invalid_params"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != resp.StatusCode {
		t.Fatalf("problem status %d != HTTP status %d", p.Status, resp.StatusCode)
	}
	names := make([]string, len(p.InvalidParams))
	for i, ip := range p.InvalidParams {
		names[i] = ip.Name
	}
	return names
}

func TestHealthAndReady(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, b := e.do(t, "GET", path, "")
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d: %s", path, resp.StatusCode, b)
		}
	}
}

func TestLandingConformanceCollections(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do(t, "GET", "/", "")
	if resp.StatusCode != 200 {
		t.Fatalf("landing: %d %s", resp.StatusCode, b)
	}
	rels := map[string]bool{}
	for _, l := range decodeJSON(t, b)["links"].([]any) {
		rels[l.(map[string]any)["rel"].(string)] = true
	}
	for _, want := range []string{"self", "conformance", "data"} {
		if !rels[want] {
			t.Errorf("landing page lacks a %q link", want)
		}
	}
	resp, b = e.do(t, "GET", "/conformance", "")
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte("ogcapi-features-1/1.0/conf/core")) {
		t.Fatalf("conformance: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "GET", "/collections", "")
	if resp.StatusCode != 200 {
		t.Fatalf("collections: %d %s", resp.StatusCode, b)
	}
	ids := map[string]bool{}
	for _, c := range decodeJSON(t, b)["collections"].([]any) {
		ids[c.(map[string]any)["id"].(string)] = true
	}
	for _, want := range []string{"events", "borders", "countries", "provinces", "crossings", "offices", "teams"} {
		if !ids[want] {
			t.Errorf("collection %q missing", want)
		}
	}
	resp, _ = e.do(t, "GET", "/collections/nope", "")
	if resp.StatusCode != 404 {
		t.Errorf("unknown collection: status %d, want 404", resp.StatusCode)
	}
}

func TestReferenceCollectionItems(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do(t, "GET", "/collections/crossings/items?bbox=68,37,69,38", "")
	if resp.StatusCode != 200 {
		t.Fatalf("items: %d %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("Content-Type %q", ct)
	}
	fc := decodeJSON(t, b)
	if fc["numberMatched"].(float64) != 1 || fc["numberReturned"].(float64) != 1 {
		t.Fatalf("want one crossing in the bbox, got %s", b)
	}
	f := fc["features"].([]any)[0].(map[string]any)
	if f["properties"].(map[string]any)["name"] != "Panji Poyon bridge" {
		t.Errorf("wrong feature %v", f)
	}
	id := f["id"].(string)
	resp, _ = e.do(t, "GET", "/collections/crossings/items/"+id, "")
	if resp.StatusCode != 200 {
		t.Errorf("single item: %d", resp.StatusCode)
	}
	resp, b = e.do(t, "GET", "/collections/crossings/items?bbox=70,37,71,38", "")
	if fc := decodeJSON(t, b); resp.StatusCode != 200 || fc["numberMatched"].(float64) != 0 {
		t.Errorf("empty bbox: %d %s", resp.StatusCode, b)
	}
	resp, _ = e.do(t, "GET", "/collections/countries/items/TJK", "")
	if resp.StatusCode != 200 {
		t.Errorf("country by iso3: %d", resp.StatusCode)
	}
	resp, _ = e.do(t, "GET", "/collections/crossings/items/99999", "")
	if resp.StatusCode != 404 {
		t.Errorf("missing item: %d, want 404", resp.StatusCode)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.do(t, "GET", "/collections/events/items", "")
	resp, err := http.Get(e.metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`borderwatch_http_requests_total{method="GET",route="/collections/events/items",status="200"} 1`,
		`borderwatch_http_request_duration_seconds_bucket{method="GET",route="/collections/events/items"`,
		`borderwatch_db_pool_connections{state="max"}`,
		`borderwatch_live_index_events`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The public API does not serve them, to any token: they count every
	// event and request, hidden ones included.
	if resp, _ := e.do(t, "GET", "/metrics", ""); resp.StatusCode != 404 {
		t.Errorf("/metrics on the API: %d, want 404", resp.StatusCode)
	}
}

package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowBody yields its content in pieces, pausing before the last one until
// release is closed.
type slowBody struct {
	parts   [][]byte
	release chan struct{}
	started chan struct{}
	once    sync.Once
}

func (s *slowBody) Read(p []byte) (int, error) {
	if len(s.parts) == 0 {
		return 0, io.EOF
	}
	if len(s.parts) == 1 {
		s.once.Do(func() { close(s.started) })
		<-s.release
	}
	n := copy(p, s.parts[0])
	s.parts[0] = s.parts[0][n:]
	if len(s.parts[0]) == 0 {
		s.parts = s.parts[1:]
	}
	return n, nil
}

// TestGracefulShutdown stops the service (as SIGTERM does) while a write
// is still being uploaded: the write completes and is acknowledged, new
// connections are refused, and serve returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	ctx := context.Background()
	conn, getenv := cliDB(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"borderwatch", "token", "create", "-agency", "tj-dca", "-role", "analyst"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())

	// serve signs the audit entries of its writes with -audit-key.
	key := filepath.Join(t.TempDir(), "audit.key")
	if err := run(ctx, []string{"borderwatch", "audit", "keygen", "-out", key}, getenv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := mln.Addr().String()
	mln.Close()
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- run(sctx, []string{"borderwatch", "serve", "-addr", addr, "-metrics-addr", metricsAddr, "-audit-key", key, "-shutdown-timeout", "20s"}, getenv, io.Discard, io.Discard)
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatalf("service not ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Metrics are served on their own listener, and not by the API.
	if resp, err := http.Get("http://" + metricsAddr + "/metrics"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics listener: %v %v", resp, err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "borderwatch_live_index_events") {
			t.Error("the metrics lack the live index")
		}
	}
	if req, _ := http.NewRequest("GET", base+"/metrics", nil); true {
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
			t.Errorf("/metrics on the API: %v %v, want 404", resp, err)
		} else {
			resp.Body.Close()
		}
	}

	feature := `{"type": "Feature", "geometry": {"type": "Point", "coordinates": [68.6, 37.2]},
	  "properties": {"kind": "incident", "occurred_at": "2024-05-01", "category": "arrest", "severity": 2, "source_ref": "inflight-1"}}`
	body := &slowBody{parts: [][]byte{[]byte(feature[:40]), []byte(feature[40:])}, release: make(chan struct{}), started: make(chan struct{})}
	req, _ := http.NewRequest("POST", base+"/collections/events/items", body)
	req.ContentLength = int64(len(feature))
	req.Header.Set("Authorization", "Bearer "+token)
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	// A connection of its own: an idle keep-alive connection may be closed
	// by the shutdown before the server has read the next request on it,
	// which HTTP allows and clients must expect; an active one may not.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	go func() {
		resp, err := fresh.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	<-body.started
	time.Sleep(100 * time.Millisecond) // the server reads the headers
	stop()                             // SIGTERM
	time.Sleep(300 * time.Millisecond)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the service still accepts connections while shutting down")
	}
	close(body.release)
	res := <-done
	if res.err != nil || res.status != http.StatusCreated {
		t.Fatalf("in-flight write: status %d, %v", res.status, res.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after draining")
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM event_records WHERE source_ref = 'inflight-1'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("the acknowledged write is stored %d times", n)
	}
	// The token made by the command line came before the key; the write
	// through serve is signed.
	out.Reset()
	if err := run(ctx, []string{"borderwatch", "audit", "verify", "-pubkey", key + ".pub"}, getenv, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "1 entries signed and verified, 1 unsigned") {
		t.Errorf("audit verify after serve -audit-key: %v %q", err, out.String())
	}
}

// TestServeListensOnLoopbackByDefault: a service started without -addr or
// ADDR is not reachable from the network.
func TestServeListensOnLoopbackByDefault(t *testing.T) {
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres:///unused"
		}
		return ""
	}
	cfg, err := parseServeFlags(nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	host, _, err := net.SplitHostPort(cfg.addr)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Fatalf("default listen address %q is not loopback", cfg.addr)
	}
	cfg, err = parseServeFlags([]string{"-addr", ":9999"}, getenv, io.Discard)
	if err != nil || cfg.addr != ":9999" {
		t.Fatalf("-addr :9999 gives %q, %v", cfg.addr, err)
	}
}

package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"
)

// TestResponsesAreCompressed holds JSON answers and the web client's page to
// gzip for a client that accepts it, and leaves them as they are for one
// that does not.
func TestResponsesAreCompressed(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/collections/countries/items?limit=100", "/collections", "/"} {
		resp, b := e.do(t, "GET", path, "", "Accept-Encoding", "gzip", "Accept", "*/*")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
			t.Fatalf("%s: Content-Encoding %q, want gzip", path, ce)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if path != "/" && !json.Valid(plain) {
			t.Errorf("%s: the decompressed body is not JSON: %.80s", path, plain)
		}
		resp, b = e.do(t, "GET", path, "", "Accept-Encoding", "identity", "Accept", "*/*")
		if ce := resp.Header.Get("Content-Encoding"); ce != "" || !bytes.Equal(b, plain) {
			t.Errorf("%s without gzip: Content-Encoding %q, same body %v", path, ce, bytes.Equal(b, plain))
		}
	}
}

// TestReferenceItemsRevalidate holds a page of reference features to an
// ETag that does not change from one request to the next (the time stamp
// does) and answers 304 to it, for another agency's token too.
func TestReferenceItemsRevalidate(t *testing.T) {
	e := newEnv(t)
	const path = "/collections/countries/items?limit=100"
	resp, b := e.do(t, "GET", path, "")
	tag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || tag == "" {
		t.Fatalf("first load: %d, ETag %q: %s", resp.StatusCode, tag, b)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("Cache-Control %q", cc)
	}
	resp, b = e.do(t, "GET", path, "", "If-None-Match", tag)
	if resp.StatusCode != 304 || len(b) != 0 {
		t.Errorf("revalidation: %d with %d bytes, want 304 and none", resp.StatusCode, len(b))
	}
	other := e.tokenFor(t, "af-border", "viewer")
	resp, _ = e.do(t, "GET", path, "", "If-None-Match", tag, "Authorization", "Bearer "+other)
	if resp.StatusCode != 304 {
		t.Errorf("another agency's revalidation: %d, want 304", resp.StatusCode)
	}
	if _, err := e.pool.Exec(t.Context(), `UPDATE countries SET name = 'Tajikistan (changed)' WHERE iso3 = 'TJK'`); err != nil {
		t.Fatal(err)
	}
	resp, b = e.do(t, "GET", path, "", "If-None-Match", tag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == tag || !bytes.Contains(b, []byte("(changed)")) {
		t.Errorf("after a change: %d, ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), tag)
	}
}

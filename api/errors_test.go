package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRouterErrorsAreProblems checks that paths no route matches, and
// routed paths asked with another method, answer application/problem+json
// like every other error, with Allow on 405.
func TestRouterErrorsAreProblems(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := NewServer(logger, DefaultConfig(), storeAt(t, closedPortURL(t), ""), nil)
	tests := []struct {
		name, method, path string
		status             int
		allow              string
	}{
		{"unknown path", http.MethodGet, "/no/such/path", http.StatusNotFound, ""},
		{"unknown api path", http.MethodPost, "/api/nothing", http.StatusNotFound, ""},
		{"public route", http.MethodDelete, "/healthz", http.StatusMethodNotAllowed, "GET"},
		{"route behind authentication", http.MethodPost, "/collections", http.StatusMethodNotAllowed, "GET"},
		{"route with several methods", http.MethodPost, "/collections/events/items/0b7f4d8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", http.StatusMethodNotAllowed, "GET, PUT, PATCH, DELETE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body.Bytes())
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q, want application/problem+json", ct)
			}
			var p problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatalf("body is not a problem: %v: %s", err, w.Body.Bytes())
			}
			if p.Status != tc.status || p.Title == "" || p.Instance != tc.path || p.RequestID == "" {
				t.Errorf("problem %+v", p)
			}
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
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

// TestFieldNamesMapToParams checks that the typed errors of data, which
// name a record's or query's field, answer exactly as the errors phrased
// in parameter names they replace.
func TestFieldNamesMapToParams(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	verr := func(field, reason string) error {
		return &record.ValidationError{Fields: []record.FieldError{{Field: field, Reason: reason}}}
	}
	tests := []struct {
		name      string
		got, want error
	}{
		{"page size", verr("page_size", "must be between 1 and 10000"), verr("limit", "must be between 1 and 10000")},
		{"after", verr("after", "malformed"), verr("cursor", "malformed")},
		{"idempotency key", verr("idempotency_key", "must be 1 to 200 characters"), verr("Idempotency-Key", "must be 1 to 200 characters")},
		{"agency id in a query", verr("agency_id", `"X" is not an agency id`), verr("agency", `"X" is not an agency id`)},
		{"agency id", &record.FieldError{Field: "agency_id", Reason: `"X" is not an agency id`},
			&geo.ParamError{Param: "agency", Reason: `"X" is not an agency id`}},
		{"sector id", fmt.Errorf("area: %w", &record.FieldError{Field: "sector_id", Reason: `no sector "s"`}),
			&geo.ParamError{Param: "sector", Reason: `no sector "s"`}},
		{"record field", verr("occurred_at", "required"), &badRequest{status: http.StatusBadRequest, title: "Invalid request",
			params: []invalidParam{{Name: "occurred_at", Reason: "required"}}}},
	}
	answer := func(err error) (int, string, string) {
		w := httptest.NewRecorder()
		writeError(w, httptest.NewRequest(http.MethodGet, "/api/hotspots?agency=X", nil), logger, err)
		return w.Code, w.Header().Get("Content-Type"), w.Body.String()
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gc, gt, gb := answer(tc.got)
			wc, wt, wb := answer(tc.want)
			if gc != wc || gt != wt || gb != wb {
				t.Errorf("answer %d %s %s\nwant   %d %s %s", gc, gt, gb, wc, wt, wb)
			}
		})
	}
}

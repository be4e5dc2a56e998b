package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	InvalidParams []invalidParam `json:"invalid_params,omitempty"`
	RequestID     string         `json:"request_id,omitempty"`
}

// invalidParam names one offending field or parameter.
type invalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// badRequest is a client error raised inside api (body decoding, headers).
type badRequest struct {
	status int
	title  string
	params []invalidParam
}

func (e *badRequest) Error() string {
	if len(e.params) > 0 {
		return e.title + ": " + e.params[0].Name + ": " + e.params[0].Reason
	}
	return e.title
}

func newBadRequest(name, reason string) *badRequest {
	return &badRequest{status: http.StatusBadRequest, title: "Invalid request", params: []invalidParam{{Name: name, Reason: reason}}}
}

// paramName returns the request parameter (or header) that carries the
// field data and record name field in their typed errors. The two differ
// only where the HTTP interface has its own name for a value: OGC API's
// limit and cursor, the Idempotency-Key header, and the agency and sector
// query parameters that hold ids. Record fields such as occurred_at are
// named alike on both sides.
func paramName(field string) string {
	switch field {
	case "page_size":
		return "limit"
	case "after":
		return "cursor"
	case "idempotency_key":
		return "Idempotency-Key"
	case "agency_id":
		return "agency"
	case "sector_id":
		return "sector"
	}
	return field
}

// writeError maps err to a status and writes it as application/problem+json.
// Server errors are logged; their text never reaches the client.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	p := problem{Type: "about:blank", Instance: r.URL.Path, RequestID: middleware.GetReqID(r.Context())}
	var (
		verr *record.ValidationError
		ferr *record.FieldError
		perr *geo.ParamError
		breq *badRequest
	)
	switch {
	case errors.As(err, &breq):
		p.Status, p.Title, p.InvalidParams = breq.status, breq.title, breq.params
	case errors.As(err, &verr):
		p.Status, p.Title = http.StatusBadRequest, "Invalid request"
		for _, f := range verr.Fields {
			p.InvalidParams = append(p.InvalidParams, invalidParam{Name: paramName(f.Field), Reason: f.Reason})
		}
	case errors.As(err, &ferr):
		p.Status, p.Title = http.StatusBadRequest, "Invalid parameter"
		p.InvalidParams = []invalidParam{{Name: paramName(ferr.Field), Reason: ferr.Reason}}
	case errors.As(err, &perr):
		p.Status, p.Title = http.StatusBadRequest, "Invalid parameter"
		p.InvalidParams = []invalidParam{{Name: perr.Param, Reason: perr.Reason}}
	case errors.Is(err, data.ErrNoBorderLines):
		p.Status, p.Title = http.StatusBadRequest, "Invalid parameter"
		p.InvalidParams = []invalidParam{{Name: "corridor_km", Reason: "no border lines are loaded; give bbox or sector"}}
	case errors.Is(err, errNoToken), errors.Is(err, data.ErrUnauthenticated):
		p.Status, p.Title = http.StatusUnauthorized, "Unauthorized"
		p.Detail = "send a valid API token as Authorization: Bearer <token> (or sign in)"
		w.Header().Set("WWW-Authenticate", `Bearer realm="borderwatch"`)
	case errors.Is(err, data.ErrForbidden):
		p.Status, p.Title = http.StatusForbidden, "Forbidden"
		p.Detail = "your agency or role may not do this"
	case errors.Is(err, errRateLimited):
		p.Status, p.Title = http.StatusTooManyRequests, "Too many requests"
		p.Detail = "slow down and retry shortly"
		w.Header().Set("Retry-After", "1")
	case errors.Is(err, data.ErrTooManyStreams):
		p.Status, p.Title = http.StatusTooManyRequests, "Too many streams"
		p.Detail = "this token or agency has as many live streams open as it may; close one (one stream carries every type)"
		w.Header().Set("Retry-After", "5")
	case errors.Is(err, data.ErrNotFound):
		p.Status, p.Title = http.StatusNotFound, "Not found"
	case errors.Is(err, errMethodNotAllowed):
		p.Status, p.Title = http.StatusMethodNotAllowed, "Method not allowed"
		p.Detail = "the Allow header lists the methods of this resource"
	case errors.Is(err, data.ErrStale):
		p.Status, p.Title = http.StatusPreconditionFailed, "Precondition failed"
		p.Detail = "the record was changed since you read it; fetch it again (new ETag) and retry"
	case errors.Is(err, data.ErrIdempotencyMismatch):
		p.Status, p.Title = http.StatusUnprocessableEntity, "Idempotency key reused"
		p.InvalidParams = []invalidParam{{Name: "Idempotency-Key", Reason: "already used for a different request"}}
	case errors.Is(err, data.ErrConflict):
		p.Status, p.Title = http.StatusConflict, "Conflict"
		p.Detail = "a record with the same agency and source_ref exists"
	case errors.Is(err, data.ErrUnavailable):
		p.Status, p.Title = http.StatusServiceUnavailable, "Service unavailable"
		p.Detail = "the database is not reachable; retry later"
		w.Header().Set("Retry-After", "2")
	case errors.Is(err, context.DeadlineExceeded):
		p.Status, p.Title = http.StatusServiceUnavailable, "Timed out"
		p.Detail = "the request took too long; narrow it or retry later"
		w.Header().Set("Retry-After", "2")
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		p.Status, p.Title = 499, "Client closed request"
	default:
		p.Status, p.Title = http.StatusInternalServerError, "Internal error"
		p.Detail = "the error was logged with this request_id"
	}
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		logger.ErrorContext(r.Context(), "request failed", "request_id", p.RequestID, "error", err.Error())
	} else if p.Status == http.StatusServiceUnavailable {
		logger.WarnContext(r.Context(), "request unavailable", "request_id", p.RequestID, "error", err.Error())
	}
	localize(w, r, &p)
	if len(p.InvalidParams) > 0 && p.Detail == "" {
		p.Detail = p.InvalidParams[0].Name + ": " + p.InvalidParams[0].Reason
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// serveErrors adapts a handler that returns its error: a non-nil error is
// written with writeError.
func serveErrors(logger *slog.Logger, h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, logger, err)
		}
	})
}

// errMethodNotAllowed answers a request whose path is routed but not for
// its method.
var errMethodNotAllowed = errors.New("method not allowed")

// routeMethods are the methods a route may be registered for.
var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// handleNotFound answers requests for paths no route matches.
func handleNotFound(logger *slog.Logger) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		return data.ErrNotFound
	})
}

// handleMethodNotAllowed answers requests for a routed path with another
// method, listing in Allow the methods that routes has for the path.
func handleMethodNotAllowed(logger *slog.Logger, routes chi.Routes) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		path := r.URL.RawPath
		if path == "" {
			path = r.URL.Path
		}
		var allow []string
		for _, m := range routeMethods {
			if routes.Match(chi.NewRouteContext(), m, path) {
				allow = append(allow, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return errMethodNotAllowed
	})
}

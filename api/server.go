package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/borderwatch/borderwatch/data"
)

// Config holds the API's settings.
type Config struct {
	// RequestTimeout bounds every request's context.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// RatePerSec and RateBurst limit each API token's requests (and
	// sign-in attempts per client address); RatePerSec ≤ 0 disables it.
	RatePerSec float64
	RateBurst  int
	// Metrics collects the service's metrics; the caller serves them on a
	// listener of its own (Metrics.Handler). Nil makes a private set.
	Metrics *Metrics
	// Stream is the replica's running live stream; nil answers
	// /api/stream with 503.
	Stream *data.Stream
	// StreamHeartbeat is the interval of the stream's comment lines;
	// StreamMaxAge ends a stream, which the client resumes.
	StreamHeartbeat time.Duration
	StreamMaxAge    time.Duration
	// AckDeadlines say when urgent and flash messages become overdue.
	AckDeadlines data.AckDeadlines
	// FeatureCacheBytes bounds the cache of encoded event features that
	// pages chosen in the live index are served from (see eventPages);
	// 0 reads every page of events from the database.
	FeatureCacheBytes int64
}

// DefaultConfig returns the settings used when none are given.
func DefaultConfig() Config {
	return Config{RequestTimeout: 30 * time.Second, MaxBodyBytes: 1 << 20, RatePerSec: 100, RateBurst: 200,
		StreamHeartbeat: 15 * time.Second, StreamMaxAge: 30 * time.Minute, AckDeadlines: data.DefaultAckDeadlines(),
		FeatureCacheBytes: 256 << 20}
}

// NewServer builds the HTTP handler: middleware (request id, panic
// recovery, structured logging, timeout) and every route. live is the
// loaded in-memory event index the hotspot endpoints answer from.
func NewServer(logger *slog.Logger, cfg Config, store *data.Store, live *data.Live) http.Handler {
	r := chi.NewRouter()
	m := cfg.Metrics
	if m == nil {
		m = NewMetrics(store, nil)
		cfg.Metrics = m
	}
	r.Use(middleware.RequestID)
	r.Use(logRequests(logger))
	r.Use(m.instrument)
	r.Use(recoverer(logger))
	r.Use(timeout(cfg.RequestTimeout))
	r.Use(compress())
	r.NotFound(handleNotFound(logger).ServeHTTP)
	r.MethodNotAllowed(handleMethodNotAllowed(logger, r).ServeHTTP)
	addRoutes(r, logger, cfg, store, live)
	return r
}

// logRequests logs one JSON line per request with its request_id, route
// pattern, status and duration.
func logRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			route := chi.RouteContext(r.Context()).RoutePattern()
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", middleware.GetReqID(r.Context())),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", ww.Status()),
				slog.Int64("bytes", int64(ww.BytesWritten())),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			)
		})
	}
}

// recoverer turns a panic in a handler into a 500 problem and a log line.
func recoverer(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					logger.ErrorContext(r.Context(), "panic", "request_id", middleware.GetReqID(r.Context()), "panic", v)
					writeError(w, r, logger, errPanic)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

type panicError struct{}

func (panicError) Error() string { return "handler panicked" }

var errPanic = panicError{}

// timeout bounds each request's context; handlers and queries observe it.
// The live stream is bounded by its own maximum age instead.
func timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if d <= 0 || r.URL.Path == streamPath {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

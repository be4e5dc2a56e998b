package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/borderwatch/borderwatch/data"
)

// streamPath is the one server-sent event stream of live information.
const streamPath = "/api/stream"

// streamBatch is how many entries a stream reads at a time: with the
// cursor, all the state a connection holds.
const streamBatch = 100

// streamWriteTimeout drops a client that does not take an event (or a
// heartbeat) within it.
const streamWriteTimeout = 30 * time.Second

// handleStream serves GET /api/stream as text/event-stream: every stream
// entry the caller may see (row-level security decides, as it reads as the
// caller), in commit order, each with its seq as the event id. A client
// resumes after a dropped connection with Last-Event-ID (or the
// last_event_id query parameter, for EventSource reconnects that cannot
// set headers): it gets exactly the entries after that one. types
// restricts the kinds (types=message,position). Comment lines keep idle
// connections open through proxies every cfg.StreamHeartbeat; after
// cfg.StreamMaxAge the server ends the stream and the client reconnects,
// authenticating again (a revoked token stops there) and possibly landing
// on another replica.
func handleStream(logger *slog.Logger, cfg Config, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		st := cfg.Stream
		if cfg.StreamMaxAge <= 0 {
			cfg.StreamMaxAge = 30 * time.Minute
		}
		if cfg.StreamHeartbeat <= 0 {
			cfg.StreamHeartbeat = 15 * time.Second
		}
		if st == nil {
			return fmt.Errorf("%w: the live stream is not running", data.ErrUnavailable)
		}
		cursor, resume, err := lastEventID(r)
		if err != nil {
			return err
		}
		if !resume {
			// A new client follows from now; its boxes hold the past.
			if cursor, err = store.StreamHead(r.Context()); err != nil {
				return err
			}
		}
		types, err := data.ParseStreamTypes(r.URL.Query().Get("types"))
		if err != nil {
			return err
		}
		p, _ := data.PrincipalFrom(r.Context())
		end, err := st.Open(p)
		if err != nil {
			return err
		}
		defer end()
		// Read the first batch before answering, so that a database that is
		// down is a 503 the client retries, not an empty stream.
		changed := st.Changed()
		entries, next, err := store.ReadStream(r.Context(), cursor, types, streamBatch)
		if err != nil {
			return err
		}
		rc := http.NewResponseController(w)
		// The server's read timeout would end a long-lived request.
		_ = rc.SetReadDeadline(time.Time{})
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		s := &sseWriter{w: w, rc: rc}
		s.printf("retry: 2000\n\n")
		ctx, cancel := context.WithTimeout(r.Context(), cfg.StreamMaxAge)
		defer cancel()
		heartbeat := time.NewTicker(cfg.StreamHeartbeat)
		defer heartbeat.Stop()
		for {
			for _, e := range entries {
				s.printf("id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, e.Payload)
			}
			if err := s.flush(); err != nil {
				return nil // the client went away
			}
			cursor = next
			if len(entries) == streamBatch {
				changed = st.Changed()
			} else if err := waitForEntries(ctx, st, changed, cursor, heartbeat.C, s); err != nil {
				return nil // ended: client gone, stream too old, or shutdown
			}
			for {
				changed = st.Changed()
				entries, next, err = store.ReadStream(ctx, cursor, types, streamBatch)
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					return nil
				}
				// The database is away (restarting): keep the client, beat,
				// and read again from the same point.
				logger.WarnContext(ctx, "stream read failed; retrying", "request_id", middleware.GetReqID(ctx), "error", err.Error())
				t := time.NewTimer(time.Second)
				select {
				case <-ctx.Done():
					t.Stop()
					return nil
				case <-t.C:
				}
				if err := waitForEntries(ctx, st, changed, cursor, heartbeat.C, s); err != nil {
					return nil
				}
			}
		}
	})
}

// waitForEntries returns nil when the stream's head passes cursor (changed
// closes), writing a heartbeat at each tick meanwhile, and an error when
// ctx ends or the client stops taking writes.
func waitForEntries(ctx context.Context, st *data.Stream, changed <-chan struct{}, cursor int64, tick <-chan time.Time, s *sseWriter) error {
	for {
		if st.Head() > cursor {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-st.Done():
			return errShuttingDown
		case <-changed:
			changed = st.Changed()
		case <-tick:
			s.printf(": heartbeat %d\n\n", cursor)
			if err := s.flush(); err != nil {
				return err
			}
		}
	}
}

// errShuttingDown ends the streams of a replica that shuts down; their
// clients resume on another.
var errShuttingDown = errors.New("shutting down")

// sseWriter writes events and remembers the first error.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

func (s *sseWriter) printf(format string, args ...any) {
	if s.err != nil {
		return
	}
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	_, s.err = fmt.Fprintf(s.w, format, args...)
}

func (s *sseWriter) flush() error {
	if s.err == nil {
		s.err = s.rc.Flush()
	}
	return s.err
}

// lastEventID reads the resumption point: the Last-Event-ID header, or
// the last_event_id query parameter (0: from the oldest entry kept);
// resume is false when neither is given.
func lastEventID(r *http.Request) (id int64, resume bool, err error) {
	name, v := "Last-Event-ID", r.Header.Get("Last-Event-ID")
	if v == "" {
		name, v = "last_event_id", r.URL.Query().Get("last_event_id")
	}
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, newBadRequest(name, "must be the id of an event of this stream (a non-negative integer)")
	}
	return n, true, nil
}

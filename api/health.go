package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/borderwatch/borderwatch/data"
)

// handleHealthz answers 200 while the process is up.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = encode(w, http.StatusOK, mediaJSON, map[string]string{"status": "ok"})
	})
}

// handleReadyz answers 200 when the database is reachable, every migration
// is applied and the live index is loaded and listening for changes; 503
// otherwise.
func handleReadyz(logger *slog.Logger, store *data.Store, live *data.Live) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		applied, latest, err := store.MigrationStatus(ctx)
		if err != nil {
			logger.WarnContext(r.Context(), "not ready", "error", err.Error())
			return encode(w, http.StatusServiceUnavailable, mediaJSON, map[string]string{"status": "database unreachable"})
		}
		if applied < latest {
			return encode(w, http.StatusServiceUnavailable, mediaJSON, map[string]any{"status": "migrations pending", "applied": applied, "latest": latest})
		}
		if live != nil && !live.Ready() {
			return encode(w, http.StatusServiceUnavailable, mediaJSON, map[string]any{"status": "live index not in step with the database"})
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"status": "ready", "migration": applied})
	})
}

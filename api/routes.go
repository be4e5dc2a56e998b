package api

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/data"
)

// addRoutes lists every route of the service.
func addRoutes(r chi.Router, logger *slog.Logger, cfg Config, store *data.Store) {
	r.Method(http.MethodGet, "/healthz", handleHealthz())
	r.Method(http.MethodGet, "/readyz", handleReadyz(logger, store))

	// OGC API – Features, Part 1 (core, GeoJSON) and Part 4 on events.
	r.Method(http.MethodGet, "/", handleLanding(webHandler()))
	r.Handle("/app/*", webHandler())
	r.Method(http.MethodGet, "/conformance", handleConformance())
	r.Method(http.MethodGet, "/collections", handleCollections(logger, store))
	r.Method(http.MethodGet, "/collections/events", handleEventsCollection(logger, store))
	r.Method(http.MethodGet, "/collections/events/items", handleListEvents(logger, store))
	r.Method(http.MethodPost, "/collections/events/items", handleCreateEvent(logger, cfg, store))
	r.Method(http.MethodGet, "/collections/events/items/{featureId}", handleGetEvent(logger, store))
	r.Method(http.MethodPut, "/collections/events/items/{featureId}", handleReplaceEvent(logger, cfg, store))
	r.Method(http.MethodPatch, "/collections/events/items/{featureId}", handlePatchEvent(logger, cfg, store))
	r.Method(http.MethodDelete, "/collections/events/items/{featureId}", handleDeleteEvent(logger, store))
	r.Method(http.MethodGet, "/collections/{collectionId}", handleCollection(logger, store))
	r.Method(http.MethodGet, "/collections/{collectionId}/items", handleListFeatures(logger, store))
	r.Method(http.MethodGet, "/collections/{collectionId}/items/{featureId}", handleGetFeature(logger, store))
}

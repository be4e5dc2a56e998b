package api

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/data"
)

// addRoutes lists every route of the service; api/openapi/*.yaml describes
// each (TestRoutesMatchAPIDefinition holds them together). Only the health
// checks, the sign-in, the API definition and the web client's static
// files are public; everything else
// needs a bearer token, and writes need a role that allows them.
func addRoutes(r chi.Router, logger *slog.Logger, cfg Config, store *data.Store, live *data.Live) {
	lim := newLimiter(cfg.RatePerSec, cfg.RateBurst)
	// Failed authentications per client address: a tenth of the request
	// rate, so that guessing tokens is slow and cheap for the database.
	failures := newLimiter(cfg.RatePerSec/10, max(cfg.RateBurst/10, 5))
	auth := authenticate(logger, store, lim, failures)

	r.Method(http.MethodGet, "/healthz", handleHealthz())
	r.Method(http.MethodGet, "/readyz", handleReadyz(logger, store, live))
	r.Method(http.MethodPost, "/api/login", handleLogin(logger, cfg, store, lim))
	r.Method(http.MethodGet, "/api", handleAPIDefinition(logger))
	r.Method(http.MethodGet, "/api.html", handleAPIDoc(logger))
	r.Method(http.MethodGet, "/", handleLanding(webHandler(), auth))
	r.Handle("/app/*", webHandler())
	// Devices report with their own secret (the OsmAnd/Traccar protocol's
	// id), not a bearer token; OsmAnd and Traccar Client send GET or POST.
	positions := handlePositions(logger, store, failures)
	r.Method(http.MethodGet, "/api/positions", positions)
	r.Method(http.MethodPost, "/api/positions", positions)
	r.Method(http.MethodPost, "/api/teams/{id}/tracks", handleUploadTrack(logger, store, auth, failures))

	r.Group(func(r chi.Router) {
		r.Use(auth)
		r.Method(http.MethodGet, "/api/me", handleMe())
		r.Method(http.MethodGet, "/api/agencies", handleListAgencies(logger, store))
		r.Method(http.MethodPost, "/api/logout", handleLogout(logger, store))

		addFeatureRoutes(r, logger, cfg, store, live)
		addAnalysisRoutes(r, logger, cfg, store, live)
		addExchangeRoutes(r, logger, cfg, store)
		addTrackingRoutes(r, logger, cfg, store)

		r.Method(http.MethodGet, "/api/plans", handleListPlans(logger, store))
		r.Method(http.MethodGet, "/api/plans/{id}", handleGetPlan(logger, store))
		r.Method(http.MethodGet, "/api/plans/{id}/cards", handleRouteCards(logger, store))
		r.Group(func(r chi.Router) {
			r.Use(requireRole(logger, "plan"))
			r.Method(http.MethodPost, "/api/patrols/plan", handlePlanPatrols(logger, cfg, store, live, newRoadGraphs()))
		})

		r.Group(func(r chi.Router) {
			r.Use(requireRole(logger, "admin"))
			r.Method(http.MethodGet, "/api/users", handleListUsers(logger, store))
			r.Method(http.MethodPost, "/api/users", handleCreateUser(logger, store))
			r.Method(http.MethodPatch, "/api/users/{id}", handleUpdateUser(logger, store))
			r.Method(http.MethodGet, "/api/audit", handleListAudit(logger, store))
			r.Method(http.MethodGet, "/api/audit/verify", handleVerifyAudit(logger, store))
			r.Method(http.MethodGet, "/api/tokens", handleListTokens(logger, store))
			r.Method(http.MethodPost, "/api/tokens", handleCreateToken(logger, store))
			r.Method(http.MethodDelete, "/api/tokens/{id}", handleRevokeToken(logger, store))
			r.Method(http.MethodGet, "/api/agreements", handleListAgreements(logger, store))
			r.Method(http.MethodPost, "/api/agreements", handleProposeAgreement(logger, store))
			r.Method(http.MethodPost, "/api/agreements/proposals/{id}/accept", handleAcceptProposal(logger, store))
			r.Method(http.MethodPost, "/api/agreements/proposals/{id}/decline", handleDeclineProposal(logger, store))
			r.Method(http.MethodDelete, "/api/agreements/{id}", handleRevokeAgreement(logger, store))
		})
	})
}

// addFeatureRoutes: OGC API – Features (Part 1 core and GeoJSON, Part 3
// filters, Part 4 writes on events) and OGC API – Tiles.
func addFeatureRoutes(r chi.Router, logger *slog.Logger, cfg Config, store *data.Store, live *data.Live) {
	// OGC API – Features, Part 1 (core, GeoJSON) and Part 4 on events.
	r.Method(http.MethodGet, "/conformance", handleConformance())
	r.Method(http.MethodGet, "/collections", handleCollections(logger, store))
	r.Method(http.MethodGet, "/collections/events", handleEventsCollection(logger, store))
	var pages *eventPages
	if live != nil && cfg.FeatureCacheBytes > 0 {
		pages = &eventPages{store: store, live: live, cache: newFeatureCache(cfg.FeatureCacheBytes), m: cfg.Metrics}
	}
	r.Method(http.MethodGet, "/collections/events/items", handleListEvents(logger, store, live, pages))
	r.Method(http.MethodGet, "/collections/events/items/{featureId}", handleGetEvent(logger, store))
	r.Method(http.MethodGet, "/collections/routes", handleRoutesCollection(logger, store))
	r.Method(http.MethodGet, "/collections/routes/items", handleListRoutes(logger, store))
	r.Method(http.MethodGet, "/collections/routes/items/{featureId}", handleGetRoute(logger, store))
	r.Method(http.MethodGet, "/collections/{collectionId}/queryables", handleQueryables(logger))
	r.Method(http.MethodGet, "/collections/{collectionId}", handleCollection(logger, store))
	r.Method(http.MethodGet, "/collections/{collectionId}/items", handleListFeatures(logger, store))
	r.Method(http.MethodGet, "/collections/{collectionId}/items/{featureId}", handleGetFeature(logger, store))
	r.Group(func(r chi.Router) {
		r.Use(requireRole(logger, "write"))
		r.Method(http.MethodPost, "/collections/events/items", handleCreateEvent(logger, cfg, store))
		r.Method(http.MethodPut, "/collections/events/items/{featureId}", handleReplaceEvent(logger, cfg, store))
		r.Method(http.MethodPatch, "/collections/events/items/{featureId}", handlePatchEvent(logger, cfg, store))
		r.Method(http.MethodDelete, "/collections/events/items/{featureId}", handleDeleteEvent(logger, store))
	})
	// OGC API – Tiles: vector tiles of the events (cached like the
	// analyses, 64 MiB) and of the reference collections.
	tiles := newResponseCache(64 << 20)
	tiles.noCache = newLimiter(cfg.RatePerSec/10, max(cfg.RateBurst/10, 5))
	r.Method(http.MethodGet, "/tileMatrixSets", handleTileMatrixSets(logger))
	r.Method(http.MethodGet, "/tileMatrixSets/{tileMatrixSetId}", handleTileMatrixSet(logger))
	r.Method(http.MethodGet, "/collections/{collectionId}/tiles", handleTilesets(logger))
	r.Method(http.MethodGet, "/collections/{collectionId}/tiles/WebMercatorQuad", handleTileset(logger))
	r.Method(http.MethodGet, "/collections/events/tiles/WebMercatorQuad/{z}/{y}/{x}", handleEventTile(logger, live, tiles))
	r.Method(http.MethodGet, "/collections/hotspots/tiles/WebMercatorQuad/{z}/{y}/{x}", handleHotspotTile(logger, live, tiles))
	r.Method(http.MethodGet, "/collections/routes/tiles/WebMercatorQuad/{z}/{y}/{x}", handleRouteTile(logger, store))
	r.Method(http.MethodGet, "/collections/{collectionId}/tiles/WebMercatorQuad/{z}/{y}/{x}", handleReferenceTile(logger, store))
}

// addAnalysisRoutes: the analyses of the live index and of PostGIS.
func addAnalysisRoutes(r chi.Router, logger *slog.Logger, cfg Config, store *data.Store, live *data.Live) {
	// Analyses: hotspots from the live index, sector risk from PostGIS;
	// encoded responses are cached (64 MiB) until the events change,
	// or briefly longer under a stream of writes (see responseCache).
	analyses := newResponseCache(64 << 20)
	// Forced recomputations (no-cache): a tenth of the request rate
	// per token.
	analyses.noCache = newLimiter(cfg.RatePerSec/10, max(cfg.RateBurst/10, 5))
	r.Method(http.MethodGet, "/api/sectors/risk", handleSectorRisk(logger, store, live, analyses))
	r.Method(http.MethodGet, "/api/sectors/forecast", handleSectorForecast(logger, store, live, analyses))
	r.Method(http.MethodGet, "/api/sectors/effort", handleSectorEffort(logger, store))
	r.Method(http.MethodGet, "/api/effort", handleEffort(logger, store))
	r.Method(http.MethodGet, "/api/sectors/sections/{section}", handleSectorSection(logger, store))
	r.Method(http.MethodGet, "/api/report", handleReport(logger, store))
	r.Method(http.MethodGet, "/api/hotspots", handleHotspots(logger, live, analyses))
	r.Method(http.MethodGet, "/api/hotspots/emerging", handleEmerging(logger, live, analyses))
	r.Method(http.MethodGet, "/api/clusters", handleClusters(logger, live, analyses))
	r.Method(http.MethodGet, "/api/forecast", handleForecast(logger, store, live, analyses))
	r.Method(http.MethodGet, "/api/forecast/backtest", handleBacktest(logger, live, analyses))
}

// addExchangeRoutes: entities, the messages between agencies, the live
// stream and the hits of records against lookouts.
func addExchangeRoutes(r chi.Router, logger *slog.Logger, cfg Config, store *data.Store) {
	// Entities: persons, vehicles, consignments, groups, their links
	// and networks.
	r.Method(http.MethodGet, "/api/entities", handleListEntities(logger, store))
	r.Method(http.MethodGet, "/api/entities/{id}", handleGetEntity(logger, store))
	r.Method(http.MethodGet, "/api/entities/{id}/network", handleEntityNetwork(logger, store))
	r.Method(http.MethodGet, "/api/events/{id}/entities", handleEventEntities(logger, store))

	r.Group(func(r chi.Router) {
		r.Use(requireRole(logger, "write"))
		r.Method(http.MethodPost, "/api/entities", handleCreateEntity(logger, cfg, store))
		r.Method(http.MethodPut, "/api/entities/{id}", handleReplaceEntity(logger, cfg, store))
		r.Method(http.MethodDelete, "/api/entities/{id}", handleDeleteEntity(logger, store))
		r.Method(http.MethodPost, "/api/entities/{id}/links", handleLinkEntities(logger, store))
		r.Method(http.MethodDelete, "/api/entities/{id}/links/{linkId}", handleUnlinkEntities(logger, store))
		r.Method(http.MethodPost, "/api/events/{id}/entities", handleLinkEventEntity(logger, store))
		r.Method(http.MethodDelete, "/api/events/{id}/entities/{linkId}", handleUnlinkEventEntity(logger, store))
	})

	// The live stream, and the messages between agencies (the store
	// checks the role of each write: analysts, planners and admins send
	// and acknowledge, viewers read).
	r.Method(http.MethodGet, streamPath, handleStream(logger, cfg, store))
	r.Method(http.MethodGet, "/api/messages", handleListMessages(logger, store))
	r.Method(http.MethodPost, "/api/messages", handleSendMessage(logger, cfg, store))
	r.Method(http.MethodGet, "/api/messages/{id}", handleGetMessage(logger, store))
	r.Method(http.MethodGet, "/api/messages/{id}/thread", handleThread(logger, store))
	r.Method(http.MethodPost, "/api/messages/{id}/ack", handleAckMessage(logger, store))
	// Hits of records against lookouts, and matching for analysts (the
	// store checks who may release a hit).
	r.Method(http.MethodGet, "/api/hits", handleListHits(logger, store))
	r.Method(http.MethodGet, "/api/hits/{id}", handleGetHit(logger, store))
	r.Method(http.MethodPost, "/api/hits/{id}/release", handleReleaseHit(logger, store))
	r.Method(http.MethodGet, "/api/match", handleMatch(logger, store))
}

// addTrackingRoutes: the teams' positions, shifts and alerts (the devices'
// own reporting routes are public, in addRoutes).
func addTrackingRoutes(r chi.Router, logger *slog.Logger, cfg Config, store *data.Store) {
	r.Method(http.MethodGet, "/api/teams/positions/latest", handleLatestPositions(logger, store))
	r.Method(http.MethodGet, "/api/teams/{id}/positions", handleTeamPositions(logger, store))
	r.Method(http.MethodGet, "/api/teams/{id}/shift", handleTeamShift(logger, store))
	r.Method(http.MethodGet, "/api/alerts", handleListAlerts(logger, store))
	r.Method(http.MethodPost, "/api/alerts/{id}/ack", handleAckAlert(logger, store))
	r.Method(http.MethodGet, "/api/alert-rules", handleListAlertRules(logger, store))
	r.Method(http.MethodGet, "/api/alert-rules/{id}", handleGetAlertRule(logger, store))
	r.Group(func(r chi.Router) {
		r.Use(requireRole(logger, "admin"))
		write := handleWriteAlertRule(logger, cfg, store)
		r.Method(http.MethodPost, "/api/alert-rules", write)
		r.Method(http.MethodPut, "/api/alert-rules/{id}", write)
		r.Method(http.MethodDelete, "/api/alert-rules/{id}", handleDeleteAlertRule(logger, store))
	})
}

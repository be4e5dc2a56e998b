package api

import (
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// The routes collection: the team routes of the stored patrol plans the
// caller may read (its agency's, as GET /api/plans), as OGC API features
// and vector tiles. Reading its features is audited as an export of the
// plans they belong to, like GET /api/plans/{id}.

const routesTitle = "Patrol routes"

const routesDescription = "The team routes of the caller's agency's stored patrol plans (POST /api/patrols/plan): one line per team and plan, " +
	"id \"{plan}.{team}\", with team (a string, as /collections/teams/items gives it), team_name, length_km, duration_h, score, stops, " +
	"depart and return (the shift, which datetime selects on) and the plan's time."

func routesCollectionInfo(r *http.Request, store *data.Store) (collectionInfo, error) {
	b := baseURL(r)
	info := collectionInfo{ID: data.RoutesCollectionID, Title: routesTitle, Description: routesDescription,
		ItemType: "feature", CRS: []string{crs84}, Links: collectionLinks(b, data.RoutesCollectionID, routesTitle)}
	bbox, start, end, ok, err := store.RouteExtent(r.Context())
	if err != nil {
		return collectionInfo{}, err
	}
	if ok {
		info.Extent = &extent{
			Spatial:  &spatialExtent{BBox: [][4]float64{{bbox.Min[0], bbox.Min[1], bbox.Max[0], bbox.Max[1]}}, CRS: crs84},
			Temporal: &temporalExtent{Interval: [][2]*string{{start, end}}, TRS: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
		}
	}
	return info, nil
}

func handleRoutesCollection(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		info, err := routesCollectionInfo(r, store)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, info)
	})
}

// parseRouteQuery reads the items' and tiles' bbox and datetime.
func parseRouteQuery(r *http.Request) (data.RouteQuery, error) {
	var rq data.RouteQuery
	bbox, err := parseBBoxParam(r)
	if err != nil {
		return rq, err
	}
	rq.BBox = bbox
	if dt := r.URL.Query().Get("datetime"); dt != "" {
		if rq.Interval, err = geo.ParseInterval("datetime", dt); err != nil {
			return rq, err
		}
	}
	return rq, nil
}

// auditRouteExport records that the caller read the routes of the plans
// of fs.
func auditRouteExport(r *http.Request, store *data.Store, fs []data.Feature) error {
	if len(fs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var plans []string
	for _, f := range fs {
		p, _, _ := strings.Cut(f.ID, ".")
		if !seen[p] {
			seen[p] = true
			plans = append(plans, p)
		}
	}
	sort.Strings(plans)
	return store.Audit(r.Context(), "plan.export", strings.Join(plans, ","), map[string]any{"format": "routes", "routes": len(fs)})
}

func handleListRoutes(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if err := checkParams(q, "bbox", "bbox-crs", "limit", "cursor", "f", "datetime"); err != nil {
			return err
		}
		limit, err := parseLimit(r)
		if err != nil {
			return err
		}
		rq, err := parseRouteQuery(r)
		if err != nil {
			return err
		}
		rq.Limit, rq.After = limit, q.Get("cursor")
		page, err := store.Routes(r.Context(), rq)
		if err != nil {
			return err
		}
		if err := auditRouteExport(r, store, page.Features); err != nil {
			return err
		}
		fc := featureCollection{Type: "FeatureCollection", Features: make([]*geojson.Feature, 0, len(page.Features)),
			NumberMatched: &page.NumberMatched, NumberReturned: len(page.Features), Links: pageLinks(r, page.Next),
			TimeStamp: time.Now().UTC().Format(time.RFC3339)}
		for _, f := range page.Features {
			fc.Features = append(fc.Features, refFeature(f))
		}
		return encode(w, http.StatusOK, mediaGeoJSON, fc)
	})
}

func handleGetRoute(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := url.PathUnescape(chi.URLParam(r, "featureId"))
		if err != nil {
			return data.ErrNotFound
		}
		f, err := store.Route(r.Context(), id)
		if err != nil {
			return err
		}
		if err := auditRouteExport(r, store, []data.Feature{f}); err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaGeoJSON, refFeature(f))
	})
}

// handleRouteTile serves a tile of the caller's routes, read from PostGIS
// on each request (a few lines per plan); its ETag is a hash of the tile.
func handleRouteTile(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if err := checkParams(r.URL.Query(), "f", "datetime"); err != nil {
			return err
		}
		t, err := tileParam(r)
		if err != nil {
			return err
		}
		rq, err := parseRouteQuery(r)
		if err != nil {
			return err
		}
		tile, err := store.RouteTile(r.Context(), t, rq)
		if err != nil {
			return err
		}
		writeHashedTile(w, r, tile)
		return nil
	})
}

// writeHashedTile writes a tile private to the caller with a hash of it as
// its ETag, or 304 when the client holds it.
func writeHashedTile(w http.ResponseWriter, r *http.Request, tile []byte) {
	sum := sha256.Sum256(tile)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeTile(w, tile)
}

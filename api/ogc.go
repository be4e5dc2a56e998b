package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/data"
)

const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	crs84        = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
)

// link is an OGC API link object.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// baseURL is the scheme and host the client used, so that links work behind
// a reverse proxy that sets X-Forwarded-Proto.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// wantsJSON reports whether the client asked for JSON rather than HTML at a
// path that serves both (the landing page doubles as the web client).
func wantsJSON(r *http.Request) bool {
	switch r.URL.Query().Get("f") {
	case "json":
		return true
	case "html":
		return false
	}
	accept := r.Header.Get("Accept")
	if strings.Contains(accept, "text/html") {
		return false
	}
	return accept != ""
}

type landing struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Links       []link `json:"links"`
}

// handleLanding serves the OGC API landing page as JSON; browsers asking for
// HTML get the web client instead.
func handleLanding(web http.Handler, auth func(http.Handler) http.Handler) http.Handler {
	jsonLanding := auth(handleLandingJSON())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if web != nil && !wantsJSON(r) {
			web.ServeHTTP(w, r)
			return
		}
		jsonLanding.ServeHTTP(w, r)
	})
}

func handleLandingJSON() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := baseURL(r)
		_ = encode(w, http.StatusOK, mediaJSON, landing{
			Title:       "Borderwatch",
			Description: "Seizures, incidents and reference geodata of the Afghan–Central Asian borders (OGC API – Features).",
			Links: []link{
				{Href: b + "/?f=json", Rel: "self", Type: mediaJSON, Title: "This document"},
				{Href: b + "/api", Rel: "service-desc", Type: mediaOpenAPI, Title: "The API definition (OpenAPI 3.0)"},
				{Href: b + "/api.html", Rel: "service-doc", Type: "text/html", Title: "The API documentation"},
				{Href: b + "/conformance", Rel: "conformance", Type: mediaJSON, Title: "Conformance classes"},
				{Href: b + "/collections", Rel: "data", Type: mediaJSON, Title: "Collections"},
				{Href: b + "/tileMatrixSets", Rel: relTilingSchemes, Type: mediaJSON, Title: "Tile matrix sets"},
			},
		})
	})
}

var conformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
	// Part 3 (filtering) on the events collection, and CQL2.
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	// S_INTERSECTS with a point or a box (basic-spatial-functions) and with
	// any other geometry literal (basic-spatial-functions-plus, "with
	// additional spatial literals": lines, polygons, multi-geometries and
	// collections). The other classes are not declared: spatial-functions
	// (S_CONTAINS, S_WITHIN, …), temporal-functions (all of T_*; only
	// T_INTERSECTS, T_DURING, T_BEFORE and T_AFTER are answered),
	// property-property, case- and accent-insensitive comparison,
	// arithmetic, functions and array-functions.
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
}

func handleConformance() http.Handler {
	all := append(append([]string{}, conformsTo...), tilesConformance...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = encode(w, http.StatusOK, mediaJSON, map[string][]string{"conformsTo": all})
	})
}

// collectionInfo is the OGC API collection description.
type collectionInfo struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Attribution string   `json:"attribution,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	Extent      *extent  `json:"extent,omitempty"`
	Links       []link   `json:"links"`
	Queryables  []string `json:"x-queryables,omitempty"`
}

type extent struct {
	Spatial  *spatialExtent  `json:"spatial,omitempty"`
	Temporal *temporalExtent `json:"temporal,omitempty"`
}

type spatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

type temporalExtent struct {
	Interval [][2]*string `json:"interval"`
	TRS      string       `json:"trs"`
}

func collectionLinks(b, id, title string) []link {
	return []link{
		{Href: b + "/collections/" + id, Rel: "self", Type: mediaJSON, Title: title},
		{Href: b + "/collections/" + id + "/items", Rel: "items", Type: mediaGeoJSON, Title: title + " (GeoJSON)"},
		{Href: b + "/collections/" + id + "/tiles", Rel: relTilesetsVector, Type: mediaJSON, Title: title + " (vector tiles)"},
	}
}

func refCollectionInfo(ctx context.Context, store *data.Store, b string, c data.Collection) (collectionInfo, error) {
	info := collectionInfo{ID: c.ID, Title: c.Title, Description: c.Description, Attribution: c.Attribution,
		ItemType: "feature", CRS: []string{crs84}, Links: collectionLinks(b, c.ID, c.Title)}
	bbox, ok, err := store.Extent(ctx, c)
	if err != nil {
		return collectionInfo{}, err
	}
	if ok {
		info.Extent = &extent{Spatial: &spatialExtent{BBox: [][4]float64{{bbox.Min[0], bbox.Min[1], bbox.Max[0], bbox.Max[1]}}, CRS: crs84}}
	}
	return info, nil
}

func eventsCollectionInfo(ctx context.Context, store *data.Store, b string) (collectionInfo, error) {
	info := collectionInfo{ID: "events", Title: "Events",
		Description: "Seizures and incidents: what happened, where and when, recorded by which agency. Filter with bbox, datetime, kind, drug, agency and category.",
		ItemType:    "feature", CRS: []string{crs84}, Links: collectionLinks(b, "events", "Events"),
		Queryables: []string{"kind", "drug", "agency", "category", "synthetic"}}
	bbox, start, end, ok, err := store.EventExtent(ctx)
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

func handleCollections(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		b := baseURL(r)
		ev, err := eventsCollectionInfo(r.Context(), store, b)
		if err != nil {
			return err
		}
		routes, err := routesCollectionInfo(r, store)
		if err != nil {
			return err
		}
		out := []collectionInfo{ev, routes}
		for _, c := range data.Collections() {
			info, err := refCollectionInfo(r.Context(), store, b, c)
			if err != nil {
				return err
			}
			out = append(out, info)
		}
		_ = encode(w, http.StatusOK, mediaJSON, struct {
			Links       []link           `json:"links"`
			Collections []collectionInfo `json:"collections"`
		}{Links: []link{{Href: b + "/collections", Rel: "self", Type: mediaJSON}}, Collections: out})
		return nil
	})
}

func handleEventsCollection(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		info, err := eventsCollectionInfo(r.Context(), store, baseURL(r))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, info)
	})
}

func handleCollection(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		c, ok := data.CollectionByID(chi.URLParam(r, "collectionId"))
		if !ok {
			return data.ErrNotFound
		}
		info, err := refCollectionInfo(r.Context(), store, baseURL(r), c)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, info)
	})
}

// pageLinks returns the self link and, when next is set, the next link of an
// items response, keeping every query parameter but the cursor.
func pageLinks(r *http.Request, next string) []link {
	return pageLinksBy(r, "cursor", next, mediaGeoJSON)
}

// pageLinksBy returns the self link and, when next is set, the next link
// of a list whose cursor is the query parameter param, keeping every other
// query parameter; the links are of mediaType.
func pageLinksBy(r *http.Request, param, next, mediaType string) []link {
	b := baseURL(r) + r.URL.Path
	q := r.URL.Query()
	q.Del(param)
	self := b
	if enc := q.Encode(); enc != "" {
		self += "?" + enc
	}
	links := []link{{Href: self, Rel: "self", Type: mediaType}}
	if next != "" {
		q.Set(param, next)
		links = append(links, link{Href: b + "?" + q.Encode(), Rel: "next", Type: mediaType, Title: "Next page"})
	}
	return links
}

// jsonPageLinks are pageLinks of a JSON (not GeoJSON) list.
func jsonPageLinks(r *http.Request, next string) []link {
	return pageLinksBy(r, "cursor", next, mediaJSON)
}

// checkParams rejects query parameters the endpoint does not know, so that a
// misspelt filter is an error rather than silently ignored.
func checkParams(q url.Values, allowed ...string) error {
	for k := range q {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			return newBadRequest(k, "unknown query parameter; allowed: "+strings.Join(allowed, ", "))
		}
	}
	return nil
}

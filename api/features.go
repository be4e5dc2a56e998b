package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// featureCollection is an OGC API items response.
type featureCollection struct {
	Type           string             `json:"type"`
	Features       []*geojson.Feature `json:"features"`
	NumberMatched  *int64             `json:"numberMatched,omitempty"`
	NumberReturned int                `json:"numberReturned"`
	TimeStamp      string             `json:"timeStamp"`
	Links          []link             `json:"links"`
}

// parseLimit reads the limit parameter: default 100, at most data.MaxLimit.
func parseLimit(r *http.Request) (int, error) {
	return parseLimitIn(r.URL.Query(), 100, data.MaxLimit)
}

// parseLimitIn reads the limit parameter of a list: def when absent, an
// integer from 1 to maxLimit otherwise (every list answers a bad limit
// alike, naming it).
func parseLimitIn(q url.Values, def, maxLimit int) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, newBadRequest("limit", "must be an integer from 1 to "+strconv.Itoa(maxLimit))
	}
	return n, nil
}

// parseBBoxParam reads the optional bbox parameter.
func parseBBoxParam(r *http.Request) (*orb.Bound, error) {
	s := r.URL.Query().Get("bbox")
	if s == "" {
		return nil, nil
	}
	if crs := r.URL.Query().Get("bbox-crs"); crs != "" && crs != crs84 {
		return nil, newBadRequest("bbox-crs", "only "+crs84+" is supported")
	}
	b, err := geo.ParseBBox(s)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

func handleListFeatures(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		c, ok := data.CollectionByID(chi.URLParam(r, "collectionId"))
		if !ok {
			return data.ErrNotFound
		}
		q := r.URL.Query()
		if err := checkParams(q, "bbox", "bbox-crs", "limit", "cursor", "f", "datetime"); err != nil {
			return err
		}
		limit, err := parseLimit(r)
		if err != nil {
			return err
		}
		bbox, err := parseBBoxParam(r)
		if err != nil {
			return err
		}
		if dt := q.Get("datetime"); dt != "" {
			// Reference features have no time; a well-formed datetime
			// selects all of them, a malformed one is still an error.
			if _, err := geo.ParseInterval("datetime", dt); err != nil {
				return err
			}
		}
		page, err := store.ListFeatures(r.Context(), c, data.FeatureQuery{BBox: bbox, Limit: limit, After: q.Get("cursor")})
		if err != nil {
			return err
		}
		fc := featureCollection{Type: "FeatureCollection", Features: make([]*geojson.Feature, 0, len(page.Features)),
			NumberMatched: &page.NumberMatched, NumberReturned: len(page.Features), Links: pageLinks(r, page.Next)}
		for _, f := range page.Features {
			fc.Features = append(fc.Features, refFeature(f))
		}
		if notModified, err := referenceETag(w, r, fc); err != nil || notModified {
			return err
		}
		fc.TimeStamp = time.Now().UTC().Format(time.RFC3339)
		return encode(w, http.StatusOK, mediaGeoJSON, fc)
	})
}

func refFeature(f data.Feature) *geojson.Feature {
	gf := &geojson.Feature{Type: "Feature", ID: f.ID, Properties: f.Properties}
	if f.Geometry != nil {
		gf.Geometry = f.Geometry
	}
	return gf
}

func handleGetFeature(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		c, ok := data.CollectionByID(chi.URLParam(r, "collectionId"))
		if !ok {
			return data.ErrNotFound
		}
		f, err := store.GetFeature(r.Context(), c, chi.URLParam(r, "featureId"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaGeoJSON, refFeature(f))
	})
}

// referenceETag sets the ETag of a page of reference features, a hash of
// its content without the time stamp, so that a client that loaded the
// page before revalidates it with a few hundred bytes (304) instead of
// fetching megabytes of outlines again. The page may be kept by the
// client only (teams are per agency) and is revalidated on every use, with
// whatever token the client holds then (a new sign-in keeps the cache). It
// reports whether it answered 304.
func referenceETag(w http.ResponseWriter, r *http.Request, fc featureCollection) (bool, error) {
	b, err := json.Marshal(fc)
	if err != nil {
		return false, fmt.Errorf("encode json: %w", err)
	}
	sum := sha256.Sum256(b)
	tag := `"` + hex.EncodeToString(sum[:12]) + `"`
	w.Header().Set("ETag", tag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, tag) {
		w.WriteHeader(http.StatusNotModified)
		return true, nil
	}
	return false, nil
}

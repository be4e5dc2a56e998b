package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// handleHotspots serves GET /api/hotspots: a Gi* or kernel density surface
// over the hexagonal cells of the area, from the live index, of the events
// the caller may see. See writeHotspots for the response.
func handleHotspots(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	rings := newRingCache(1 << 20)
	params := geo.HotspotParams()
	names := hotspotsParams()
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		v := r.URL.Query()
		if err := checkParams(v, names...); err != nil {
			return err
		}
		skip, err := parseSkipGeometry(v)
		if err != nil {
			return err
		}
		v.Del(skipGeometryParam)
		q, c, err := params.Parse(v)
		if err != nil {
			return err
		}
		return serveAnalysisAs(w, r, live, cache, "hotspots", "", func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error) {
			res, err := computeHotspots(ctx, live, q, c, vis)
			if err != nil {
				return nil, 0, err
			}
			rc := rings
			if skip {
				rc = nil
			}
			return appendHotspots(make([]byte, 0, 512+len(res.Cells)*400), res, c, rc), res.Version, nil
		})
	})
}

// skipGeometryParam asks /api/hotspots for its cells without their
// outlines (OGC API – Features Part 6's skipGeometry), for a client that
// draws the cells from the hotspot tiles and needs only their values.
const skipGeometryParam = "skipGeometry"

// hotspotsParams are the query parameters /api/hotspots accepts.
func hotspotsParams() []string {
	return append(geo.HotspotParams().Names(), skipGeometryParam)
}

// parseSkipGeometry reads skipGeometry: true or false (the default).
func parseSkipGeometry(v url.Values) (bool, error) {
	switch v.Get(skipGeometryParam) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, newBadRequest(skipGeometryParam, "must be true or false")
}

// handleEmerging serves GET /api/hotspots/emerging: the Emerging Hot Spot
// Analysis of the events the caller may see, per cell of the area with at
// least one event (or all cells with all_cells=true): its category
// (pattern), the Mann–Kendall trend of its Gi* z-scores and its series
// (values, z, p, bins per step). The collection lists the steps.
func handleEmerging(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	return analysisHandler(logger, live, cache, "emerging", geo.EmergingParams(),
		func(ctx context.Context, q geo.EmergingQuery, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error) {
			sc, err := live.Scope(ctx, vis, c)
			if err != nil {
				return nil, 0, err
			}
			sc.Restrict(&q.Filter)
			q.Area = sc.Area
			res, err := geo.EmergingHotSpots(ctx, live.Index(), q)
			if errors.Is(err, geo.ErrZeroVariance) {
				return nil, 0, &geo.ParamError{Param: "datetime", Reason: "every cell has the same value in every step; no trend can be computed"}
			}
			if err != nil {
				return nil, 0, err
			}
			return appendEmerging(make([]byte, 0, 1024+len(res.Cells)*(300+len(res.Steps)*60)), res, c), res.Version, nil
		})
}

// analysisHandler is the shape the analyses share: reject parameters not
// in the endpoint's table, parse the query with the same table (errors
// name the parameter), then answer from the response cache or compute with
// the caller's visibility.
func analysisHandler[Q any](logger *slog.Logger, live *data.Live, cache *responseCache, endpoint string, params geo.ParamTable[Q],
	compute func(ctx context.Context, q Q, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error)) http.Handler {
	return analysisHandlerAs(logger, live, cache, endpoint, "", params, compute)
}

// parseAnalysis checks that r's query has only the names and parses it
// with params.
func parseAnalysis[Q any](r *http.Request, params geo.ParamTable[Q], names []string) (Q, geo.CommonParams, error) {
	v := r.URL.Query()
	if err := checkParams(v, names...); err != nil {
		var q Q
		return q, geo.CommonParams{}, err
	}
	return params.Parse(v)
}

// analysisHandlerAs is analysisHandler of a body of mediaType ("":
// GeoJSON).
func analysisHandlerAs[Q any](logger *slog.Logger, live *data.Live, cache *responseCache, endpoint, mediaType string, params geo.ParamTable[Q],
	compute func(ctx context.Context, q Q, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error)) http.Handler {
	names := params.Names()
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q, c, err := parseAnalysis(r, params, names)
		if err != nil {
			return err
		}
		return serveAnalysisAs(w, r, live, cache, endpoint, mediaType, func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error) {
			return compute(ctx, q, c, vis)
		})
	})
}

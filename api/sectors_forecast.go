package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// sectorForecastParams are the query parameters of GET
// /api/sectors/forecast: those of a forecast but the area's (bbox, sector,
// corridor_km), min_risk and the effort adjustment (effort, effort_prior_h:
// the sector forecast does not read patrol positions), and set, the sector
// set.
func sectorForecastParams() []string {
	var out []string
	for _, n := range geo.ForecastParamTable().Names() {
		switch n {
		case "bbox", "sector", "corridor_km", "min_risk", "effort", "effort_prior_h":
		default:
			out = append(out, n)
		}
	}
	return append(out, "set")
}

// handleSectorForecast serves GET /api/sectors/forecast: the forecast of
// every sector of a set for [as_of, until), as GeoJSON sector polygons
// with their expected number of events (risk: the sum of the risks of the
// hex cells whose centres lie in the sector, from one forecast of the
// union of the set's sectors, so the sectors add up to the map) and their
// number of cells. The collection carries the parameters, the method used,
// the seppp fit and the index version, as /api/forecast does.
func handleSectorForecast(logger *slog.Logger, store *data.Store, live *data.Live, cache *responseCache) http.Handler {
	names := sectorForecastParams()
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		v := r.URL.Query()
		if err := checkParams(v, names...); err != nil {
			return err
		}
		set := v.Get("set")
		if set != "" && !record.ValidSectorSet(set) {
			return &geo.ParamError{Param: "set", Reason: "must name a sector set"}
		}
		fv := cloneValues(v)
		fv.Del("set")
		q, c, err := geo.ForecastParamTable().Parse(fv)
		if err != nil {
			return err
		}
		return serveAnalysis(w, r, live, cache, "sectors/forecast", func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error) {
			sectors, err := store.ListSectors(ctx, data.SectorQuery{Set: set})
			if err != nil {
				return nil, 0, err
			}
			outlines := make([]orb.MultiPolygon, len(sectors))
			var bound orb.Bound
			for i, s := range sectors {
				outlines[i] = s.Geometry
				if i == 0 {
					bound = s.Geometry.Bound()
				} else {
					bound = bound.Union(s.Geometry.Bound())
				}
			}
			// The area is the set's sectors; the scope's box is theirs, so
			// that it needs no border lines.
			if len(sectors) > 0 {
				c.BBox = &bound
			}
			sc, err := live.Scope(ctx, vis, c)
			if err != nil {
				return nil, 0, err
			}
			sc.Restrict(&q.Filter)
			res, per, err := geo.SectorForecast(ctx, live.Index(), q, outlines)
			if err != nil {
				return nil, 0, err
			}
			return appendSectorForecast(nil, res, c, set, sectors, per), res.Version, nil
		})
	})
}

// appendSectorForecast encodes the sector forecast.
func appendSectorForecast(b []byte, res geo.ForecastResult, c geo.CommonParams, set string, sectors []record.Sector, per []geo.SectorForecastValue) []byte {
	c.BBox = nil
	b = append(b, `{"type":"FeatureCollection","parameters":`...)
	b = appendForecastParams(b, res.Query, c)
	b = append(b, `,"set":`...)
	if set == "" {
		set = data.SetGenerated
	}
	b = appendJSONString(b, set)
	b = append(b, `,"used":`...)
	b = appendUsed(b, res.Used)
	b = appendFit(b, res.Fit)
	b = append(b, `,"history_start":"`...)
	b = res.HistStart.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","n_cells":`...)
	b = strconv.AppendInt(b, int64(res.NCells), 10)
	b = append(b, `,"total":`...)
	b = appendFloat(b, res.Total)
	b = append(b, `,"events":`...)
	b = strconv.AppendInt(b, int64(res.Events), 10)
	b = appendFeaturesStart(b, res.Version, len(sectors))
	for i, s := range sectors {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"Feature","id":`...)
		b = appendJSONString(b, s.ID)
		b = append(b, `,"geometry":`...)
		b = appendMultiPolygon(b, s.Geometry)
		b = append(b, `,"properties":{"name":`...)
		b = appendJSONString(b, s.Name)
		b = append(b, `,"border":`...)
		b = appendJSONString(b, s.BorderID)
		b = append(b, `,"side":`...)
		b = appendJSONString(b, s.Side)
		b = append(b, `,"risk":`...)
		b = appendFloat(b, per[i].Risk)
		b = append(b, `,"cells":`...)
		b = strconv.AppendInt(b, int64(per[i].Cells), 10)
		b = append(b, `}}`...)
	}
	return append(b, "]}\n"...)
}

// appendMultiPolygon writes a lon/lat MultiPolygon as a GeoJSON geometry.
func appendMultiPolygon(b []byte, mp orb.MultiPolygon) []byte {
	b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
	for i, pg := range mp {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, r := range pg {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for k, p := range r {
				if k > 0 {
					b = append(b, ',')
				}
				b = append(b, '[')
				b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
				b = append(b, ',')
				b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
				b = append(b, ']')
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

// cloneValues copies a query string.
func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

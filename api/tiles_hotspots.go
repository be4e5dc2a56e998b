package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// hotspotTileLayer is the layer of the hotspot cells' tiles.
const hotspotTileLayer = "hotspots"

// computeHotspots runs the hotspot analysis q with the common parameters
// c for the caller with visibility vis, on the live index: what
// /api/hotspots and its tiles both answer from.
func computeHotspots(ctx context.Context, live *data.Live, q geo.HotspotQuery, c geo.CommonParams, vis *geo.Visibility) (geo.HotspotResult, error) {
	sc, err := live.Scope(ctx, vis, c)
	if err != nil {
		return geo.HotspotResult{}, err
	}
	sc.Restrict(&q.Filter)
	q.Area = sc.Area
	return geo.HotSpots(ctx, live.Index(), q)
}

// handleHotspotTile serves /collections/hotspots/tiles/WebMercatorQuad/{z}/{y}/{x}:
// the cells of the hotspot analysis with the parameters of /api/hotspots
// (method, cell size, filters, area) that lie in the tile, as polygons of
// one layer, "hotspots", with the attributes of the analysis' features
// (see hotspotTile). Tiles are cached like the analyses, per caller's
// visibility and index version.
func handleHotspotTile(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	params := geo.HotspotParams()
	names := params.Names()
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		v := r.URL.Query()
		if err := checkParams(v, names...); err != nil {
			return err
		}
		t, err := tileParam(r)
		if err != nil {
			return err
		}
		q, c, err := params.Parse(v)
		if err != nil {
			return err
		}
		endpoint := "tiles/hotspots/" + strconv.Itoa(int(t.Z)) + "/" + strconv.Itoa(int(t.Y)) + "/" + strconv.Itoa(int(t.X))
		return serveAnalysisAs(w, r, live, cache, endpoint, mediaMVT, func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error) {
			res, err := computeHotspots(ctx, live, q, c, vis)
			if err != nil {
				return nil, 0, err
			}
			tile, err := hotspotTile(t, res)
			return tile, res.Version, err
		})
	})
}

// hotspotTile encodes the cells of res whose outline meets tile t as the
// "hotspots" layer: each cell's hexagon clipped to the tile (with a buffer
// of 1/64 of the tile, so that outlines join), with q, r (its axial
// coordinates), value, count and, for gistar, gi_z, gi_p, gi_bin and
// neighbors, for kde density_km2. No cell is an empty tile.
func hotspotTile(t maptile.Tile, res geo.HotspotResult) ([]byte, error) {
	b := t.Bound()
	pad := (b.Max[0] - b.Min[0]) / 64
	b = b.Pad(pad)
	fc := geojson.NewFeatureCollection()
	for _, cell := range res.Cells {
		if !cell.Ring.Bound().Intersects(b) {
			continue
		}
		ring := append(orb.Ring(nil), cell.Ring...)
		f := geojson.NewFeature(orb.Polygon{ring})
		f.Properties = geojson.Properties{"q": int64(cell.Hex.Q), "r": int64(cell.Hex.R), "value": cell.Value, "count": int64(cell.Count)}
		if res.Query.Method == geo.MethodKDE {
			f.Properties["density_km2"] = cell.Density
		} else {
			f.Properties["gi_z"], f.Properties["gi_p"] = cell.GiZ, cell.GiP
			f.Properties["gi_bin"], f.Properties["neighbors"] = int64(cell.GiBin), int64(cell.Neighbor)
		}
		fc.Append(f)
	}
	if len(fc.Features) == 0 {
		return nil, nil
	}
	layer := mvt.NewLayer(hotspotTileLayer, fc)
	layer.ProjectToTile(t)
	layer.Clip(orb.Bound{Min: orb.Point{-64, -64}, Max: orb.Point{4096 + 64, 4096 + 64}})
	layer.RemoveEmpty(0, 0)
	return mvt.Marshal(mvt.Layers{layer})
}

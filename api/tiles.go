package api

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/maptile"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// OGC API – Tiles: Mapbox Vector Tiles of the events (the caller's view,
// with the items' filters, clustered at low zooms: see data.EventTile) and
// of the reference collections, in the WebMercatorQuad tile matrix set.

const (
	mediaMVT = "application/vnd.mapbox-vector-tile"
	// webMercatorQuad is the id of the only tile matrix set served.
	webMercatorQuad    = "WebMercatorQuad"
	webMercatorQuadURI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	crs3857            = "http://www.opengis.net/def/crs/EPSG/0/3857"
	relTilesetsVector  = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
	relTilingScheme    = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	relTilingSchemes   = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
)

// tilesConformance lists the OGC API – Tiles classes the service meets.
var tilesConformance = []string{
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
}

// tileLink is a link that may be a URI template.
type tileLink struct {
	Href      string `json:"href"`
	Rel       string `json:"rel"`
	Type      string `json:"type,omitempty"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

// tilesetLayer describes one layer of a vector tileset.
type tilesetLayer struct {
	ID                string `json:"id"`
	Title             string `json:"title,omitempty"`
	Description       string `json:"description,omitempty"`
	DataType          string `json:"dataType"`
	GeometryDimension *int   `json:"geometryDimension,omitempty"`
	MinTileMatrix     string `json:"minTileMatrix"`
	MaxTileMatrix     string `json:"maxTileMatrix"`
}

// tileset is the OGC API – Tiles tileset metadata (tilesets-list entries
// hold the same without layers).
type tileset struct {
	Title            string         `json:"title"`
	Description      string         `json:"description,omitempty"`
	DataType         string         `json:"dataType"`
	CRS              string         `json:"crs"`
	TileMatrixSetURI string         `json:"tileMatrixSetURI"`
	Links            []tileLink     `json:"links"`
	Layers           []tilesetLayer `json:"layers,omitempty"`
}

// tileCollection returns the title, description and geometry dimension
// (-1: mixed) of the collection whose tiles are served under id.
func tileCollection(id string) (title, desc string, dim int, ok bool) {
	if id == "events" {
		return "Events", "Seizures and incidents the caller may see. Below zoom " + strconv.Itoa(data.EventDetailZoom) +
			", and in tiles with more than " + strconv.Itoa(data.MaxTileEvents) + " events, one point per cell of a " +
			strconv.Itoa(data.EventClusterGrid) + "×" + strconv.Itoa(data.EventClusterGrid) +
			" grid with count, seizures and total_kg; otherwise one point per event with count = 1.", 0, true
	}
	if id == hotspotTileLayer {
		return "Hotspot cells", "The cells of the hotspot analysis of /api/hotspots with the same parameters (Gi* or kernel density " +
			"of the events the caller may see), as polygons with value, count and gi_z, gi_p, gi_bin and neighbors (gistar) or " +
			"density_km2 (kde).", 2, true
	}
	if id == data.RoutesCollectionID {
		return routesTitle, routesDescription, 1, true
	}
	c, ok := data.CollectionByID(id)
	if !ok {
		return "", "", 0, false
	}
	return c.Title, c.Description, -1, true
}

func makeTileset(b, id string, withLayers bool) (tileset, bool) {
	title, desc, dim, ok := tileCollection(id)
	if !ok {
		return tileset{}, false
	}
	base := b + "/collections/" + id + "/tiles/" + webMercatorQuad
	ts := tileset{Title: title + " (vector tiles)", Description: desc, DataType: "vector", CRS: crs3857,
		TileMatrixSetURI: webMercatorQuadURI,
		Links: []tileLink{
			{Href: base, Rel: "self", Type: mediaJSON, Title: "This tileset"},
			{Href: b + "/tileMatrixSets/" + webMercatorQuad, Rel: relTilingScheme, Type: mediaJSON, Title: "The WebMercatorQuad tile matrix set"},
			{Href: base + "/{tileMatrix}/{tileRow}/{tileCol}", Rel: "item", Type: mediaMVT, Title: "Mapbox Vector Tiles", Templated: true},
		}}
	if id != hotspotTileLayer { // the analysis' cells are not a collection
		ts.Links = append(ts.Links, tileLink{Href: b + "/collections/" + id, Rel: "collection", Type: mediaJSON, Title: title})
	}
	if !withLayers {
		return ts, true
	}
	layer := tilesetLayer{ID: id, Title: title, DataType: "vector", MinTileMatrix: "0", MaxTileMatrix: strconv.Itoa(geo.MaxTileZoom)}
	if dim >= 0 {
		layer.GeometryDimension = &dim
	}
	ts.Layers = []tilesetLayer{layer}
	return ts, true
}

// handleTilesets serves /collections/{collectionId}/tiles: the list of the
// collection's tilesets (one, WebMercatorQuad).
func handleTilesets(logger *slog.Logger) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id := chi.URLParam(r, "collectionId")
		b := baseURL(r)
		ts, ok := makeTileset(b, id, false)
		if !ok {
			return data.ErrNotFound
		}
		return encode(w, http.StatusOK, mediaJSON, struct {
			Links    []link    `json:"links"`
			Tilesets []tileset `json:"tilesets"`
		}{Links: []link{{Href: b + "/collections/" + id + "/tiles", Rel: "self", Type: mediaJSON}}, Tilesets: []tileset{ts}})
	})
}

// handleTileset serves /collections/{collectionId}/tiles/WebMercatorQuad:
// the tileset's metadata with the tile URI template.
func handleTileset(logger *slog.Logger) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		ts, ok := makeTileset(baseURL(r), chi.URLParam(r, "collectionId"), true)
		if !ok {
			return data.ErrNotFound
		}
		return encode(w, http.StatusOK, mediaJSON, ts)
	})
}

// tileParam reads the tile of the request's path.
func tileParam(r *http.Request) (maptile.Tile, error) {
	return geo.ParseTile(chi.URLParam(r, "z"), chi.URLParam(r, "y"), chi.URLParam(r, "x"))
}

// handleEventTile serves an events tile from the tile cache (keyed, like
// the analyses, by the tile, the filters and the caller's visibility, and
// current with the index's version of what the caller sees), or computes
// it: clusters from the live index, each event from the caller's events
// view (data.Live.EventTile).
func handleEventTile(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if err := checkParams(q, append([]string{"f"}, eventFilterParams...)...); err != nil {
			return err
		}
		t, err := tileParam(r)
		if err != nil {
			return err
		}
		var eq data.EventQuery
		if err := parseEventFilter(q, &eq); err != nil {
			return err
		}
		endpoint := "tiles/events/" + strconv.Itoa(int(t.Z)) + "/" + strconv.Itoa(int(t.Y)) + "/" + strconv.Itoa(int(t.X))
		return serveAnalysisAs(w, r, live, cache, endpoint, mediaMVT, func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error) {
			// The version is read before the tile: a write in between
			// makes the tile newer than its version, never older.
			version := live.VisibleVersion(vis)
			tile, err := live.EventTile(ctx, vis, t, eq)
			return tile, version, err
		})
	})
}

// handleReferenceTile serves a tile of a reference collection, read from
// PostGIS on each request; its ETag is a hash of the tile.
func handleReferenceTile(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		c, ok := data.CollectionByID(chi.URLParam(r, "collectionId"))
		if !ok {
			return data.ErrNotFound
		}
		if err := checkParams(r.URL.Query(), "f"); err != nil {
			return err
		}
		t, err := tileParam(r)
		if err != nil {
			return err
		}
		tile, err := store.ReferenceTile(r.Context(), c, t)
		if err != nil {
			return err
		}
		writeHashedTile(w, r, tile)
		return nil
	})
}

// writeTile writes a vector tile, or 204 No Content for an empty one.
func writeTile(w http.ResponseWriter, tile []byte) {
	if len(tile) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", mediaMVT)
	w.Header().Set("Content-Length", strconv.Itoa(len(tile)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(tile)
}

// tileMatrix is one zoom level of a tile matrix set (OGC 2DTMS 2.0).
type tileMatrix struct {
	ID               string     `json:"id"`
	ScaleDenominator float64    `json:"scaleDenominator"`
	CellSize         float64    `json:"cellSize"`
	CornerOfOrigin   string     `json:"cornerOfOrigin"`
	PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
	MatrixWidth      int        `json:"matrixWidth"`
	MatrixHeight     int        `json:"matrixHeight"`
	TileWidth        int        `json:"tileWidth"`
	TileHeight       int        `json:"tileHeight"`
}

// webMercatorQuadMatrices returns the WebMercatorQuad matrices 0 to
// geo.MaxTileZoom: 256-pixel tiles of 0.28 mm pixels, 2^z × 2^z tiles.
func webMercatorQuadMatrices() []tileMatrix {
	const (
		half      = 20037508.3427892
		cellSize0 = 2 * half / 256
		pixelM    = 0.00028
	)
	out := make([]tileMatrix, 0, geo.MaxTileZoom+1)
	for z := 0; z <= geo.MaxTileZoom; z++ {
		n := 1 << z
		cs := cellSize0 / math.Exp2(float64(z))
		out = append(out, tileMatrix{ID: strconv.Itoa(z), ScaleDenominator: cs / pixelM, CellSize: cs,
			CornerOfOrigin: "topLeft", PointOfOrigin: [2]float64{-half, half}, MatrixWidth: n, MatrixHeight: n,
			TileWidth: 256, TileHeight: 256})
	}
	return out
}

// handleTileMatrixSets serves /tileMatrixSets, the list of the one tile
// matrix set served.
func handleTileMatrixSets(logger *slog.Logger) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		b := baseURL(r)
		type entry struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			URI   string `json:"uri"`
			Links []link `json:"links"`
		}
		return encode(w, http.StatusOK, mediaJSON, struct {
			Links          []link  `json:"links"`
			TileMatrixSets []entry `json:"tileMatrixSets"`
		}{Links: []link{{Href: b + "/tileMatrixSets", Rel: "self", Type: mediaJSON}},
			TileMatrixSets: []entry{{ID: webMercatorQuad, Title: "Google Maps Compatible for the World", URI: webMercatorQuadURI,
				Links: []link{{Href: b + "/tileMatrixSets/" + webMercatorQuad, Rel: relTilingScheme, Type: mediaJSON}}}}})
	})
}

// handleTileMatrixSet serves /tileMatrixSets/{tileMatrixSetId}; only
// WebMercatorQuad exists.
func handleTileMatrixSet(logger *slog.Logger) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if chi.URLParam(r, "tileMatrixSetId") != webMercatorQuad {
			return data.ErrNotFound
		}
		return encode(w, http.StatusOK, mediaJSON, struct {
			ID           string       `json:"id"`
			Title        string       `json:"title"`
			URI          string       `json:"uri"`
			CRS          string       `json:"crs"`
			OrderedAxes  []string     `json:"orderedAxes"`
			TileMatrices []tileMatrix `json:"tileMatrices"`
		}{ID: webMercatorQuad, Title: "Google Maps Compatible for the World", URI: webMercatorQuadURI, CRS: crs3857,
			OrderedAxes: []string{"E", "N"}, TileMatrices: webMercatorQuadMatrices()})
	})
}

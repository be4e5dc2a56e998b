package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"golang.org/x/sync/singleflight"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// Parameters each analysis endpoint accepts.
var (
	commonAnalysisParams = []string{"datetime", "from", "to", "kind", "drug", "category", "agency", "bbox", "sector", "corridor_km", "f"}
	hotspotParams        = append([]string{"method", "value", "cell_m", "radius_m", "bandwidth_m", "min_bin", "min_density", "max_cells"}, commonAnalysisParams...)
	clusterParams        = append([]string{"eps_m", "min_points"}, commonAnalysisParams...)
	emergingParams       = append([]string{"step", "value", "cell_m", "radius_m", "time_step", "global_window", "all_cells", "max_cells"}, commonAnalysisParams...)
)

// resolveCommon completes f with the caller's visibility vis (the one the
// answer is cached under) and the agency slugs as index numbers, and turns
// the area parameter into a geo.Area (bbox, a sector's outline, or the
// corridor around the live index's border lines).
func resolveCommon(ctx context.Context, live *data.Live, c geo.CommonParams, f *geo.Filter, vis *geo.Visibility) (geo.Area, error) {
	f.Visibility = vis
	if len(c.Agencies) > 0 {
		ids, err := live.AgencyIndex(c.Agencies)
		if err != nil {
			return geo.Area{}, err
		}
		f.Agencies = ids
	}
	switch {
	case c.BBox != nil:
		return geo.Area{BBox: c.BBox}, nil
	case c.Sector != "":
		mp, err := live.SectorPolygon(ctx, c.Sector)
		if err != nil {
			return geo.Area{}, err
		}
		return geo.Area{Polygon: mp}, nil
	}
	lines := live.BorderLines()
	if len(lines) == 0 {
		return geo.Area{}, &geo.ParamError{Param: "corridor_km", Reason: "no border lines are loaded; give bbox or sector"}
	}
	return geo.Area{Lines: lines, CorridorKM: c.CorridorKM}, nil
}

// responseCache keeps encoded analysis responses by key (the canonical
// query and the caller's visibility), each with the index version it was
// computed on, up to maxBytes in all; the least recently used go first.
//
// A response computed on an older version is still served for a while
// after it was computed: ten times as long as it took to compute, at most
// maxStale. Under a steady stream of writes every version is new, and
// without this each analysis would be recomputed on every request; with
// it an analysis key spends at most about a tenth of the time computing,
// and its answer is never more than maxStale (plus one computation)
// behind the index. Where the index has not changed, or the response was
// cheap, the answer is current.
type responseCache struct {
	flight   singleflight.Group
	workers  chan struct{} // one token per running computation
	mu       sync.Mutex
	entries  map[string]*cachedResponse
	bytes    int
	maxBytes int
	tick     uint64
}

type cachedResponse struct {
	body     []byte
	etag     string
	used     uint64
	version  uint64        // index version it was computed on
	computed time.Time     // when the computation ended
	cost     time.Duration // how long it took
}

// maxStale bounds how long a response computed on an older index version
// is served; see responseCache.
const maxStale = 2 * time.Second

// usable reports whether e may answer a request while the index is at
// version: it is current, or recent compared with its cost.
func (e *cachedResponse) usable(version uint64, now time.Time) bool {
	return e.version >= version || now.Sub(e.computed) < min(10*e.cost, maxStale)
}

func newResponseCache(maxBytes int) *responseCache {
	return &responseCache{entries: map[string]*cachedResponse{}, maxBytes: maxBytes,
		workers: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

func (c *responseCache) get(key string) (*cachedResponse, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok {
		c.tick++
		e.used = c.tick
	}
	return e, ok
}

func (c *responseCache) put(key string, e *cachedResponse) {
	if len(e.body) > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		if old.version > e.version {
			return // a computation on a newer version finished first
		}
		c.bytes -= len(old.body)
	}
	c.tick++
	e.used = c.tick
	c.entries[key] = e
	c.bytes += len(e.body)
	for c.bytes > c.maxBytes {
		var oldest string
		var ou uint64 = math.MaxUint64
		for k, v := range c.entries {
			if v.used < ou {
				oldest, ou = k, v.used
			}
		}
		c.bytes -= len(c.entries[oldest].body)
		delete(c.entries, oldest)
	}
}

// analysisKey is the cache key of a response: the endpoint, the sorted
// query, the caller's visibility and the generation of the sectors and
// border lines (sector risk and the analyses of a sector area or of the
// default corridor change with them).
func analysisKey(endpoint string, q url.Values, vis *geo.Visibility, refGen int64) string {
	var b strings.Builder
	b.WriteString(endpoint)
	b.WriteByte('?')
	b.WriteString(q.Encode()) // sorted by key
	b.WriteString("#v=")
	b.WriteString(strconv.FormatUint(vis.Key(), 16))
	b.WriteString("#g=")
	b.WriteString(strconv.FormatInt(refGen, 10))
	return b.String()
}

// etagNonce tells this process's ETags from those of another replica or
// an earlier run, whose index versions count differently.
var etagNonce = func() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}()

// analysisETag is the ETag of the response for key computed on the index
// version in this process.
func analysisETag(key string, version uint64) string {
	h := fnv.New64a()
	h.Write(etagNonce)
	h.Write([]byte(key))
	h.Write([]byte("#i="))
	h.Write([]byte(strconv.FormatUint(version, 10)))
	return `"` + strconv.FormatUint(h.Sum64(), 36) + `"`
}

// serveAnalysis answers an analysis request from the response cache, or
// with 304 when the client's ETag is current, or by computing it. compute
// returns the encoded body and the index version it was computed on.
// "Cache-Control: no-cache" in the request skips the stored response.
func serveAnalysis(w http.ResponseWriter, r *http.Request, logger *slog.Logger, live *data.Live, cache *responseCache,
	endpoint string, compute func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error)) {
	ctx := r.Context()
	vis, err := live.Visibility(ctx)
	if err != nil {
		writeError(w, r, logger, err)
		return
	}
	version := live.Version()
	key := analysisKey(endpoint, r.URL.Query(), vis, live.RefGeneration())
	etag := analysisETag(key, version)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Authorization")
	inm := r.Header.Get("If-None-Match")
	notModified := func(etag string) bool {
		if inm == "" || !etagMatches(inm, etag) {
			return false
		}
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	if notModified(etag) {
		return
	}
	noCache := strings.Contains(strings.ToLower(r.Header.Get("Cache-Control")), "no-cache")
	if !noCache {
		if e, ok := cache.get(key); ok && e.usable(version, time.Now()) {
			if !notModified(e.etag) {
				writeAnalysis(w, e)
			}
			return
		}
	}
	// Identical requests arriving together share one computation, and at
	// most cache.workers computations run at once: a request waiting for a
	// turn whose client goes away leaves the queue at once, so a burst of
	// abandoned requests cannot keep the processors busy afterwards.
	for attempt := 0; ; attempt++ {
		ch := cache.flight.DoChan(key+"#i="+strconv.FormatUint(version, 10), func() (any, error) {
			if err := cache.acquire(ctx); err != nil {
				return nil, err
			}
			defer cache.release()
			// While this request waited for its turn, another one may
			// have stored an answer it can use.
			if e, ok := cache.get(key); ok && !noCache && e.usable(version, time.Now()) {
				return e, nil
			}
			start := time.Now()
			body, version, err := compute(ctx, vis)
			if err != nil {
				return nil, err
			}
			now := time.Now()
			e := &cachedResponse{body: body, etag: analysisETag(key, version), version: version,
				computed: now, cost: now.Sub(start)}
			cache.put(key, e)
			return e, nil
		})
		select {
		case <-ctx.Done():
			writeError(w, r, logger, ctx.Err())
			return
		case res := <-ch:
			// The computation ran for another request whose client left:
			// this one is still here, so compute again for it.
			if res.Err != nil && ctx.Err() == nil && attempt == 0 &&
				(errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, context.DeadlineExceeded)) {
				continue
			}
			if res.Err != nil {
				writeError(w, r, logger, res.Err)
				return
			}
			writeAnalysis(w, res.Val.(*cachedResponse))
			return
		}
	}
}

// acquire waits for a computation slot or for ctx to end.
func (c *responseCache) acquire(ctx context.Context) error {
	select {
	case c.workers <- struct{}{}:
		return ctx.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *responseCache) release() { <-c.workers }

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func writeAnalysis(w http.ResponseWriter, e *cachedResponse) {
	w.Header().Set("Content-Type", mediaGeoJSON)
	w.Header().Set("ETag", e.etag)
	w.Header().Set("Content-Length", strconv.Itoa(len(e.body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.body)
}

// handleHotspots serves GET /api/hotspots: a Gi* or kernel density surface
// over the hexagonal cells of the area, from the live index, of the events
// the caller may see. See writeHotspots for the response.
func handleHotspots(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	rings := newRingCache(1 << 20)
	return analysisHandler(logger, live, cache, "hotspots", hotspotParams, geo.ParseHotspotParams,
		func(ctx context.Context, q geo.HotspotQuery, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error) {
			area, err := resolveCommon(ctx, live, c, &q.Filter, vis)
			if err != nil {
				return nil, 0, err
			}
			q.Area = area
			res, err := geo.HotSpots(ctx, live.Index(), q)
			if err != nil {
				return nil, 0, err
			}
			return appendHotspots(make([]byte, 0, 512+len(res.Cells)*400), res, c, rings), res.Version, nil
		})
}

// analysisHandler is the shape the analyses share: reject unknown
// parameters, parse the query (errors name the parameter), then answer from
// the response cache or compute with the caller's visibility.
func analysisHandler[Q any](logger *slog.Logger, live *data.Live, cache *responseCache, endpoint string, params []string,
	parse func(url.Values) (Q, geo.CommonParams, error),
	compute func(ctx context.Context, q Q, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		if err := checkParams(v, params...); err != nil {
			writeError(w, r, logger, err)
			return
		}
		q, c, err := parse(v)
		if err != nil {
			writeError(w, r, logger, err)
			return
		}
		serveAnalysis(w, r, logger, live, cache, endpoint, func(ctx context.Context, vis *geo.Visibility) ([]byte, uint64, error) {
			return compute(ctx, q, c, vis)
		})
	})
}

// appendCommon writes the members of "parameters" that the analyses share:
// the area, the time window and the filters.
func appendCommon(b []byte, c geo.CommonParams, f geo.Filter) []byte {
	switch {
	case c.BBox != nil:
		b = append(b, `,"bbox":[`...)
		b = appendFloat(b, c.BBox.Min[0])
		b = append(b, ',')
		b = appendFloat(b, c.BBox.Min[1])
		b = append(b, ',')
		b = appendFloat(b, c.BBox.Max[0])
		b = append(b, ',')
		b = appendFloat(b, c.BBox.Max[1])
		b = append(b, ']')
	case c.Sector != "":
		b = append(b, `,"sector":`...)
		b = appendJSONString(b, c.Sector)
	default:
		b = append(b, `,"corridor_km":`...)
		b = appendFloat(b, c.CorridorKM)
	}
	if !f.Time.Start.IsZero() {
		b = append(b, `,"from":"`...)
		b = f.Time.Start.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if !f.Time.End.IsZero() {
		b = append(b, `,"to":"`...)
		b = f.Time.End.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	list := func(name string, vals []string) {
		if len(vals) == 0 {
			return
		}
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":[`...)
		for i, s := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	var kinds, drugs, cats []string
	for _, k := range f.Kinds {
		kinds = append(kinds, k.String())
	}
	for _, d := range f.Drugs {
		drugs = append(drugs, d.String())
	}
	for _, k := range f.Categories {
		cats = append(cats, k.String())
	}
	list("kind", kinds)
	list("drug", drugs)
	list("category", cats)
	list("agency", c.Agencies)
	return b
}

// appendHotspots encodes a hotspot result as a GeoJSON FeatureCollection
// of hexagons. Each feature's properties are the cell's axial coordinates
// (q, r), its centre in the LAEA projection (x_m, y_m), value (count or
// kg), count, and for gistar gi_z, gi_p, gi_bin and neighbors (cells in the
// distance band, itself included), for kde density_km2. Gi* cells below
// min_bin and KDE cells below min_density (by default those of density 0)
// are left out. The collection carries the parameters used, the
// projection, n_cells, mean and std (of the values for gistar, of the
// densities for kde; population standard deviation, over every cell of
// the area including zeros and those not returned), total, events and the index
// version, so that any cell's z-score can be recomputed from the output:
// Gi* = (Σⱼ wᵢⱼxⱼ − X̄·Wᵢ) / (S·√((n·Wᵢ − Wᵢ²)/(n−1))) with Wᵢ = neighbors.
// Encoding is by hand: responses of 10⁵ cells are common and this is
// several times faster than encoding/json over orb/geojson values.
func appendHotspots(b []byte, res geo.HotspotResult, c geo.CommonParams, rings *ringCache) []byte {
	q := res.Query
	b = append(b, `{"type":"FeatureCollection","method":"`...)
	b = append(b, q.Method.String()...)
	b = append(b, `","parameters":{"method":"`...)
	b = append(b, q.Method.String()...)
	b = append(b, `","value":"`...)
	b = append(b, q.Value.String()...)
	b = append(b, `","cell_m":`...)
	b = appendFloat(b, q.CellM)
	if q.Method == geo.MethodKDE {
		b = append(b, `,"bandwidth_m":`...)
		b = appendFloat(b, q.BandwidthM)
		b = append(b, `,"min_density":`...)
		b = appendFloat(b, q.MinDensity)
	} else {
		b = append(b, `,"radius_m":`...)
		b = appendFloat(b, q.RadiusM)
		b = append(b, `,"min_bin":`...)
		b = strconv.AppendInt(b, int64(q.MinBin), 10)
	}
	b = append(b, `,"max_cells":`...)
	b = strconv.AppendInt(b, int64(q.MaxCells), 10)
	b = appendCommon(b, c, q.Filter)
	b = append(b, `},"projection":`...)
	b = appendJSONString(b, geo.LAEAProj4)
	b = append(b, `,"n_cells":`...)
	b = strconv.AppendInt(b, int64(res.NCells), 10)
	b = append(b, `,"mean":`...)
	b = appendFloat(b, res.Mean)
	b = append(b, `,"std":`...)
	b = appendFloat(b, res.Std)
	b = append(b, `,"total":`...)
	b = appendFloat(b, res.Total)
	b = append(b, `,"events":`...)
	b = strconv.AppendInt(b, int64(res.Events), 10)
	b = appendFeaturesStart(b, res.Version, len(res.Cells))
	for i := range res.Cells {
		cell := &res.Cells[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"Feature","id":"`...)
		b = strconv.AppendInt(b, int64(cell.Hex.Q), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(cell.Hex.R), 10)
		b = append(b, `","geometry":`...)
		b = rings.appendRing(b, q.CellM, cell.Hex, cell.Ring)
		b = append(b, `,"properties":{"q":`...)
		b = strconv.AppendInt(b, int64(cell.Hex.Q), 10)
		b = append(b, `,"r":`...)
		b = strconv.AppendInt(b, int64(cell.Hex.R), 10)
		b = append(b, `,"x_m":`...)
		b = appendFloat(b, cell.XM)
		b = append(b, `,"y_m":`...)
		b = appendFloat(b, cell.YM)
		b = append(b, `,"value":`...)
		b = appendFloat(b, cell.Value)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(cell.Count), 10)
		if q.Method == geo.MethodKDE {
			b = append(b, `,"density_km2":`...)
			b = appendFloat(b, cell.Density)
		} else {
			b = append(b, `,"gi_z":`...)
			b = appendFloat(b, cell.GiZ)
			b = append(b, `,"gi_p":`...)
			b = appendFloat(b, cell.GiP)
			b = append(b, `,"gi_bin":`...)
			b = strconv.AppendInt(b, int64(cell.GiBin), 10)
			b = append(b, `,"neighbors":`...)
			b = strconv.AppendInt(b, int64(cell.Neighbor), 10)
		}
		b = append(b, `}}`...)
	}
	return append(b, "]}\n"...)
}

// ringCache keeps the encoded GeoJSON Polygon of hexagons by cell size and
// cell: outlines are the bulk of a hotspot response and never change. It
// holds at most max entries and starts afresh when full.
type ringCache struct {
	mu      sync.RWMutex
	entries map[ringKey][]byte
	max     int
}

type ringKey struct {
	cellM float64
	h     geo.Hex
}

func newRingCache(maxEntries int) *ringCache {
	return &ringCache{entries: map[ringKey][]byte{}, max: maxEntries}
}

// appendRing appends the Polygon of cell h of the grid of cellM, whose
// lon/lat outline is ring.
func (rc *ringCache) appendRing(b []byte, cellM float64, h geo.Hex, ring orb.Ring) []byte {
	k := ringKey{cellM, h}
	rc.mu.RLock()
	enc, ok := rc.entries[k]
	rc.mu.RUnlock()
	if ok {
		return append(b, enc...)
	}
	start := len(b)
	b = appendPolygon(b, ring)
	enc = append([]byte(nil), b[start:]...)
	rc.mu.Lock()
	if len(rc.entries) >= rc.max {
		rc.entries = map[ringKey][]byte{}
	}
	rc.entries[k] = enc
	rc.mu.Unlock()
	return b
}

// appendFloat writes v as a JSON number, exactly (shortest round-trip
// form); non-finite values, which JSON lacks, as null.
func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendCoord writes a lon/lat coordinate to 1e-7° (about 1 cm).
func appendCoord(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, math.Round(p[0]*1e7)/1e7, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, math.Round(p[1]*1e7)/1e7, 'f', -1, 64)
	return append(b, ']')
}

func appendPolygon(b []byte, ring orb.Ring) []byte {
	b = append(b, `{"type":"Polygon","coordinates":[[`...)
	for i, p := range ring {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCoord(b, p)
	}
	return append(b, "]]}"...)
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// handleClusters serves GET /api/clusters: DBSCAN clusters (eps_m,
// min_points) of the events the caller may see in the area, as a
// FeatureCollection of convex hulls (a Point or LineString when the
// members are fewer than three distinct points) with, per cluster, the
// member count, the core points among them, kg by drug, the time span and
// the centroid. The collection carries n_points, n_clustered and n_noise.
func handleClusters(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	return analysisHandler(logger, live, cache, "clusters", clusterParams, geo.ParseClusterParams,
		func(ctx context.Context, q geo.ClusterQuery, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error) {
			area, err := resolveCommon(ctx, live, c, &q.Filter, vis)
			if err != nil {
				return nil, 0, err
			}
			q.Area = &area
			res, err := geo.Clusters(ctx, live.Index(), q)
			if err != nil {
				return nil, 0, err
			}
			return appendClusters(make([]byte, 0, 512+len(res.Clusters)*600), res, c), res.Version, nil
		})
}

// appendFeaturesStart writes the members every analysis collection ends
// with before its features: the index version and the number returned.
func appendFeaturesStart(b []byte, version uint64, n int) []byte {
	b = append(b, `,"index_version":`...)
	b = strconv.AppendUint(b, version, 10)
	b = append(b, `,"number_returned":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, `,"features":[`...)
}

func appendClusters(b []byte, res geo.ClusterResult, c geo.CommonParams) []byte {
	q := res.Query
	b = append(b, `{"type":"FeatureCollection","parameters":{"eps_m":`...)
	b = appendFloat(b, q.EpsM)
	b = append(b, `,"min_points":`...)
	b = strconv.AppendInt(b, int64(q.MinPoints), 10)
	b = appendCommon(b, c, q.Filter)
	b = append(b, `},"projection":`...)
	b = appendJSONString(b, geo.LAEAProj4)
	b = append(b, `,"n_points":`...)
	b = strconv.AppendInt(b, int64(res.NPoints), 10)
	b = append(b, `,"n_clustered":`...)
	b = strconv.AppendInt(b, int64(res.NClustered), 10)
	b = append(b, `,"n_noise":`...)
	b = strconv.AppendInt(b, int64(res.NNoise), 10)
	b = appendFeaturesStart(b, res.Version, len(res.Clusters))
	for i := range res.Clusters {
		cl := &res.Clusters[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"Feature","id":`...)
		b = strconv.AppendInt(b, int64(cl.ID), 10)
		b = append(b, `,"geometry":`...)
		b = appendHull(b, cl.Hull)
		b = append(b, `,"properties":{"cluster_id":`...)
		b = strconv.AppendInt(b, int64(cl.ID), 10)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(cl.Count), 10)
		b = append(b, `,"core":`...)
		b = strconv.AppendInt(b, int64(cl.Core), 10)
		b = append(b, `,"kg_by_drug":{`...)
		drugs := make([]geo.Drug, 0, len(cl.KG))
		var total float64
		for d, kg := range cl.KG {
			drugs = append(drugs, d)
			total += kg
		}
		slices.Sort(drugs)
		for k, d := range drugs {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, d.String()...)
			b = append(b, `":`...)
			b = appendFloat(b, cl.KG[d])
		}
		b = append(b, `},"kg":`...)
		b = appendFloat(b, total)
		b = append(b, `,"start":"`...)
		b = cl.Start.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","end":"`...)
		b = cl.End.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","centroid":`...)
		b = appendCoord(b, cl.Centroid)
		b = append(b, `}}`...)
	}
	return append(b, "]}\n"...)
}

// appendHull writes a convex hull as a Polygon, or as a Point or
// LineString when it is degenerate.
func appendHull(b []byte, hull orb.Ring) []byte {
	pts := hull
	if n := len(pts); n > 1 && pts[0] == pts[n-1] {
		pts = pts[:n-1]
	}
	switch len(pts) {
	case 0:
		return append(b, "null"...)
	case 1:
		b = append(b, `{"type":"Point","coordinates":`...)
		b = appendCoord(b, pts[0])
		return append(b, '}')
	case 2:
		b = append(b, `{"type":"LineString","coordinates":[`...)
		b = appendCoord(b, pts[0])
		b = append(b, ',')
		b = appendCoord(b, pts[1])
		return append(b, "]}"...)
	}
	ring := append(orb.Ring(nil), pts...)
	return appendPolygon(b, append(ring, pts[0]))
}

// handleEmerging serves GET /api/hotspots/emerging: the Emerging Hot Spot
// Analysis of the events the caller may see, per cell of the area with at
// least one event (or all cells with all_cells=true): its category
// (pattern), the Mann–Kendall trend of its Gi* z-scores and its series
// (values, z, p, bins per step). The collection lists the steps.
func handleEmerging(logger *slog.Logger, live *data.Live, cache *responseCache) http.Handler {
	return analysisHandler(logger, live, cache, "emerging", emergingParams, geo.ParseEmergingParams,
		func(ctx context.Context, q geo.EmergingQuery, c geo.CommonParams, vis *geo.Visibility) ([]byte, uint64, error) {
			area, err := resolveCommon(ctx, live, c, &q.Filter, vis)
			if err != nil {
				return nil, 0, err
			}
			q.Area = area
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

func appendEmerging(b []byte, res geo.EmergingResult, c geo.CommonParams) []byte {
	q := res.Query
	b = append(b, `{"type":"FeatureCollection","parameters":{"step":"`...)
	b = append(b, q.Step.String()...)
	b = append(b, `","value":"`...)
	b = append(b, q.Value.String()...)
	b = append(b, `","cell_m":`...)
	b = appendFloat(b, q.CellM)
	b = append(b, `,"radius_m":`...)
	b = appendFloat(b, q.RadiusM)
	b = append(b, `,"time_step":`...)
	b = strconv.AppendInt(b, int64(res.K), 10)
	b = append(b, `,"global_window":"`...)
	b = append(b, q.Window.String()...)
	b = append(b, `","all_cells":`...)
	b = strconv.AppendBool(b, q.AllCells)
	b = appendCommon(b, c, q.Filter)
	b = append(b, `},"projection":`...)
	b = appendJSONString(b, geo.LAEAProj4)
	b = append(b, `,"steps":[`...)
	for i, s := range res.Steps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"start":"`...)
		b = s.Start.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","end":"`...)
		b = s.End.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, `"}`...)
	}
	b = append(b, `],"n_area_cells":`...)
	b = strconv.AppendInt(b, int64(res.NAreaCells), 10)
	b = append(b, `,"n_cells":`...)
	b = strconv.AppendInt(b, int64(res.NCells), 10)
	b = append(b, `,"mean":`...)
	b = appendFloat(b, res.Mean)
	b = append(b, `,"std":`...)
	b = appendFloat(b, res.Std)
	b = append(b, `,"index_version":`...)
	b = strconv.AppendUint(b, res.Version, 10)
	counts := map[string]int{}
	for i := range res.Cells {
		counts[res.Cells[i].Pattern.String()]++
	}
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	b = append(b, `,"patterns":{`...)
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(counts[k]), 10)
	}
	b = append(b, `},"features":[`...)
	floats := func(name string, v []float64) {
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":[`...)
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, x)
		}
		b = append(b, ']')
	}
	for i := range res.Cells {
		cell := &res.Cells[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"Feature","id":"`...)
		b = strconv.AppendInt(b, int64(cell.Hex.Q), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(cell.Hex.R), 10)
		b = append(b, `","geometry":`...)
		b = appendPolygon(b, cell.Ring)
		b = append(b, `,"properties":{"q":`...)
		b = strconv.AppendInt(b, int64(cell.Hex.Q), 10)
		b = append(b, `,"r":`...)
		b = strconv.AppendInt(b, int64(cell.Hex.R), 10)
		b = append(b, `,"x_m":`...)
		b = appendFloat(b, cell.XM)
		b = append(b, `,"y_m":`...)
		b = appendFloat(b, cell.YM)
		b = append(b, `,"pattern":"`...)
		b = append(b, cell.Pattern.String()...)
		b = append(b, `","total":`...)
		b = appendFloat(b, cell.Total)
		b = append(b, `,"trend_z":`...)
		b = appendFloat(b, cell.Trend.Z)
		b = append(b, `,"trend_p":`...)
		b = appendFloat(b, cell.Trend.P)
		b = append(b, `,"trend_bin":`...)
		b = strconv.AppendInt(b, int64(cell.TrendBin), 10)
		floats("values", cell.Values)
		floats("gi_z", cell.Z)
		floats("gi_p", cell.P)
		b = append(b, `,"gi_bin":[`...)
		for k, x := range cell.Bins {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(x), 10)
		}
		b = append(b, `]}}`...)
	}
	return append(b, "]}\n"...)
}

// LiveGauges returns the live index's metrics: its size, the delay of the
// last change applied, the time of its last successful pull and whether
// its change feed is connected.
func LiveGauges(live *data.Live) []Gauge {
	return []Gauge{
		{Name: "borderwatch_live_index_events", Help: "Events in the in-memory hotspot index.",
			Value: func() float64 { return float64(live.Len()) }},
		{Name: "borderwatch_live_notify_lag_seconds", Help: "Delay between the last applied change's write (start of its transaction) and its arrival in the index.",
			Value: func() float64 { return live.Lag().Seconds() }},
		{Name: "borderwatch_live_last_sync_timestamp_seconds", Help: "Unix time of the index's last successful pull of changes.",
			Value: func() float64 {
				t := live.LastSync()
				if t.IsZero() {
					return 0
				}
				return float64(t.UnixNano()) / 1e9
			}},
		{Name: "borderwatch_live_connected", Help: "1 when the index's change feed is listening, else 0.",
			Value: func() float64 {
				if live.Ready() {
					return 1
				}
				return 0
			}},
	}
}

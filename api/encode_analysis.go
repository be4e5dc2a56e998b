package api

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
)

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
// version, so that any cell's z-score can be recomputed from the output;
// for gistar on too small a sample (geo.SampleTooSmall) a warning, and
// every cell in gi_bin 0:
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
	if w := res.Warning; w != nil {
		b = append(b, `,"warning":{"code":"`...)
		b = append(b, w.Code...)
		b = append(b, `","message":`...)
		b = appendJSONString(b, w.Message())
		b = append(b, `,"events":`...)
		b = strconv.AppendInt(b, int64(w.Events), 10)
		b = append(b, `,"nonzero_cells":`...)
		b = strconv.AppendInt(b, int64(w.NonZeroCells), 10)
		b = append(b, `,"min_events":`...)
		b = strconv.AppendInt(b, int64(w.MinEvents), 10)
		b = append(b, `,"min_nonzero_cells":`...)
		b = strconv.AppendInt(b, int64(w.MinNonZeroCells), 10)
		b = append(b, '}')
	}
	b = appendFeaturesStart(b, res.Version, len(res.Cells))
	for i := range res.Cells {
		cell := &res.Cells[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCellHead(b, rings, q.CellM, cell.Hex, cell.Ring, cell.XM, cell.YM)
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

// appendEmerging encodes an Emerging Hot Spot result as a GeoJSON
// FeatureCollection of hexagons: the parameters, the steps and summary
// (appendEmergingHead), then one feature per cell (appendEmergingCell).
func appendEmerging(b []byte, res geo.EmergingResult, c geo.CommonParams) []byte {
	b = appendEmergingHead(b, res, c)
	b = append(b, `,"features":[`...)
	for i := range res.Cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEmergingCell(b, &res.Cells[i])
	}
	return append(b, "]}\n"...)
}

// appendEmergingHead writes the members of an emerging collection before
// its features: the parameters, the projection, the steps, the cell
// counts, mean and std, the index version and the count of each pattern.
func appendEmergingHead(b []byte, res geo.EmergingResult, c geo.CommonParams) []byte {
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
	return append(b, '}')
}

// appendEmergingCell writes one cell of an emerging result as a Feature.
func appendEmergingCell(b []byte, cell *geo.EmergingCell) []byte {
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
	b = appendFloats(b, "values", cell.Values)
	b = appendFloats(b, "gi_z", cell.Z)
	b = appendFloats(b, "gi_p", cell.P)
	b = append(b, `,"gi_bin":[`...)
	for k, x := range cell.Bins {
		if k > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, `]}}`...)
}

// appendFloats writes the member ,"name":[v...] of numbers.
func appendFloats(b []byte, name string, v []float64) []byte {
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":[`...)
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, x)
	}
	return append(b, ']')
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

// appendCellHead appends the start of a hex cell's Feature (a null geometry
// when rings is nil: skipGeometry), shared by the
// analyses that answer cells: its id, outline and the properties q, r,
// x_m and y_m; the caller appends the rest of the properties.
func appendCellHead(b []byte, rings *ringCache, cellM float64, hex geo.Hex, ring orb.Ring, xm, ym float64) []byte {
	b = append(b, `{"type":"Feature","id":"`...)
	b = strconv.AppendInt(b, int64(hex.Q), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(hex.R), 10)
	b = append(b, `","geometry":`...)
	if rings == nil {
		b = append(b, "null"...)
	} else {
		b = rings.appendRing(b, cellM, hex, ring)
	}
	b = append(b, `,"properties":{"q":`...)
	b = strconv.AppendInt(b, int64(hex.Q), 10)
	b = append(b, `,"r":`...)
	b = strconv.AppendInt(b, int64(hex.R), 10)
	b = append(b, `,"x_m":`...)
	b = appendFloat(b, xm)
	b = append(b, `,"y_m":`...)
	return appendFloat(b, ym)
}

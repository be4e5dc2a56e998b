package geo

import (
	"context"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// MaxClusterPoints is the largest number of events one DBSCAN run accepts.
const MaxClusterPoints = 2_000_000

// ClusterQuery asks for DBSCAN clusters of the events that pass Filter and
// lie in Area (every event when Area is nil).
type ClusterQuery struct {
	EpsM      float64
	MinPoints int
	Filter    Filter
	Area      *Area
}

// Cluster is one DBSCAN cluster with its aggregates.
type Cluster struct {
	// ID numbers the clusters 0… in the order of their first event.
	ID int
	// Events are the IDs of the member events (core and border).
	Events [][16]byte
	// Count is the number of members; Core of them are core points.
	Count, Core int
	// KG is the seized mass per drug, summed over the members.
	KG map[Drug]float64
	// Start and End are the earliest and latest member times.
	Start, End time.Time
	// Hull is the convex hull of the members, computed in the LAEA plane
	// and returned in lon/lat (degenerate for fewer than three distinct
	// points).
	Hull orb.Ring
	// Centroid is the mean of the members' projected points, in lon/lat.
	Centroid orb.Point
}

// ClusterResult is the answer to a ClusterQuery.
type ClusterResult struct {
	Query      ClusterQuery
	NPoints    int // events clustered (that passed the filter and area)
	NClustered int // core and border points
	NNoise     int
	Clusters   []Cluster
	Version    uint64
}

// Clusters runs DBSCAN (see DBSCAN) on the projected points of the events
// that pass q.Filter and lie in q.Area and aggregates each cluster. The
// index is read under its lock only while the points are copied. Clusters
// checks ctx every ctxCheckEvents events and every ctxCheckEvery grid
// squares or clusters and returns ctx's error once it is done.
func Clusters(ctx context.Context, ix *Index, q ClusterQuery) (ClusterResult, error) {
	if !(q.EpsM > 0) || q.EpsM > 1e6 {
		return ClusterResult{}, &ParamError{Param: "eps_m", Reason: "must be a positive number of metres, at most 1e6"}
	}
	if q.MinPoints < 1 || q.MinPoints > 1_000_000 {
		return ClusterResult{}, &ParamError{Param: "min_points", Reason: "must be in [1, 1000000]"}
	}
	cf, err := q.Filter.compile()
	if err != nil {
		return ClusterResult{}, err
	}
	inArea, err := areaPredicate(q.Area)
	if err != nil {
		return ClusterResult{}, err
	}
	type pointInfo struct {
		id       [16]byte
		at       int64
		off, n   uint32
		lon, lat float64
	}
	var (
		pts   [][2]float64
		info  []pointInfo
		items []Item
	)
	res := ClusterResult{Query: q}
	ix.mu.RLock()
	st := &ix.st
	res.Version = ix.changes.visible(q.Filter.Visibility)
	for slot, a := range st.attr {
		if slot%ctxCheckEvents == 0 {
			if err := ctx.Err(); err != nil {
				ix.mu.RUnlock()
				return ClusterResult{}, err
			}
		}
		ok, rule := cf.view(st, slot)
		if !ok {
			continue
		}
		xy, ll := cf.xy(st, slot, rule), cf.ll(st, slot, rule)
		if !inArea(xy, ll) {
			continue
		}
		if len(pts) == MaxClusterPoints {
			ix.mu.RUnlock()
			return ClusterResult{}, &ParamError{Param: "filter", Reason: fmt.Sprintf("more than %d events to cluster; narrow the filter or area", MaxClusterPoints)}
		}
		pts = append(pts, xy)
		off := st.itemOff[slot]
		info = append(info, pointInfo{id: st.ids[slot], at: cf.at(st, slot, rule), off: uint32(len(items)), n: uint32(a.nItems),
			lon: ll[0], lat: ll[1]})
		items = append(items, st.items[off:off+uint32(a.nItems)]...)
	}
	ix.mu.RUnlock()
	db, err := DBSCAN(ctx, pts, q.EpsM, q.MinPoints)
	if err != nil {
		return ClusterResult{}, err
	}
	res.NPoints = len(pts)
	members := db.Members()
	res.Clusters = make([]Cluster, len(members))
	for c, mem := range members {
		if c%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return ClusterResult{}, err
			}
		}
		cl := Cluster{ID: c, Count: len(mem), KG: map[Drug]float64{}, Events: make([][16]byte, len(mem))}
		hullPts := make([][2]float64, len(mem))
		var sx, sy float64
		t0, t1 := info[mem[0]].at, info[mem[0]].at
		for k, i := range mem {
			pi := info[i]
			cl.Events[k] = pi.id
			if db.Core[i] {
				cl.Core++
			}
			t0, t1 = min(t0, pi.at), max(t1, pi.at)
			for _, it := range items[pi.off : pi.off+pi.n] {
				cl.KG[it.Drug] += float64(it.KG)
			}
			hullPts[k] = pts[i]
			sx += pts[i][0]
			sy += pts[i][1]
		}
		cl.Start, cl.End = time.Unix(0, t0).UTC(), time.Unix(0, t1).UTC()
		for _, p := range ConvexHull(hullPts) {
			cl.Hull = append(cl.Hull, Unproject(orb.Point(p)))
		}
		cl.Centroid = Unproject(orb.Point{sx / float64(len(mem)), sy / float64(len(mem))})
		res.NClustered += len(mem)
		res.Clusters[c] = cl
	}
	res.NNoise = res.NPoints - res.NClustered
	return res, nil
}

// areaPredicate returns a test of whether an event (projected point and
// lon/lat) lies in a; nil a accepts everything.
func areaPredicate(a *Area) (func(xy, ll [2]float64) bool, error) {
	if a == nil {
		return func(_, _ [2]float64) bool { return true }, nil
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	switch {
	case len(a.Lines) > 0:
		var lines []orb.LineString
		for _, ls := range a.Lines {
			lines = append(lines, ProjectLineString(ls))
		}
		c, err := NewCorridor(lines, a.CorridorKM*1000)
		if err != nil {
			return nil, err
		}
		b := c.Bound()
		return func(xy, _ [2]float64) bool {
			return b.Contains(orb.Point(xy)) && c.Contains(orb.Point(xy))
		}, nil
	case a.BBox != nil:
		b := *a.BBox
		return func(_, ll [2]float64) bool { return b.Contains(orb.Point(ll)) }, nil
	default:
		mp := ProjectMultiPolygon(a.Polygon)
		b := mp.Bound()
		return func(xy, _ [2]float64) bool {
			return b.Contains(orb.Point(xy)) && planar.MultiPolygonContains(mp, orb.Point(xy))
		}, nil
	}
}

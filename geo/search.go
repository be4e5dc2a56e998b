package geo

import (
	"math"
	"time"

	"github.com/paulmach/orb"
)

// SearchProjected calls fn for every event whose projected point lies in the
// projected rectangle b (edges included) and that passes f, until fn returns
// false. The Event passed to fn is reused between calls and its Items alias
// the index's storage: copy what you keep. p is the event's point in LAEA
// metres. Under a Visibility, events are passed as the viewer sees them
// (coarsened point, lon/lat and time) and b applies to that point.
func (ix *Index) SearchProjected(b orb.Bound, f Filter, fn func(e *Event, p orb.Point) bool) error {
	cf, err := f.compile()
	if err != nil {
		return err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	st := &ix.st
	var e Event
	sb := b
	if cf.coarsens() {
		sb = b.Pad(cf.vis.padM)
	}
	min32 := [2]float32{down32(sb.Min[0]), down32(sb.Min[1])}
	max32 := [2]float32{up32(sb.Max[0]), up32(sb.Max[1])}
	st.tree.Search(min32, max32, func(_, _ [2]float32, slot uint32) bool {
		ok, rule := cf.view(st, int(slot))
		if !ok {
			return true
		}
		p := cf.xy(st, int(slot), rule)
		if p[0] < b.Min[0] || p[0] > b.Max[0] || p[1] < b.Min[1] || p[1] > b.Max[1] {
			return true
		}
		st.event(slot, &e)
		if rule >= 0 {
			ll := cf.ll(st, int(slot), rule)
			e.Lon, e.Lat = ll[0], ll[1]
			e.At = time.Unix(0, cf.at(st, int(slot), rule)).UTC()
		}
		return fn(&e, orb.Point(p))
	})
	return nil
}

// Search calls fn for every event whose lon/lat lies in the WGS84 box b
// (edges included) and that passes f, until fn returns false. The R-tree is
// searched with the projected box's bounding rectangle (from the densified
// edges of b, widened by a metre) and candidates are checked on lon/lat. The
// Event passed to fn is reused between calls and its Items alias the index's
// storage. p is the event's point in LAEA metres.
func (ix *Index) Search(b orb.Bound, f Filter, fn func(e *Event, p orb.Point) bool) error {
	pb := projectBound(b).Pad(1)
	return ix.SearchProjected(pb, f, func(e *Event, p orb.Point) bool {
		if e.Lon < b.Min[0] || e.Lon > b.Max[0] || e.Lat < b.Min[1] || e.Lat > b.Max[1] {
			return true
		}
		return fn(e, p)
	})
}

// projectBound returns the bounding rectangle, in LAEA metres, of the
// lon/lat box b: the extremes of x and y over the box lie on its edges,
// which are sampled densely (64 samples per edge; sampling can miss a bulge
// between samples by up to ~(edge/steps)² times the curvature, so the
// rectangle is padded by a generous relative margin).
func projectBound(b orb.Bound) orb.Bound { return projectBoundSteps(b, 64) }

func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

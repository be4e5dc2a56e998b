package geo

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// Fence is a zone of an alert rule: a lon/lat polygon that a team enters
// or leaves. Team 0 means every team of the agency.
type Fence struct {
	RuleID int64
	Agency string
	Team   int
	Zone   orb.MultiPolygon
}

// FenceIndex finds the fences that contain a point. Candidates come from
// an R-tree over the fences' bounding boxes; the exact planar
// point-in-polygon test on lon/lat decides (a fence's edges are straight
// in lon/lat, as drawn on the web map and as PostGIS's geometry type
// reads them). A FenceIndex is immutable once built and safe for
// concurrent use; a change of rules builds a new one.
type FenceIndex struct {
	tree     rtree.RTreeG[int32]
	fences   []Fence
	byAgency map[string][]int64
}

// NewFenceIndex builds the index of fences; fences with an empty zone are
// left out.
func NewFenceIndex(fences []Fence) *FenceIndex {
	x := &FenceIndex{byAgency: map[string][]int64{}}
	for _, f := range fences {
		if len(f.Zone) == 0 {
			continue
		}
		b := f.Zone.Bound()
		i := int32(len(x.fences))
		x.fences = append(x.fences, f)
		x.tree.Insert([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, i)
		x.byAgency[f.Agency] = append(x.byAgency[f.Agency], f.RuleID)
	}
	return x
}

// Len returns the number of fences.
func (x *FenceIndex) Len() int { return len(x.fences) }

// Rules returns the rule ids of agency's fences, in the order they were
// given; the caller must not modify the slice.
func (x *FenceIndex) Rules(agency string) []int64 { return x.byAgency[agency] }

// Containing calls fn with every fence of agency that applies to team
// (its own or every team's) and contains pt, until fn returns false.
// A point on a fence's outer boundary counts as inside (orb's planar
// predicate).
func (x *FenceIndex) Containing(agency string, team int, pt orb.Point, fn func(Fence) bool) {
	if len(x.byAgency[agency]) == 0 {
		return
	}
	x.tree.Search([2]float64{pt[0], pt[1]}, [2]float64{pt[0], pt[1]}, func(_, _ [2]float64, i int32) bool {
		f := x.fences[i]
		if f.Agency != agency || (f.Team != 0 && f.Team != team) {
			return true
		}
		if !planar.MultiPolygonContains(f.Zone, pt) {
			return true
		}
		return fn(f)
	})
}

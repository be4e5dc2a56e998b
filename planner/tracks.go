package planner

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/borderwatch/borderwatch/geo"
)

// TrackOptions tune BorderTracks.
type TrackOptions struct {
	// InsetM is the distance of the tracks from the border; 0 means 3 km.
	InsetM float64
	// StepM is the spacing of track vertices; 0 means 2 km.
	StepM float64
	// SpeedKPH is the speed on the tracks; 0 means 25 km/h.
	SpeedKPH float64
	// SpurKPH is the speed on the links to the anchors; 0 means 30 km/h.
	SpurKPH float64
	// MaxSpurM is the longest link from an anchor to a track; 0 means 40 km.
	MaxSpurM float64
	// Country is the code given to the generated roads.
	Country string
}

// BorderTracks returns a synthetic track network on one country's side of
// its border lines, for demonstrations where no real road data exists: a
// track parallel to every border line at opt.InsetM inside the country,
// interrupted wherever it would leave the country or touch its boundary,
// and a straight link from every anchor (bases, crossings, towns) to the
// nearest track vertex within opt.MaxSpurM that it can reach without
// leaving the country. An anchor on the border line itself, such as a
// crossing, is linked up to that point. Every generated segment lies inside
// the country, apart from the end of a link at an anchor on the boundary.
// Geometry is computed in the geo LAEA projection and tested in lon/lat.
func BorderTracks(border orb.MultiLineString, country orb.MultiPolygon, anchors []orb.Point, opt TrackOptions) []Road {
	if opt.InsetM <= 0 {
		opt.InsetM = 3000
	}
	if opt.StepM <= 0 {
		opt.StepM = 2000
	}
	if opt.SpeedKPH <= 0 {
		opt.SpeedKPH = 25
	}
	if opt.SpurKPH <= 0 {
		opt.SpurKPH = 30
	}
	if opt.MaxSpurM <= 0 {
		opt.MaxSpurM = 40000
	}
	if len(country) == 0 {
		return nil
	}
	bi := newBorderIndex(country)
	inside := func(a, b orb.Point) bool {
		return !bi.touches(a, b) && planar.MultiPolygonContains(country, a)
	}
	var roads []Road
	var vertices []orb.Point
	emit := func(line orb.LineString) {
		if len(line) >= 2 {
			roads = append(roads, Road{Line: line, SpeedKPH: opt.SpeedKPH, Country: opt.Country})
			vertices = append(vertices, line...)
		}
	}
	for _, ls := range border {
		samples := resample(ls, opt.StepM)
		var cur orb.LineString
		for i, q := range samples {
			// Unit normal from the neighbouring samples.
			a, b := samples[max(i-1, 0)], samples[min(i+1, len(samples)-1)]
			dx, dy := b[0]-a[0], b[1]-a[1]
			l := math.Hypot(dx, dy)
			var p orb.Point
			ok := false
			if l > 0 {
				nx, ny := -dy/l, dx/l
				for _, sgn := range []float64{1, -1} {
					c := geo.Unproject(orb.Point{q[0] + sgn*nx*opt.InsetM, q[1] + sgn*ny*opt.InsetM})
					if planar.MultiPolygonContains(country, c) && !bi.touches(c, c) {
						if ok { // both sides inside: a narrow strip, skip
							ok = false
							break
						}
						p, ok = c, true
					}
				}
			}
			if ok && len(cur) > 0 && !inside(cur[len(cur)-1], p) {
				emit(cur)
				cur = nil
			}
			if !ok {
				emit(cur)
				cur = nil
				continue
			}
			cur = append(cur, p)
		}
		emit(cur)
	}
	grid := newPointGrid(vertices, 0.05)
	for _, a := range anchors {
		onBoundary := bi.touches(a, a)
		if !onBoundary && !planar.MultiPolygonContains(country, a) {
			continue
		}
		best, bestD := -1, math.Inf(1)
		grid.within(a, opt.MaxSpurM, func(i int) {
			v := vertices[i]
			d := distanceM(a, v)
			if d > opt.MaxSpurM || d >= bestD || d == 0 {
				return
			}
			from := a
			if onBoundary {
				// Leave the contact point itself out of the test.
				from = orb.Point{a[0] + 1e-3*(v[0]-a[0]), a[1] + 1e-3*(v[1]-a[1])}
			}
			if inside(from, v) && (!onBoundary || !bi.touches(from, v)) {
				best, bestD = i, d
			}
		})
		if best >= 0 {
			roads = append(roads, Road{Line: orb.LineString{a, vertices[best]}, SpeedKPH: opt.SpurKPH, Country: opt.Country})
		}
	}
	return roads
}

// resample returns points every stepM metres along ls, in LAEA metres,
// including both ends.
func resample(ls orb.LineString, stepM float64) []orb.Point {
	if len(ls) == 0 {
		return nil
	}
	proj := make([]orb.Point, len(ls))
	for i, p := range ls {
		proj[i] = geo.Project(p)
	}
	out := []orb.Point{proj[0]}
	carry := 0.0 // distance walked since the last sample
	for i := 1; i < len(proj); i++ {
		a, b := proj[i-1], proj[i]
		seg := math.Hypot(b[0]-a[0], b[1]-a[1])
		pos := stepM - carry
		for pos <= seg {
			f := pos / seg
			out = append(out, orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])})
			pos += stepM
		}
		carry = seg - (pos - stepM)
	}
	if last := proj[len(proj)-1]; out[len(out)-1] != last {
		out = append(out, last)
	}
	return out
}

// distanceM is the distance in metres between two lon/lat points, measured
// in the LAEA projection.
func distanceM(a, b orb.Point) float64 {
	p, q := geo.Project(a), geo.Project(b)
	return math.Hypot(p[0]-q[0], p[1]-q[1])
}

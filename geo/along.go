package geo

import (
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// PointAlong returns the point distM metres along ls from its start
// (geodesic segment lengths, linear interpolation in lon/lat within a
// segment, which is exact enough for segments of a road network), the
// bearing of its segment in degrees from north (0–360), and whether distM
// reached the end (then the point is the last vertex).
func PointAlong(ls orb.LineString, distM float64) (orb.Point, float64, bool) {
	if len(ls) == 0 {
		return orb.Point{}, 0, true
	}
	if distM <= 0 || len(ls) == 1 {
		return ls[0], bearingOf(ls, 0), len(ls) == 1
	}
	left := distM
	for i := 0; i+1 < len(ls); i++ {
		d := orbgeo.Distance(ls[i], ls[i+1])
		if d > 0 && left <= d {
			f := left / d
			p := orb.Point{ls[i][0] + f*(ls[i+1][0]-ls[i][0]), ls[i][1] + f*(ls[i+1][1]-ls[i][1])}
			return p, bearingOf(ls, i), false
		}
		left -= d
	}
	return ls[len(ls)-1], bearingOf(ls, len(ls)-2), true
}

func bearingOf(ls orb.LineString, i int) float64 {
	if i < 0 || i+1 >= len(ls) {
		return 0
	}
	b := orbgeo.Bearing(ls[i], ls[i+1])
	if b < 0 {
		b += 360
	}
	return b
}

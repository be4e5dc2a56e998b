package geo

import (
	"github.com/paulmach/orb"
)

// syntheticBorderLonLat is a rough stand-in for the northern border of
// Afghanistan (Turkmenistan, Uzbekistan, Tajikistan) in lon/lat, for tests
// and benchmarks only.
func syntheticBorderLonLat() []orb.LineString {
	return []orb.LineString{
		{{60.9, 34.6}, {61.3, 35.6}, {62.3, 35.3}, {63.1, 35.9}, {64.5, 36.3}, {65.6, 37.5}, {66.5, 37.4}},
		{{66.5, 37.4}, {67.2, 37.2}, {67.8, 37.2}},
		{{67.8, 37.2}, {68.5, 37.5}, {69.4, 37.1}, {70.1, 37.6}, {71.0, 38.2}, {71.6, 37.9}, {72.5, 37.0}, {73.7, 37.4}, {74.9, 37.2}},
	}
}

// syntheticBorder is syntheticBorderLonLat projected to LAEA metres.
func syntheticBorder() []orb.LineString {
	var out []orb.LineString
	for _, ls := range syntheticBorderLonLat() {
		out = append(out, ProjectLineString(ls))
	}
	return out
}

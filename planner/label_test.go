package planner

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestPlaceLabel(t *testing.T) {
	bridge := orb.Point{68.6053, 37.1946}
	for _, tc := range []struct {
		name string
		p    orb.Point
		want string
	}{
		{"at the place", orb.Point{68.6058, 37.1949}, "Panji Poyon bridge"},
		{"north-east", orb.Point{68.6053 + 0.0186, 37.1946 + 0.0146}, "Panji Poyon bridge 2.3 km NE"},
		{"due south", orb.Point{68.6053, 37.1946 - 0.09}, "Panji Poyon bridge 10.0 km S"},
		{"west", orb.Point{68.6053 - 0.0565, 37.1946}, "Panji Poyon bridge 5.0 km W"},
		{"north-north-west rounds to N", orb.Point{68.6053 - 0.01, 37.1946 + 0.05}, "Panji Poyon bridge 5.6 km N"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlaceLabel("Panji Poyon bridge", bridge, tc.p); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

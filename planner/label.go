package planner

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// compass8 are the eight compass points, clockwise from north.
var compass8 = [8]string{"N", "NE", "E", "SE", "S", "SW", "W", "NW"}

// PlaceLabel names point p after the named place at placeAt, as field
// officers give a position: "Panji Poyon bridge 2.3 km NE" (p lies 2.3 km
// north-east of the place: great-circle distance, initial bearing from
// the place to p rounded to the nearest of eight compass points). Within
// 100 m it is the place's name alone.
func PlaceLabel(name string, placeAt, p orb.Point) string {
	d := orbgeo.DistanceHaversine(placeAt, p)
	if d < 100 {
		return name
	}
	b := orbgeo.Bearing(placeAt, p) // degrees in (-180, 180], 0 = north
	i := int(math.Round(math.Mod(b+360, 360)/45)) % 8
	return fmt.Sprintf("%s %.1f km %s", name, d/1000, compass8[i])
}

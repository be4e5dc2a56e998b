package geo

import (
	"encoding/binary"
	"math/rand/v2"
	"time"

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

func orbBound(minX, minY, maxX, maxY float64) orb.Bound {
	return orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}}
}

// syntheticEvents returns n reproducible events: most scattered within
// about 60 km of the synthetic border, a share in a few dense clusters,
// over the years 2022–2024.
func syntheticEvents(n int, seed uint64) []Event {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	border := syntheticBorder()
	var segs [][2]orb.Point
	for _, ls := range border {
		for i := 0; i+1 < len(ls); i++ {
			segs = append(segs, [2]orb.Point{ls[i], ls[i+1]})
		}
	}
	hot := []orb.Point{Project(orb.Point{69.4, 37.1}), Project(orb.Point{71.2, 38.0}), Project(orb.Point{64.5, 36.4})}
	t0 := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := int64(3 * 365 * 86400)
	evs := make([]Event, n)
	for i := range evs {
		var x, y float64
		if rng.IntN(10) < 2 {
			c := hot[rng.IntN(len(hot))]
			x, y = c[0]+rng.NormFloat64()*8000, c[1]+rng.NormFloat64()*8000
		} else {
			s := segs[rng.IntN(len(segs))]
			f := rng.Float64()
			x = s[0][0] + f*(s[1][0]-s[0][0]) + rng.NormFloat64()*30000
			y = s[0][1] + f*(s[1][1]-s[0][1]) + rng.NormFloat64()*30000
		}
		lon, lat := UnprojectXY(x, y)
		e := Event{Lon: lon, Lat: lat, At: time.Unix(t0+rng.Int64N(span), 0).UTC(),
			Kind: Kind(1 + rng.IntN(2)), Severity: uint8(rng.IntN(5)), Agency: uint16(rng.IntN(40)),
			Sharing: Sharing(1 + rng.IntN(3))}
		binary.LittleEndian.PutUint64(e.ID[:8], rng.Uint64())
		binary.LittleEndian.PutUint64(e.ID[8:], rng.Uint64())
		if e.Kind == KindSeizure {
			e.Items = []Item{{Drug: Drug(1 + rng.IntN(NumDrugs)), KG: float32(rng.ExpFloat64() * 20)}}
			if rng.IntN(5) == 0 {
				e.Items = append(e.Items, Item{Drug: Drug(1 + rng.IntN(NumDrugs)), KG: float32(rng.ExpFloat64() * 5)})
			}
		} else {
			e.Category = Category(1 + rng.IntN(6))
		}
		evs[i] = e
	}
	return evs
}

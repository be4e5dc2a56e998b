package planner

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestBorderTracks(t *testing.T) {
	border := orb.MultiLineString{{{70.05, 37}, {70.12, 37.5}, {70.05, 38}}}
	crossing := orb.Point{70.12, 37.5}
	base := orb.Point{69.8, 37.3}
	far := orb.Point{69.1, 37.9}    // beyond MaxSpurM
	abroad := orb.Point{70.5, 37.5} // in the other country
	anchors := []orb.Point{base, crossing, far, abroad}
	tests := []struct {
		name             string
		country          orb.MultiPolygon
		linked, unlinked []orb.Point
	}{
		{"A", countryA, []orb.Point{base, crossing}, []orb.Point{far, abroad}},
		{"B", countryB, []orb.Point{abroad, crossing}, []orb.Point{base, far}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			roads := BorderTracks(border, tc.country, anchors, TrackOptions{Country: tc.name, MaxSpurM: 40000})
			if len(roads) < 2 {
				t.Fatalf("%d roads", len(roads))
			}
			linked := map[orb.Point]bool{}
			for _, r := range roads {
				if r.Country != tc.name || r.SpeedKPH <= 0 {
					t.Errorf("road %+v", r)
				}
				for k := 1; k < len(r.Line); k++ {
					a, b := r.Line[k-1], r.Line[k]
					if a == crossing {
						a = orb.Point{a[0] + 1e-3*(b[0]-a[0]), a[1] + 1e-3*(b[1]-a[1])}
					}
					if !segmentInside(tc.country, a, b) {
						t.Errorf("segment %v–%v leaves the country", r.Line[k-1], b)
					}
				}
				if len(r.Line) == 2 {
					linked[r.Line[0]] = true
				}
			}
			for _, p := range tc.linked {
				if !linked[p] {
					t.Errorf("anchor %v is not linked", p)
				}
			}
			for _, p := range tc.unlinked {
				if linked[p] {
					t.Errorf("anchor %v out of reach is linked", p)
				}
			}
			// Track vertices keep about InsetM from the border line.
			for _, r := range roads {
				if len(r.Line) == 2 {
					continue
				}
				for _, p := range r.Line {
					d := math.Inf(1)
					for _, q := range resampleLonLat(border[0], 50) {
						d = math.Min(d, distanceM(p, q))
					}
					if d < 2500 || d > 3100 {
						t.Errorf("track vertex %v is %.0f m from the border", p, d)
					}
				}
			}
			// The network connects the base to the crossing inside A.
			if tc.name == "A" {
				g, err := NewGraph(roads, 1)
				if err != nil {
					t.Fatal(err)
				}
				cross := []Crossing{{Point: crossing, RadiusM: 100}}
				n := g.Restrict(Access{Country: tc.country, Crossings: cross, MaxOffroadM: 10})
				leg, err := n.Path(context.Background(), base, crossing)
				if err != nil {
					t.Fatal(err)
				}
				if leg.OffroadM > 1 || leg.LengthM < 10000 {
					t.Errorf("path base→crossing: %.0f m, %.0f m off-road", leg.LengthM, leg.OffroadM)
				}
				for k := 1; k < len(leg.Geometry); k++ {
					if !segmentAllowed(tc.country, cross, leg.Geometry[k-1], leg.Geometry[k]) {
						t.Errorf("path segment %v–%v leaves the country", leg.Geometry[k-1], leg.Geometry[k])
					}
				}
				// Without the crossing allowed, the crossing is out of reach.
				n = g.Restrict(Access{Country: tc.country, MaxOffroadM: 10})
				if _, err := n.Path(context.Background(), base, crossing); !errors.Is(err, ErrNoPath) {
					t.Errorf("without the crossing: %v, want ErrNoPath", err)
				}
			}
		})
	}
	if r := BorderTracks(border, nil, anchors, TrackOptions{}); r != nil {
		t.Errorf("no country: %d roads", len(r))
	}
}

func resampleLonLat(ls orb.LineString, n int) []orb.Point {
	var out []orb.Point
	for i := 1; i < len(ls); i++ {
		for k := 0; k <= n; k++ {
			f := float64(k) / float64(n)
			out = append(out, orb.Point{ls[i-1][0] + f*(ls[i][0]-ls[i-1][0]), ls[i-1][1] + f*(ls[i][1]-ls[i-1][1])})
		}
	}
	return out
}

func TestConnectRoads(t *testing.T) {
	// A U-shaped country: two arms joined at the bottom, with a notch of
	// another country between them, plus an island no road can reach.
	country := orb.MultiPolygon{
		{{{68, 37}, {71, 37}, {71, 39}, {70, 39}, {70, 37.5}, {69, 37.5}, {69, 39}, {68, 39}, {68, 37}}},
		{{{72, 37}, {72.5, 37}, {72.5, 37.5}, {72, 37.5}, {72, 37}}},
	}
	left := Road{Line: orb.LineString{{68.5, 38.2}, {68.5, 38.8}}, SpeedKPH: 25}
	right := Road{Line: orb.LineString{{70.5, 38.2}, {70.5, 38.8}}, SpeedKPH: 25}
	base := orb.Point{69.5, 37.2}   // in the bottom, far from both roads
	notch := orb.Point{69.5, 38.5}  // in the other country
	island := orb.Point{72.2, 37.2} // in the island
	if segmentInside(country, left.Line[0], right.Line[0]) {
		t.Fatal("the straight way between the arms stays inside: the test proves nothing")
	}
	links := ConnectRoads([]Road{left, right}, []orb.Point{base, notch, island}, country, ConnectOptions{Country: "X", GridM: 10000})
	if len(links) != 2 {
		t.Fatalf("%d links, want 2 (joining the right arm and the base to the left arm, or the like)", len(links))
	}
	for _, l := range links {
		if l.Country != "X" || l.SpeedKPH != 40 {
			t.Errorf("link %+v", l)
		}
		for k := 1; k < len(l.Line); k++ {
			if !segmentInside(country, l.Line[k-1], l.Line[k]) {
				t.Errorf("link segment %v–%v leaves the country", l.Line[k-1], l.Line[k])
			}
		}
		for _, p := range l.Line {
			if p == notch || p == island {
				t.Errorf("link %v reaches %v", l.Line, p)
			}
		}
	}
	g, err := NewGraph(append([]Road{left, right}, links...), 1)
	if err != nil {
		t.Fatal(err)
	}
	n := g.Restrict(Access{Country: country, MaxOffroadM: 100})
	for _, p := range []orb.Point{right.Line[1], left.Line[0]} {
		leg, err := n.Path(context.Background(), base, p)
		if err != nil {
			t.Fatalf("base → %v: %v", p, err)
		}
		if leg.OffroadM > 1 {
			t.Errorf("base → %v: %.0f m off-road", p, leg.OffroadM)
		}
	}
	if _, err := n.Path(context.Background(), base, island); !errors.Is(err, ErrNoPath) {
		t.Errorf("base → island: %v, want ErrNoPath", err)
	}
	if r := ConnectRoads([]Road{left}, nil, nil, ConnectOptions{}); r != nil {
		t.Errorf("no country: %d roads", len(r))
	}
}

package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

func TestPointAlong(t *testing.T) {
	// Two segments: 0.01° east along the equator (1,113.2 m), then 0.01°
	// north (1,111.9 m on the sphere of orb's R = 6,378,137 m: both are
	// R·0.01·π/180 = 1,113.19 m).
	ls := orb.LineString{{0, 0}, {0.01, 0}, {0.01, 0.01}}
	seg := orbgeo.Distance(ls[0], ls[1])
	if math.Abs(seg-1113.19) > 0.1 {
		t.Fatalf("segment %f m", seg)
	}
	tests := []struct {
		name    string
		m       float64
		want    orb.Point
		bearing float64
		done    bool
	}{
		{"start", 0, orb.Point{0, 0}, 90, false},
		{"half the first", seg / 2, orb.Point{0.005, 0}, 90, false},
		{"half the second", seg * 1.5, orb.Point{0.01, 0.005}, 0, false},
		{"past the end", 5000, orb.Point{0.01, 0.01}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, b, done := PointAlong(ls, tc.m)
			if orbgeo.Distance(p, tc.want) > 0.01 || math.Abs(b-tc.bearing) > 0.01 || done != tc.done {
				t.Errorf("PointAlong(%v) = %v %v %v, want %v %v %v", tc.m, p, b, done, tc.want, tc.bearing, tc.done)
			}
		})
	}
}

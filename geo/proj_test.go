package geo

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// The reference values below were obtained from PostGIS 3.3.2 (PROJ 9.1.1):
//
//	SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326),
//	    '+proj=laea +lat_0=38 +lon_0=68 +datum=WGS84 +units=m') g) s;
//
// and, for the inverse, ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 0), LAEAProj4, 4326).
func TestProjectPostGISReference(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
		x, y     float64
	}{
		{"centre", 68, 38, 0, 0},
		{"south-west corner", 60, 34, -738251.774264728, -412823.184158336},
		{"north-east corner", 76, 42, 662055.981367265, 473052.473903804},
		{"north-west corner", 60, 42, -662055.981367266, 473052.473903804},
		{"south-east corner", 76, 34, 738251.774264727, -412823.184158337},
		{"near centre", 67.5, 37.25, -44359.726008666, -83123.873701306},
		{"odd digits", 71.123456, 36.654321, 279217.169765908, -144714.992214674},
		{"herat side", 62.3, 35.1, -519405.270841256, -306190.064373881},
		{"fergana side", 74.9, 41.7, 573913.851335495, 432385.014685805},
		{"south", 69.2, 34.5, 110247.977228326, -387631.639016196},
		{"north", 64.1, 39.9, -333438.821649907, 217948.552952791},
	}
	const tolM = 1e-3
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Project(orb.Point{tc.lon, tc.lat})
			if dx, dy := got[0]-tc.x, got[1]-tc.y; math.Hypot(dx, dy) > tolM {
				t.Errorf("Project(%v, %v) = %.9f, %.9f; PostGIS %.9f, %.9f (off by %.3g m)",
					tc.lon, tc.lat, got[0], got[1], tc.x, tc.y, math.Hypot(dx, dy))
			}
		})
	}
}

func TestUnprojectPostGISReference(t *testing.T) {
	tests := []struct {
		name     string
		x, y     float64
		lon, lat float64
	}{
		{"origin", 0, 0, 68, 38},
		{"south-west", -700000, -400000, 60.402640445706, 34.143274102750},
		{"north-east", 650000, 470000, 75.851633210505, 41.982061243033},
		{"odd digits", 123456.789, -234567.891, 69.367040660815, 35.878210144263},
		{"north-west", -300000, 250000, 64.476121885553, 40.200487182747},
		{"east", 500000, -100000, 73.619233053316, 36.964224299571},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Unproject(orb.Point{tc.x, tc.y})
			// 1 mm on the ground, measured geodesically.
			if d := orbgeo.DistanceHaversine(got, orb.Point{tc.lon, tc.lat}); d > 1e-3 {
				t.Errorf("Unproject(%v, %v) = %.12f, %.12f; PostGIS %.12f, %.12f (off by %.3g m)",
					tc.x, tc.y, got[0], got[1], tc.lon, tc.lat, d)
			}
		})
	}
}

// TestProjectRoundTrip bounds the truncation error of the three-term latitude
// series of the inverse (Snyder eq. 3-18, the series PROJ uses): it is below
// 1.2 mm over the study area and grows with the distance from the centre.
func TestProjectRoundTrip(t *testing.T) {
	for lon := 60.0; lon <= 76; lon += 0.37 {
		for lat := 34.0; lat <= 42; lat += 0.29 {
			x, y := ProjectXY(lon, lat)
			x2, y2 := ProjectXY(UnprojectXY(x, y))
			if d := math.Hypot(x2-x, y2-y); d > 1.2e-3 {
				t.Fatalf("round trip of (%v, %v) is off by %.3g m", lon, lat, d)
			}
		}
	}
}

// TestProjectEqualArea checks the defining property: the projected area of a
// small lon/lat cell equals its area on the ellipsoid, R_q² times the
// authalic-latitude band (Snyder eq. 3-11: area element a²·qp/2 dβ-sine).
func TestProjectEqualArea(t *testing.T) {
	const dl = 0.01
	for _, c := range [][2]float64{{61, 35}, {68, 38}, {75, 41.5}} {
		lon, lat := c[0], c[1]
		ring := orb.Ring{{lon, lat}, {lon + dl, lat}, {lon + dl, lat + dl}, {lon, lat + dl}, {lon, lat}}
		// Densify so the projected edges follow the curved graticule.
		var dense orb.Ring
		for i := 0; i < 4; i++ {
			a, b := ring[i], ring[i+1]
			for k := 0; k < 100; k++ {
				f := float64(k) / 100
				dense = append(dense, orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])})
			}
		}
		dense = append(dense, dense[0])
		pr := ProjectRing(dense)
		var area float64
		for i := 0; i+1 < len(pr); i++ {
			area += pr[i][0]*pr[i+1][1] - pr[i+1][0]*pr[i][1]
		}
		area = math.Abs(area) / 2
		sinB := func(latDeg float64) float64 {
			return qsfn(math.Sin(latDeg*math.Pi/180), proj.e, proj.oneES) / proj.qp
		}
		rq := WGS84SemiMajorM * proj.rq
		want := rq * rq * (dl * math.Pi / 180) * (sinB(lat+dl) - sinB(lat))
		if rel := math.Abs(area-want) / want; rel > 1e-6 {
			t.Errorf("cell at %v: projected area %.3f m², ellipsoid %.3f m² (rel %.2g)", c, area, want, rel)
		}
	}
}

func BenchmarkProject(b *testing.B) {
	b.ReportAllocs()
	var s float64
	for i := 0; b.Loop(); i++ {
		x, y := ProjectXY(60+float64(i%1600)*0.01, 34+float64(i%800)*0.01)
		s += x + y
	}
	_ = s
}

func ExampleProject() {
	p := Project(orb.Point{69.2, 34.5})
	fmt.Printf("%.3f %.3f\n", p[0], p[1])
	q := Unproject(p)
	fmt.Printf("%.6f %.6f\n", q[0], q[1])
	// Output:
	// 110247.977 -387631.639
	// 69.200000 34.500000
}

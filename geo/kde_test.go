package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuarticKernelIntegratesToOne(t *testing.T) {
	const r = 1000.0
	// Integrate over the disc in polar coordinates: ∫ K(ρ) 2πρ dρ.
	const n = 100000
	var s float64
	for i := 0; i < n; i++ {
		rho := (float64(i) + 0.5) * r / n
		s += QuarticKernel(rho*rho, r) * 2 * math.Pi * rho * r / n
	}
	if math.Abs(s-1) > 1e-8 {
		t.Fatalf("integral %v, want 1", s)
	}
	tests := []struct {
		name string
		d    float64
		want float64
	}{
		{"centre", 0, 3 / math.Pi / (r * r)},
		{"half way", 500, 3 / math.Pi * 0.5625 / (r * r)},
		{"edge", 1000, 0},
		{"outside", 1500, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := QuarticKernel(tc.d*tc.d, r); math.Abs(got-tc.want) > 1e-18 {
				t.Errorf("K(%v) = %v, want %v", tc.d, got, tc.want)
			}
		})
	}
}

func TestKDEBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	pts := make([][2]float64, 3000)
	w := make([]float64, len(pts))
	for i := range pts {
		pts[i] = [2]float64{rng.NormFloat64() * 20000, rng.NormFloat64() * 20000}
		w[i] = rng.Float64() * 10
	}
	at := make([][2]float64, 300)
	for i := range at {
		at[i] = [2]float64{rng.Float64()*1e5 - 5e4, rng.Float64()*1e5 - 5e4}
	}
	for _, weights := range [][]float64{nil, w} {
		out := make([]float64, len(at))
		if err := KDE(at, pts, weights, 12000, out); err != nil {
			t.Fatal(err)
		}
		for k, c := range at {
			var want float64
			for i, p := range pts {
				d := math.Hypot(p[0]-c[0], p[1]-c[1])
				if d < 12000 {
					wi := 1.0
					if weights != nil {
						wi = weights[i]
					}
					want += 3 / math.Pi * wi * math.Pow(1-(d/12000)*(d/12000), 2)
				}
			}
			want = want / (12000 * 12000) * 1e6
			if math.Abs(out[k]-want) > 1e-9*(1+want) {
				t.Fatalf("at %v: %v, want %v", c, out[k], want)
			}
		}
	}
	if err := KDE(at, pts, nil, -1, make([]float64, len(at))); err == nil {
		t.Fatal("negative bandwidth accepted")
	}
}

func ExampleKDE() {
	// One event at the origin, bandwidth 1 km: the density at the event is
	// 3/π per km².
	out := make([]float64, 2)
	_ = KDE([][2]float64{{0, 0}, {500, 0}}, [][2]float64{{0, 0}}, nil, 1000, out)
	fmt.Printf("%.4f %.4f\n", out[0], out[1])
	// Output: 0.9549 0.5371
}

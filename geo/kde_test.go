package geo

import (
	"math"
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

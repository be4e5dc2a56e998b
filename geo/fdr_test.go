package geo

import (
	"fmt"
	"math"
	"testing"
)

// ehsaZ holds the Gi* z-scores of cells A–E at t = 1…10 of
// docs/statistics.md, "Worked example: five cells, ten steps".
var ehsaZ = [5][10]float64{
	{1.20, 2.10, 2.30, 2.25, 2.60, 2.90, 3.10, 3.40, 3.80, 4.20},
	{0.30, -0.50, 0.80, 1.10, 0.20, -0.30, 0.90, 1.20, 0.70, 2.80},
	{0.40, -2.20, -2.50, -1.10, 0.30, 0.90, 1.40, 0.60, 1.80, 2.60},
	{-2.40, -2.40, -3.10, -2.40, -2.90, -3.10, -2.60, -2.40, -2.90, -2.70},
	{2.90, 2.60, 2.80, 2.75, 3.20, 2.70, 2.95, 3.00, 3.30, 3.10},
}

// ehsaBins are the FDR bins of the same example.
var ehsaBins = [5][10]int8{
	{0, 1, 2, 2, 2, 2, 2, 2, 3, 3},
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
	{0, -2, -2, 0, 0, 0, 0, 0, 0, 2},
	{-2, -2, -2, -2, -2, -2, -2, -2, -2, -2},
	{2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
}

func ehsaZP() (z, p []float64) {
	for _, row := range ehsaZ {
		for _, v := range row {
			z = append(z, v)
			p = append(p, PValue(v))
		}
	}
	return z, p
}

func TestBHCutoffEmergingTable(t *testing.T) {
	_, p := ehsaZP()
	tests := []struct {
		name string
		q    float64
		want float64 // the cut-off p of docs/statistics.md, "FDR confidence bins"
	}{
		{"q=0.10 k=33", 0.10, 0.035729},
		{"q=0.05 k=32", 0.05, 0.027807},
		{"q=0.01 k=2", 0.01, 0.000145},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := BHCutoff(p, tc.q); math.Abs(got-tc.want) > 5e-7 {
				t.Errorf("BHCutoff(q=%v) = %.6f, want %.6f", tc.q, got, tc.want)
			}
		})
	}
}

func TestFDRBinsEmergingTable(t *testing.T) {
	z, p := ehsaZP()
	bins := FDRBins(z, p, nil)
	for c := 0; c < 5; c++ {
		for s := 0; s < 10; s++ {
			if got, want := bins[c*10+s], ehsaBins[c][s]; got != want {
				t.Errorf("cell %c t=%d (z=%v): bin %d, want %d", 'A'+c, s+1, ehsaZ[c][s], got, want)
			}
		}
	}
}

func TestBHCutoffSmall(t *testing.T) {
	tests := []struct {
		name string
		p    []float64
		q    float64
		want float64
	}{
		{"none significant", []float64{0.5, 0.6, 0.9}, 0.05, -1},
		{"all significant", []float64{0.01, 0.02, 0.03}, 0.05, 0.03},
		// Rank 2 fails (0.03 > 0.025) but rank 3 holds (0.032 ≤ 0.0375): step-up takes rank 3.
		{"step-up passes a failing rank", []float64{0.032, 0.001, 0.03, 0.9}, 0.05, 0.032},
		{"only the smallest", []float64{0.04, 0.001, 0.03, 0.9}, 0.05, 0.001},
		{"empty", nil, 0.05, -1},
		{"nan counts as 1", []float64{math.NaN(), 0.001}, 0.05, 0.001},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := BHCutoff(tc.p, tc.q); got != tc.want {
				t.Errorf("BHCutoff = %v, want %v", got, tc.want)
			}
		})
	}
}

func ExampleFDRBins() {
	z := []float64{4.0, -2.9, 1.7, 0.2}
	p := make([]float64, len(z))
	for i := range z {
		p[i] = PValue(z[i])
	}
	fmt.Println(FDRBins(z, p, nil))
	// Output: [3 -3 0 0]
}

package geo

import (
	"fmt"
	"math"
	"testing"
)

// pysalExample is the data of PySAL esda's G_Local test (star=True, binary
// weights, distance band 15), restated in docs/statistics.md, "Getis–Ord Gi*".
func pysalExample() ([]float64, *Neighbors) {
	pts := [][2]float64{{10, 10}, {20, 10}, {40, 10}, {15, 20}, {30, 20}, {30, 30}}
	x := []float64{2, 3, 3.2, 5, 8, 7}
	lists := make([][]int32, len(pts))
	for i, p := range pts {
		for j, q := range pts {
			if math.Hypot(p[0]-q[0], p[1]-q[1]) <= 15 {
				lists[i] = append(lists[i], int32(j))
			}
		}
	}
	return x, NeighborsFromLists(lists)
}

func TestGiStarPySAL(t *testing.T) {
	x, nb := pysalExample()
	z := make([]float64, len(x))
	mean, std := GiStar(x, nb, z)
	if math.Abs(mean-4.7) > 1e-12 {
		t.Errorf("mean = %v, want 4.7", mean)
	}
	if math.Abs(std-2.187083) > 1e-6 {
		t.Errorf("std = %v, want 2.187083", std)
	}
	if len(nb.Of(0)) != 3 {
		t.Fatalf("first point has %d neighbours, want 3", len(nb.Of(0)))
	}
	if math.Abs(z[0]-(-1.39727626)) > 1e-7 {
		t.Errorf("Gi*[0] = %.8f, want -1.39727626", z[0])
	}
	// Each z recomputed straight from the formula.
	n := float64(len(x))
	for i := range x {
		var a, w float64
		for _, j := range nb.Of(i) {
			a += x[j]
			w++
		}
		want := (a - mean*w) / (std * math.Sqrt((n*w-w*w)/(n-1)))
		if math.Abs(z[i]-want) > 1e-12 {
			t.Errorf("Gi*[%d] = %v, want %v", i, z[i], want)
		}
	}
}

func TestGiStarDegenerate(t *testing.T) {
	tests := []struct {
		name  string
		x     []float64
		lists [][]int32
	}{
		{"all equal", []float64{2, 2, 2}, [][]int32{{0, 1}, {1, 0, 2}, {2, 1}}},
		{"single cell", []float64{5}, [][]int32{{0}}},
		{"neighbourhood is everything", []float64{1, 5}, [][]int32{{0, 1}, {1, 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z := make([]float64, len(tc.x))
			for i := range z {
				z[i] = math.NaN()
			}
			GiStar(tc.x, NeighborsFromLists(tc.lists), z)
			for i, v := range z {
				if v != 0 {
					t.Errorf("z[%d] = %v, want 0", i, v)
				}
			}
		})
	}
}

func TestPValue(t *testing.T) {
	tests := []struct {
		z, p float64
	}{
		{0, 1},
		{1.959963984540054, 0.05},
		{-1.959963984540054, 0.05},
		{2.5758293035489, 0.01},
		{1.6448536269514722, 0.10},
	}
	for _, tc := range tests {
		if got := PValue(tc.z); math.Abs(got-tc.p) > 1e-12 {
			t.Errorf("PValue(%v) = %v, want %v", tc.z, got, tc.p)
		}
	}
}

func BenchmarkGiStar(b *testing.B) {
	// 10 000 cells, 19 neighbours each (cell_m 5000, radius_m 12000).
	g := HexGrid{CellM: 5000}
	cells := g.CellsInBound(orbBound(0, 0, 500000, 500000*0.866))
	ag := newAreaGrid(g, cells, 12000)
	x := make([]float64, len(cells))
	for i := range x {
		x[i] = float64((i * 7919) % 13)
	}
	z := make([]float64, len(x))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		GiStar(x, ag.nb, z)
	}
}

func ExampleGiStar() {
	// Five cells in a row; each sees itself and its direct neighbours.
	x := []float64{1, 1, 10, 1, 1}
	nb := NeighborsFromLists([][]int32{{0, 1}, {1, 0, 2}, {2, 1, 3}, {3, 2, 4}, {4, 3}})
	z := make([]float64, len(x))
	mean, std := GiStar(x, nb, z)
	fmt.Printf("mean %.1f std %.1f\n", mean, std)
	fmt.Printf("z %.3f p %.3f\n", z[2], PValue(z[2]))
	// Output:
	// mean 2.8 std 3.6
	// z 0.816 p 0.414
}

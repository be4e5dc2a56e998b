package geo

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestBinFastPaths holds the fast paths of binRange to binTables, the
// general path, on an index with free slots (deleted events), replaced
// events and viewers who see some records coarsened.
func TestBinFastPaths(t *testing.T) {
	ix := new(Index)
	evs := syntheticEvents(60_000, 5)
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	area := corridorArea()
	ag, err := ix.grid(context.Background(), &area, 5000, 12000, DefaultMaxCells)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = ix.assigned(context.Background(), ag) // cached, so that the writes below update it
	for i := 0; i < 3000; i++ {
		ix.Delete(evs[i*7].ID)
	}
	for i := 1; i < 2000; i++ {
		e := evs[i*11]
		e.Lon += 0.05
		e.Agency = uint16(i % 41)
		if err := ix.Upsert(e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    Filter
	}{
		{"everything", Filter{}},
		{"own agency 0", Filter{Visibility: &Visibility{Agency: 0}}},
		{"exact partner", Filter{Visibility: &Visibility{Agency: 3, Partners: []Partner{{Agency: 7}}}}},
		{"coarsened partners", Filter{Visibility: &Visibility{Agency: 3, Partners: []Partner{
			{Agency: 7, CoarsenM: 5000, CoarsenTime: CoarseTimeDay}, {Agency: 9, CoarsenM: 20000}, {Agency: 0, CoarsenTime: CoarseTimeMonth}}}}},
		{"agencies", Filter{Agencies: []uint16{1, 2, 40}}},
		{"agencies and visibility", Filter{Agencies: []uint16{3, 9}, Visibility: &Visibility{Agency: 3, Partners: []Partner{{Agency: 9, CoarsenM: 5000}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cf, err := tc.f.compile()
			if err != nil {
				t.Fatal(err)
			}
			if !cf.whoOnly() {
				t.Fatal("the filter should take a fast path")
			}
			ix.mu.RLock()
			defer ix.mu.RUnlock()
			cells, _ := ix.assigned(context.Background(), ag)
			pt := cf.passTables(ix.st.maxAgency)
			nc := len(ag.cells)
			fastV, fastC := make([]float64, nc), make([]int32, nc)
			wantV, wantC := make([]float64, nc), make([]int32, nc)
			// Split in two, as binEvents does, with the split inside a run.
			mid := len(cells)/2 + 1
			ix.st.binRange(cells, &cf, pt, ValueCount, 0, mid, fastV, fastC, ag)
			ix.st.binRange(cells, &cf, pt, ValueCount, mid, len(cells), fastV, fastC, ag)
			ix.st.binTables(cells, &cf, pt, ValueCount, 0, len(cells), wantV, wantC, ag)
			if !slices.Equal(fastC, wantC) {
				t.Fatalf("counts differ from binTables")
			}
			total := 0
			for _, c := range fastC {
				total += int(c)
			}
			if total == 0 {
				t.Fatal("nothing counted")
			}
		})
	}
	// Conditions beyond who the viewer is take the general path.
	for _, f := range []Filter{{Kinds: []Kind{KindSeizure}}, {MinSeverity: 1}, {Drugs: []Drug{DrugOpium}},
		{Time: Interval{Start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}}} {
		cf, err := f.compile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.whoOnly() {
			t.Errorf("%+v: should not take the fast path", f)
		}
	}
}

// TestFDRCutoffsOfZ holds fdrCutoffsOfZ to FDRCutoffs over every p-value,
// and pValueAt to PValue.
func TestFDRCutoffsOfZ(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name string
		z    func(i int) float64
	}{
		{"normal", func(int) float64 { return rng.NormFloat64() }},
		{"strong signal", func(i int) float64 {
			if i%5 == 0 {
				return 3 + rng.NormFloat64()
			}
			return rng.NormFloat64()
		}},
		{"all significant", func(int) float64 { return 4 + rng.Float64() }},
		{"none significant", func(int) float64 { return rng.Float64() - 0.5 }},
		{"at the bound", func(i int) float64 {
			return []float64{zNotSignificant, -zNotSignificant, math.Nextafter(zNotSignificant, 0), 1.6448536269514722, 0}[i%5]
		}},
		{"NaN and infinities", func(i int) float64 {
			return []float64{math.NaN(), math.Inf(1), math.Inf(-1), 2.5, rng.NormFloat64()}[i%5]
		}},
	}
	for _, tc := range tests {
		for _, n := range []int{1, 2, 10, 1000, 20000} {
			z := make([]float64, n)
			for i := range z {
				z[i] = tc.z(i)
			}
			full := make([]float64, n)
			for i, v := range z {
				full[i] = PValue(v)
			}
			w99, w95, w90 := FDRCutoffs(full)
			p := make([]float64, n)
			g99, g95, g90 := fdrCutoffsOfZ(z, p)
			if g99 != w99 || g95 != w95 || g90 != w90 {
				t.Errorf("%s, n=%d: cut-offs %v %v %v, want %v %v %v", tc.name, n, g99, g95, g90, w99, w95, w90)
			}
			for i := range z {
				if got, want := pValueAt(z, p, i), full[i]; got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Fatalf("%s, n=%d: p[%d] = %v, want %v", tc.name, n, i, got, want)
				}
				if got, want := BinOf(z[i], p[i], g99, g95, g90), BinOf(z[i], full[i], w99, w95, w90); got != want {
					t.Fatalf("%s, n=%d: bin[%d] = %d, want %d", tc.name, n, i, got, want)
				}
			}
		}
	}
}

// giStarPrevious is the Gi* path of HotSpots as it was before the fast
// paths, kept to compare with in one benchmark run: every event through
// binTables, every cell's p-value computed and all of them sorted. It
// returns the number of cells with |bin| ≥ minBin.
func giStarPrevious(ix *Index, ag *areaGrid, cf *compiledFilter, minBin int) int {
	ix.mu.RLock()
	cells, _ := ix.assigned(context.Background(), ag)
	pt := cf.passTables(ix.st.maxAgency)
	nc := len(ag.cells)
	vals, counts := make([]float64, nc), make([]int32, nc)
	v2, c2 := make([]float64, nc), make([]int32, nc)
	done := make(chan struct{})
	mid := len(cells) / 2
	go func() {
		ix.st.binTables(cells, cf, pt, ValueCount, mid, len(cells), v2, c2, ag)
		close(done)
	}()
	ix.st.binTables(cells, cf, pt, ValueCount, 0, mid, vals, counts, ag)
	<-done
	ix.mu.RUnlock()
	for i := range counts {
		counts[i] += c2[i]
		vals[i] = float64(counts[i])
	}
	z := make([]float64, nc)
	GiStar(vals, ag.nb, z)
	p := make([]float64, nc)
	for i, v := range z {
		p[i] = PValue(v)
	}
	c99, c95, c90 := FDRCutoffs(p)
	n := 0
	for i := range z {
		if absInt(int(BinOf(z[i], p[i], c99, c95, c90))) >= minBin {
			n++
		}
	}
	return n
}

// BenchmarkGiStarVisible is the computed Gi* of one agency's view (its own
// events, regional ones and an exact-sharing partner's bilateral ones, as
// the service asks for every request) over the corridor, cell_m 5000,
// radius_m 12000, 1M events, significant cells only: "current" is HotSpots,
// "previous" the path before the fast paths of binning and FDR.
func BenchmarkGiStarVisible(b *testing.B) {
	ix := benchIndex(b)
	vis := &Visibility{Agency: 3, Partners: []Partner{{Agency: 7}}}
	q := HotspotQuery{Method: MethodGiStar, CellM: 5000, RadiusM: 12000, Area: corridorArea(), MinBin: 1,
		Filter: Filter{Visibility: vis}}
	res, err := HotSpots(context.Background(), ix, q) // warm the grid and assignment caches
	if err != nil {
		b.Fatal(err)
	}
	ag, err := ix.grid(context.Background(), &q.Area, q.CellM, q.RadiusM, DefaultMaxCells)
	if err != nil {
		b.Fatal(err)
	}
	cf, err := q.Filter.compile()
	if err != nil {
		b.Fatal(err)
	}
	if n := giStarPrevious(ix, ag, &cf, q.MinBin); n != len(res.Cells) {
		b.Fatalf("previous path: %d significant cells, current %d", n, len(res.Cells))
	}
	b.Run("current", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := HotSpots(context.Background(), ix, q); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(res.Events), "events")
		b.ReportMetric(float64(len(res.Cells)), "significant")
	})
	b.Run("previous", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			giStarPrevious(ix, ag, &cf, q.MinBin)
		}
	})
}

// TestGiStarCounts holds giStarCounts to GiStar, bit for bit.
func TestGiStarCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	g := HexGrid{CellM: 1000}
	for _, tc := range []struct {
		name    string
		radiusM float64
		count   func() int32
	}{
		{"sparse", 2500, func() int32 { return int32(rng.IntN(3) / 2) }},
		{"dense", 4000, func() int32 { return int32(rng.IntN(500)) }},
		{"large counts", 1000, func() int32 { return int32(rng.IntN(1 << 30)) }},
		{"all equal", 2500, func() int32 { return 4 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ag := newAreaGrid(g, g.CellsInBound(orbBound(0, 0, 60000, 40000)), tc.radiusM)
			counts := make([]int32, len(ag.cells))
			x := make([]float64, len(ag.cells))
			for i := range counts {
				counts[i] = tc.count()
				x[i] = float64(counts[i])
			}
			want, got := make([]float64, len(x)), make([]float64, len(x))
			wm, ws := GiStar(x, ag.nb, want)
			gm, gs := giStarCounts(x, counts, ag.nb, got)
			if wm != gm || ws != gs || !slices.Equal(want, got) {
				t.Fatalf("giStarCounts differs from GiStar (mean %v/%v, std %v/%v)", gm, wm, gs, ws)
			}
		})
	}
}

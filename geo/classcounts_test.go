package geo

import (
	"context"
	"slices"
	"testing"
)

// binByScan counts the events of ag that pass cf by the general path,
// binTables over every slot.
func binByScan(t *testing.T, ix *Index, ag *areaGrid, cf *compiledFilter) []int32 {
	t.Helper()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	cells, err := ix.assigned(context.Background(), ag)
	if err != nil {
		t.Fatal(err)
	}
	nc := len(ag.cells)
	vals, counts := make([]float64, nc), make([]int32, nc)
	ix.st.binTables(cells, cf, cf.passTables(ix.st.maxAgency), ValueCount, 0, len(cells), vals, counts, ag)
	return counts
}

// classCountsOf returns the class counts of ag's cached assignment (nil
// when there are none).
func classCountsOf(ix *Index, ag *areaGrid) *classCounts {
	for _, e := range ix.assign.entries {
		if e.ag == ag {
			return e.classes.Load()
		}
	}
	return nil
}

// TestClassCounts holds the counts binEvents adds up from the class counts
// to those of a pass over every event, for the viewers who can use them,
// before and after writes that delete events, move them between cells,
// agencies and sharing levels, reuse freed slots and bring a new agency;
// and checks that the class counts are used where they fit the memory
// limit and left alone where they do not.
func TestClassCounts(t *testing.T) {
	filters := []struct {
		name string
		f    Filter
	}{
		{"everything", Filter{}},
		{"own agency 0", Filter{Visibility: &Visibility{Agency: 0}}},
		{"exact partner", Filter{Visibility: &Visibility{Agency: 3, Partners: []Partner{{Agency: 7}}}}},
		{"exact partners", Filter{Visibility: &Visibility{Agency: 3, Partners: []Partner{{Agency: 7}, {Agency: 9}, {Agency: 40}}}}},
		{"agencies", Filter{Agencies: []uint16{1, 2, 40}}},
		{"all but one agency", Filter{Agencies: []uint16{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
			20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 40}}},
		{"agencies and visibility", Filter{Agencies: []uint16{3, 9}, Visibility: &Visibility{Agency: 3, Partners: []Partner{{Agency: 9}}}}},
		{"coarsened partner", Filter{Visibility: &Visibility{Agency: 3, Partners: []Partner{{Agency: 7, CoarsenM: 5000}}}}},
	}
	for _, tc := range []struct {
		name      string
		cellM     float64
		useCounts bool // whether the class counts fit the limit
	}{
		{"within the limit", 10000, true},
		{"beyond the limit", 2500, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := new(Index)
			evs := syntheticEvents(60_000, 5)
			if err := ix.Load(evs); err != nil {
				t.Fatal(err)
			}
			area := corridorArea()
			ag, err := ix.grid(context.Background(), &area, tc.cellM, 2*tc.cellM, DefaultMaxCells)
			if err != nil {
				t.Fatal(err)
			}
			check := func(t *testing.T, stage string) {
				t.Helper()
				for _, fc := range filters {
					cf, err := fc.f.compile()
					if err != nil {
						t.Fatal(err)
					}
					ix.mu.RLock()
					vals, got, err := ix.binEvents(context.Background(), ag, &cf, ValueCount)
					ix.mu.RUnlock()
					if err != nil {
						t.Fatal(err)
					}
					want := binByScan(t, ix, ag, &cf)
					if !slices.Equal(got, want) {
						t.Fatalf("%s, %s: counts differ from a pass over the events", stage, fc.name)
					}
					total := 0
					for i, c := range got {
						total += int(c)
						if vals[i] != float64(c) {
							t.Fatalf("%s, %s: value %v of cell %d, count %d", stage, fc.name, vals[i], i, c)
						}
					}
					if total == 0 {
						t.Fatalf("%s, %s: nothing counted", stage, fc.name)
					}
				}
				if used := classCountsOf(ix, ag) != nil; used != tc.useCounts {
					t.Fatalf("%s: class counts in use: %v, want %v", stage, used, tc.useCounts)
				}
			}
			check(t, "loaded")
			for i := 0; i < 3000; i++ {
				ix.Delete(evs[i*7].ID)
			}
			for i := 1; i < 2000; i++ {
				e := evs[i*11]
				e.Lon += 0.05
				e.Agency = uint16(i % 41) // 40 is a new agency
				e.Sharing = Sharing(1 + i%3)
				if err := ix.Upsert(e); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 1000; i++ { // back into freed slots
				if err := ix.Upsert(evs[i*7]); err != nil {
					t.Fatal(err)
				}
			}
			check(t, "after writes")
		})
	}
}

// TestClassCountsLimit checks that class counts that would outgrow their
// limit on a write are dropped for good, and the counts stay right.
func TestClassCountsLimit(t *testing.T) {
	cc := &classCounts{limit: 3}
	if !cc.add(0<<2|1, 0, 4) || !cc.add(1<<2|1, 1, 4) || !cc.add(1<<2|1, 2, 4) {
		t.Fatal("three vectors should fit a limit of three")
	}
	if cc.add(2<<2|2, 0, 4) {
		t.Fatal("a class and a sharing level more should not fit")
	}
	if cc.vectors != 3 || !slices.Equal(cc.total[1], []int32{1, 1, 1, 0}) || !slices.Equal(cc.byClass[1<<2|1], []int32{0, 1, 1, 0}) {
		t.Fatalf("counts after a refused add: %d vectors, total %v", cc.vectors, cc.total[1])
	}

	ix := new(Index)
	evs := syntheticEvents(20_000, 9)
	for i := range evs {
		evs[i].Sharing = SharingRegional
	}
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	area := corridorArea()
	ag, err := ix.grid(context.Background(), &area, 10000, 20000, DefaultMaxCells)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := (&Filter{Visibility: &Visibility{Agency: 2}}).compile()
	if err != nil {
		t.Fatal(err)
	}
	ix.mu.RLock()
	_, _, _ = ix.binEvents(context.Background(), ag, &cf, ValueCount)
	ix.mu.RUnlock()
	cc = classCountsOf(ix, ag)
	if cc == nil {
		t.Fatal("no class counts")
	}
	cc.limit = cc.vectors // no room for a new class
	e := evs[0]
	e.Sharing = SharingBilateral
	if err := ix.Upsert(e); err != nil {
		t.Fatal(err)
	}
	if classCountsOf(ix, ag) != nil {
		t.Fatal("class counts kept beyond their limit")
	}
	ix.mu.RLock()
	_, got, err := ix.binEvents(context.Background(), ag, &cf, ValueCount)
	ix.mu.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	if classCountsOf(ix, ag) != nil {
		t.Fatal("class counts rebuilt after they outgrew their limit")
	}
	if want := binByScan(t, ix, ag, &cf); !slices.Equal(got, want) {
		t.Fatal("counts differ from a pass over the events")
	}
}

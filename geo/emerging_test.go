package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// hexPatch returns the 7-cell patch of docs/statistics.md, "Space-time
// Gi*": c0 the centre, c1…c6 its ring in cyclic order, each cell's
// neighbours being the cells at most one step away (k = 1), itself
// included.
func hexPatch(t *testing.T) *Neighbors {
	t.Helper()
	cells := KRing(Hex{}, 1)
	for k := 1; k <= 6; k++ {
		next := k%6 + 1
		if cells[k].Distance(cells[next]) != 1 {
			t.Fatalf("ring not cyclic at c%d", k)
		}
	}
	lists := make([][]int32, len(cells))
	for i, a := range cells {
		for j, b := range cells {
			if a.Distance(b) <= 1 {
				lists[i] = append(lists[i], int32(j))
			}
		}
	}
	return NeighborsFromLists(lists)
}

// patchCube is the table of that example, laid out cell by cell (c0…c6 × t=1…3).
func patchCube() []float64 {
	steps := [3][7]float64{
		{4, 2, 1, 0, 3, 1, 2},
		{7, 3, 2, 1, 2, 2, 4},
		{9, 4, 3, 2, 3, 1, 5},
	}
	x := make([]float64, 7*3)
	for c := 0; c < 7; c++ {
		for t := 0; t < 3; t++ {
			x[c*3+t] = steps[t][c]
		}
	}
	return x
}

func TestSpaceTimeGiStarCheckValues(t *testing.T) {
	nb := hexPatch(t)
	if got := len(nb.Of(1)); got != 4 {
		t.Fatalf("c1 has %d spatial neighbours, want 4 ({c1, c0, c6, c2})", got)
	}
	x := patchCube()
	tests := []struct {
		name   string
		cell   int
		step   int // 1-based as in the spec
		k      int
		window GlobalWindow
		z, p   float64
	}{
		{"c0 t=1", 0, 1, 1, EntireCube, -1.601961, 0.109164},
		{"c0 t=3", 0, 3, 1, EntireCube, 1.601961, 0.109164},
		{"c1 t=1", 1, 1, 1, EntireCube, -0.686835, 0.492187},
		{"c1 t=3", 1, 3, 1, EntireCube, 2.918269, 0.003520},
		{"c1 t=3 K=2", 1, 3, 2, EntireCube, 2.318719, 0.020410},
		{"c1 t=3 neighborhood window", 1, 3, 1, NeighborhoodTimeStep, 2.269707, 0.023225},
		{"c0 t=3 neighborhood window is degenerate", 0, 3, 1, NeighborhoodTimeStep, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, err := SpaceTimeGiStar(x, 3, nb, tc.k, tc.window)
			if err != nil {
				t.Fatal(err)
			}
			got := z[tc.cell*3+tc.step-1]
			if math.Abs(got-tc.z) > 5e-7 {
				t.Errorf("z = %.6f, want %.6f", got, tc.z)
			}
			if p := PValue(got); math.Abs(p-tc.p) > 5e-7 {
				t.Errorf("p = %.6f, want %.6f", p, tc.p)
			}
		})
	}
}

func TestSpaceTimeGiStarZeroVariance(t *testing.T) {
	nb := hexPatch(t)
	x := make([]float64, 21)
	for i := range x {
		x[i] = 3
	}
	if _, err := SpaceTimeGiStar(x, 3, nb, 1, EntireCube); !errors.Is(err, ErrZeroVariance) {
		t.Fatalf("error %v, want ErrZeroVariance", err)
	}
	// A window without variance gives z = 0: step 1 all zeros, later steps vary.
	x = patchCube()
	for c := 0; c < 7; c++ {
		x[c*3] = 0
	}
	z, err := SpaceTimeGiStar(x, 3, nb, 1, NeighborhoodTimeStep)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 7; c++ {
		if z[c*3] != 0 {
			t.Errorf("c%d t=1: z = %v in a zero-variance window", c, z[c*3])
		}
	}
}

func TestClampTimeStep(t *testing.T) {
	tests := []struct{ k, t, want int }{
		{0, 10, 1}, {-3, 10, 1}, {1, 10, 1}, {7, 10, 7}, {8, 10, 7}, {2, 3, 2}, {3, 3, 2},
	}
	for _, tc := range tests {
		if got := ClampTimeStep(tc.k, tc.t); got != tc.want {
			t.Errorf("ClampTimeStep(%d, %d) = %d, want %d", tc.k, tc.t, got, tc.want)
		}
	}
}

func TestMannKendallWorkedExample(t *testing.T) {
	tests := []struct {
		cell string
		row  int
		s    int
		varS float64
		z, p float64
	}{
		{"A", 0, 43, 125, 3.756594, 0.000172},
		{"B", 1, 19, 125, 1.609969, 0.107405},
		{"C", 2, 31, 125, 2.683282, 0.007290},
		// The spec prints z = −0.561097 for D, but its own hand check gives
		// z = −6/10.692677 = −0.561132, and its p = 0.574708 belongs to the
		// latter; we test the consistent value.
		{"D", 3, -7, 114.333333, -0.561132, 0.574708},
		{"E", 4, 21, 125, 1.788854, 0.073638},
	}
	for _, tc := range tests {
		t.Run(tc.cell, func(t *testing.T) {
			r := MannKendall(ehsaZ[tc.row][:])
			if r.S != tc.s || math.Abs(r.VarS-tc.varS) > 5e-7 || math.Abs(r.Z-tc.z) > 5e-7 || math.Abs(r.P-tc.p) > 5e-7 {
				t.Errorf("S %d var %.6f z %.6f p %.6f; want %d %.6f %.6f %.6f", r.S, r.VarS, r.Z, r.P, tc.s, tc.varS, tc.z, tc.p)
			}
			if r.Tau*45 != float64(r.S) {
				t.Errorf("tau %v", r.Tau)
			}
		})
	}
}

func TestMannKendallDegenerate(t *testing.T) {
	tests := []struct {
		name string
		y    []float64
	}{
		{"empty", nil},
		{"one", []float64{1}},
		{"all tied", []float64{2, 2, 2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r := MannKendall(tc.y); r.Z != 0 || r.P != 1 {
				t.Errorf("z %v p %v, want 0 and 1", r.Z, r.P)
			}
		})
	}
	if r := MannKendall([]float64{1, 2}); r.S != 1 || r.Z != 0 {
		t.Errorf("two rising values: S %d z %v (continuity correction gives 0)", r.S, r.Z)
	}
}

// TestEmergingWorkedExample runs the worked example of docs/statistics.md,
// "Worked example: five cells, ten steps", end to end: the FDR bins over
// the 50 bins and the category of each cell at α_trend = 0.10; E flips to
// persistent at 0.05.
func TestEmergingWorkedExample(t *testing.T) {
	z, p := ehsaZP()
	bins := FDRBins(z, p, nil)
	want := []Pattern{IntensifyingHotSpot, NewHotSpot, OscillatingHotSpot, PersistentColdSpot, IntensifyingHotSpot}
	for c := 0; c < 5; c++ {
		mk := MannKendall(ehsaZ[c][:])
		if got := Classify(bins[c*10:(c+1)*10], mk); got != want[c] {
			t.Errorf("cell %c: %v, want %v", 'A'+c, got, want[c])
		}
	}
	mkE := MannKendall(ehsaZ[4][:])
	for _, alpha := range []float64{0.05, 0.01} {
		if got := classify(bins[40:50], mkE, alpha); got != PersistentHotSpot {
			t.Errorf("E at α_trend = %v: %v, want persistent hot spot", alpha, got)
		}
	}
}

func TestClassifyBinPatterns(t *testing.T) {
	noTrend := MKResult{P: 1}
	tests := []struct {
		name string
		bins []int8
		want Pattern
	}{
		// docs/statistics.md, "Categories".
		{"consecutive run of 3", []int8{0, 0, 0, 0, 0, 0, 0, 1, 2, 2}, ConsecutiveHotSpot},
		{"sporadic", []int8{0, 1, 0, 0, 2, 0, 0, 1, 0, 1}, SporadicHotSpot},
		{"on and off, final not hot", []int8{0, 1, 0, 0, 2, 0, 0, 1, 0, 0}, NoPattern},
		{"historical hot", []int8{1, 2, 3, 3, 2, 2, 1, 1, 2, 0}, HistoricalHotSpot},
		{"historical hot beats cold", []int8{1, 2, 3, 3, 2, 2, 1, 1, 2, -1}, HistoricalHotSpot},
		{"run of 9 is persistent", []int8{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, PersistentHotSpot},
		{"oscillating cold", []int8{0, 0, 2, 0, 0, 0, -1, 0, -2, -1}, OscillatingColdSpot},
		// Mirror images and edges of the procedure.
		{"new hot", []int8{0, 0, 0, 0, 0, 0, 0, 0, 0, 3}, NewHotSpot},
		{"new cold", []int8{0, 0, 0, 0, 0, 0, 0, 0, 0, -1}, NewColdSpot},
		{"new but cold before is oscillating", []int8{-2, 0, 0, 0, 0, 0, 0, 0, 0, 1}, OscillatingHotSpot},
		{"consecutive cold", []int8{0, 0, 0, 0, 0, 0, 0, -1, -1, -3}, ConsecutiveColdSpot},
		{"sporadic cold", []int8{-1, 0, 0, 0, 0, 0, 0, -1, 0, -1}, SporadicColdSpot},
		{"persistent cold", []int8{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, PersistentColdSpot},
		{"historical cold", []int8{-1, -1, -1, -1, -1, -1, -1, -1, -1, 0}, HistoricalColdSpot},
		{"nothing", []int8{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, NoPattern},
		{"T=3 needs every step", []int8{1, 0, 1}, SporadicHotSpot},
		{"T=3 all hot", []int8{1, 1, 2}, PersistentHotSpot},
		{"empty", nil, NoPattern},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.bins, noTrend); got != tc.want {
				t.Errorf("Classify(%v) = %v, want %v", tc.bins, got, tc.want)
			}
		})
	}
	allHot := []int8{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}
	allCold := []int8{-2, -2, -2, -2, -2, -2, -2, -2, -2, -2}
	trendTests := []struct {
		name string
		bins []int8
		mk   MKResult
		want Pattern
	}{
		{"hot, rising", allHot, MKResult{Z: 2, P: 0.04}, IntensifyingHotSpot},
		{"hot, falling", allHot, MKResult{Z: -2, P: 0.04}, DiminishingHotSpot},
		{"hot, rising but p 0.2", allHot, MKResult{Z: 1.2, P: 0.2}, PersistentHotSpot},
		{"cold, falling", allCold, MKResult{Z: -2, P: 0.04}, IntensifyingColdSpot},
		{"cold, rising", allCold, MKResult{Z: 2, P: 0.04}, DiminishingColdSpot},
		{"hot, p exactly 0.10", allHot, MKResult{Z: 1.6448536269514722, P: 0.10}, IntensifyingHotSpot},
	}
	for _, tc := range trendTests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.bins, tc.mk); got != tc.want {
				t.Errorf("Classify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEmergingHotSpotsCube(t *testing.T) {
	nb := hexPatch(t)
	res, err := EmergingHotSpotsCube(patchCube(), 3, nb, 1, EntireCube)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res[1].Z[2]-2.918269) > 5e-7 {
		t.Errorf("c1 t=3 z = %v", res[1].Z[2])
	}
	for i, r := range res {
		if got := Classify(r.Bins, MannKendall(r.Z)); got != r.Pattern {
			t.Errorf("cell %d: pattern %v, Classify says %v", i, r.Pattern, got)
		}
	}
}

func TestStepIndex(t *testing.T) {
	tests := []struct {
		step  Step
		t     time.Time
		start time.Time
	}{
		{StepWeek, time.Date(2024, 5, 15, 13, 0, 0, 0, time.UTC), time.Date(2024, 5, 13, 0, 0, 0, 0, time.UTC)},
		{StepWeek, time.Date(2024, 5, 13, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 13, 0, 0, 0, 0, time.UTC)},
		{StepWeek, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 29, 0, 0, 0, 0, time.UTC)},
		{StepMonth, time.Date(2024, 2, 29, 23, 59, 0, 0, time.UTC), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)},
		{StepQuarter, time.Date(2024, 8, 3, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)},
		{StepQuarter, time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.step.String()+tc.t.Format("2006-01-02"), func(t *testing.T) {
			i := tc.step.index(tc.t)
			if got := tc.step.start(i); !got.Equal(tc.start) {
				t.Errorf("start of %v's %s = %v, want %v", tc.t, tc.step, got, tc.start)
			}
			if tc.step.index(tc.step.start(i+1)) != i+1 || tc.step.index(tc.step.start(i+1).Add(-time.Nanosecond)) != i {
				t.Errorf("period %d does not end where %d starts", i, i+1)
			}
		})
	}
}

func TestEmergingHotSpotsEngine(t *testing.T) {
	var ix Index
	evs := syntheticEvents(30000, 77)
	// An emerging spot: events near 66.9,37.3 only in the last quarter of 2024.
	for k := 0; k < 400; k++ {
		e := evs[k]
		e.ID[0] ^= 0xff
		e.Lon, e.Lat = 66.9+float64(k%20)*0.003, 37.3+float64(k/20)*0.003
		e.At = time.Date(2024, 10, 1+k%80, 0, 0, 0, 0, time.UTC)
		evs = append(evs, e)
	}
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	iv := Interval{Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}
	q := EmergingQuery{CellM: 10000, Step: StepQuarter, Filter: Filter{Time: iv}, Area: corridorArea()}
	res, err := EmergingHotSpots(context.Background(), &ix, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 12 || res.K != 1 || res.NCells == 0 || res.NCells > res.NAreaCells {
		t.Fatalf("steps %d K %d cells %d of %d", len(res.Steps), res.K, res.NCells, res.NAreaCells)
	}
	// Recompute the cube from the engine's own per-cell values.
	nbLists := make([][]int32, len(res.Cells))
	pos := map[Hex]int32{}
	for i, c := range res.Cells {
		pos[c.Hex] = int32(i)
	}
	g := HexGrid{CellM: q.CellM}
	var x []float64
	total := 0.0
	for i, c := range res.Cells {
		if c.Total == 0 {
			t.Fatalf("cell %v analysed without events", c.Hex)
		}
		for _, h := range g.Disk(c.Hex, q.CellM) {
			if j, ok := pos[h]; ok {
				nbLists[i] = append(nbLists[i], j)
			}
		}
		x = append(x, c.Values...)
		total += c.Total
	}
	want, err := EmergingHotSpotsCube(x, 12, NeighborsFromLists(nbLists), 1, EntireCube)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range res.Cells {
		if c.Pattern != want[i].Pattern || fmt.Sprint(c.Bins) != fmt.Sprint(want[i].Bins) {
			t.Fatalf("cell %v: %v %v, recomputed %v %v", c.Hex, c.Pattern, c.Bins, want[i].Pattern, want[i].Bins)
		}
	}
	// Events in the cube = events in the corridor and interval.
	hs, err := HotSpots(context.Background(), &ix, HotspotQuery{CellM: 10000, RadiusM: 10000, Filter: Filter{Time: iv}, Area: corridorArea()})
	if err != nil {
		t.Fatal(err)
	}
	if int(total) != hs.Events {
		t.Fatalf("cube holds %v events, the corridor %d", total, hs.Events)
	}
	spot := g.Cell(ProjectXY(66.93, 37.33))
	found := false
	for _, c := range res.Cells {
		if c.Hex == spot {
			found = true
			if c.Pattern != NewHotSpot && c.Pattern != ConsecutiveHotSpot {
				t.Errorf("the late spot is %v (bins %v)", c.Pattern, c.Bins)
			}
		}
	}
	if !found {
		t.Fatal("late spot not analysed")
	}
}

func TestEmergingHotSpotsParamErrors(t *testing.T) {
	var ix Index
	_ = ix.Load(syntheticEvents(2000, 5))
	iv := Interval{Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}
	box := orb.Bound{Min: orb.Point{68, 36}, Max: orb.Point{70, 38}}
	good := EmergingQuery{CellM: 10000, Step: StepMonth, Filter: Filter{Time: iv}, Area: Area{BBox: &box}}
	if _, err := EmergingHotSpots(context.Background(), &ix, good); err != nil {
		t.Fatalf("good query: %v", err)
	}
	tests := []struct {
		name  string
		mod   func(q *EmergingQuery)
		param string
	}{
		{"no step", func(q *EmergingQuery) { q.Step = 0 }, "step"},
		{"open interval", func(q *EmergingQuery) { q.Filter.Time.End = time.Time{} }, "datetime"},
		{"reversed interval", func(q *EmergingQuery) { q.Filter.Time.Start, q.Filter.Time.End = iv.End, iv.Start }, "datetime"},
		{"too many steps", func(q *EmergingQuery) {
			q.Step = StepWeek
			q.Filter.Time.Start = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "datetime"},
		{"radius below cell", func(q *EmergingQuery) { q.RadiusM = 5000 }, "radius_m"},
		{"bad window", func(q *EmergingQuery) { q.Window = 7 }, "global_window"},
		{"negative K", func(q *EmergingQuery) { q.TimeStepK = -1 }, "time_step"},
		{"cube under 30 bins", func(q *EmergingQuery) {
			q.Area = Area{BBox: &orb.Bound{Min: orb.Point{69.3, 37.0}, Max: orb.Point{69.5, 37.2}}}
			q.Step = StepQuarter
			q.Filter.Time.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "area"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := good
			tc.mod(&q)
			_, err := EmergingHotSpots(context.Background(), &ix, q)
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != tc.param {
				t.Fatalf("error %v, want a ParamError on %s", err, tc.param)
			}
		})
	}
}

func BenchmarkEmergingHotSpots(b *testing.B) {
	ix := benchIndex(b)
	iv := Interval{Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}
	q := EmergingQuery{CellM: 5000, Step: StepMonth, Filter: Filter{Time: iv}, Area: corridorArea()}
	if _, err := EmergingHotSpots(context.Background(), ix, q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := EmergingHotSpots(context.Background(), ix, q); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleClassify() {
	z := []float64{1.2, 2.1, 2.3, 2.25, 2.6, 2.9, 3.1, 3.4, 3.8, 4.2}
	bins := []int8{0, 1, 2, 2, 2, 2, 2, 2, 3, 3}
	mk := MannKendall(z)
	fmt.Printf("S=%d z=%.3f p=%.6f\n", mk.S, mk.Z, mk.P)
	fmt.Println(Classify(bins, mk))
	// Output:
	// S=43 z=3.757 p=0.000172
	// intensifying_hot_spot
}

package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func corridorArea() Area {
	return Area{Lines: syntheticBorderLonLat(), CorridorKM: DefaultCorridorKM}
}

// TestHotSpotsGiStarBruteForce recomputes a Gi* surface from scratch: the
// corridor's cells by a distance test on every candidate centre, each
// event's cell by the nearest centre, neighbours by pairwise distances, and
// z by the formula of docs/statistics.md, "Getis–Ord Gi*".
func TestHotSpotsGiStarBruteForce(t *testing.T) {
	var ix Index
	evs := syntheticEvents(20000, 21)
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value ValueKind
		f     Filter
	}{
		{"count", ValueCount, Filter{}},
		{"kg heroin 2023+", ValueKG, Filter{Drugs: []Drug{DrugHeroin}, Time: Interval{Start: from}}},
		{"incidents", ValueCount, Filter{Kinds: []Kind{KindIncident}}},
	}
	const cellM, radiusM = 10000.0, 21000.0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := HotspotQuery{Method: MethodGiStar, Value: tc.value, CellM: cellM, RadiusM: radiusM, Filter: tc.f, Area: corridorArea()}
			res, err := HotSpots(context.Background(), &ix, q)
			if err != nil {
				t.Fatal(err)
			}
			// Brute force.
			var lines []orb.LineString
			for _, ls := range syntheticBorderLonLat() {
				lines = append(lines, ProjectLineString(ls))
			}
			cor, _ := NewCorridor(lines, DefaultCorridorKM*1000)
			g := HexGrid{CellM: cellM}
			var cells []Hex
			pos := map[Hex]int{}
			for _, h := range g.CellsInBound(cor.Bound().Pad(cellM)) {
				x, y := g.Center(h)
				if cor.Distance(orb.Point{x, y}, math.Inf(1)) <= DefaultCorridorKM*1000 {
					pos[h] = len(cells)
					cells = append(cells, h)
				}
			}
			if res.NCells != len(cells) || len(res.Cells) != len(cells) {
				t.Fatalf("NCells %d, %d cells returned; brute force %d", res.NCells, len(res.Cells), len(cells))
			}
			x := make([]float64, len(cells))
			cnt := make([]int, len(cells))
			for _, e := range evs {
				if !tc.f.Time.Contains(e.At) || (len(tc.f.Kinds) > 0 && e.Kind != tc.f.Kinds[0]) {
					continue
				}
				if len(tc.f.Drugs) > 0 && e.KG(tc.f.Drugs...) == 0 && !hasDrug(&e, tc.f.Drugs[0]) {
					continue
				}
				px, py := ProjectXY(e.Lon, e.Lat)
				best, bestD := Hex{}, math.Inf(1)
				h0 := g.Cell(px, py)
				for _, h := range KRing(h0, 1) {
					cx, cy := g.Center(h)
					if d := math.Hypot(px-cx, py-cy); d < bestD {
						best, bestD = h, d
					}
				}
				i, ok := pos[best]
				if !ok {
					continue
				}
				cnt[i]++
				if tc.value == ValueKG {
					x[i] += e.KG(tc.f.Drugs...)
				} else {
					x[i]++
				}
			}
			n := float64(len(cells))
			var s, s2 float64
			for _, v := range x {
				s += v
				s2 += v * v
			}
			mean := s / n
			std := math.Sqrt(s2/n - mean*mean)
			if math.Abs(res.Mean-mean) > 1e-9*(1+mean) || math.Abs(res.Std-std) > 1e-9*(1+std) {
				t.Fatalf("mean/std %v/%v, brute force %v/%v", res.Mean, res.Std, mean, std)
			}
			sig := 0
			for _, c := range res.Cells {
				i, ok := pos[c.Hex]
				if !ok {
					t.Fatalf("cell %v not in the corridor", c.Hex)
				}
				if c.Count != cnt[i] || math.Abs(c.Value-x[i]) > 1e-3 {
					t.Fatalf("cell %v: count %d value %v, brute force %d %v", c.Hex, c.Count, c.Value, cnt[i], x[i])
				}
				cx, cy := g.Center(c.Hex)
				var a, w float64
				for j, h := range cells {
					hx, hy := g.Center(h)
					if math.Hypot(hx-cx, hy-cy) <= radiusM {
						a += x[j]
						w++
					}
				}
				z := (a - mean*w) / (std * math.Sqrt((n*w-w*w)/(n-1)))
				if math.Abs(c.GiZ-z) > 1e-9 || c.Neighbor != int(w) {
					t.Fatalf("cell %v: z %v (%d neighbours), brute force %v (%v)", c.Hex, c.GiZ, c.Neighbor, z, w)
				}
				if c.GiP != PValue(c.GiZ) {
					t.Fatalf("cell %v: p %v", c.Hex, c.GiP)
				}
				if c.GiBin != 0 {
					sig++
				}
				if lon, lat := UnprojectXY(cx, cy); lon != c.Lon || lat != c.Lat || c.XM != cx || c.YM != cy {
					t.Fatalf("cell %v: centre %v %v %v %v", c.Hex, c.XM, c.YM, c.Lon, c.Lat)
				}
			}
			if sig == 0 {
				t.Fatal("no significant cell in a clustered data set")
			}
			// min_bin returns the same cells minus the non-significant ones.
			q.MinBin = 1
			res2, err := HotSpots(context.Background(), &ix, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(res2.Cells) != sig || res2.NCells != res.NCells || res2.Mean != res.Mean {
				t.Fatalf("min_bin=1: %d cells, want %d", len(res2.Cells), sig)
			}
		})
	}
}

func hasDrug(e *Event, d Drug) bool {
	for _, it := range e.Items {
		if it.Drug == d {
			return true
		}
	}
	return false
}

func TestHotSpotsKDEBruteForce(t *testing.T) {
	var ix Index
	evs := syntheticEvents(5000, 33)
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	box := orb.Bound{Min: orb.Point{68.5, 36.5}, Max: orb.Point{70.5, 38}}
	for _, value := range []ValueKind{ValueCount, ValueKG} {
		t.Run(value.String(), func(t *testing.T) {
			res, err := HotSpots(context.Background(), &ix, HotspotQuery{Method: MethodKDE, Value: value, CellM: 5000, BandwidthM: 15000, Area: Area{BBox: &box}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Cells) == 0 {
				t.Fatal("no cells")
			}
			nonzero := 0
			for _, c := range res.Cells {
				if !box.Contains(orb.Point{c.Lon, c.Lat}) {
					t.Fatalf("cell centre %v %v outside the bbox", c.Lon, c.Lat)
				}
				var want float64
				for _, e := range evs {
					x, y := ProjectXY(e.Lon, e.Lat)
					d := math.Hypot(x-c.XM, y-c.YM)
					if d < 15000 {
						w := 1.0
						if value == ValueKG {
							w = e.KG()
						}
						want += 3 / math.Pi * w * math.Pow(1-(d/15000)*(d/15000), 2)
					}
				}
				want = want / (15000 * 15000) * 1e6
				if math.Abs(c.Density-want) > 1e-9*(1+want) {
					t.Fatalf("cell %v: density %v, brute force %v", c.Hex, c.Density, want)
				}
				if want > 0 {
					nonzero++
				}
			}
			if nonzero == 0 {
				t.Fatal("all densities zero")
			}
			if nonzero == len(res.Cells) {
				t.Fatal("no zero cell: min_density is not tested")
			}
			// min_density leaves out the cells below it; the area's
			// statistics stay those of every cell.
			dens := make([]float64, 0, len(res.Cells))
			for _, c := range res.Cells {
				if c.Density > 0 {
					dens = append(dens, c.Density)
				}
			}
			slices.Sort(dens)
			for _, tc := range []struct {
				name string
				min  float64
				want int
			}{
				{"default leaves out zeros", DefaultMinDensity, nonzero},
				{"median", dens[len(dens)/2], len(dens) - len(dens)/2},
				{"above the peak", dens[len(dens)-1] * 2, 0},
			} {
				q := HotspotQuery{Method: MethodKDE, Value: value, CellM: 5000, BandwidthM: 15000, Area: Area{BBox: &box}, MinDensity: tc.min}
				res2, err := HotSpots(context.Background(), &ix, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(res2.Cells) != tc.want || res2.NCells != res.NCells || res2.Mean != res.Mean || res2.Std != res.Std || res2.Events != res.Events {
					t.Fatalf("%s: %d cells of %d (mean %v std %v), want %d of %d (mean %v std %v)", tc.name,
						len(res2.Cells), res2.NCells, res2.Mean, res2.Std, tc.want, res.NCells, res.Mean, res.Std)
				}
				for _, c := range res2.Cells {
					if c.Density < tc.min {
						t.Fatalf("%s: cell %v of density %v returned", tc.name, c.Hex, c.Density)
					}
				}
			}
		})
	}
}

func TestHotSpotsParamErrors(t *testing.T) {
	var ix Index
	_ = ix.Load(syntheticEvents(100, 1))
	box := orb.Bound{Min: orb.Point{68, 36}, Max: orb.Point{70, 38}}
	good := HotspotQuery{CellM: 5000, RadiusM: 12000, Area: Area{BBox: &box}}
	tests := []struct {
		name  string
		mod   func(q *HotspotQuery)
		param string
	}{
		{"negative radius", func(q *HotspotQuery) { q.RadiusM = -1 }, "radius_m"},
		{"radius below cell", func(q *HotspotQuery) { q.RadiusM = 4000 }, "radius_m"},
		{"huge radius", func(q *HotspotQuery) { q.RadiusM = 1e7 }, "radius_m"},
		{"zero cell", func(q *HotspotQuery) { q.CellM = 0 }, "cell_m"},
		{"nan cell", func(q *HotspotQuery) { q.CellM = math.NaN() }, "cell_m"},
		{"bad method", func(q *HotspotQuery) { q.Method = 9 }, "method"},
		{"bad value", func(q *HotspotQuery) { q.Value = 9 }, "value"},
		{"kde without bandwidth", func(q *HotspotQuery) { q.Method = MethodKDE }, "bandwidth_m"},
		{"kde min_bin", func(q *HotspotQuery) { q.Method, q.BandwidthM, q.MinBin = MethodKDE, 9000, 1 }, "min_bin"},
		{"gistar min_density", func(q *HotspotQuery) { q.MinDensity = 1 }, "min_density"},
		{"negative min_density", func(q *HotspotQuery) { q.Method, q.BandwidthM, q.MinDensity = MethodKDE, 9000, -1 }, "min_density"},
		{"nan min_density", func(q *HotspotQuery) { q.Method, q.BandwidthM, q.MinDensity = MethodKDE, 9000, math.NaN() }, "min_density"},
		{"min_bin 4", func(q *HotspotQuery) { q.MinBin = 4 }, "min_bin"},
		{"too many cells", func(q *HotspotQuery) { q.MaxCells = 10 }, "max_cells"},
		{"cells far over the limit", func(q *HotspotQuery) {
			q.CellM, q.RadiusM = 100, 100
			q.Area = Area{BBox: &orb.Bound{Min: orb.Point{50, 20}, Max: orb.Point{90, 50}}}
		}, "max_cells"},
		{"no area", func(q *HotspotQuery) { q.Area = Area{} }, "area"},
		{"two areas", func(q *HotspotQuery) { q.Area.Lines, q.Area.CorridorKM = syntheticBorderLonLat(), 50 }, "area"},
		{"corridor width", func(q *HotspotQuery) { q.Area = Area{Lines: syntheticBorderLonLat()} }, "corridor_km"},
		{"reversed bbox", func(q *HotspotQuery) { q.Area = Area{BBox: &orb.Bound{Min: orb.Point{70, 36}, Max: orb.Point{68, 38}}} }, "bbox"},
		{"reversed time", func(q *HotspotQuery) {
			q.Filter.Time = Interval{Start: time.Unix(1e9, 0), End: time.Unix(1e8, 0)}
		}, "datetime"},
		{"tiny area", func(q *HotspotQuery) {
			q.Area = Area{BBox: &orb.Bound{Min: orb.Point{68.01, 36.01}, Max: orb.Point{68.02, 36.02}}}
		}, "area"},
	}
	if _, err := HotSpots(context.Background(), &ix, good); err != nil {
		t.Fatalf("good query: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := good
			tc.mod(&q)
			_, err := HotSpots(context.Background(), &ix, q)
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != tc.param {
				t.Fatalf("error %v, want a ParamError on %s", err, tc.param)
			}
		})
	}
}

func TestEnumsRoundTrip(t *testing.T) {
	for d := Drug(1); d <= NumDrugs; d++ {
		if got, ok := ParseDrug(d.String()); !ok || got != d {
			t.Errorf("drug %d", d)
		}
	}
	names := map[string]bool{}
	for _, s := range []string{"heroin", "opium", "morphine", "hashish", "cannabis", "methamphetamine", "precursors", "other"} {
		if _, ok := ParseDrug(s); !ok {
			t.Errorf("ParseDrug(%q) failed", s)
		}
		names[s] = true
	}
	for _, s := range []string{"trafficking_attempt", "armed_clash", "border_violation", "arrest", "intelligence_report", "other"} {
		if c, ok := ParseCategory(s); !ok || c.String() != s {
			t.Errorf("ParseCategory(%q)", s)
		}
	}
	for _, s := range []string{"agency", "bilateral", "regional"} {
		if v, ok := ParseSharing(s); !ok || v.String() != s {
			t.Errorf("ParseSharing(%q)", s)
		}
	}
	for _, s := range []string{"seizure", "incident"} {
		if v, ok := ParseKind(s); !ok || v.String() != s {
			t.Errorf("ParseKind(%q)", s)
		}
	}
	for _, s := range []string{"", "Heroin", " heroin", "heroin ", "0"} {
		if _, ok := ParseDrug(s); ok {
			t.Errorf("ParseDrug(%q) accepted", s)
		}
	}
	for p := Pattern(-8); p <= 8; p++ {
		if got, ok := ParsePattern(p.String()); !ok || got != p {
			t.Errorf("pattern %d", p)
		}
	}
}

func FuzzParseDrug(f *testing.F) {
	for _, s := range []string{"heroin", "methamphetamine", "other", "", "Heroin", "opium\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDrug(s)
		if ok != (d != 0) {
			t.Fatalf("ParseDrug(%q) = %d, %v", s, d, ok)
		}
		if ok && d.String() != s {
			t.Fatalf("ParseDrug(%q) = %v", s, d)
		}
	})
}

func FuzzParseEnums(f *testing.F) {
	for _, s := range []string{"seizure", "armed_clash", "regional", "gistar", "kg", "month", "entire_cube", "new_hot_spot", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(name string, str string, ok bool) {
			if ok && str != s {
				t.Fatalf("%s(%q) round-trips to %q", name, s, str)
			}
		}
		k, ok := ParseKind(s)
		check("ParseKind", k.String(), ok)
		c, ok := ParseCategory(s)
		check("ParseCategory", c.String(), ok)
		sh, ok := ParseSharing(s)
		check("ParseSharing", sh.String(), ok)
		m, ok := ParseMethod(s)
		check("ParseMethod", m.String(), ok)
		v, ok := ParseValueKind(s)
		check("ParseValueKind", v.String(), ok)
		st, ok := ParseStep(s)
		check("ParseStep", st.String(), ok)
		w, ok := ParseGlobalWindow(s)
		check("ParseGlobalWindow", w.String(), ok)
		p, ok := ParsePattern(s)
		check("ParsePattern", p.String(), ok)
	})
}

// benchIndex is shared by the 1M-event benchmarks.
func benchIndex(b *testing.B) *Index {
	b.Helper()
	ix := new(Index)
	if err := ix.Load(syntheticEvents(1_000_000, 1)); err != nil {
		b.Fatal(err)
	}
	return ix
}

// BenchmarkHotSpots is the warm end-to-end Gi* over the whole corridor:
// cell_m 5000, radius_m 12000, 1M events, significant cells only.
func BenchmarkHotSpots(b *testing.B) {
	ix := benchIndex(b)
	q := HotspotQuery{Method: MethodGiStar, CellM: 5000, RadiusM: 12000, Area: corridorArea(), MinBin: 1}
	res, err := HotSpots(context.Background(), ix, q) // warm the grid cache
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := HotSpots(context.Background(), ix, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.NCells), "cells")
	b.ReportMetric(float64(len(res.Cells)), "significant")
}

// BenchmarkHotSpotsAllCells returns every cell of the corridor.
func BenchmarkHotSpotsAllCells(b *testing.B) {
	ix := benchIndex(b)
	q := HotspotQuery{Method: MethodGiStar, CellM: 5000, RadiusM: 12000, Area: corridorArea()}
	if _, err := HotSpots(context.Background(), ix, q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := HotSpots(context.Background(), ix, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBinning is the single pass over 1M events into corridor cells.
func BenchmarkBinning(b *testing.B) {
	ix := benchIndex(b)
	area := corridorArea()
	ag, err := ix.grid(context.Background(), &area, 5000, 12000, DefaultMaxCells)
	if err != nil {
		b.Fatal(err)
	}
	cf, _ := (&Filter{}).compile()
	cfTime, _ := (&Filter{Time: Interval{Start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}, Kinds: []Kind{KindSeizure}}).compile()
	// What one agency with an exact-sharing partner sees, as the service
	// asks for every request.
	cfVis, _ := (&Filter{Visibility: &Visibility{Agency: 3, Partners: []Partner{{Agency: 7}}}}).compile()
	// … and one whose partners' records come coarsened to 5 km and a day.
	cfCoarse, _ := (&Filter{Visibility: &Visibility{Agency: 3, Partners: []Partner{
		{Agency: 7, CoarsenM: 5000, CoarsenTime: CoarseTimeDay}, {Agency: 9, CoarsenM: 5000, CoarsenTime: CoarseTimeDay}}}}).compile()
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.binEvents(context.Background(), ag, &cf, ValueCount)
		}
	})
	b.Run("filtered-kg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.binEvents(context.Background(), ag, &cfTime, ValueKG)
		}
	})
	b.Run("visible", func(b *testing.B) {
		ix.binEvents(context.Background(), ag, &cfVis, ValueCount) // build the class counts
		b.ReportAllocs()
		for b.Loop() {
			ix.binEvents(context.Background(), ag, &cfVis, ValueCount)
		}
	})
	// The same count by a pass over every event, the path of viewers
	// whom the class counts cannot answer for.
	b.Run("visible-pass", func(b *testing.B) {
		cells, err := ix.assigned(context.Background(), ag)
		if err != nil {
			b.Fatal(err)
		}
		pt := cfVis.passTables(ix.st.maxAgency)
		b.ReportAllocs()
		for b.Loop() {
			ix.st.binPass(context.Background(), cells, ag, &cfVis, pt, ValueCount)
		}
	})
	b.Run("visible-coarsened", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.binEvents(context.Background(), ag, &cfCoarse, ValueCount)
		}
	})
}

// BenchmarkKDE is the quartic KDE over the corridor (cell_m 5000,
// bandwidth 15 km) from 1M events.
func BenchmarkKDE(b *testing.B) {
	ix := benchIndex(b)
	q := HotspotQuery{Method: MethodKDE, CellM: 5000, BandwidthM: 15000, Area: corridorArea()}
	if _, err := HotSpots(context.Background(), ix, q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := HotSpots(context.Background(), ix, q); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleHotSpots() {
	var ix Index
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	id := 0
	add := func(lon, lat float64, n int) {
		for k := 0; k < n; k++ {
			id++
			_ = ix.Upsert(Event{ID: [16]byte{byte(id), byte(id >> 8)}, Lon: lon + float64(k%5)*0.002, Lat: lat + float64(k/5)*0.002,
				At: base.Add(time.Duration(id) * time.Hour), Kind: KindSeizure, Items: []Item{{Drug: DrugOpium, KG: 2}}})
		}
	}
	add(69.40, 37.10, 40) // a dense spot
	for i := 0; i < 30; i++ {
		add(68.6+float64(i%6)*0.3, 36.6+float64(i/6)*0.3, 1) // background
	}
	box := orb.Bound{Min: orb.Point{68.5, 36.5}, Max: orb.Point{70.5, 38}}
	res, err := HotSpots(context.Background(), &ix, HotspotQuery{CellM: 5000, RadiusM: 12000, Area: Area{BBox: &box}, MinBin: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.NCells, "cells,", res.Events, "events,", len(res.Cells), "cells hot at 99 %")
	top := res.Cells[0]
	for _, c := range res.Cells {
		if c.Count > top.Count {
			top = c
		}
	}
	fmt.Printf("densest: %.2f,%.2f count %d z %.1f bin %+d\n", top.Lon, top.Lat, top.Count, top.GiZ, top.GiBin)
	// Output:
	// 1382 cells, 70 events, 24 cells hot at 99 %
	// densest: 69.38,37.09 count 20 z 12.7 bin +3
}

// TestHotSpotsCacheFollowsWrites checks that cached cell assignments are
// kept current by Upsert and Delete: the result after the writes equals the
// result on an index loaded afresh with the final events.
func TestHotSpotsCacheFollowsWrites(t *testing.T) {
	evs := syntheticEvents(6000, 44)
	var ix Index
	if err := ix.Load(evs[:4000]); err != nil {
		t.Fatal(err)
	}
	queries := []HotspotQuery{
		{CellM: 8000, RadiusM: 16000, Area: corridorArea()},
		{Method: MethodKDE, Value: ValueKG, CellM: 8000, BandwidthM: 20000, Area: corridorArea()},
	}
	for _, q := range queries {
		if _, err := HotSpots(context.Background(), &ix, q); err != nil { // fill the caches
			t.Fatal(err)
		}
	}
	final := map[[16]byte]Event{}
	for _, e := range evs[:4000] {
		final[e.ID] = e
	}
	for i, e := range evs[4000:] {
		if err := ix.Upsert(e); err != nil {
			t.Fatal(err)
		}
		final[e.ID] = e
		old := evs[i*2]
		if i%3 == 0 {
			ix.Delete(old.ID)
			delete(final, old.ID)
		} else {
			old.Lon, old.Lat = old.Lon+0.3, old.Lat-0.2
			if err := ix.Upsert(old); err != nil {
				t.Fatal(err)
			}
			final[old.ID] = old
		}
	}
	var fresh Index
	var all []Event
	for _, e := range final {
		all = append(all, e)
	}
	if err := fresh.Load(all); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		got, err := HotSpots(context.Background(), &ix, q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := HotSpots(context.Background(), &fresh, q)
		if err != nil {
			t.Fatal(err)
		}
		if got.Events != want.Events || len(got.Cells) != len(want.Cells) {
			t.Fatalf("%v: %d events %d cells, fresh index %d %d", q.Method, got.Events, len(got.Cells), want.Events, len(want.Cells))
		}
		for i := range got.Cells {
			g, w := got.Cells[i], want.Cells[i]
			if g.Count != w.Count || math.Abs(g.Value-w.Value) > 1e-6 || math.Abs(g.GiZ-w.GiZ) > 1e-9 ||
				math.Abs(g.Density-w.Density) > 1e-9*(1+w.Density) {
				t.Fatalf("%v cell %v: %+v, fresh index %+v", q.Method, g.Hex, g, w)
			}
		}
	}
}

// binReference bins like binRange, one event at a time through
// compiledFilter.view.
func (st *store) binReference(cells []int32, cf *compiledFilter, value ValueKind, vals []float64, counts []int32, ag *areaGrid) {
	for slot, i := range cells {
		i, _, ok := st.viewCell(cf, ag, slot, i)
		if !ok {
			continue
		}
		counts[i]++
		if value == ValueKG {
			vals[i] += cf.kg(st, slot)
		}
	}
}

// TestBinTablesMatchesReference checks the table-driven binning against
// the per-event path, on random filters and visibilities (with exact and
// coarsening partners) over an index with free slots.
func TestBinTablesMatchesReference(t *testing.T) {
	var ix Index
	evs := syntheticEvents(30000, 5)
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(evs); i += 7 {
		ix.Delete(evs[i].ID)
	}
	area := corridorArea()
	ag, err := ix.grid(context.Background(), &area, 5000, 12000, DefaultMaxCells)
	if err != nil {
		t.Fatal(err)
	}
	cells, _ := ix.assigned(context.Background(), ag)
	rng := rand.New(rand.NewPCG(9, 9))
	pick := func(n int) []int {
		var out []int
		for v := range n {
			if rng.IntN(3) == 0 {
				out = append(out, v)
			}
		}
		return out
	}
	kept, coarse := 0, 0
	for trial := range 200 {
		var f Filter
		if rng.IntN(2) == 0 {
			v := &Visibility{Agency: uint16(rng.IntN(40))}
			for _, p := range pick(40) {
				if uint16(p) == v.Agency {
					continue
				}
				pt := Partner{Agency: uint16(p)}
				if rng.IntN(3) == 0 {
					pt.CoarsenM = []float64{0, 1000, 5000, 20000}[rng.IntN(4)]
					pt.CoarsenTime = CoarseTime(rng.IntN(3))
				}
				v.Partners = append(v.Partners, pt)
			}
			f.Visibility = v
		}
		if rng.IntN(2) == 0 {
			start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, rng.IntN(30), 0)
			f.Time = Interval{Start: start, End: start.AddDate(0, 1+rng.IntN(12), 0)}
		}
		// Each condition applies in a third of the trials.
		some := func(n int) []int {
			if rng.IntN(3) > 0 {
				return nil
			}
			return pick(n)
		}
		for _, k := range some(2) {
			f.Kinds = append(f.Kinds, Kind(1+k))
		}
		for _, d := range some(NumDrugs) {
			f.Drugs = append(f.Drugs, Drug(1+d))
		}
		for _, c := range some(6) {
			f.Categories = append(f.Categories, Category(1+c))
		}
		for _, a := range some(45) {
			f.Agencies = append(f.Agencies, uint16(a))
		}
		if rng.IntN(3) == 0 {
			f.MinSeverity = uint8(rng.IntN(4))
		}
		cf, err := f.compile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.coarsens() {
			coarse++
		}
		for _, value := range []ValueKind{ValueCount, ValueKG} {
			n, nc := len(cells), len(ag.cells)
			wantV, wantC := make([]float64, nc), make([]int32, nc)
			gotV, gotC := make([]float64, nc), make([]int32, nc)
			ix.st.binReference(cells, &cf, value, wantV, wantC, ag)
			ix.st.binTables(cells, &cf, cf.passTables(ix.st.maxAgency), value, 0, n, gotV, gotC, ag)
			if !slices.Equal(gotC, wantC) || !slices.Equal(gotV, wantV) {
				t.Fatalf("trial %d, %+v, value %v: table-driven binning differs from the per-event path", trial, f, value)
			}
			if value == ValueCount && slices.ContainsFunc(wantC, func(c int32) bool { return c > 0 }) {
				kept++
			}
		}
	}
	// Filters that keep nothing compare nothing.
	if kept < 50 || coarse < 20 {
		t.Fatalf("only %d of 200 filters keep any event, %d coarsen", kept, coarse)
	}
}

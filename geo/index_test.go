package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func idOf(i int) [16]byte {
	var id [16]byte
	id[0], id[1], id[2], id[15] = byte(i), byte(i>>8), byte(i>>16), 0x42
	return id
}

// bruteSearch returns the IDs of events in evs inside the lon/lat box that
// pass f, by checking every event.
func bruteSearch(evs map[[16]byte]Event, b orb.Bound, f Filter) map[[16]byte]bool {
	cf, _ := f.compile()
	out := map[[16]byte]bool{}
	for id, e := range evs {
		if !b.Contains(orb.Point{e.Lon, e.Lat}) {
			continue
		}
		var st store
		st.table = make([]uint32, 16)
		st.appendSlot(&e, [2]float64{})
		if ok, _ := cf.view(&st, 0); ok {
			out[id] = true
		}
	}
	return out
}

func TestIndexUpsertDeleteSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var ix Index // zero value
	ref := map[[16]byte]Event{}
	evs := syntheticEvents(3000, 11)
	for i := range evs {
		evs[i].ID = idOf(i)
	}
	if err := ix.Load(evs[:1000]); err != nil {
		t.Fatal(err)
	}
	for _, e := range evs[:1000] {
		ref[e.ID] = e
	}
	for step := 0; step < 6000; step++ {
		i := rng.IntN(len(evs))
		switch rng.IntN(3) {
		case 0, 1:
			e := evs[i]
			if rng.IntN(2) == 0 { // move it and change its items
				e.Lon += rng.NormFloat64() * 0.2
				e.Lat += rng.NormFloat64() * 0.2
				e.Items = append([]Item(nil), e.Items...)
				if e.Kind == KindSeizure {
					e.Items = append(e.Items, Item{Drug: DrugOpium, KG: 1.5})
				}
			}
			if err := ix.Upsert(e); err != nil {
				t.Fatal(err)
			}
			ref[e.ID] = e
		case 2:
			_, had := ref[evs[i].ID]
			if got := ix.Delete(evs[i].ID); got != had {
				t.Fatalf("Delete(%d) = %v, want %v", i, got, had)
			}
			delete(ref, evs[i].ID)
		}
	}
	if ix.Len() != len(ref) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(ref))
	}
	for id, want := range ref {
		got, ok := ix.Get(id)
		if !ok || got.Lon != want.Lon || got.Lat != want.Lat || !got.At.Equal(want.At) || got.Kind != want.Kind ||
			got.Agency != want.Agency || fmt.Sprint(got.Items) != fmt.Sprint(want.Items) {
			t.Fatalf("Get(%x) = %+v, %v; want %+v", id, got, ok, want)
		}
	}
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	filters := []struct {
		name string
		f    Filter
	}{
		{"none", Filter{}},
		{"seizures", Filter{Kinds: []Kind{KindSeizure}}},
		{"heroin or opium", Filter{Drugs: []Drug{DrugHeroin, DrugOpium}}},
		{"armed clashes", Filter{Categories: []Category{CategoryArmedClash}}},
		{"agencies", Filter{Agencies: []uint16{1, 7, 39}}},
		{"2023 on, severity 3+", Filter{Time: Interval{Start: from}, MinSeverity: 3}},
	}
	boxes := []orb.Bound{
		{Min: orb.Point{60, 33}, Max: orb.Point{77, 43}},
		{Min: orb.Point{68.5, 36.5}, Max: orb.Point{70.5, 38}},
		{Min: orb.Point{64, 35.9}, Max: orb.Point{64.8, 36.6}},
	}
	for _, fc := range filters {
		for bi, b := range boxes {
			t.Run(fmt.Sprintf("%s/box%d", fc.name, bi), func(t *testing.T) {
				want := bruteSearch(ref, b, fc.f)
				got := map[[16]byte]bool{}
				err := ix.Search(b, fc.f, func(e *Event, p orb.Point) bool {
					if got[e.ID] {
						t.Errorf("%x reported twice", e.ID)
					}
					got[e.ID] = true
					if x, y := ProjectXY(e.Lon, e.Lat); x != p[0] || y != p[1] {
						t.Errorf("projected point %v, want %v %v", p, x, y)
					}
					return true
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("Search found %d, brute force %d", len(got), len(want))
				}
				for id := range want {
					if !got[id] {
						t.Fatalf("Search missed %x", id)
					}
				}
			})
		}
	}
}

func TestIndexSearchStops(t *testing.T) {
	var ix Index
	if err := ix.Load(syntheticEvents(500, 3)); err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = ix.Search(orb.Bound{Min: orb.Point{50, 20}, Max: orb.Point{90, 50}}, Filter{}, func(*Event, orb.Point) bool {
		n++
		return n < 5
	})
	if n != 5 {
		t.Fatalf("callback ran %d times after returning false at 5", n)
	}
}

func TestIndexLoadDuplicatesAndErrors(t *testing.T) {
	var ix Index
	evs := syntheticEvents(10, 5)
	evs[3].ID = evs[1].ID
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 9 {
		t.Fatalf("Len = %d, want 9", ix.Len())
	}
	if got, _ := ix.Get(evs[1].ID); got.Lon != evs[3].Lon {
		t.Fatal("the later duplicate should win")
	}
	bad := []struct {
		name string
		mod  func(e *Event)
	}{
		{"lon", func(e *Event) { e.Lon = 190 }},
		{"nan lat", func(e *Event) { e.Lat = math.NaN() }},
		{"kind", func(e *Event) { e.Kind = 9 }},
		{"drug", func(e *Event) { e.Items = []Item{{Drug: 0, KG: 1}} }},
		{"mass", func(e *Event) { e.Items = []Item{{Drug: DrugHeroin, KG: -1}} }},
		{"category", func(e *Event) { e.Category = 77 }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e := evs[0]
			tc.mod(&e)
			if err := ix.Upsert(e); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		name  string
		f     Filter
		param string
	}{
		{"kind", Filter{Kinds: []Kind{0}}, "kind"},
		{"drug", Filter{Drugs: []Drug{42}}, "drug"},
		{"category", Filter{Categories: []Category{9}}, "category"},
		{"reversed time", Filter{Time: Interval{Start: time.Unix(100, 0), End: time.Unix(50, 0)}}, "datetime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ix Index
			err := ix.Search(orb.Bound{}, tc.f, func(*Event, orb.Point) bool { return true })
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != tc.param {
				t.Fatalf("error %v, want ParamError on %s", err, tc.param)
			}
		})
	}
}

func TestHashTableBackwardShift(t *testing.T) {
	var st store
	st.table = make([]uint32, 16)
	// Many keys with the same home bucket form one long probe run.
	ids := make([][16]byte, 0)
	for i := 0; len(ids) < 200; i++ {
		id := idOf(i)
		ids = append(ids, id)
		st.appendSlot(&Event{ID: id, Kind: KindIncident, At: time.Unix(0, 0)}, [2]float64{})
	}
	rng := rand.New(rand.NewPCG(1, 1))
	alive := map[[16]byte]bool{}
	for _, id := range ids {
		alive[id] = true
	}
	for _, k := range rng.Perm(len(ids))[:150] {
		st.removeID(ids[k])
		delete(alive, ids[k])
		for _, id := range ids {
			if _, ok := st.lookup(id); ok != alive[id] {
				t.Fatalf("after removing %d: lookup(%x) = %v, want %v", k, id, ok, alive[id])
			}
		}
	}
}

func TestHilbertIsBijective(t *testing.T) {
	seen := map[uint32]bool{}
	// On a coarse sub-lattice the curve positions are distinct.
	for x := uint32(0); x < 1<<16; x += 1 << 10 {
		for y := uint32(0); y < 1<<16; y += 1 << 10 {
			d := hilbert16(x, y)
			if seen[d] {
				t.Fatalf("hilbert16(%d, %d) = %d repeated", x, y, d)
			}
			seen[d] = true
		}
	}
	// Adjacent positions are adjacent cells.
	if hilbert16(0, 0) != 0 {
		t.Fatal("origin not at 0")
	}
}

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	v := make([]uint64, 5000)
	for i := range v {
		v[i] = rng.Uint64() >> uint(rng.IntN(64))
	}
	radixSort64(v)
	for i := 1; i < len(v); i++ {
		if v[i-1] > v[i] {
			t.Fatalf("not sorted at %d", i)
		}
	}
}

// BenchmarkIndexLoad loads 1M events.
func BenchmarkIndexLoad(b *testing.B) {
	evs := syntheticEvents(1_000_000, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var ix Index
		if err := ix.Load(evs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexMemory reports the heap the index holds per event after
// loading 1M events, R-tree and ID table included.
func BenchmarkIndexMemory(b *testing.B) {
	evs := syntheticEvents(1_000_000, 1)
	var perEvent float64
	for b.Loop() {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		ix := new(Index)
		if err := ix.Load(evs); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		perEvent = float64(m1.HeapAlloc-m0.HeapAlloc) / float64(len(evs))
		runtime.KeepAlive(ix)
	}
	b.ReportMetric(perEvent, "bytes/event")
	if perEvent > 200 {
		b.Errorf("index costs %.1f bytes per event, budget 200", perEvent)
	}
}

func BenchmarkIndexSearch(b *testing.B) {
	var ix Index
	if err := ix.Load(syntheticEvents(1_000_000, 1)); err != nil {
		b.Fatal(err)
	}
	box := orb.Bound{Min: orb.Point{69, 36.8}, Max: orb.Point{69.8, 37.4}}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		_ = ix.Search(box, Filter{Kinds: []Kind{KindSeizure}}, func(*Event, orb.Point) bool { n++; return true })
	}
	b.ReportMetric(float64(n), "hits")
}

func BenchmarkIndexUpsert(b *testing.B) {
	var ix Index
	evs := syntheticEvents(200_000, 1)
	if err := ix.Load(evs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e := evs[i%len(evs)]
		e.Lon += 0.001
		if err := ix.Upsert(e); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleIndex() {
	var ix Index
	_ = ix.Upsert(Event{ID: [16]byte{1}, Lon: 69.4, Lat: 37.1, At: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		Kind: KindSeizure, Items: []Item{{Drug: DrugHeroin, KG: 12.5}}})
	_ = ix.Upsert(Event{ID: [16]byte{2}, Lon: 71.0, Lat: 38.2, At: time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC),
		Kind: KindIncident, Category: CategoryArmedClash})
	box := orb.Bound{Min: orb.Point{68, 36}, Max: orb.Point{72, 39}}
	_ = ix.Search(box, Filter{Drugs: []Drug{DrugHeroin}}, func(e *Event, p orb.Point) bool {
		fmt.Printf("%s %.1f kg at x=%.0f m\n", e.Kind, e.KG(), p[0])
		return true
	})
	fmt.Println(ix.Len(), ix.Delete([16]byte{2}), ix.Len())
	// Output:
	// seizure 12.5 kg at x=124448 m
	// 2 true 1
}

// TestIndexConcurrent runs queries while another goroutine writes; run with
// -race.
// TestIndexConcurrent runs queries while writers change the index and
// checks what every query sees: the events loaded before the readers start
// are always all there; the events that one Load brings in are seen all
// together or not at all, never half of one Load and half of another; and
// the Gi* surface of an area far from the writers stays exactly what it was.
// Without the index's lock (or under -race) these fail.
func TestIndexConcurrent(t *testing.T) {
	var ix Index
	base := syntheticEvents(3000, 12)
	if err := ix.Load(base); err != nil {
		t.Fatal(err)
	}
	// Writers work around (62° E, 40.5° N), more than 300 km from the Gi*
	// area and from every base event.
	far := func(id [16]byte, k int) Event {
		return Event{ID: id, Lon: 61.5 + float64(k%40)*0.025, Lat: 40.2 + float64(k/40%24)*0.025,
			At: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Kind: KindIncident, Category: 1, Severity: 2, Sharing: 1}
	}
	batch := func(first, n int) []Event {
		evs := append([]Event(nil), base...)
		for k := 0; k < n; k++ {
			evs = append(evs, far(idOf(first+k), k))
		}
		return evs
	}
	const nA, nB = 500, 800
	batchA, batchB := batch(1_000_000, nA), batch(2_000_000, nB)
	isBase := make(map[[16]byte]bool, len(base))
	for _, e := range base {
		isBase[e.ID] = true
	}
	whole := orb.Bound{Min: orb.Point{55, 30}, Max: orb.Point{80, 45}}
	baseSeen := 0
	_ = ix.Search(whole, Filter{}, func(e *Event, _ orb.Point) bool {
		if isBase[e.ID] {
			baseSeen++
		}
		return true
	})
	if baseSeen != len(base) {
		t.Fatalf("before the writers: %d of %d base events found", baseSeen, len(base))
	}
	box := orb.Bound{Min: orb.Point{70.5, 37.5}, Max: orb.Point{72, 38.6}}
	q := HotspotQuery{CellM: 5000, RadiusM: 12000, Area: Area{BBox: &box}}
	want, err := HotSpots(context.Background(), &ix, q)
	if err != nil {
		t.Fatal(err)
	}
	if want.Events < 100 || len(want.Cells) < 100 {
		t.Fatalf("the Gi* area holds %d events in %d cells; too few to notice a change", want.Events, len(want.Cells))
	}

	done := make(chan struct{})
	var writers sync.WaitGroup
	writers.Add(2)
	go func() { // whole batches
		defer writers.Done()
		for i := 0; i < 40; i++ {
			evs := batchA
			if i%2 == 1 {
				evs = batchB
			}
			if err := ix.Load(evs); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() { // single events, inserted, moved and deleted
		defer writers.Done()
		for k := 0; k < 3000; k++ {
			id := idOf(3_000_000 + k%500)
			if err := ix.Upsert(far(id, k)); err != nil {
				t.Error(err)
				return
			}
			if k%3 == 0 {
				ix.Delete(id)
			}
		}
	}()
	go func() { writers.Wait(); close(done) }()

	for reads := 0; ; reads++ {
		select {
		case <-done:
			t.Logf("%d reads while the writers ran", reads)
			if reads < 5 {
				t.Errorf("only %d reads while the writers ran; the test proves little", reads)
			}
			return
		default:
		}
		var nBase, inA, inB int
		_ = ix.Search(whole, Filter{}, func(e *Event, _ orb.Point) bool {
			switch id := e.ID; {
			case isBase[id]:
				nBase++
			case idNum(id) >= 1_000_000 && idNum(id) < 1_000_000+nA:
				inA++
			case idNum(id) >= 2_000_000 && idNum(id) < 2_000_000+nB:
				inB++
			}
			return true
		})
		if nBase != len(base) {
			t.Fatalf("read %d: %d of the %d events loaded before the readers started", reads, nBase, len(base))
		}
		if !(inA == 0 && inB == 0) && !(inA == nA && inB == 0) && !(inA == 0 && inB == nB) {
			t.Fatalf("read %d: %d events of one batch and %d of the other; want all of one (%d or %d) and none of the other",
				reads, inA, inB, nA, nB)
		}
		got, err := HotSpots(context.Background(), &ix, q)
		if err != nil {
			t.Fatal(err)
		}
		if got.Events != want.Events || got.Mean != want.Mean || got.Std != want.Std || len(got.Cells) != len(want.Cells) {
			t.Fatalf("read %d: Gi* area has %d events, mean %v, std %v, %d cells; before the writers %d, %v, %v, %d",
				reads, got.Events, got.Mean, got.Std, len(got.Cells), want.Events, want.Mean, want.Std, len(want.Cells))
		}
		for i := range want.Cells {
			if g, w := got.Cells[i], want.Cells[i]; g.Hex != w.Hex || g.Count != w.Count || g.GiZ != w.GiZ || g.GiBin != w.GiBin {
				t.Fatalf("read %d: cell %v count %d z %v bin %d; before the writers %d, %v, %d",
					reads, g.Hex, g.Count, g.GiZ, g.GiBin, w.Count, w.GiZ, w.GiBin)
			}
		}
	}
}

// idNum is the number idOf encodes in id, or −1.
func idNum(id [16]byte) int {
	if id[15] != 0x42 {
		return -1
	}
	return int(id[0]) | int(id[1])<<8 | int(id[2])<<16
}

package geo

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// pageReference computes a page by visiting every event: the viewer's
// lon/lat and time of each, the box test of in32, a full sort by ID.
func pageReference(t *testing.T, evs []Event, q PageQuery) (entries []PageEntry, matched int) {
	t.Helper()
	cf, err := q.Filter.compile()
	if err != nil {
		t.Fatal(err)
	}
	var ix Index
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	st := &ix.st
	bx0, by0 := down32(q.BBox.Min[0]), down32(q.BBox.Min[1])
	bx1, by1 := up32(q.BBox.Max[0]), up32(q.BBox.Max[1])
	for slot := range st.attr {
		ok, rule := cf.view(st, slot)
		if !ok || !in32(cf.ll(st, slot, rule), bx0, by0, bx1, by1) {
			continue
		}
		matched++
		if q.After != nil && bytes.Compare(st.ids[slot][:], q.After[:]) <= 0 {
			continue
		}
		e := PageEntry{ID: st.ids[slot], Version: st.ver[slot]}
		if rule >= 0 {
			p := cf.vis.rules[rule]
			e.Form = Form{Coarse: true, CoarsenM: p.CoarsenM, CoarsenTime: p.CoarsenTime}
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b PageEntry) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	if len(entries) > q.Limit+1 {
		entries = entries[:q.Limit+1]
	}
	return entries, matched
}

// TestPageEqualsAFullSort: the heap-kept page of every box, viewer, time
// window and cursor equals the first Limit+1 of all matches sorted by ID,
// with each entry's version and the form the viewer sees it in, and
// Matched counts every match.
func TestPageEqualsAFullSort(t *testing.T) {
	evs := syntheticEvents(6000, 11)
	for i := range evs {
		evs[i].Version = int64(1 + i%7)
	}
	var ix Index
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	viewers := map[string]*Visibility{
		"unrestricted":     nil,
		"own and regional": {Agency: 3},
		"exact partner":    {Agency: 4, Partners: []Partner{{Agency: 5}}},
		"coarsening partners": {Agency: 6, Partners: []Partner{{Agency: 7, CoarsenM: 5000, CoarsenTime: CoarseTimeDay},
			{Agency: 8, CoarsenTime: CoarseTimeMonth}, {Agency: 9}}},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for name, vis := range viewers {
		t.Run(name, func(t *testing.T) {
			coarse, multi := 0, 0
			for i := 0; i < 150; i++ {
				w := 0.05 + rng.Float64()*1.5
				lon, lat := 62+rng.Float64()*11, 35+rng.Float64()*3
				q := PageQuery{BBox: orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + w, lat + w*0.6}},
					Filter: Filter{Visibility: vis}, Limit: 1 + rng.IntN(40), Count: true}
				if i%3 == 0 {
					start := time.Date(2022, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, time.UTC)
					q.Filter.Time = Interval{Start: start, End: start.AddDate(0, 1+rng.IntN(12), 0)}
				}
				if i%4 == 0 {
					var after [16]byte
					for k := range after {
						after[k] = byte(rng.IntN(256))
					}
					q.After, q.Count = &after, false
				}
				got, err := ix.Page(q)
				if err != nil {
					t.Fatal(err)
				}
				want, matched := pageReference(t, evs, q)
				if !q.Count {
					matched = 0
				}
				if got.Matched != matched || !slices.Equal(got.Entries, want) {
					t.Fatalf("window %d: Page = %d entries, %d matched; a full sort gives %d, %d", i, len(got.Entries), got.Matched, len(want), matched)
				}
				for _, e := range got.Entries {
					if e.Form.Coarse {
						coarse++
					}
				}
				if len(got.Entries) > q.Limit {
					multi++
				}
			}
			if multi < 10 {
				t.Fatalf("only %d windows had a next page", multi)
			}
			if vis != nil && len(vis.Partners) > 1 && coarse == 0 {
				t.Fatal("no coarsened entry was ever returned")
			}
		})
	}
}

// TestPageFollowsTheCursor: reading pages after the last ID of each one
// visits every match once, in ID order.
func TestPageFollowsTheCursor(t *testing.T) {
	evs := syntheticEvents(3000, 12)
	var ix Index
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	vis := &Visibility{Agency: 6, Partners: []Partner{{Agency: 7, CoarsenM: 5000, CoarsenTime: CoarseTimeDay}}}
	q := PageQuery{BBox: orbBound(60, 34, 76, 42), Filter: Filter{Visibility: vis}, Limit: 37, Count: true}
	first, err := ix.Page(q)
	if err != nil {
		t.Fatal(err)
	}
	var seen [][16]byte
	p := first
	for {
		n := min(len(p.Entries), q.Limit)
		for _, e := range p.Entries[:n] {
			seen = append(seen, e.ID)
		}
		if len(p.Entries) <= q.Limit {
			break
		}
		last := p.Entries[q.Limit-1].ID
		q.After, q.Count = &last, false
		if p, err = ix.Page(q); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != first.Matched || first.Matched < 500 {
		t.Fatalf("the pages hold %d events, Matched %d", len(seen), first.Matched)
	}
	if !slices.IsSortedFunc(seen, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) }) {
		t.Fatal("the pages are not in ID order")
	}
}

// TestPageUncertainAtACoarsenedPointOnAnEdge: when a coarsened point lies
// within a centimetre of where PostGIS's single-precision box test
// changes its answer, the page is left to the database, which computes
// coarsened points with PROJ; an exact point there is not (its lon/lat is
// the record's own), nor a coarsened point a metre away.
func TestPageUncertainAtACoarsenedPointOnAnEdge(t *testing.T) {
	// g is a float32 value: a box whose max edge rounds to the float32
	// just below it finds a point at g ± a millimetre in or out depending
	// on the side. Coarsening to a millimetre grid moves the point by
	// less than that.
	g := float64(float32(69.1234))
	below := float64(math.Nextafter32(float32(g), 0))
	e := Event{ID: [16]byte{1}, Lon: g, Lat: 37.4321, At: time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC),
		Kind: KindIncident, Category: CategoryArrest, Agency: 2, Sharing: SharingBilateral, Version: 3}
	var ix Index
	if err := ix.Load([]Event{e}); err != nil {
		t.Fatal(err)
	}
	vis := &Visibility{Agency: 1, Partners: []Partner{{Agency: 2, CoarsenM: 0.001, CoarsenTime: CoarseTimeDay}}}
	for _, tc := range []struct {
		name      string
		vis       *Visibility
		edge      float64
		uncertain bool
		matched   int
	}{
		{"coarsened, edge where the answer changes", vis, below, true, -1},
		{"coarsened, edge a metre beyond", vis, g + 1e-5, false, 1},
		{"coarsened, edge a few float32 steps short", vis, g - 4e-5, false, 0},
		{"exact, edge where the answer changes", nil, below, false, 0},
		{"exact, edge on the point", nil, g, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ix.Page(PageQuery{BBox: orbBound(68, 37.3, tc.edge, 37.5), Filter: Filter{Visibility: tc.vis}, Limit: 10, Count: true})
			if err != nil {
				t.Fatal(err)
			}
			if p.Uncertain != tc.uncertain || (tc.matched >= 0 && p.Matched != tc.matched) {
				t.Fatalf("Uncertain %v, Matched %d; want %v, %d", p.Uncertain, p.Matched, tc.uncertain, tc.matched)
			}
			if p.Matched == 1 && (p.Entries[0].Version != 3 || p.Entries[0].Form.Coarse != (tc.vis != nil)) {
				t.Fatalf("entry %+v", p.Entries[0])
			}
		})
	}
}

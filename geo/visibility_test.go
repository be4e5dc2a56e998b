package geo

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// viewedEvents applies the rules of the events view to evs for vis, written
// out directly from their definition: the events the viewer sees, each as
// it sees it.
func viewedEvents(evs []Event, vis Visibility) []Event {
	partner := map[uint16]Partner{}
	for _, p := range vis.Partners {
		partner[p.Agency] = p
	}
	var out []Event
	for _, e := range evs {
		p, isPartner := partner[e.Agency]
		switch {
		case e.Agency == vis.Agency, e.Sharing == SharingRegional:
			out = append(out, e)
		case e.Sharing == SharingBilateral && isPartner && p.CoarsenM == 0 && p.CoarsenTime == CoarseTimeNone:
			out = append(out, e)
		case e.Sharing == SharingBilateral && isPartner:
			c := e
			if p.CoarsenM > 0 {
				x, y := ProjectXY(e.Lon, e.Lat)
				x = math.Floor(x/p.CoarsenM)*p.CoarsenM + p.CoarsenM/2
				y = math.Floor(y/p.CoarsenM)*p.CoarsenM + p.CoarsenM/2
				c.Lon, c.Lat = UnprojectXY(x, y)
			}
			switch p.CoarsenTime {
			case CoarseTimeDay:
				c.At = time.Date(e.At.Year(), e.At.Month(), e.At.Day(), 0, 0, 0, 0, time.UTC)
			case CoarseTimeMonth:
				c.At = time.Date(e.At.Year(), e.At.Month(), 1, 0, 0, 0, 0, time.UTC)
			}
			out = append(out, c)
		}
	}
	return out
}

// visibilityCases are viewers of the synthetic events (agencies 0…39):
// without partners, with an exact partner, with coarsening partners.
// Coarsening sizes are not commensurate with the hexagon spacing, so no
// coarsened point lies on a cell edge.
func visibilityCases() map[string]Visibility {
	return map[string]Visibility{
		"alone":         {Agency: 3},
		"exact partner": {Agency: 3, Partners: []Partner{{Agency: 7}}},
		"coarse space":  {Agency: 3, Partners: []Partner{{Agency: 7, CoarsenM: 1234}}},
		"coarse time":   {Agency: 5, Partners: []Partner{{Agency: 9, CoarsenTime: CoarseTimeMonth}}},
		"mixed": {Agency: 12, Partners: []Partner{{Agency: 7}, {Agency: 9, CoarsenM: 7777, CoarsenTime: CoarseTimeDay},
			{Agency: 30, CoarsenM: 1234, CoarsenTime: CoarseTimeMonth}}},
	}
}

func TestVisibilityEqualsViewedEvents(t *testing.T) {
	evs := syntheticEvents(20000, 11)
	var full Index
	if err := full.Load(evs); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2024, 6, 30, 23, 59, 59, 0, time.UTC)
	for name, vis := range visibilityCases() {
		t.Run(name, func(t *testing.T) {
			seen := viewedEvents(evs, vis)
			var ref Index
			if err := ref.Load(seen); err != nil {
				t.Fatal(err)
			}
			v := vis
			for _, tc := range []struct {
				name string
				q    HotspotQuery
			}{
				{"gistar count", HotspotQuery{CellM: 5000, RadiusM: 12000, Area: corridorArea()}},
				{"gistar kg heroin window", HotspotQuery{Value: ValueKG, CellM: 5000, RadiusM: 12000, Area: corridorArea(),
					Filter: Filter{Drugs: []Drug{DrugHeroin}, Time: Interval{Start: from, End: to}}}},
				{"kde", HotspotQuery{Method: MethodKDE, CellM: 5000, BandwidthM: 15000, Area: corridorArea(),
					Filter: Filter{Kinds: []Kind{KindSeizure}}}},
			} {
				got := tc.q
				got.Filter.Visibility = &v
				a, err := HotSpots(context.Background(), &full, got)
				if err != nil {
					t.Fatal(err)
				}
				b, err := HotSpots(context.Background(), &ref, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if a.Events != b.Events || a.NCells != b.NCells || len(a.Cells) != len(b.Cells) {
					t.Fatalf("%s: events %d/%d, cells %d/%d vs reference %d/%d", tc.name, a.Events, b.Events,
						a.NCells, len(a.Cells), b.NCells, len(b.Cells))
				}
				if a.Events >= len(evs) || a.Events == 0 {
					t.Fatalf("%s: %d of %d events visible: the case does not restrict", tc.name, a.Events, len(evs))
				}
				for i := range a.Cells {
					ca, cb := a.Cells[i], b.Cells[i]
					if ca.Hex != cb.Hex || ca.Count != cb.Count || math.Abs(ca.Value-cb.Value) > 1e-6*math.Max(1, cb.Value) ||
						math.Abs(ca.GiZ-cb.GiZ) > 1e-9 || math.Abs(ca.Density-cb.Density) > 1e-6 {
						t.Fatalf("%s: cell %v: %+v, reference %+v", tc.name, ca.Hex, ca, cb)
					}
				}
			}

			cq := ClusterQuery{EpsM: 2000, MinPoints: 4}
			cq.Filter.Visibility = &v
			ca, err := Clusters(context.Background(), &full, cq)
			if err != nil {
				t.Fatal(err)
			}
			cb, err := Clusters(context.Background(), &ref, ClusterQuery{EpsM: 2000, MinPoints: 4})
			if err != nil {
				t.Fatal(err)
			}
			if ca.NPoints != cb.NPoints || ca.NNoise != cb.NNoise || len(ca.Clusters) != len(cb.Clusters) {
				t.Fatalf("clusters: %d points %d noise %d clusters, reference %d %d %d", ca.NPoints, ca.NNoise, len(ca.Clusters),
					cb.NPoints, cb.NNoise, len(cb.Clusters))
			}
			ka, kb := clusterKeys(ca), clusterKeys(cb)
			if len(ka) != len(kb) {
				t.Fatal("clusters: partition differs from the reference")
			}
			for k, x := range ka {
				y, ok := kb[k]
				if !ok || !x.Start.Equal(y.Start) || !x.End.Equal(y.End) || x.Count != y.Count || x.Core != y.Core {
					t.Fatalf("cluster %x: %v–%v (%d), reference %v–%v (%d)", k, x.Start, x.End, x.Count, y.Start, y.End, y.Count)
				}
			}

			eq := EmergingQuery{CellM: 10000, Step: StepMonth, Area: corridorArea(), Filter: Filter{Time: Interval{Start: from, End: to}}}
			ea, erra := EmergingHotSpots(context.Background(), &full, withVis(eq, &v))
			eb, errb := EmergingHotSpots(context.Background(), &ref, eq)
			if (erra == nil) != (errb == nil) {
				t.Fatalf("emerging: errors %v / %v", erra, errb)
			}
			if len(ea.Cells) != len(eb.Cells) {
				t.Fatalf("emerging: %d cells, reference %d", len(ea.Cells), len(eb.Cells))
			}
			for i := range ea.Cells {
				if ea.Cells[i].Hex != eb.Cells[i].Hex || !slices.Equal(ea.Cells[i].Values, eb.Cells[i].Values) || ea.Cells[i].Pattern != eb.Cells[i].Pattern {
					t.Fatalf("emerging cell %v differs from the reference", ea.Cells[i].Hex)
				}
			}

			box := orb.Bound{Min: orb.Point{68, 36.5}, Max: orb.Point{71, 38.5}}
			got := map[[16]byte][3]float64{}
			if err := full.Search(box, Filter{Visibility: &v}, func(e *Event, _ orb.Point) bool {
				got[e.ID] = [3]float64{e.Lon, e.Lat, float64(e.At.Unix())}
				return true
			}); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range seen {
				if !box.Contains(orb.Point{e.Lon, e.Lat}) {
					continue
				}
				n++
				g, ok := got[e.ID]
				if !ok || math.Abs(g[0]-e.Lon) > 1e-9 || math.Abs(g[1]-e.Lat) > 1e-9 || g[2] != float64(e.At.Unix()) {
					t.Fatalf("search: event %x seen as %v, want %v %v %v (found %v)", e.ID, g, e.Lon, e.Lat, e.At, ok)
				}
			}
			if n != len(got) {
				t.Fatalf("search: %d events, want %d", len(got), n)
			}
		})
	}
}

func withVis(q EmergingQuery, v *Visibility) EmergingQuery {
	q.Filter.Visibility = v
	return q
}

// clusterKeys returns the clusters by their sorted member IDs.
func clusterKeys(r ClusterResult) map[string]Cluster {
	out := map[string]Cluster{}
	for _, c := range r.Clusters {
		ids := slices.Clone(c.Events)
		slices.SortFunc(ids, func(a, b [16]byte) int { return slices.Compare(a[:], b[:]) })
		var k []byte
		for _, id := range ids {
			k = append(k, id[:]...)
		}
		out[string(k)] = c
	}
	return out
}

func TestCoarsen(t *testing.T) {
	for _, tc := range []struct {
		name       string
		x, y, m    float64
		wantX, wtY float64
	}{
		{"positive", 12345, 6789, 5000, 12500, 7500},
		{"negative", -12345, -1, 5000, -12500, -2500},
		{"on a line", 10000, 0, 5000, 12500, 2500},
		{"no coarsening", 1.5, 2.5, 0, 1.5, 2.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := CoarsenXY(tc.x, tc.y, tc.m)
			if x != tc.wantX || y != tc.wtY {
				t.Errorf("CoarsenXY(%v, %v, %v) = %v, %v; want %v, %v", tc.x, tc.y, tc.m, x, y, tc.wantX, tc.wtY)
			}
		})
	}
	ts := time.Date(1969, 12, 31, 23, 0, 0, 5, time.UTC)
	if got := time.Unix(0, CoarsenUnixNano(ts.UnixNano(), CoarseTimeDay)).UTC(); !got.Equal(time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("day before the epoch: %v", got)
	}
	ts = time.Date(2024, 2, 29, 13, 4, 5, 6, time.UTC)
	if got := time.Unix(0, CoarsenUnixNano(ts.UnixNano(), CoarseTimeMonth)).UTC(); !got.Equal(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("month: %v", got)
	}
	if got := CoarsenUnixNano(ts.UnixNano(), CoarseTimeNone); got != ts.UnixNano() {
		t.Errorf("none: %v", got)
	}
}

func TestVisibilityKeyAndErrors(t *testing.T) {
	a := Visibility{Agency: 1, Partners: []Partner{{Agency: 2}, {Agency: 3, CoarsenM: 5000}}}
	b := Visibility{Agency: 1, Partners: []Partner{{Agency: 3, CoarsenM: 5000}, {Agency: 2}}}
	c := Visibility{Agency: 1, Partners: []Partner{{Agency: 3, CoarsenM: 5000}}}
	if a.Key() != b.Key() || a.Key() == c.Key() || (*Visibility)(nil).Key() != "" || c.Key() == "" {
		t.Error("Key: equal visibilities must share a key and different ones differ")
	}
	// Every field takes part: visibilities that differ in one field only
	// never share a key (a hash could collide; the key is the visibility).
	base := Visibility{Agency: 1, Partners: []Partner{{Agency: 2, CoarsenM: 5000, CoarsenTime: CoarseTimeDay}}}
	for name, v := range map[string]Visibility{
		"agency":       {Agency: 9, Partners: base.Partners},
		"partner":      {Agency: 1, Partners: []Partner{{Agency: 3, CoarsenM: 5000, CoarsenTime: CoarseTimeDay}}},
		"coarsen_m":    {Agency: 1, Partners: []Partner{{Agency: 2, CoarsenM: 5000.000001, CoarsenTime: CoarseTimeDay}}},
		"coarsen_time": {Agency: 1, Partners: []Partner{{Agency: 2, CoarsenM: 5000, CoarsenTime: CoarseTimeMonth}}},
		"no partner":   {Agency: 1},
	} {
		if v.Key() == base.Key() {
			t.Errorf("Key: a visibility differing in %s shares the key %q", name, v.Key())
		}
	}
	for name, v := range map[string]Visibility{
		"own partner":  {Agency: 1, Partners: []Partner{{Agency: 1}}},
		"twice":        {Agency: 1, Partners: []Partner{{Agency: 2}, {Agency: 2}}},
		"negative":     {Agency: 1, Partners: []Partner{{Agency: 2, CoarsenM: -1}}},
		"bad timeunit": {Agency: 1, Partners: []Partner{{Agency: 2, CoarsenTime: 9}}},
	} {
		if _, err := HotSpots(context.Background(), &Index{}, HotspotQuery{CellM: 5000, RadiusM: 5000, Area: corridorArea(), Filter: Filter{Visibility: &v}}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

package geo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// bruteDBSCAN is the textbook O(n²) DBSCAN over core points; it returns the
// core flags and a component id per core point (−1 for non-core).
func bruteDBSCAN(pts [][2]float64, eps float64, minPts int) (core []bool, comp []int, clustered []bool) {
	n := len(pts)
	near := func(i, j int) bool { return math.Hypot(pts[i][0]-pts[j][0], pts[i][1]-pts[j][1]) <= eps }
	core = make([]bool, n)
	for i := range pts {
		c := 0
		for j := range pts {
			if near(i, j) {
				c++
			}
		}
		core[i] = c >= minPts
	}
	comp = make([]int, n)
	for i := range comp {
		comp[i] = -1
	}
	next := 0
	for i := range pts {
		if !core[i] || comp[i] >= 0 {
			continue
		}
		stack := []int{i}
		comp[i] = next
		for len(stack) > 0 {
			a := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for b := range pts {
				if core[b] && comp[b] < 0 && near(a, b) {
					comp[b] = next
					stack = append(stack, b)
				}
			}
		}
		next++
	}
	clustered = make([]bool, n)
	for i := range pts {
		for j := range pts {
			if core[j] && near(i, j) {
				clustered[i] = true
			}
		}
	}
	return core, comp, clustered
}

func TestDBSCANBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var pts [][2]float64
	for c := 0; c < 6; c++ {
		cx, cy := rng.Float64()*2e5, rng.Float64()*2e5
		for k := 0; k < 60; k++ {
			pts = append(pts, [2]float64{cx + rng.NormFloat64()*3000, cy + rng.NormFloat64()*3000})
		}
	}
	for k := 0; k < 200; k++ {
		pts = append(pts, [2]float64{rng.Float64() * 2e5, rng.Float64() * 2e5})
	}
	tests := []struct {
		name   string
		eps    float64
		minPts int
	}{
		{"tight", 1500, 6},
		{"loose", 5000, 4},
		{"pairs", 4000, 2},
		{"every point", 1000, 1},
		{"nothing core", 100, 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := DBSCAN(context.Background(), pts, tc.eps, tc.minPts)
			if err != nil {
				t.Fatal(err)
			}
			core, comp, clustered := bruteDBSCAN(pts, tc.eps, tc.minPts)
			nComp := 0
			fwd := map[int32]int{}
			for i := range pts {
				if res.Core[i] != core[i] {
					t.Fatalf("point %d: core %v, brute force %v", i, res.Core[i], core[i])
				}
				if (res.Labels[i] != Noise) != clustered[i] {
					t.Fatalf("point %d: label %d, brute force clustered %v", i, res.Labels[i], clustered[i])
				}
				if core[i] {
					nComp = max(nComp, comp[i]+1)
					if c, ok := fwd[res.Labels[i]]; ok && c != comp[i] {
						t.Fatalf("cluster %d spans components %d and %d", res.Labels[i], c, comp[i])
					}
					fwd[res.Labels[i]] = comp[i]
				}
			}
			if res.NClusters != nComp {
				t.Fatalf("%d clusters, brute force %d", res.NClusters, nComp)
			}
			// Border points join the cluster of a core point within eps.
			for i := range pts {
				if res.Labels[i] == Noise || res.Core[i] {
					continue
				}
				ok := false
				for j := range pts {
					if res.Core[j] && res.Labels[j] == res.Labels[i] && math.Hypot(pts[i][0]-pts[j][0], pts[i][1]-pts[j][1]) <= tc.eps {
						ok = true
					}
				}
				if !ok {
					t.Fatalf("border point %d joined cluster %d without a core neighbour in it", i, res.Labels[i])
				}
			}
			total := 0
			for _, m := range res.Members() {
				total += len(m)
			}
			clusteredN := 0
			for _, c := range clustered {
				if c {
					clusteredN++
				}
			}
			if total != clusteredN {
				t.Fatalf("members %d, clustered %d", total, clusteredN)
			}
		})
	}
}

func TestDBSCANParams(t *testing.T) {
	if _, err := DBSCAN(context.Background(), nil, 0, 3); err == nil {
		t.Error("eps 0 accepted")
	}
	if _, err := DBSCAN(context.Background(), nil, 10, 0); err == nil {
		t.Error("min_points 0 accepted")
	}
	res, err := DBSCAN(context.Background(), nil, 10, 3)
	if err != nil || res.NClusters != 0 {
		t.Errorf("empty input: %+v %v", res, err)
	}
}

func TestConvexHull(t *testing.T) {
	tests := []struct {
		name string
		pts  [][2]float64
		want int // ring length, closed
	}{
		{"square with inner points", [][2]float64{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {1, 1}, {1, 0}, {0.5, 1.5}}, 5},
		{"two points", [][2]float64{{0, 0}, {1, 1}, {0, 0}}, 3},
		{"one point", [][2]float64{{3, 3}}, 2},
		{"empty", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := ConvexHull(tc.pts)
			if len(h) != tc.want {
				t.Fatalf("hull %v", h)
			}
			if len(h) >= 4 {
				r := make(orb.Ring, len(h))
				for i, p := range h {
					r[i] = orb.Point(p)
				}
				if r.Orientation() != orb.CCW {
					t.Fatal("hull not counter-clockwise")
				}
			}
		})
	}
}

func TestClustersEngine(t *testing.T) {
	var ix Index
	evs := syntheticEvents(5000, 61)
	if err := ix.Load(evs); err != nil {
		t.Fatal(err)
	}
	q := ClusterQuery{EpsM: 3000, MinPoints: 8, Filter: Filter{Kinds: []Kind{KindSeizure}}}
	res, err := Clusters(context.Background(), &ix, q)
	if err != nil {
		t.Fatal(err)
	}
	seizures := 0
	var kg float64
	for _, e := range evs {
		if e.Kind == KindSeizure {
			seizures++
		}
	}
	if res.NPoints != seizures || res.NClustered+res.NNoise != res.NPoints || len(res.Clusters) == 0 {
		t.Fatalf("points %d (want %d), clustered %d, noise %d, %d clusters", res.NPoints, seizures, res.NClustered, res.NNoise, len(res.Clusters))
	}
	byID := map[[16]byte]Event{}
	for _, e := range evs {
		byID[e.ID] = e
	}
	for _, c := range res.Clusters {
		if c.Count != len(c.Events) || c.Core < 1 || c.Core > c.Count {
			t.Fatalf("cluster %d: count %d core %d", c.ID, c.Count, c.Core)
		}
		want := map[Drug]float64{}
		for _, id := range c.Events {
			e := byID[id]
			if e.At.Before(c.Start) || e.At.After(c.End) {
				t.Fatalf("cluster %d: member time %v outside %v–%v", c.ID, e.At, c.Start, c.End)
			}
			for _, it := range e.Items {
				want[it.Drug] += float64(it.KG)
			}
			if len(c.Hull) >= 4 && !ringContainsOrOn(c.Hull, orb.Point{e.Lon, e.Lat}) {
				t.Fatalf("cluster %d: member %v outside its hull", c.ID, e)
			}
		}
		for d, v := range want {
			if math.Abs(c.KG[d]-v) > 1e-6*(1+v) {
				t.Fatalf("cluster %d: %v kg %v, want %v", c.ID, d, c.KG[d], v)
			}
			kg += v
		}
	}
	if kg == 0 {
		t.Fatal("no kg in any cluster")
	}
	// Restricted to a bbox, only events inside count.
	box := orb.Bound{Min: orb.Point{68.5, 36.5}, Max: orb.Point{70.5, 38}}
	res2, err := Clusters(context.Background(), &ix, ClusterQuery{EpsM: 3000, MinPoints: 8, Filter: q.Filter, Area: &Area{BBox: &box}})
	if err != nil {
		t.Fatal(err)
	}
	inBox := 0
	for _, e := range evs {
		if e.Kind == KindSeizure && box.Contains(orb.Point{e.Lon, e.Lat}) {
			inBox++
		}
	}
	if res2.NPoints != inBox {
		t.Fatalf("bbox: %d points, want %d", res2.NPoints, inBox)
	}
}

// ringContainsOrOn tests lon/lat containment in the LAEA plane, with a
// millimetre of slack for points on the hull.
func ringContainsOrOn(r orb.Ring, p orb.Point) bool {
	pr := ProjectRing(r)
	q := Project(p)
	for i := 0; i+1 < len(pr); i++ {
		a, b := pr[i], pr[i+1]
		if (b[0]-a[0])*(q[1]-a[1])-(b[1]-a[1])*(q[0]-a[0]) < -1e-3*math.Hypot(b[0]-a[0], b[1]-a[1]) {
			return false
		}
	}
	return true
}

// BenchmarkDBSCAN clusters the projected points of 1M synthetic events
// with eps 2 km and min_points 20.
func BenchmarkDBSCAN(b *testing.B) {
	evs := syntheticEvents(1_000_000, 1)
	pts := make([][2]float64, len(evs))
	for i, e := range evs {
		x, y := ProjectXY(e.Lon, e.Lat)
		pts[i] = [2]float64{x, y}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var res DBSCANResult
	for b.Loop() {
		var err error
		if res, err = DBSCAN(context.Background(), pts, 2000, 20); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.NClusters), "clusters")
}

func ExampleDBSCAN() {
	pts := [][2]float64{{0, 0}, {100, 0}, {0, 100}, {100, 100}, {5000, 5000}, {5100, 5000}, {20000, 0}}
	res, _ := DBSCAN(context.Background(), pts, 150, 3)
	fmt.Println(res.Labels, res.NClusters)
	// Output: [0 0 0 0 -1 -1 -1] 1
}

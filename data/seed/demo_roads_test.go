package seed_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/data/seed"
	"github.com/borderwatch/borderwatch/record"
)

// TestDemoRoadsOnlyWhereNoMappedRoadReaches imports one mapped road by
// the Panji Poyon bridge, imported before the countries were loaded, and
// runs the demo's roads: the road gets its country, no synthetic track is
// drawn to the crossing it reaches, every Tajik post farther than 5 km
// from it gets a synthetic track (kind synthetic) ending at the post, and
// no post of another country gets one (the road is Tajik).
func TestDemoRoadsOnlyWhereNoMappedRoadReaches(t *testing.T) {
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	road := record.Road{Name: "РБ11", Highway: "trunk", SpeedKPH: 70, Kind: record.RoadMapped,
		Line: orb.LineString{{68.6080, 37.2000}, {68.6300, 37.2600}, {68.6500, 37.3200}}}
	if _, err := s.ImportRoads(ctx, "osm", []record.Road{road}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Reference(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	sum, err := seed.DemoRoads(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sides != 0 || sum.Roads == 0 {
		t.Fatalf("summary %+v: want tracks to posts only", sum)
	}
	for _, tc := range []struct {
		name string
		sql  string
		want int
	}{
		{"mapped road without its country", `SELECT count(*) FROM roads WHERE kind = 'mapped' AND country IS DISTINCT FROM 'TJK'`, 0},
		{"synthetic roads not labelled so", `SELECT count(*) FROM roads WHERE source = 'synthetic' AND (kind <> 'synthetic' OR highway NOT LIKE 'synthetic%')`, 0},
		{"synthetic roads outside Tajikistan", `SELECT count(*) FROM roads WHERE kind = 'synthetic' AND country <> 'TJK'`, 0},
		{"tracks at the Panji Poyon crossing", `SELECT count(*) FROM roads r, crossings x WHERE r.kind = 'synthetic' AND x.name = 'Panji Poyon bridge'
			AND ST_DWithin(r.geom::geography, x.geom::geography, 1000)`, 0},
		{"far Tajik posts without a track", `SELECT count(*) FROM offices o
			WHERE o.country = 'TJK' AND o.kind IN ('mobit_base', 'border_outpost') AND o.geom IS NOT NULL
			  AND NOT ST_DWithin(o.geom::geography, (SELECT geom FROM roads WHERE kind = 'mapped')::geography, 5500)
			  AND NOT EXISTS (SELECT 1 FROM roads r WHERE r.kind = 'synthetic' AND ST_DWithin(r.geom, o.geom, 1e-6))`, 0},
	} {
		var got int
		if err := pool.QueryRow(ctx, tc.sql).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	var edges int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM road_edges e JOIN roads r ON r.id = e.road_id WHERE r.kind = 'synthetic'`).Scan(&edges); err != nil || edges == 0 {
		t.Errorf("the synthetic tracks are not in the road graph: %d edges, %v", edges, err)
	}
}

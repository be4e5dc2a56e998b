package data_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/geo"
)

// TestDBSCANMatchesPostGIS runs geo.DBSCAN and PostGIS
// ST_ClusterDBSCAN(ST_Transform(geom, geo.LAEAProj4), eps, minpoints) on
// the same random points and checks that they agree on the core points,
// on the partition of the core points into clusters, on the number of
// clusters and on the set of clustered points (border points may join
// different clusters; see geo.DBSCAN).
func TestDBSCANMatchesPostGIS(t *testing.T) {
	pool := datatest.Pool(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE dbscan_pts (i int PRIMARY KEY, geom geometry(Point, 4326) NOT NULL, xy geometry)`); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2024, 7))
	centres := [][2]float64{{69.4, 37.1}, {71.2, 38.0}, {64.5, 36.4}, {66.9, 37.3}, {73.0, 37.2}}
	var lons, lats []float64
	for i := 0; i < 600; i++ {
		var lon, lat float64
		if rng.IntN(3) > 0 {
			c := centres[rng.IntN(len(centres))]
			lon, lat = c[0]+rng.NormFloat64()*0.12, c[1]+rng.NormFloat64()*0.1
		} else {
			lon, lat = 60+rng.Float64()*16, 34+rng.Float64()*8
		}
		lons, lats = append(lons, lon), append(lats, lat)
	}
	const sqlInsert = `
INSERT INTO dbscan_pts (i, geom)
SELECT k - 1, ST_SetSRID(ST_MakePoint(lon, lat), 4326)
FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(lon, lat, k)`
	if _, err := conn.Exec(ctx, sqlInsert, lons, lats); err != nil {
		t.Fatal(err)
	}
	// The projected points, for the independent count of neighbours.
	if _, err := conn.Exec(ctx, `UPDATE dbscan_pts SET xy = ST_Transform(geom, $1::text)`, geo.LAEAProj4); err != nil {
		t.Fatal(err)
	}
	pts := make([][2]float64, len(lons))
	for i := range pts {
		x, y := geo.ProjectXY(lons[i], lats[i])
		pts[i] = [2]float64{x, y}
	}
	tests := []struct {
		name      string
		epsM      float64
		minPoints int
	}{
		{"eps 8 km min 5", 8000, 5},
		{"eps 15 km min 10", 15000, 10},
		{"eps 3 km min 3", 3000, 3},
		{"eps 40 km min 2", 40000, 2},
		{"min 1 clusters everything", 5000, 1},
	}
	const sqlCluster = `
SELECT i,
       ST_ClusterDBSCAN(ST_Transform(geom, $1::text), eps := $2, minpoints := $3) OVER () AS cid,
       (SELECT count(*) FROM dbscan_pts q WHERE ST_DWithin(q.xy, p.xy, $2)) AS nb
FROM dbscan_pts p
ORDER BY i`
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := conn.Query(ctx, sqlCluster, geo.LAEAProj4, tc.epsM, tc.minPoints)
			if err != nil {
				t.Fatal(err)
			}
			pgLabel := make([]int32, len(pts))
			pgCore := make([]bool, len(pts))
			pgClusters := map[int32]bool{}
			pgClustered := 0
			for rows.Next() {
				var i int
				var cid *int32
				var nb int64
				if err := rows.Scan(&i, &cid, &nb); err != nil {
					t.Fatal(err)
				}
				pgLabel[i] = -1
				if cid != nil {
					pgLabel[i] = *cid
					pgClusters[*cid] = true
					pgClustered++
				}
				pgCore[i] = nb >= int64(tc.minPoints)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			res, err := geo.DBSCAN(context.Background(), pts, tc.epsM, tc.minPoints)
			if err != nil {
				t.Fatal(err)
			}
			clustered := 0
			for i, l := range res.Labels {
				if l != geo.Noise {
					clustered++
				}
				if (l != geo.Noise) != (pgLabel[i] >= 0) {
					t.Errorf("point %d: label %d, PostGIS %d", i, l, pgLabel[i])
				}
				if res.Core[i] != pgCore[i] {
					t.Errorf("point %d: core %v, PostGIS ST_DWithin count says %v", i, res.Core[i], pgCore[i])
				}
			}
			if res.NClusters != len(pgClusters) {
				t.Errorf("%d clusters, PostGIS %d", res.NClusters, len(pgClusters))
			}
			if clustered != pgClustered {
				t.Errorf("%d clustered points, PostGIS %d", clustered, pgClustered)
			}
			// The core points' partitions must be equal: a bijection
			// between our labels and PostGIS's on core points.
			fwd, back := map[int32]int32{}, map[int32]int32{}
			for i := range pts {
				if !res.Core[i] {
					continue
				}
				a, b := res.Labels[i], pgLabel[i]
				if x, ok := fwd[a]; ok && x != b {
					t.Fatalf("core point %d: our cluster %d maps to PostGIS clusters %d and %d", i, a, x, b)
				}
				if x, ok := back[b]; ok && x != a {
					t.Fatalf("core point %d: PostGIS cluster %d maps to our clusters %d and %d", i, b, x, a)
				}
				fwd[a], back[b] = b, a
			}
			if res.NClusters < 2 && tc.minPoints > 1 {
				t.Errorf("only %d clusters; the test data should give several", res.NClusters)
			}
			t.Logf("%d clusters, %d clustered of %d points", res.NClusters, clustered, len(pts))
		})
	}
}

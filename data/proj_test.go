package data_test

import (
	"context"
	"math"
	"testing"

	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/geo"
)

// TestProjectionMatchesPostGIS compares geo.Project and geo.Unproject with
// PostGIS ST_Transform(geom, geo.LAEAProj4) on a grid across the study area
// (lon 60–76, lat 34–42): both directions must agree to 1 mm.
func TestProjectionMatchesPostGIS(t *testing.T) {
	pool := datatest.Pool(t)
	ctx := context.Background()
	var lons, lats []float64
	for lon := 60.0; lon <= 76.0001; lon += 0.25 {
		for lat := 34.0; lat <= 42.0001; lat += 0.25 {
			lons = append(lons, lon)
			lats = append(lats, lat)
		}
	}
	const sqlForward = `
SELECT ST_X(g), ST_Y(g)
FROM (SELECT k, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), $3::text) AS g
      FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(lon, lat, k)) s
ORDER BY k`
	rows, err := pool.Query(ctx, sqlForward, lons, lats, geo.LAEAProj4)
	if err != nil {
		t.Fatal(err)
	}
	var xs, ys []float64
	worst := 0.0
	for i := 0; rows.Next(); i++ {
		var x, y float64
		if err := rows.Scan(&x, &y); err != nil {
			t.Fatal(err)
		}
		xs, ys = append(xs, x), append(ys, y)
		gx, gy := geo.ProjectXY(lons[i], lats[i])
		d := math.Hypot(gx-x, gy-y)
		worst = math.Max(worst, d)
		if d > 1e-3 {
			t.Errorf("Project(%v, %v) = %.4f, %.4f; PostGIS %.4f, %.4f (%.3g m apart)", lons[i], lats[i], gx, gy, x, y, d)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(xs) != len(lons) {
		t.Fatalf("PostGIS returned %d points, want %d", len(xs), len(lons))
	}
	t.Logf("forward: %d points, largest difference %.3g m", len(xs), worst)

	const sqlInverse = `
SELECT ST_X(g), ST_Y(g)
FROM (SELECT k, ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 0), $3::text, 4326) AS g
      FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(x, y, k)) s
ORDER BY k`
	rows, err = pool.Query(ctx, sqlInverse, xs, ys, geo.LAEAProj4)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	worst = 0
	for i := 0; rows.Next(); i++ {
		var lon, lat float64
		if err := rows.Scan(&lon, &lat); err != nil {
			t.Fatal(err)
		}
		glon, glat := geo.UnprojectXY(xs[i], ys[i])
		// Compare on the ground: project both back with the same forward.
		ax, ay := geo.ProjectXY(lon, lat)
		bx, by := geo.ProjectXY(glon, glat)
		d := math.Hypot(ax-bx, ay-by)
		worst = math.Max(worst, d)
		if d > 1e-3 {
			t.Errorf("Unproject(%v, %v) = %.10f, %.10f; PostGIS %.10f, %.10f (%.3g m apart)", xs[i], ys[i], glon, glat, lon, lat, d)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("inverse: largest difference %.3g m", worst)
}

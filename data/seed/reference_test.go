package seed_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/data/seed"
)

// countRows returns the result of a count query.
func countRows(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestReference(t *testing.T) {
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	var steps []string
	sum, err := seed.Reference(ctx, s, func(table string, rows int) { steps = append(steps, table) })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Countries != 5 || sum.Borders != 6 || sum.Provinces != 66 || sum.Crossings != 10 || sum.Offices != 32 {
		t.Errorf("summary %+v", sum)
	}
	if sum.Seizures != 64 || sum.SeizuresSkipped != 1 {
		t.Errorf("seizures %d, skipped %d; want 64 and 1", sum.Seizures, sum.SeizuresSkipped)
	}
	if len(steps) != 9 {
		t.Errorf("progress steps %v", steps)
	}
	check := func() {
		t.Helper()
		for _, tc := range []struct {
			name string
			sql  string
			want int
		}{
			{"countries", `SELECT count(*) FROM countries`, 5},
			{"borders", `SELECT count(*) FROM borders WHERE id IN ('AFG-TJK','AFG-UZB','AFG-TKM','KGZ-TJK','KGZ-UZB','TJK-UZB')`, 6},
			{"provinces", `SELECT count(*) FROM provinces`, 66},
			{"places", `SELECT count(*) FROM places`, sum.Places},
			{"rivers", `SELECT count(*) FROM rivers`, 16},
			{"crossings", `SELECT count(*) FROM crossings`, 10},
			{"offices", `SELECT count(*) FROM offices WHERE NOT synthetic`, 32},
			{"unmapped offices", `SELECT count(*) FROM offices WHERE geom IS NULL`, 12},
			{"seizures", `SELECT count(*) FROM events WHERE NOT synthetic AND kind = 'seizure' AND sharing = 'regional'`, 64},
			{"seizure S001", `SELECT count(*) FROM events WHERE source_ref = 'S001' AND agency_id = 'ru-fps'`, 1},
			{"multi-drug seizure S037", `SELECT jsonb_array_length(items) FROM events WHERE source_ref = 'S037'`, 3},
			{"seizure time precision", `SELECT count(*) FROM events WHERE source_ref ~ '^S[0-9]{3}$' AND time_precision IN ('day','month','year')`, 64},
			// The Natural Earth piece fills the AFG–TKM gap east of Imamnazar.
			{"AFG-TKM gap filled", `SELECT count(*) FROM borders WHERE id = 'AFG-TKM'
				AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(65.625, 37.41), 4326)::geography, 5000)
				AND license LIKE '%Natural Earth%' AND source LIKE '%OpenStreetMap%'`, 1},
			{"border lengths", `SELECT count(*) FROM borders WHERE length_km BETWEEN 100 AND 1500`, 6},
			{"valid", `SELECT count(*) FROM countries WHERE ST_IsValid(geom)`, 5},
		} {
			if got := countRows(t, pool, tc.sql); got != tc.want {
				t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
			}
		}
	}
	check()
	if sum.Places < 500 {
		t.Errorf("only %d places", sum.Places)
	}
	v1 := countRows(t, pool, `SELECT sum(version)::int FROM events`)
	// A second run replaces rather than duplicates and leaves unchanged
	// seizures untouched.
	sum2, err := seed.Reference(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum2 != sum {
		t.Errorf("second run %+v, first %+v", sum2, sum)
	}
	check()
	if v2 := countRows(t, pool, `SELECT sum(version)::int FROM events`); v2 != v1 {
		t.Errorf("re-seeding bumped event versions: %d -> %d", v1, v2)
	}
}

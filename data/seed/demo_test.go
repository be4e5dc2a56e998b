package seed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/data/seed"
	"github.com/borderwatch/borderwatch/record"
)

// sqlDemoFingerprint hashes the synthetic history in a stable order, leaving
// out the columns the database fills in.
const sqlDemoFingerprint = `SELECT md5(string_agg(concat_ws('|', id, kind, occurred_at, time_precision,
	ST_AsText(geom), accuracy_m, place, agency_id, sharing, source_ref, joint_operation_id, items::text, category,
	severity, persons_detained), ',' ORDER BY source_ref)) FROM events WHERE synthetic`

func TestDemo(t *testing.T) {
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	if _, err := seed.Demo(ctx, s, seed.DemoOptions{Events: 10, Seed: 1}); err == nil {
		t.Fatal("Demo without reference data succeeded")
	}
	if _, err := seed.Reference(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	opts := seed.DemoOptions{Events: 4000, Seed: 7}
	sum, err := seed.Demo(ctx, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 4000 || sum.Seizures+sum.Incidents != 4000 || sum.Seizures < 2000 || sum.Incidents < 1000 {
		t.Errorf("summary %+v", sum)
	}
	// Every team drives a shift of up to its shift hours, a fix every
	// 2 minutes, every third day for 60 days: 20 shifts.
	if sum.JointOperations < 40 || sum.Teams < 8 || sum.Teams > 12 || len(sum.Clusters) != 6 ||
		sum.TrackFixes < sum.Teams*20*60 || sum.TrackFixes > sum.Teams*20*12*30 {
		t.Errorf("ops %d teams %d clusters %d track fixes %d", sum.JointOperations, sum.Teams, len(sum.Clusters), sum.TrackFixes)
	}
	// The drug mix by weight follows Tajikistan's DCA in 2008.
	for drug, want := range map[string]float64{"heroin": 349.0 / 1317, "opium": 574.0 / 1317, "cannabis": 360.0 / 1317} {
		if got := sum.DrugKG[drug] / sum.TotalKG; math.Abs(got-want) > 0.005 {
			t.Errorf("%s share %.3f, want %.3f", drug, got, want)
		}
	}
	for _, tc := range []struct {
		name string
		sql  string
		want int
	}{
		{"events", `SELECT count(*) FROM events WHERE synthetic AND source_ref LIKE 'synthetic-7-%'`, 4000},
		{"real seizures kept", `SELECT count(*) FROM events WHERE NOT synthetic`, 64},
		{"near the border", `SELECT count(*) FROM events e WHERE e.synthetic AND NOT EXISTS (
			SELECT 1 FROM borders b WHERE ST_DWithin(b.geom, e.geom, 0.4))`, 0},
		{"joint operations have partners", `SELECT count(*) FROM joint_operations j WHERE synthetic AND
			(SELECT count(*) FROM joint_operation_agencies a WHERE a.operation_id = j.id) < 2`, 0},
		{"teams at their bases in their country", `SELECT count(*) FROM teams t JOIN offices o ON o.id = t.base_office
			JOIN countries c ON c.iso3 = t.country
			WHERE t.synthetic AND o.kind = 'mobit_base' AND o.synthetic AND ST_Intersects(c.geom, t.geom)`, sum.Teams},
		{"teams per country", `SELECT count(*) FROM (SELECT country FROM teams GROUP BY country HAVING count(*) BETWEEN 2 AND 3) s`, 4},
		{"several years", `SELECT count(DISTINCT extract(year FROM occurred_at))::int FROM events WHERE synthetic`, 10},
		{"agencies", `SELECT count(DISTINCT agency_id)::int FROM events WHERE synthetic`, 16},
		{"sharing levels", `SELECT count(DISTINCT sharing)::int FROM events WHERE synthetic`, 3},
		{"every team has synthetic tracks", `SELECT count(DISTINCT team_id)::int FROM position_records p JOIN teams t ON t.id = p.team_id
			WHERE p.synthetic AND t.synthetic AND p.source = 'gpx' AND p.device_id IS NULL`, sum.Teams},
		{"track fixes", `SELECT count(*) FROM position_records WHERE synthetic`, sum.TrackFixes},
		{"no unlabelled tracks", `SELECT count(*) FROM position_records WHERE NOT synthetic`, 0},
		{"tracks in the last days of the history", `SELECT count(*) FROM position_records
			WHERE fix_time < timestamptz '2026-01-01' - interval '60 days' OR fix_time >= '2026-01-01'`, 0},
		{"tracks are no live stream entries", `SELECT count(*) FROM stream_entries WHERE type = 'position'`, 0},
		{"tracks stay within 45 km of their base", `SELECT count(*) FROM position_records p JOIN teams t ON t.id = p.team_id
			WHERE ST_Distance(p.geom::geography, t.geom::geography) > 45000`, 0},
	} {
		var got int
		if err := pool.QueryRow(ctx, tc.sql).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
	// Every event lies on its reporting agency's side of the border (the
	// Russian border guards served in Tajikistan).
	inside := 0
	for _, iso := range []string{"AFG", "KGZ", "TJK", "TKM", "UZB"} {
		inside += countRows(t, pool, `SELECT count(*) FROM event_records e JOIN agencies a ON a.id = e.agency_id
			WHERE e.synthetic AND CASE a.country WHEN 'RUS' THEN 'TJK' ELSE a.country END = $1
			AND ST_Intersects((SELECT geom FROM countries WHERE iso3 = $1), e.geom)`, iso)
	}
	if inside != 4000 {
		t.Errorf("%d of 4000 events lie in their agency's country", inside)
	}
	checkAdmissible(t, s, pool)
	// The DCA's average year is the real 2008 total.
	var dcaKG float64
	if err := pool.QueryRow(ctx, `SELECT sum(total_kg) / 10 FROM events WHERE synthetic AND agency_id = 'tj-dca'`).Scan(&dcaKG); err != nil {
		t.Fatal(err)
	}
	if math.Abs(dcaKG-1317) > 5 {
		t.Errorf("DCA seizes %.0f kg a year, want about 1317", dcaKG)
	}
	// Late summer is busier than winter.
	var summer, winter int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE extract(month FROM occurred_at) IN (7, 8, 9, 10)),
		count(*) FILTER (WHERE extract(month FROM occurred_at) IN (1, 2, 3, 12)) FROM events WHERE synthetic`).Scan(&summer, &winter); err != nil {
		t.Fatal(err)
	}
	if float64(summer) < 1.3*float64(winter) {
		t.Errorf("summer %d events, winter %d", summer, winter)
	}
	// Emerging clusters are busier in the last two years than in the
	// first five, diminishing ones the other way round.
	for _, c := range sum.Clusters {
		var early, late int
		err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE occurred_at < '2021-01-01'),
			count(*) FILTER (WHERE occurred_at >= '2024-01-01') FROM events
			WHERE synthetic AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, 8000)`,
			c.Location[0], c.Location[1]).Scan(&early, &late)
		if err != nil {
			t.Fatal(err)
		}
		switch c.Trend {
		case "emerging":
			if late < 3*early/2+10 {
				t.Errorf("emerging %s: %d early, %d late", c.Name, early, late)
			}
		case "diminishing":
			if early < 3*late+10 {
				t.Errorf("diminishing %s: %d early, %d late", c.Name, early, late)
			}
		}
	}
	// Same seed, same history; re-running replaces it.
	var fp1, fp2, fp3 string
	if err := pool.QueryRow(ctx, sqlDemoFingerprint).Scan(&fp1); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, s, opts); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, sqlDemoFingerprint).Scan(&fp2); err != nil {
		t.Fatal(err)
	}
	if fp1 != fp2 {
		t.Error("the same seed gave a different history")
	}
	if _, err := seed.Demo(ctx, s, seed.DemoOptions{Events: 4000, Seed: 8,
		From: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, sqlDemoFingerprint).Scan(&fp3); err != nil {
		t.Fatal(err)
	}
	if fp3 == fp1 {
		t.Error("another seed gave the same history")
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE synthetic AND occurred_at >= '2019-01-01' AND occurred_at < '2021-01-01'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4000 {
		t.Errorf("%d events in the requested interval after regenerating", n)
	}
}

// checkAdmissible holds every stored event (the synthetic history and the
// real reported seizures) to the rules of a new record: valid, not in the
// future, in the covered area, quantities plausible (none needs a
// confirmation).
func checkAdmissible(t *testing.T, s *data.Store, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	area, ok, err := s.LoadArea(ctx, data.DefaultAreaCountries, data.DefaultAreaMarginKM)
	if err != nil || !ok {
		t.Fatalf("LoadArea: %v %v", ok, err)
	}
	rows, err := pool.Query(ctx, `SELECT source_ref, kind, occurred_at, ST_X(geom), ST_Y(geom), agency_id, items,
		coalesce(category, ''), coalesce(severity, 0) FROM event_records`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, bad := 0, 0
	for rows.Next() {
		var (
			ref   string
			e     record.Event
			items []byte
		)
		if err := rows.Scan(&ref, &e.Kind, &e.OccurredAt, &e.Location[0], &e.Location[1], &e.AgencyID, &items, &e.Category, &e.Severity); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(items, &e.Items); err != nil {
			t.Fatal(err)
		}
		n++
		e.Normalize()
		err := errors.Join(e.Validate(), e.Admit(time.Now(), area))
		for _, it := range e.Items {
			if it.ConfirmedImplausible {
				err = errors.Join(err, fmt.Errorf("%s needs a confirmation", it.Drug))
			}
		}
		if err != nil && bad < 10 {
			t.Errorf("%s: %v", ref, err)
		}
		if err != nil {
			bad++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if bad > 0 || n < 4064 {
		t.Errorf("%d of %d stored events break the rules of a new record", bad, n)
	}
}

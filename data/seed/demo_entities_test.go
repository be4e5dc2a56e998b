package seed_test

import (
	"context"
	"testing"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/data/seed"
)

// TestDemoEntities: the demo's entities are labelled synthetic, linked to
// seizures of their own agencies, and a second run replaces them.
func TestDemoEntities(t *testing.T) {
	pool := datatest.Pool(t)
	s := data.NewFromPool(pool)
	ctx := context.Background()
	if _, err := seed.Reference(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, s, seed.DemoOptions{Events: 3000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	var first seed.DemoEntitiesSummary
	for run := 0; run < 2; run++ {
		sum, err := seed.DemoEntities(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			first = sum
		}
		if sum != first || sum.Entities != 9 || sum.Links != 6 || sum.EventLinks < 8 {
			t.Fatalf("run %d: %+v (first %+v)", run, sum, first)
		}
	}
	for _, tc := range []struct {
		name string
		sql  string
		want int
	}{
		{"entities", `SELECT count(*) FROM entity_records WHERE synthetic AND notes LIKE 'synthetic demo record%'`, 9},
		{"not synthetic", `SELECT count(*) FROM entity_records WHERE NOT synthetic`, 0},
		{"scripts", `SELECT count(DISTINCT script)::int FROM entity_records WHERE kind = 'person'`, 3},
		{"links to others' or real events", `SELECT count(*) FROM event_entity_records l JOIN event_records e ON e.id = l.event_id
			JOIN entity_records n ON n.id = l.entity_id WHERE NOT e.synthetic OR e.agency_id <> n.agency_id OR e.kind <> 'seizure'`, 0},
		{"plate keys", `SELECT count(*) FROM entity_key_records WHERE kind = 'plate'`, 3},
	} {
		if got := countRows(t, pool, tc.sql); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

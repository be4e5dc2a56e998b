package data_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/record"
)

// TestVocabulariesMatchDatabase holds the database's CHECK constraints to
// the one source of each vocabulary in Go: a value added on one side only
// fails here.
func TestVocabulariesMatchDatabase(t *testing.T) {
	pool := datatest.Pool(t)
	ctx := context.Background()
	quoted := regexp.MustCompile(`'([a-z_]+)'`)
	column := func(table, col string) []string {
		t.Helper()
		var def string
		err := pool.QueryRow(ctx, `SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
			WHERE c.conrelid = $1::regclass AND c.contype = 'c' AND cardinality(c.conkey) = 1 AND a.attname = $2`,
			table, col).Scan(&def)
		if err != nil {
			t.Fatalf("CHECK constraint of %s.%s: %v", table, col, err)
		}
		var vals []string
		for _, m := range quoted.FindAllStringSubmatch(def, -1) {
			vals = append(vals, m[1])
		}
		return vals
	}
	var items string
	if err := pool.QueryRow(ctx, `SELECT pg_get_functiondef('bw_valid_items(jsonb)'::regprocedure)`).Scan(&items); err != nil {
		t.Fatal(err)
	}
	jsonpathValues := func(field string) []string {
		var vals []string
		for _, m := range regexp.MustCompile(`@\.`+field+` == "([a-z_]+)"`).FindAllStringSubmatch(items, -1) {
			vals = append(vals, m[1])
		}
		return vals
	}
	cases := []struct {
		name        string
		goVals, sql []string
	}{
		{"event kind", record.Kinds(), column("event_records", "kind")},
		{"time precision", record.TimePrecisions(), column("event_records", "time_precision")},
		{"sharing level", record.SharingLevels(), column("event_records", "sharing")},
		{"incident category", record.Categories(), column("event_records", "category")},
		{"drug", record.Drugs(), jsonpathValues("drug")},
		{"unit", record.Units(), jsonpathValues("unit")},
		{"qualifier", record.Qualifiers(), jsonpathValues("qualifier")},
		{"entity kind", record.EntityKinds(), column("entity_records", "kind")},
		{"road kind", record.RoadKinds, column("roads", "kind")},
		{"entity sharing level", record.SharingLevels(), column("entity_records", "sharing")},
		{"vehicle kind", record.VehicleKinds(), column("entity_records", "vehicle_kind")},
		{"event role", record.EventRoles(), column("event_entity_records", "role")},
		{"link role", record.LinkRoles(), column("entity_link_records", "role")},
		{"key kind", record.KeyKinds(), column("entity_key_records", "kind")},
		{"user role", data.Roles(), column("users", "role")},
		{"token role", data.Roles(), column("api_tokens", "role")},
		{"message kind", data.MessageKinds(), column("messages", "kind")},
		{"message urgency", data.MessageUrgencies(), column("messages", "urgency")},
		{"stream entry type", data.StreamTypes(), column("stream_entries", "type")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, s := slices.Clone(tc.goVals), slices.Clone(tc.sql)
			slices.Sort(g)
			slices.Sort(s)
			if len(g) == 0 || !slices.Equal(g, s) {
				t.Errorf("Go has %v, the database's CHECK allows %v", g, s)
			}
		})
	}
}

// TestVocabularyCopies checks that the exported vocabularies are copies:
// changing one changes no validation.
func TestVocabularyCopies(t *testing.T) {
	d := record.Drugs()
	d[0] = "sugar"
	if record.Drugs()[0] == "sugar" {
		t.Fatal("record.Drugs hands out its own slice")
	}
	r := data.Roles()
	r[0] = "root"
	if data.Roles()[0] == "root" {
		t.Fatal("data.Roles hands out its own slice")
	}
}

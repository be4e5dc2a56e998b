package data_test

import (
	"context"
	"testing"

	"github.com/borderwatch/borderwatch/data/datatest"
)

// TestItemFunctions checks the database's own item checks, which guard
// every write even when the service's validation is bypassed.
func TestItemFunctions(t *testing.T) {
	pool := datatest.Pool(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		items string
		valid bool
		kg    float64
	}{
		{"empty", `[]`, true, 0},
		{"one kg item", `[{"drug": "heroin", "quantity": 12.5, "unit": "kg"}]`, true, 12.5},
		{"kg and litres", `[{"drug": "opium", "quantity": 3, "unit": "kg", "qualifier": "about"}, {"drug": "precursors", "quantity": 200, "unit": "l"}]`, true, 3},
		{"null qualifier", `[{"drug": "hashish", "quantity": 1, "unit": "kg", "qualifier": null}]`, true, 1},
		{"zero quantity", `[{"drug": "other", "quantity": 0, "unit": "kg"}]`, true, 0},
		{"not an array", `{"drug": "heroin", "quantity": 1, "unit": "kg"}`, false, 0},
		{"element not an object", `["heroin"]`, false, 0},
		{"missing drug", `[{"quantity": 1, "unit": "kg"}]`, false, 0},
		{"unknown drug", `[{"drug": "krokodil", "quantity": 1, "unit": "kg"}]`, false, 0},
		{"drug as array", `[{"drug": ["heroin"], "quantity": 1, "unit": "kg"}]`, false, 0},
		{"quantity as string", `[{"drug": "heroin", "quantity": "1", "unit": "kg"}]`, false, 0},
		{"negative quantity", `[{"drug": "heroin", "quantity": -1, "unit": "kg"}]`, false, 0},
		{"missing unit", `[{"drug": "heroin", "quantity": 1}]`, false, 0},
		{"unknown unit", `[{"drug": "heroin", "quantity": 1, "unit": "lb"}]`, false, 0},
		{"unknown qualifier", `[{"drug": "heroin", "quantity": 1, "unit": "kg", "qualifier": "roughly"}]`, false, 0},
		{"qualifier not a string", `[{"drug": "heroin", "quantity": 1, "unit": "kg", "qualifier": 3}]`, false, 0},
		{"second element bad", `[{"drug": "heroin", "quantity": 1, "unit": "kg"}, {"drug": "heroin", "quantity": -2, "unit": "kg"}]`, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var valid bool
			if err := pool.QueryRow(ctx, `SELECT bw_valid_items($1::jsonb)`, tc.items).Scan(&valid); err != nil {
				t.Fatal(err)
			}
			if valid != tc.valid {
				t.Errorf("bw_valid_items = %v, want %v", valid, tc.valid)
			}
			if !tc.valid {
				return
			}
			var kg float64
			if err := pool.QueryRow(ctx, `SELECT bw_items_kg($1::jsonb)`, tc.items).Scan(&kg); err != nil {
				t.Fatal(err)
			}
			if kg != tc.kg {
				t.Errorf("bw_items_kg = %v, want %v", kg, tc.kg)
			}
		})
	}
}

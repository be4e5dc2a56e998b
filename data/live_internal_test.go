package data

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestParseItemsMatchesEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		// fast: the scanner reads it itself, without encoding/json.
		fast bool
	}{
		{"jsonb output", `[{"drug": "heroin", "unit": "kg", "quantity": 12.5, "qualifier": "exact"}]`, true},
		{"two items", `[{"drug": "opium", "unit": "l", "quantity": 3}, {"drug": "hashish", "unit": "kg", "quantity": 1e2}]`, true},
		{"compact", `[{"drug":"other","quantity":0.25,"unit":"kg"}]`, true},
		{"empty", `[]`, true},
		{"escape", `[{"drug": "her\u006fin", "unit": "kg", "quantity": 1}]`, false},
		{"nested", `[{"drug": "heroin", "unit": "kg", "quantity": 1, "extra": {"a": 1}}]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := scanItems([]byte(tc.in), nil); ok != tc.fast {
				t.Errorf("scanItems ok = %v, want %v", ok, tc.fast)
			}
			got, err := parseItems([]byte(tc.in), nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []liveItem
			if err := json.Unmarshal([]byte(tc.in), &want); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("parseItems = %+v, encoding/json %+v", got, want)
			}
		})
	}
	if _, err := parseItems([]byte(`[{"drug": `), nil); err == nil {
		t.Error("truncated input accepted")
	}
}

// BenchmarkParseItems reads items as the live index gets them from
// PostgreSQL, one and two per seizure.
func BenchmarkParseItems(b *testing.B) {
	in := [][]byte{
		[]byte(`[{"drug": "heroin", "unit": "kg", "quantity": 12.5, "qualifier": "exact"}]`),
		[]byte(`[{"drug": "opium", "unit": "l", "quantity": 3}, {"drug": "hashish", "unit": "kg", "quantity": 102.75}]`),
	}
	b.ReportAllocs()
	var out []liveItem
	for i := 0; i < b.N; i++ {
		var err error
		if out, err = parseItems(in[i%2], out[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

package data

import (
	"encoding/json"
	"testing"

	"github.com/borderwatch/borderwatch/record"
)

func TestAppendItemsJSON(t *testing.T) {
	cases := []struct {
		name  string
		items []record.Item
	}{
		{"none", nil},
		{"one", []record.Item{{Drug: "heroin", Quantity: 12.5, Unit: "kg"}}},
		{"qualifier", []record.Item{{Drug: "opium", Quantity: 3, Unit: "kg", Qualifier: "about"}, {Drug: "precursors", Quantity: 200, Unit: "l"}}},
		{"tiny and huge", []record.Item{{Drug: "other", Quantity: 1e-9, Unit: "kg"}, {Drug: "other", Quantity: 3e22, Unit: "l"}}},
		{"zero", []record.Item{{Drug: "other", Quantity: 0, Unit: "kg"}}},
		{"escapes", []record.Item{{Drug: "a\"b\\c<é>\n", Quantity: 0.1, Unit: "kg"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items := tc.items
			if items == nil {
				items = []record.Item{}
			}
			want, err := json.Marshal(items)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendItemsJSON(nil, tc.items)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

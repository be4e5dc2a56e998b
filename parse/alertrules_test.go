package parse

import (
	"slices"
	"testing"

	"github.com/borderwatch/borderwatch/record"
)

func TestAlertRule(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		fields []string // offending fields; nil: accepted
	}{
		{"drawn zone", `{"name":"Dam","kind":"zone_enter","zone_source":"drawn","zone":{"type":"Polygon","coordinates":[[[68,37],[69,37],[69,38],[68,37]]]}}`, nil},
		{"feature zone", `{"name":"Dam","kind":"zone_leave","team":3,"zone_source":"hotspot","zone":{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[68,37],[69,37],[69,38],[68,37]]]]}}}`, nil},
		{"sector zone", `{"name":"S","kind":"zone_enter","zone_source":"sector","sector":"tjk-1"}`, nil},
		{"battery", `{"name":"B","kind":"battery_low","battery_pct":15}`, nil},
		{"immobile", `{"name":"I","kind":"immobile","minutes":20,"distance_m":100,"base_m":1500}`, nil},
		{"border cross", `{"name":"X","kind":"border_cross"}`, nil},
		{"no name", `{"kind":"border_cross"}`, []string{"name"}},
		{"bad kind", `{"name":"n","kind":"teleport"}`, []string{"kind"}},
		{"zone without source", `{"name":"n","kind":"zone_enter","zone":{"type":"Polygon","coordinates":[[[68,37],[69,37],[69,38],[68,37]]]}}`, []string{"zone_source"}},
		{"open ring", `{"name":"n","kind":"zone_enter","zone_source":"drawn","zone":{"type":"Polygon","coordinates":[[[68,37],[69,37],[69,38],[68,38]]]}}`, []string{"zone"}},
		{"point zone", `{"name":"n","kind":"zone_enter","zone_source":"drawn","zone":{"type":"Point","coordinates":[68,37]}}`, []string{"zone"}},
		{"zone on battery rule", `{"name":"n","kind":"battery_low","battery_pct":10,"zone_source":"drawn"}`, []string{"zone"}},
		{"battery range", `{"name":"n","kind":"battery_low","battery_pct":100}`, []string{"battery_pct"}},
		{"minutes missing", `{"name":"n","kind":"silent"}`, []string{"minutes"}},
		{"distance type", `{"name":"n","kind":"border_near","distance_m":"far"}`, []string{"distance_m"}},
		{"unknown field", `{"name":"n","kind":"silent","minutes":5,"colour":"red"}`, []string{"body"}},
		{"team zero", `{"name":"n","kind":"silent","minutes":5,"team":0}`, []string{"team"}},
		{"team as the collections give it", `{"name":"n","kind":"silent","minutes":5,"team":"3"}`, nil},
		{"team neither number nor digits", `{"name":"n","kind":"silent","minutes":5,"team":"three"}`, []string{"team"}},
		{"two objects", `{"name":"n","kind":"border_cross"}{}`, []string{"body"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := AlertRule([]byte(tc.body))
			got := record.FieldNames(err)
			if !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v (err %v)", got, tc.fields, err)
			}
		})
	}
}

func FuzzAlertRule(f *testing.F) {
	f.Add(`{"name":"Dam","kind":"zone_enter","zone_source":"drawn","zone":{"type":"Polygon","coordinates":[[[68,37],[69,37],[69,38],[68,37]]]}}`)
	f.Add(`{"name":"B","kind":"battery_low","battery_pct":15}`)
	f.Add(`{"name":"S","kind":"zone_enter","zone_source":"sector","sector":"tjk-1"}`)
	f.Add(`{"name":"n","kind":"zone_enter","zone":{"type":"Feature","geometry":null}}`)
	f.Fuzz(func(t *testing.T, body string) {
		r, err := AlertRule([]byte(body))
		if err != nil {
			if record.FieldNames(err) == nil {
				t.Fatalf("error names no field: %v", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted rule fails validation: %v", err)
		}
	})
}

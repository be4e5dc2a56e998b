package geo

import (
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/cql2"
)

func TestWhereItemsAndNulls(t *testing.T) {
	at := time.Date(2023, 5, 10, 12, 0, 0, 0, time.UTC)
	events := map[string]Event{
		"heroin12":  {Kind: KindSeizure, At: at, Agency: 0, Sharing: SharingRegional, Lon: 69, Lat: 37.5, Items: []Item{{DrugHeroin, 12}, {DrugOpium, 3}}},
		"heroin5op": {Kind: KindSeizure, At: at, Agency: 1, Sharing: SharingAgency, Lon: 71, Lat: 38, Items: []Item{{DrugHeroin, 5}, {DrugOpium, 40}}},
		"clash":     {Kind: KindIncident, At: at.AddDate(0, 1, 0), Agency: 1, Sharing: SharingBilateral, Category: CategoryArmedClash, Severity: 4, Lon: 69.5, Lat: 37.2},
		"lowclash":  {Kind: KindIncident, At: at.AddDate(-1, 0, 0), Agency: 0, Sharing: SharingRegional, Category: CategoryArrest, Severity: 1, Lon: 68, Lat: 36},
	}
	agencies := []string{"tj-customs", "af-border"}
	cases := []struct {
		filter string
		want   []string
	}{
		{`drug = 'heroin' AND quantity_kg > 10`, []string{"heroin12"}},
		{`drug = 'heroin' AND quantity_kg > 10 AND agency = 'tj-customs'`, []string{"heroin12"}},
		{`severity >= 3`, []string{"clash"}},
		{`NOT severity >= 3`, []string{"lowclash"}}, // seizures' severity is null
		{`severity IS NULL`, []string{"heroin12", "heroin5op"}},
		{`agency LIKE 'af-%'`, []string{"clash", "heroin5op"}},
		{`S_INTERSECTS(geometry, POLYGON((68.5 37, 70 37, 70 38, 68.5 38, 68.5 37)))`, []string{"clash", "heroin12"}},
		{`T_INTERSECTS(occurred_at, INTERVAL('2023-05-10', '2023-05-10'))`, []string{"heroin12", "heroin5op"}},
		{`T_BEFORE(occurred_at, DATE('2023-01-01'))`, []string{"lowclash"}},
		{`kind IN ('incident') AND sharing <> 'regional'`, []string{"clash"}},
	}
	for _, tc := range cases {
		t.Run(tc.filter, func(t *testing.T) {
			x, err := ParseWhere(tc.filter, "", "", IndexQueryables)
			if err != nil {
				t.Fatal(err)
			}
			match, err := compileWhere(x, agencies)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, name := range []string{"clash", "heroin12", "heroin5op", "lowclash"} {
				e := events[name]
				if match(&e) {
					got = append(got, name)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("matched %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("matched %v, want %v", got, tc.want)
				}
			}
		})
	}
	if _, err := ParseWhere("synthetic = true", "", "", IndexQueryables); err == nil {
		t.Error("a queryable the index lacks was accepted")
	}
	// A collection's queryables beyond the index's are accepted where the
	// collection offers them.
	withSynthetic := cql2.Queryables{"synthetic": cql2.TypeBool}
	for k, v := range IndexQueryables {
		withSynthetic[k] = v
	}
	if _, err := ParseWhere("synthetic = true AND kind = 'seizure'", "", "", withSynthetic); err != nil {
		t.Errorf("synthetic, a queryable of the collection: %v", err)
	}
}

package api

import (
	"testing"

	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/planner"
)

// TestLegNote checks the words for legs on mapped, synthetic and inferred
// roads.
func TestLegNote(t *testing.T) {
	for _, tc := range []struct {
		name string
		leg  planner.RouteLeg
		want string
	}{
		{"mapped roads only", planner.RouteLeg{LengthKM: 12, KindKM: map[string]float64{}}, ""},
		{"synthetic track", planner.RouteLeg{LengthKM: 12, KindKM: map[string]float64{"synthetic": 3.24}}, "way: 3.2 km on synthetic track"},
		{"both", planner.RouteLeg{LengthKM: 12, KindKM: map[string]float64{"synthetic": 1, "inferred": 0.5}},
			"way: 1.0 km on synthetic track, 0.5 km on inferred connector"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := geojson.Properties{}
			setLegProps(p, "leg_", tc.leg)
			if got := legNote(p, "leg_"); got != tc.want {
				t.Errorf("legNote %q, want %q", got, tc.want)
			}
			if p["leg_unmapped"] != (tc.want != "") {
				t.Errorf("leg_unmapped %v", p["leg_unmapped"])
			}
		})
	}
}

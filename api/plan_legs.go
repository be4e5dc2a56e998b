package api

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/planner"
)

// legKinds are the road kinds a leg of a plan is flagged for, with the
// words the exports use: roads not mapped, which a team should expect to
// be rough or absent on the ground.
var legKinds = []struct{ kind, words string }{
	{"synthetic", "synthetic track"},
	{"inferred", "inferred connector"},
}

// setLegProps writes the part of leg on synthetic tracks and inferred
// connectors, in km, into p under prefix ("leg_" for the way to a stop,
// "return_" for the way back to the base), and "<prefix>unmapped" true when
// there is any.
func setLegProps(p geojson.Properties, prefix string, leg planner.RouteLeg) {
	unmapped := false
	for _, k := range legKinds {
		km := round2(leg.KindKM[k.kind])
		p[prefix+k.kind+"_km"] = km
		unmapped = unmapped || km > 0
	}
	p[prefix+"unmapped"] = unmapped
}

// legNote says in words what part of the leg in p under prefix runs on
// roads that are not mapped ("way: 3.2 km on synthetic track"), or ""
// when none does; GPX, KML and route cards carry it.
func legNote(p geojson.Properties, prefix string) string {
	var parts []string
	for _, k := range legKinds {
		if km := p.MustFloat64(prefix+k.kind+"_km", 0); km > 0 {
			parts = append(parts, fmt.Sprintf("%.1f km on %s", km, k.words))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "way: " + strings.Join(parts, ", ")
}

// joinNote appends note to text, separated by "; ".
func joinNote(text, note string) string {
	switch {
	case note == "":
		return text
	case text == "":
		return note
	}
	return text + "; " + note
}

package record

import (
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// Kinds of alert rules (migration 0023 holds its CHECK constraints to
// them). The alerts they raise have the same kinds.
const (
	RuleZoneEnter   = "zone_enter"   // a team is found inside a zone
	RuleZoneLeave   = "zone_leave"   // a team known inside a zone is found outside it
	RuleBorderNear  = "border_near"  // a live fix within distance_m of a border line
	RuleBorderCross = "border_cross" // a live fix outside the team's own country
	RuleImmobile    = "immobile"     // no move beyond distance_m for minutes, away from base
	RuleSilent      = "silent"       // nothing sent for minutes while on shift
	RuleBatteryLow  = "battery_low"  // a fix reporting battery below battery_pct
)

// RuleKinds returns the kinds of alert rules.
func RuleKinds() []string {
	return []string{RuleZoneEnter, RuleZoneLeave, RuleBorderNear, RuleBorderCross, RuleImmobile, RuleSilent, RuleBatteryLow}
}

// Sources of a zone rule's zone.
const (
	ZoneDrawn   = "drawn"   // a polygon drawn in the client
	ZoneSector  = "sector"  // a sector's outline, copied when the rule is written
	ZoneHotspot = "hotspot" // a hot-spot area: the union of hot cells, sent by the client
)

// ZoneSources returns the sources of a zone.
func ZoneSources() []string { return []string{ZoneDrawn, ZoneSector, ZoneHotspot} }

// Limits of a rule's parameters (migration 0023 checks the same).
const (
	MaxRuleDistanceM = 50000
	MaxRuleMinutes   = 1440
	MaxRuleBaseM     = 100000
	MaxZoneVertices  = 10000
)

// AlertRule is an agency's rule of one kind. Team 0 applies it to every
// team of the agency. Zone rules have a ZoneSource and, unless it is a
// sector (whose outline the store copies), a Zone.
type AlertRule struct {
	ID         int64
	AgencyID   string
	TeamID     int
	Name       string
	Kind       string
	ZoneSource string
	SectorID   string
	Zone       orb.MultiPolygon
	DistanceM  *float64
	Minutes    *float64
	BatteryPct *float64
	BaseM      *float64
	Enabled    bool
}

// IsZone reports whether kind is a zone rule's.
func IsZone(kind string) bool { return kind == RuleZoneEnter || kind == RuleZoneLeave }

// Validate lists every offending field of r.
func (r *AlertRule) Validate() error {
	var fe Fields
	if strings.TrimSpace(r.Name) == "" {
		fe.Add("name", "is required")
	} else {
		CheckText(&fe, "name", r.Name, 200)
	}
	if r.TeamID < 0 {
		fe.Add("team", "must be a team id")
	}
	CheckEnum(&fe, "kind", []string{r.Kind}, RuleKinds())
	r.validateZone(&fe)
	checkRange(&fe, "distance_m", r.DistanceM, 0.1, MaxRuleDistanceM)
	checkRange(&fe, "minutes", r.Minutes, 1, MaxRuleMinutes)
	checkRange(&fe, "battery_pct", r.BatteryPct, 1, 99)
	checkRange(&fe, "base_m", r.BaseM, 1, MaxRuleBaseM)
	switch r.Kind {
	case RuleBorderNear:
		if r.DistanceM == nil {
			fe.Add("distance_m", "is required for a %s rule", r.Kind)
		}
	case RuleImmobile, RuleSilent:
		if r.Minutes == nil {
			fe.Add("minutes", "is required for a %s rule", r.Kind)
		}
	case RuleBatteryLow:
		if r.BatteryPct == nil {
			fe.Add("battery_pct", "is required for a %s rule", r.Kind)
		}
	}
	if r.Kind != RuleBatteryLow && r.BatteryPct != nil {
		fe.Add("battery_pct", "applies to battery_low rules only")
	}
	return fe.Err()
}

func (r *AlertRule) validateZone(fe *Fields) {
	if !IsZone(r.Kind) {
		if r.ZoneSource != "" || r.SectorID != "" || r.Zone != nil {
			fe.Add("zone", "applies to zone_enter and zone_leave rules only")
		}
		return
	}
	if r.ZoneSource == "" {
		fe.Add("zone_source", "is required for a %s rule", r.Kind)
		return
	}
	CheckEnum(fe, "zone_source", []string{r.ZoneSource}, ZoneSources())
	if r.ZoneSource == ZoneSector {
		if r.SectorID == "" {
			fe.Add("sector", "is required when zone_source is sector")
		}
		if r.Zone != nil {
			fe.Add("zone", "comes from the sector; leave it out")
		}
		return
	}
	if r.SectorID != "" {
		fe.Add("sector", "applies to zone_source sector only")
	}
	if reason := zoneProblem(r.Zone); reason != "" {
		fe.Add("zone", "%s", reason)
	}
}

// zoneProblem says what is wrong with a zone drawn or sent by a client, or
// "" when it is usable: closed rings of at least four points, lon/lat in
// range, not too many vertices, and some area.
func zoneProblem(mp orb.MultiPolygon) string {
	if len(mp) == 0 {
		return "is required: a Polygon or MultiPolygon"
	}
	n := 0
	for _, p := range mp {
		if len(p) == 0 {
			return "has a polygon without rings"
		}
		for _, ring := range p {
			if len(ring) < 4 {
				return "has a ring of fewer than 4 positions"
			}
			if ring[0] != ring[len(ring)-1] {
				return "has a ring that is not closed"
			}
			for _, pt := range ring {
				if !(pt[0] >= -180 && pt[0] <= 180 && pt[1] >= -90 && pt[1] <= 90) {
					return "has a position outside longitude -180..180, latitude -90..90"
				}
			}
			n += len(ring)
		}
		if math.Abs(ringArea(p[0])) == 0 {
			return "has a polygon without area"
		}
	}
	if n > MaxZoneVertices {
		return "has more than 10000 positions"
	}
	return ""
}

// ringArea is the ring's signed planar area in square degrees (shoelace).
func ringArea(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

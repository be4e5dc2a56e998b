package record

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Area is the region a deployment covers: every event and every team
// position must lie in it. Bound is always set; Shape, when not empty,
// refines it (a point must lie in both). The default, DefaultArea, is the
// bounding box ServiceArea; a deployment with the reference countries
// loaded narrows it to the union of its countries' outlines widened by a
// margin (data.Store.LoadArea, `serve -area-countries -area-margin-km`).
type Area struct {
	Bound orb.Bound
	Shape orb.MultiPolygon
	// Name describes the area in error messages ("AFG, KGZ, TJK, TKM, UZB
	// and 25 km around them").
	Name string
}

// DefaultArea is ServiceArea as an Area: the extent of the five study
// countries with a margin of one degree.
func DefaultArea() Area {
	return Area{Bound: ServiceArea, Name: fmt.Sprintf("the service area (lon %g–%g, lat %g–%g)",
		ServiceArea.Min[0], ServiceArea.Max[0], ServiceArea.Min[1], ServiceArea.Max[1])}
}

// Contains reports whether p lies in the area.
func (a Area) Contains(p orb.Point) bool {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || !a.Bound.Contains(p) {
		return false
	}
	return len(a.Shape) == 0 || planar.MultiPolygonContains(a.Shape, p)
}

// CountriesAreaName names an area of countries widened by marginKM.
func CountriesAreaName(iso3 []string, marginKM float64) string {
	return fmt.Sprintf("%s and %g km around them", strings.Join(iso3, ", "), marginKM)
}

// Admit checks what Validate cannot know alone: the event must not lie
// in the future (beyond MaxClockSkew after now: a device's or a browser's
// clock may run a few minutes ahead) and must lie in area. It returns a
// *ValidationError naming occurred_at or geometry, or nil.
func (e *Event) Admit(now time.Time, area Area) error {
	var fe Fields
	if f := e.Future(now); f != nil {
		fe = append(fe, *f)
	}
	if !area.Contains(e.Location) {
		fe.Add("geometry", "lon %.5f, lat %.5f lies outside the area this deployment covers: %s",
			e.Location[0], e.Location[1], area.Name)
	}
	return fe.Err()
}

// Future returns the error of an occurred_at more than MaxClockSkew after
// now (a device's or a browser's clock may run a little ahead), or nil.
func (e *Event) Future(now time.Time) *FieldError {
	if e.OccurredAt.IsZero() || !e.OccurredAt.After(now.Add(MaxClockSkew)) {
		return nil
	}
	return &FieldError{Field: "occurred_at", Reason: fmt.Sprintf("lies in the future: %s is after the server's clock %s (allowing %s of clock difference)",
		e.OccurredAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), MaxClockSkew)}
}

package record

import (
	"slices"

	"github.com/borderwatch/borderwatch/geo"
)

// Event kinds.
const (
	KindSeizure  = "seizure"
	KindIncident = "incident"
)

// The vocabularies, read once from geo's enumerations where geo has one.
// They are unexported so that nobody can change them; the exported
// functions hand out copies.
var (
	kinds          = enumNames(func(i int) string { return geo.Kind(i).String() })
	drugs          = enumNames(func(i int) string { return geo.Drug(i).String() })
	categories     = enumNames(func(i int) string { return geo.Category(i).String() })
	sharingLevels  = enumNames(func(i int) string { return geo.Sharing(i).String() })
	timePrecisions = []string{"exact", "day", "month", "year"}
	units          = []string{"kg", "l"}
	qualifiers     = []string{"exact", "about", "more_than"}
)

// enumNames lists name(1), name(2), … up to the first empty name (geo's
// enumerations start at 1; 0 is invalid).
func enumNames(name func(int) string) []string {
	var out []string
	for i := 1; i < 256 && name(i) != ""; i++ {
		out = append(out, name(i))
	}
	return out
}

// Kinds returns the event kinds: seizure and incident.
func Kinds() []string { return slices.Clone(kinds) }

// Drugs returns the drug names a seizure item may carry, in geo.Drug order.
func Drugs() []string { return slices.Clone(drugs) }

// Categories returns the incident categories, in geo.Category order.
func Categories() []string { return slices.Clone(categories) }

// SharingLevels returns who may see an event besides its owner: only the
// owning agency ("agency"), agencies with a sharing agreement ("bilateral"),
// or all agencies ("regional").
func SharingLevels() []string { return slices.Clone(sharingLevels) }

// TimePrecisions returns how precisely an event's time may be known.
func TimePrecisions() []string { return slices.Clone(timePrecisions) }

// Units returns the units of a seizure item's quantity.
func Units() []string { return slices.Clone(units) }

// Qualifiers returns how a seizure item's quantity may be qualified.
func Qualifiers() []string { return slices.Clone(qualifiers) }

package record

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
)

// Item is one drug of a seizure with its quantity.
type Item struct {
	Drug      string  `json:"drug"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	Qualifier string  `json:"qualifier,omitempty"`
	// ConfirmedImplausible says that whoever recorded the item confirmed a
	// quantity above PlausibleMax for its drug; without it such an item
	// is refused. Normalize clears it on a plausible quantity, so a stored
	// true always marks an exceptional quantity.
	ConfirmedImplausible bool `json:"confirmed_implausible,omitempty"`
}

// Event is a seizure or an incident recorded by an agency.
type Event struct {
	ID               uuid.UUID
	Kind             string
	OccurredAt       time.Time
	TimePrecision    string
	Location         orb.Point
	AccuracyM        *float64
	Place            string
	AgencyID         string
	Sharing          string
	SourceRef        string
	SourceURL        string
	Synthetic        bool
	JointOperationID *uuid.UUID
	Items            []Item
	TotalKG          float64
	Category         string
	Severity         int
	PersonsDetained  *int
	Notes            string
	Version          int64
	// Coarsened is true when the caller sees this event only at the
	// precision a sharing agreement allows.
	Coarsened bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Normalize fills defaults (time precision, sharing level, item qualifier)
// and trims text fields.
func (e *Event) Normalize() {
	if e.TimePrecision == "" {
		e.TimePrecision = "exact"
	}
	if e.Sharing == "" {
		e.Sharing = "agency"
	}
	e.Place = strings.TrimSpace(e.Place)
	e.SourceRef = strings.TrimSpace(e.SourceRef)
	e.AgencyID = strings.TrimSpace(e.AgencyID)
	for i := range e.Items {
		if e.Items[i].Qualifier == "" {
			e.Items[i].Qualifier = "exact"
		}
		if e.Items[i].Unit == "" {
			e.Items[i].Unit = "kg"
		}
		if !e.Items[i].Implausible() {
			e.Items[i].ConfirmedImplausible = false
		}
	}
	if !e.OccurredAt.IsZero() {
		e.OccurredAt = e.OccurredAt.UTC()
	}
}

// Validate checks every field and returns a *ValidationError naming each
// offending one. It does not check that referenced agencies exist; the
// database does.
func (e *Event) Validate() error {
	var fe Fields
	switch e.Kind {
	case KindSeizure:
		if len(e.Items) == 0 {
			fe.Add("items", "a seizure needs at least one item")
		}
		if e.Category != "" {
			fe.Add("category", "only incidents have a category")
		}
		if e.Severity != 0 {
			fe.Add("severity", "only incidents have a severity")
		}
	case KindIncident:
		if len(e.Items) > 0 {
			fe.Add("items", "incidents carry no items; record the seizure as its own event")
		}
		if !slices.Contains(categories, e.Category) {
			fe.Add("category", "must be one of %s", strings.Join(categories, ", "))
		}
		if e.Severity < 1 || e.Severity > 5 {
			fe.Add("severity", "must be an integer from 1 to 5")
		}
	default:
		fe.Add("kind", "must be seizure or incident")
	}
	if e.OccurredAt.IsZero() {
		fe.Add("occurred_at", "required (RFC 3339 date-time)")
	} else if e.OccurredAt.Year() < 1900 || e.OccurredAt.Year() >= 2200 {
		fe.Add("occurred_at", "year must lie in 1900-2199")
	}
	if !slices.Contains(timePrecisions, e.TimePrecision) {
		fe.Add("time_precision", "must be one of %s", strings.Join(timePrecisions, ", "))
	}
	if !geo.ValidLonLat(e.Location) || math.IsInf(e.Location[0], 0) || math.IsInf(e.Location[1], 0) {
		fe.Add("geometry", "coordinates must be lon in [-180, 180], lat in [-90, 90]")
	}
	if e.AccuracyM != nil && (math.IsNaN(*e.AccuracyM) || *e.AccuracyM < 0 || *e.AccuracyM > 1e6) {
		fe.Add("accuracy_m", "must be between 0 and 1000000")
	}
	if e.AgencyID == "" {
		fe.Add("agency", "required")
	} else if !ValidSlug(e.AgencyID) {
		fe.Add("agency", "not an agency id")
	}
	if !slices.Contains(sharingLevels, e.Sharing) {
		fe.Add("sharing", "must be one of %s", strings.Join(sharingLevels, ", "))
	}
	CheckText(&fe, "place", e.Place, 500)
	CheckText(&fe, "source_ref", e.SourceRef, 200)
	CheckText(&fe, "source_url", e.SourceURL, 2000)
	CheckText(&fe, "notes", e.Notes, 10000)
	if e.PersonsDetained != nil && (*e.PersonsDetained < 0 || *e.PersonsDetained > 100000) {
		fe.Add("persons_detained", "must be between 0 and 100000")
	}
	seen := map[string]bool{}
	for i, it := range e.Items {
		f := fmt.Sprintf("items[%d]", i)
		if !slices.Contains(drugs, it.Drug) {
			fe.Add(f+".drug", "unknown drug %q; must be one of %s", Truncate(it.Drug, 40), strings.Join(drugs, ", "))
		} else if seen[it.Drug] {
			fe.Add(f+".drug", "%s is listed twice", it.Drug)
		}
		seen[it.Drug] = true
		switch {
		case math.IsNaN(it.Quantity) || math.IsInf(it.Quantity, 0) || it.Quantity < 0 || it.Quantity > 1e7:
			fe.Add(f+".quantity", "must be a number above 0 and at most 10000000")
		case it.Quantity == 0:
			fe.Add(f+".quantity", "must be above 0: a seizure item records what was seized")
		case it.Implausible() && !it.ConfirmedImplausible:
			fe.Add(f+".quantity", "%g %s of %s is above the plausible maximum of %g %s for one seizure; "+
				"check the quantity and unit, or confirm it (%s.confirmed_implausible)",
				it.Quantity, it.Unit, it.Drug, PlausibleMax(it.Drug), it.Unit, f)
		}
		if !slices.Contains(units, it.Unit) {
			fe.Add(f+".unit", "must be kg or l")
		}
		if !slices.Contains(qualifiers, it.Qualifier) {
			fe.Add(f+".qualifier", "must be one of %s", strings.Join(qualifiers, ", "))
		}
	}
	return fe.Err()
}

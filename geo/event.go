package geo

import (
	"time"
)

// Kind is the kind of an event: a seizure or an incident.
type Kind uint8

// Event kinds. The zero Kind is invalid.
const (
	KindSeizure Kind = iota + 1
	KindIncident
)

var kindNames = [...]string{KindSeizure: "seizure", KindIncident: "incident"}

// String returns the snake_case name of k, or "" for an invalid Kind.
func (k Kind) String() string { return enumName(kindNames[:], uint8(k)) }

// ParseKind returns the Kind named s ("seizure", "incident").
func ParseKind(s string) (Kind, bool) {
	v, ok := enumParse(kindNames[:], s)
	return Kind(v), ok
}

// Drug is a controlled substance recorded in a seizure.
type Drug uint8

// Drugs. The zero Drug is invalid.
const (
	DrugHeroin Drug = iota + 1
	DrugOpium
	DrugMorphine
	DrugHashish
	DrugCannabis
	DrugMethamphetamine
	DrugPrecursors
	DrugOther
)

// NumDrugs is the number of valid drugs; they are 1…NumDrugs.
const NumDrugs = 8

var drugNames = [...]string{
	DrugHeroin: "heroin", DrugOpium: "opium", DrugMorphine: "morphine", DrugHashish: "hashish",
	DrugCannabis: "cannabis", DrugMethamphetamine: "methamphetamine", DrugPrecursors: "precursors",
	DrugOther: "other",
}

// String returns the snake_case name of d, or "" for an invalid Drug.
func (d Drug) String() string { return enumName(drugNames[:], uint8(d)) }

// ParseDrug returns the Drug named s ("heroin", "opium", "morphine",
// "hashish", "cannabis", "methamphetamine", "precursors", "other").
func ParseDrug(s string) (Drug, bool) {
	v, ok := enumParse(drugNames[:], s)
	return Drug(v), ok
}

// Category is the category of an incident.
type Category uint8

// Incident categories. The zero Category means none (seizures have none).
const (
	CategoryTraffickingAttempt Category = iota + 1
	CategoryArmedClash
	CategoryBorderViolation
	CategoryArrest
	CategoryIntelligenceReport
	CategoryOther
)

var categoryNames = [...]string{
	CategoryTraffickingAttempt: "trafficking_attempt", CategoryArmedClash: "armed_clash",
	CategoryBorderViolation: "border_violation", CategoryArrest: "arrest",
	CategoryIntelligenceReport: "intelligence_report", CategoryOther: "other",
}

// String returns the snake_case name of c, or "" for none or an invalid
// Category.
func (c Category) String() string { return enumName(categoryNames[:], uint8(c)) }

// ParseCategory returns the Category named s ("trafficking_attempt",
// "armed_clash", "border_violation", "arrest", "intelligence_report",
// "other").
func ParseCategory(s string) (Category, bool) {
	v, ok := enumParse(categoryNames[:], s)
	return Category(v), ok
}

// Sharing is the level at which an event may be shared between agencies.
type Sharing uint8

// Sharing levels. The zero Sharing is invalid.
const (
	SharingAgency Sharing = iota + 1
	SharingBilateral
	SharingRegional
)

var sharingNames = [...]string{SharingAgency: "agency", SharingBilateral: "bilateral", SharingRegional: "regional"}

// String returns the snake_case name of s, or "" for an invalid Sharing.
func (s Sharing) String() string { return enumName(sharingNames[:], uint8(s)) }

// ParseSharing returns the Sharing named s ("agency", "bilateral",
// "regional").
func ParseSharing(s string) (Sharing, bool) {
	v, ok := enumParse(sharingNames[:], s)
	return Sharing(v), ok
}

func enumName(names []string, v uint8) string {
	if int(v) < len(names) {
		return names[v]
	}
	return ""
}

func enumParse(names []string, s string) (uint8, bool) {
	if s == "" {
		return 0, false
	}
	for i, n := range names {
		if n == s {
			return uint8(i), true
		}
	}
	return 0, false
}

// Item is one line of a seizure: a drug and its mass in kilograms.
type Item struct {
	Drug Drug
	KG   float32
}

// Event is the record the Index holds for one seizure or incident. Agency
// is an index into an agency table that the caller keeps.
type Event struct {
	ID       [16]byte
	Lon, Lat float64
	At       time.Time
	Kind     Kind
	Category Category
	Severity uint8
	Agency   uint16
	Sharing  Sharing
	Items    []Item
	// Version is the record's version (the database's events.version),
	// which names one state of its values; 0 when unknown.
	Version int64
}

// KG returns the summed mass of the event's items, of every drug when drugs
// is empty, else of the listed drugs only.
func (e *Event) KG(drugs ...Drug) float64 {
	var s float64
	for _, it := range e.Items {
		if len(drugs) == 0 || containsDrug(drugs, it.Drug) {
			s += float64(it.KG)
		}
	}
	return s
}

func containsDrug(ds []Drug, d Drug) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

package record

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Entity kinds: who and what the information is about.
const (
	EntityPerson      = "person"
	EntityVehicle     = "vehicle"
	EntityConsignment = "consignment"
	EntityGroup       = "group"
)

var (
	entityKinds  = []string{EntityPerson, EntityVehicle, EntityConsignment, EntityGroup}
	vehicleKinds = []string{"truck", "car", "bus", "van", "pickup", "motorcycle", "tractor", "other"}
	// eventRoles maps each role an entity plays in an event to the entity
	// kinds that may play it.
	eventRoles = map[string][]string{
		"driver": {EntityPerson}, "passenger": {EntityPerson}, "owner": {EntityPerson, EntityGroup},
		"courier": {EntityPerson}, "suspect": {EntityPerson}, "vehicle": {EntityVehicle},
		"consignment": {EntityConsignment}, "group": {EntityGroup},
		"other": {EntityPerson, EntityVehicle, EntityConsignment, EntityGroup},
	}
	// linkRoles maps each role of a link between entities (from role to)
	// to the kinds of its two ends.
	linkRoles = map[string][2][]string{
		"member_of":    {{EntityPerson}, {EntityGroup}},
		"leader_of":    {{EntityPerson}, {EntityGroup}},
		"owner_of":     {{EntityPerson, EntityGroup}, {EntityVehicle, EntityConsignment}},
		"driver_of":    {{EntityPerson}, {EntityVehicle}},
		"associate_of": {{EntityPerson, EntityGroup}, {EntityPerson, EntityGroup}},
		"relative_of":  {{EntityPerson}, {EntityPerson}},
		"carried_by":   {{EntityConsignment}, {EntityVehicle}},
	}
)

// EntityKinds returns the kinds of entity: person, vehicle, consignment,
// group.
func EntityKinds() []string { return slices.Clone(entityKinds) }

// VehicleKinds returns the kinds of vehicle (truck, car, bus, …).
func VehicleKinds() []string { return slices.Clone(vehicleKinds) }

// EventRoles returns the roles an entity may play in an event, sorted.
func EventRoles() []string { return sortedKeys(eventRoles) }

// LinkRoles returns the roles of a link between two entities, sorted.
func LinkRoles() []string { return sortedKeys(linkRoles) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Document is an identity document of a person.
type Document struct {
	// Kind says what the document is: passport, national_id, driving_licence, …
	Kind string `json:"kind"`
	// Number is the document number as written.
	Number string `json:"number"`
	// Country is the ISO 3166-1 alpha-3 code of the issuing country.
	Country string `json:"country,omitempty"`
}

// Person is a person's data. Everything but Nationality is personal data,
// which a partner agency sees only under an agreement that allows it.
type Person struct {
	// Name is the name as written, in its own script (empty when
	// withheld).
	Name string `json:"name,omitempty"`
	// Script is the ISO 15924 code of the script Name is written in
	// (Cyrl, Latn, Arab); Normalize detects it when empty.
	Script string `json:"script,omitempty"`
	// OtherNames are other spellings of the name, in any script.
	OtherNames []string `json:"other_names,omitempty"`
	BirthYear  *int     `json:"birth_year,omitempty"`
	// BirthDate is the date of birth, YYYY-MM-DD.
	BirthDate   string     `json:"birth_date,omitempty"`
	Nationality string     `json:"nationality,omitempty"`
	Documents   []Document `json:"documents,omitempty"`
}

// Vehicle is a vehicle's data.
type Vehicle struct {
	// Plate is the registration plate as written.
	Plate string `json:"plate,omitempty"`
	// PlateCountry is the ISO 3166-1 alpha-3 code of the country of
	// registration.
	PlateCountry string `json:"plate_country,omitempty"`
	Make         string `json:"make,omitempty"`
	Model        string `json:"model,omitempty"`
	Colour       string `json:"colour,omitempty"`
	// Kind is one of VehicleKinds.
	Kind string `json:"kind,omitempty"`
}

// Consignment is goods moved across a border.
type Consignment struct {
	Description      string   `json:"description,omitempty"`
	DeclaredContent  string   `json:"declared_content,omitempty"`
	SuspectedContent string   `json:"suspected_content,omitempty"`
	WeightKG         *float64 `json:"weight_kg,omitempty"`
	// ContainerNo is the container or trailer number.
	ContainerNo string `json:"container_no,omitempty"`
}

// Group is a criminal group; its members are persons linked to it
// (member_of, leader_of).
type Group struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Entity is a person, vehicle, consignment or group recorded by an agency.
// Exactly the part of its kind is set.
type Entity struct {
	ID          uuid.UUID
	Kind        string
	AgencyID    string
	Sharing     string
	Synthetic   bool
	Person      *Person
	Vehicle     *Vehicle
	Consignment *Consignment
	Group       *Group
	// Notes is free text, which may name people: it is withheld with the
	// personal data.
	Notes string
	// Personal is true when the caller sees the entity's personal data
	// (always for its own agency's entities).
	Personal  bool
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Normalize fills defaults (sharing level, a person's script) and trims
// text fields.
func (e *Entity) Normalize() {
	if e.Sharing == "" {
		e.Sharing = "agency"
	}
	e.AgencyID = strings.TrimSpace(e.AgencyID)
	e.Notes = strings.TrimSpace(e.Notes)
	if p := e.Person; p != nil {
		p.Name = strings.TrimSpace(p.Name)
		if p.Script == "" {
			p.Script = DetectScript(p.Name)
		}
		p.Nationality = strings.ToUpper(strings.TrimSpace(p.Nationality))
		for i := range p.OtherNames {
			p.OtherNames[i] = strings.TrimSpace(p.OtherNames[i])
		}
		for i := range p.Documents {
			d := &p.Documents[i]
			d.Kind, d.Number = strings.TrimSpace(d.Kind), strings.TrimSpace(d.Number)
			d.Country = strings.ToUpper(strings.TrimSpace(d.Country))
		}
	}
	if v := e.Vehicle; v != nil {
		v.Plate = strings.TrimSpace(v.Plate)
		v.PlateCountry = strings.ToUpper(strings.TrimSpace(v.PlateCountry))
		v.Make, v.Model, v.Colour = strings.TrimSpace(v.Make), strings.TrimSpace(v.Model), strings.TrimSpace(v.Colour)
	}
	if c := e.Consignment; c != nil {
		c.ContainerNo = strings.TrimSpace(c.ContainerNo)
		c.Description = strings.TrimSpace(c.Description)
	}
	if g := e.Group; g != nil {
		g.Name, g.Description = strings.TrimSpace(g.Name), strings.TrimSpace(g.Description)
	}
}

var (
	iso3Pattern     = regexp.MustCompile(`^[A-Z]{3}$`)
	docKindPattern  = regexp.MustCompile(`^[a-z][a-z_]{1,39}$`)
	scriptPattern   = regexp.MustCompile(`^[A-Z][a-z]{3}$`)
	birthDateLayout = "2006-01-02"
)

// Validate checks every field and returns a *ValidationError naming each
// offending one ("person.name", "person.documents[0].number").
func (e *Entity) Validate() error {
	var fe Fields
	parts := map[string]bool{EntityPerson: e.Person != nil, EntityVehicle: e.Vehicle != nil,
		EntityConsignment: e.Consignment != nil, EntityGroup: e.Group != nil}
	if !slices.Contains(entityKinds, e.Kind) {
		fe.Add("kind", "must be one of %s", strings.Join(entityKinds, ", "))
	} else if !parts[e.Kind] {
		fe.Add(e.Kind, "required for a %s", e.Kind)
	}
	for _, k := range entityKinds {
		if parts[k] && k != e.Kind {
			fe.Add(k, "only a %s has it", k)
		}
	}
	if e.AgencyID == "" {
		fe.Add("agency", "required")
	} else if !ValidSlug(e.AgencyID) {
		fe.Add("agency", "not an agency id")
	}
	if !slices.Contains(sharingLevels, e.Sharing) {
		fe.Add("sharing", "must be one of %s", strings.Join(sharingLevels, ", "))
	}
	CheckText(&fe, "notes", e.Notes, 10000)
	if e.Person != nil {
		e.Person.validate(&fe)
	}
	if e.Vehicle != nil {
		e.Vehicle.validate(&fe)
	}
	if e.Consignment != nil {
		e.Consignment.validate(&fe)
	}
	if g := e.Group; g != nil {
		checkRequired(&fe, "group.name", g.Name, 300)
		CheckText(&fe, "group.description", g.Description, 2000)
	}
	return fe.Err()
}

func (p *Person) validate(fe *Fields) {
	checkRequired(fe, "person.name", p.Name, 300)
	if p.Script != "" && !scriptPattern.MatchString(p.Script) {
		fe.Add("person.script", "must be an ISO 15924 code such as Cyrl, Latn or Arab")
	}
	if len(p.OtherNames) > 50 {
		fe.Add("person.other_names", "at most 50 spellings")
	}
	for i, n := range p.OtherNames {
		checkRequired(fe, fmt.Sprintf("person.other_names[%d]", i), n, 300)
	}
	if p.BirthYear != nil && (*p.BirthYear < 1900 || *p.BirthYear > 2100) {
		fe.Add("person.birth_year", "must lie in 1900-2100")
	}
	if p.BirthDate != "" {
		d, err := time.Parse(birthDateLayout, p.BirthDate)
		switch {
		case err != nil:
			fe.Add("person.birth_date", "must be a date YYYY-MM-DD")
		case d.Year() < 1900 || d.Year() > 2100:
			fe.Add("person.birth_date", "year must lie in 1900-2100")
		case p.BirthYear != nil && *p.BirthYear != d.Year():
			fe.Add("person.birth_year", "differs from the year of birth_date")
		}
	}
	checkISO3(fe, "person.nationality", p.Nationality)
	if len(p.Documents) > 20 {
		fe.Add("person.documents", "at most 20 documents")
	}
	for i, d := range p.Documents {
		f := fmt.Sprintf("person.documents[%d]", i)
		if !docKindPattern.MatchString(d.Kind) {
			fe.Add(f+".kind", "must be a lower-case word such as passport or national_id")
		}
		checkRequired(fe, f+".number", d.Number, 40)
		checkISO3(fe, f+".country", d.Country)
	}
}

func (v *Vehicle) validate(fe *Fields) {
	if v.Plate != "" {
		checkRequired(fe, "vehicle.plate", v.Plate, 40)
	}
	checkISO3(fe, "vehicle.plate_country", v.PlateCountry)
	CheckText(fe, "vehicle.make", v.Make, 100)
	CheckText(fe, "vehicle.model", v.Model, 100)
	CheckText(fe, "vehicle.colour", v.Colour, 100)
	if v.Kind != "" && !slices.Contains(vehicleKinds, v.Kind) {
		fe.Add("vehicle.kind", "must be one of %s", strings.Join(vehicleKinds, ", "))
	}
}

func (c *Consignment) validate(fe *Fields) {
	CheckText(fe, "consignment.description", c.Description, 2000)
	CheckText(fe, "consignment.declared_content", c.DeclaredContent, 2000)
	CheckText(fe, "consignment.suspected_content", c.SuspectedContent, 2000)
	if w := c.WeightKG; w != nil && (math.IsNaN(*w) || *w < 0 || *w > 1e7) {
		fe.Add("consignment.weight_kg", "must be a number from 0 to 10000000")
	}
	if c.ContainerNo != "" {
		checkRequired(fe, "consignment.container_no", c.ContainerNo, 40)
	}
}

// checkRequired adds an error unless v is non-empty, printable text of at
// most maxLen characters.
func checkRequired(fe *Fields, field, v string, maxLen int) {
	if strings.TrimSpace(v) == "" {
		fe.Add(field, "required")
		return
	}
	CheckText(fe, field, v, maxLen)
}

func checkISO3(fe *Fields, field, v string) {
	if v != "" && !iso3Pattern.MatchString(v) {
		fe.Add(field, "must be an ISO 3166-1 alpha-3 code such as TJK")
	}
}

// CheckEventRole returns a *FieldError naming "role" unless an entity of
// kind may play role in an event.
func CheckEventRole(role, kind string) error {
	kinds, ok := eventRoles[role]
	if !ok {
		return &FieldError{Field: "role", Reason: "must be one of " + strings.Join(EventRoles(), ", ")}
	}
	if !slices.Contains(kinds, kind) {
		return &FieldError{Field: "role", Reason: fmt.Sprintf("a %s cannot be the %s of an event", kind, role)}
	}
	return nil
}

// CheckLinkRole returns a *FieldError naming "role" unless an entity of
// kind from may have the link role to one of kind to.
func CheckLinkRole(role, from, to string) error {
	ends, ok := linkRoles[role]
	if !ok {
		return &FieldError{Field: "role", Reason: "must be one of " + strings.Join(LinkRoles(), ", ")}
	}
	if !slices.Contains(ends[0], from) || !slices.Contains(ends[1], to) {
		return &FieldError{Field: "role", Reason: fmt.Sprintf("a %s cannot be %s a %s", from, role, to)}
	}
	return nil
}

// DetectScript returns the ISO 15924 code of the script most letters of s
// are written in: Cyrl, Latn or Arab (Dari and Pashto are written in
// Arabic script), or "" when s has no letter of these.
func DetectScript(s string) string {
	var cyrl, latn, arab int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyrl++
		case unicode.Is(unicode.Latin, r):
			latn++
		case unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r):
			arab++
		}
	}
	switch {
	case cyrl == 0 && latn == 0 && arab == 0:
		return ""
	case cyrl >= latn && cyrl >= arab:
		return "Cyrl"
	case arab >= latn:
		return "Arab"
	}
	return "Latn"
}

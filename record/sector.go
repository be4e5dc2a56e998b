package record

import (
	"regexp"
	"strings"

	"github.com/paulmach/orb"
)

// Sector is one border sector: an area on one side of a border section,
// watched by that side's border agency, or an imported polygon.
type Sector struct {
	ID  string
	Set string
	// Name is a human-readable label.
	Name string
	// BorderID is the country pair ("AFG-TJK"); empty for imported sectors
	// that name none.
	BorderID string
	// SectionID groups the two sides of one generated section
	// ("AFG-TJK-025-20-007").
	SectionID    string
	SectionIndex int
	// Side is the ISO3 code of the sector's country.
	Side string
	// AgencyID is the owning (border guard) agency.
	AgencyID string
	SectorKM float64
	DepthKM  float64
	// BorderKM is the length of border line the sector watches.
	BorderKM float64
	AreaKM2  float64
	// Source is "generated" or "imported".
	Source   string
	Geometry orb.MultiPolygon
}

var reISO3 = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidISO3 reports whether s is written as an ISO 3166-1 alpha-3 code:
// three upper-case letters.
func ValidISO3(s string) bool { return reISO3.MatchString(s) }

// NormalizePair returns the border id of a country pair given in either
// order and any case ("tjk-afg" → "AFG-TJK"); ok is false when s is not two
// ISO3 codes joined by '-'.
func NormalizePair(s string) (string, bool) {
	a, b, found := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-")
	if !found || !reISO3.MatchString(a) || !reISO3.MatchString(b) || a == b {
		return "", false
	}
	if b < a {
		a, b = b, a
	}
	return a + "-" + b, true
}

var reSectorSet = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidSectorSet reports whether s may name a sector set: 1 to 63
// lowercase letters, digits, '_' or '-', starting with a letter or digit.
func ValidSectorSet(s string) bool { return reSectorSet.MatchString(s) }

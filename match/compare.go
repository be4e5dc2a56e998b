package match

import (
	"strings"
	"time"
)

// Person is what a record says of a person, for matching.
type Person struct {
	// Names lists every spelling of the name known to the record (as
	// written, in any script, in any order of its parts).
	Names []string
	// BirthYear is the year of birth, or 0 when unknown.
	BirthYear int
	// BirthDate is the date of birth, or the zero time when unknown; when
	// set, its year is the birth year.
	BirthDate time.Time
	// Nationality is an ISO 3166-1 code (alpha-2 or alpha-3, compared as
	// given, case-insensitive), or "" when unknown.
	Nationality string
	// Documents lists identity-document numbers as written.
	Documents []string
}

// Match is the verdict on two persons.
type Match struct {
	// Score is in [0,1]; Same is Score ≥ PersonThreshold.
	Score float64
	Same  bool
	// NameScore is the best PersonScore over the two persons' spellings.
	NameScore float64
	// Document is true when both share an identity-document number.
	Document bool
	// Reasons lists what raised or lowered the score, for the analyst.
	Reasons []string
}

func (p Person) birthYear() int {
	if !p.BirthDate.IsZero() {
		return p.BirthDate.Year()
	}
	return p.BirthYear
}

// ComparePersons compares two persons: the best name score over their
// spellings, then
//   - a shared document number (keys equal, at least five characters)
//     raises the score to at least 0.95 whatever the names;
//   - birth years both known and one apart (a guessed or mistyped year)
//     multiply by 0.9, further apart by 0.6; full dates of birth both known
//     in the same year but different multiply by 0.85;
//   - nationalities both known and different multiply by 0.85 (dual
//     nationals and stateless persons exist, so it does not exclude).
func ComparePersons(a, b Person) Match {
	var m Match
	pa := make([][]token, len(a.Names))
	for i, n := range a.Names {
		pa[i] = parseName(n)
	}
	for _, nb := range b.Names {
		tb := parseName(nb)
		for _, ta := range pa {
			m.NameScore = max(m.NameScore, nameScore(ta, tb))
		}
	}
	score := m.NameScore
	for _, da := range a.Documents {
		ka := DocumentKey(da)
		for _, db := range b.Documents {
			if len(ka) >= 5 && ka == DocumentKey(db) {
				m.Document = true
			}
		}
	}
	if m.Document {
		score = max(score, 0.95)
		m.Reasons = append(m.Reasons, "same document number")
	}
	ya, yb := a.birthYear(), b.birthYear()
	switch d := abs(ya - yb); {
	case ya == 0 || yb == 0:
	case d == 1:
		score *= 0.9
		m.Reasons = append(m.Reasons, "birth years one apart")
	case d > 1:
		score *= 0.6
		m.Reasons = append(m.Reasons, "different birth years")
	case !a.BirthDate.IsZero() && !b.BirthDate.IsZero() && !sameDay(a.BirthDate, b.BirthDate):
		score *= 0.85
		m.Reasons = append(m.Reasons, "different dates of birth in the same year")
	default:
		m.Reasons = append(m.Reasons, "same birth year")
	}
	if a.Nationality != "" && b.Nationality != "" && !strings.EqualFold(a.Nationality, b.Nationality) {
		score *= 0.85
		m.Reasons = append(m.Reasons, "different nationalities")
	}
	m.Score = score
	m.Same = score >= PersonThreshold
	return m
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

package record

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Kinds of matching key.
const (
	KeyName     = "name"
	KeyPlate    = "plate"
	KeyDocument = "document"
)

// EntityKey is one matching key of an entity: a normalised spelling of a
// person's name, a plate or a document number, which the store
// trigram-indexes. Name and document keys are personal data.
type EntityKey struct {
	Kind string
	Key  string
}

// Personal reports whether the key is personal data (a name or document
// number) and shown only with the entity's personal data.
func (k EntityKey) Personal() bool { return k.Kind != KeyPlate }

// maxKeyLen bounds a key, as the key column's check does.
const maxKeyLen = 300

// EntityKeys returns the distinct matching keys of e: one per spelling of
// a person's name (Name and OtherNames), per document number, and the
// plate of a vehicle.
//
// For now each key is the text in Unicode NFKC, case-folded, with
// everything but letters and digits removed, so that "4521 AB-03" and
// "4521ab03" are one key. The match package's PersonKey, PlateKey and
// DocumentKey (transliteration across scripts, plate look-alike letters,
// Persian digits) replace this normalisation, here and nowhere else.
func EntityKeys(e Entity) []EntityKey {
	var out []EntityKey
	add := func(kind, s string) {
		k := foldKey(s)
		if k == "" {
			return
		}
		for _, o := range out {
			if o.Kind == kind && o.Key == k {
				return
			}
		}
		out = append(out, EntityKey{Kind: kind, Key: k})
	}
	if p := e.Person; p != nil {
		add(KeyName, p.Name)
		for _, n := range p.OtherNames {
			add(KeyName, n)
		}
		for _, d := range p.Documents {
			add(KeyDocument, d.Number)
		}
	}
	if v := e.Vehicle; v != nil {
		add(KeyPlate, v.Plate)
	}
	return out
}

// foldKey is NFKC, case folding and the removal of every rune that is not
// a letter or digit (spaces, dashes, dots, apostrophes), cut to maxKeyLen
// runes.
func foldKey(s string) string {
	s = cases.Fold().String(norm.NFKC.String(s))
	var b strings.Builder
	n := 0
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		if n == maxKeyLen {
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

package record

import (
	"github.com/borderwatch/borderwatch/match"
)

// Kinds of matching key. A person's name gives two keys per spelling: its
// phonetic key (match.PersonKey) and its consonant skeleton
// (match.PersonSkeleton), which finds names written without vowels (Dari
// and Pashto in Arabic script) across scripts.
const (
	KeyName     = "name"
	KeySkeleton = "skeleton"
	KeyPlate    = "plate"
	KeyDocument = "document"
)

// KeyKinds returns the kinds of matching key.
func KeyKinds() []string { return []string{KeyName, KeySkeleton, KeyPlate, KeyDocument} }

// EntityKey is one matching key of an entity: a normalised spelling of a
// person's name, a plate or a document number, which the store
// trigram-indexes. Name, skeleton and document keys are personal data.
type EntityKey struct {
	Kind string
	Key  string
}

// Personal reports whether the key is personal data (derived from a name
// or document number) and shown only with the entity's personal data.
func (k EntityKey) Personal() bool { return k.Kind != KeyPlate }

// maxKeyLen bounds a key, as the key column's check does.
const maxKeyLen = 300

// EntityKeys returns the distinct matching keys of e, in the match
// package's forms: for each spelling of a person's name (Name and
// OtherNames) its PersonKey and PersonSkeleton, for each document number
// its DocumentKey, for a vehicle its PlateKey. Spellings of one name in
// different scripts share their keys ("Абдуллоев" and "Abdulloev" are one
// key), as do "4521 AB 03" and "4521АВ03" with Cyrillic letters.
func EntityKeys(e Entity) []EntityKey {
	var out []EntityKey
	add := func(kind, k string) {
		k = cut(k)
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
		for _, n := range append([]string{p.Name}, p.OtherNames...) {
			add(KeyName, match.PersonKey(n))
			add(KeySkeleton, match.PersonSkeleton(n))
		}
		for _, d := range p.Documents {
			add(KeyDocument, match.DocumentKey(d.Number))
		}
	}
	if v := e.Vehicle; v != nil {
		add(KeyPlate, match.PlateKey(v.Plate))
	}
	return out
}

// cut shortens a key to maxKeyLen runes.
func cut(s string) string {
	n := 0
	for i := range s {
		if n == maxKeyLen {
			return s[:i]
		}
		n++
	}
	return s
}

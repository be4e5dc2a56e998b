package match

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// seeds are the table cases and a sample of the labelled set.
func seeds(f *testing.F, kind string) {
	f.Helper()
	for _, s := range []string{"", " ", "Абдуллоев Рустам", "Jo'rayev", "Gʻafurov", "عبدالرحمن احمدزی",
		"نظام الدین", "ABDULLOEV<<RUSTAM", "R. A.", "Rustam Karim oʻgʻli", "abd", "al", "ugli Rustam",
		"4521 AB 03", "4521АВ03", "۴۵۲۱-AB-۰۳", "№ АА 1234567", "ＡＢ１２", "\xff\xfe", "ǅ", "ß", "İ"} {
		f.Add(s)
	}
	for i, p := range readPairs(f) {
		if p.kind == kind && i%7 == 0 {
			f.Add(p.a)
		}
	}
}

func isKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ') {
			return false
		}
	}
	return true
}

// onlyCyrillic reports text of Cyrillic letters and spaces alone, where
// ToLatin and the keys read every letter alike.
func onlyCyrillic(s string) bool {
	for _, r := range s {
		if r != ' ' && !unicode.Is(unicode.Cyrillic, r) {
			return false
		}
	}
	return true
}

// FuzzPersonKey: PersonKey and PersonSkeleton never panic, give lowercase
// ASCII words that are valid UTF-8, are idempotent (a key read as a name
// gives itself), and a Cyrillic name's key is the key of its ToLatin
// romanisation. A name with a word that is not an initial scores at least
// 0.9 against itself (0.95 per word that has to go unpaired is the floor).
func FuzzPersonKey(f *testing.F) {
	seeds(f, "person")
	f.Fuzz(func(t *testing.T, s string) {
		k, sk := PersonKey(s), PersonSkeleton(s)
		for _, x := range []string{k, sk} {
			if !utf8.ValidString(x) || !isKey(x) {
				t.Fatalf("key %q of %q is not lowercase ASCII", x, s)
			}
		}
		if k2 := PersonKey(k); k2 != k {
			t.Fatalf("PersonKey(%q) = %q, not idempotent (PersonKey of it %q)", s, k, k2)
		}
		if sk2 := PersonSkeleton(sk); sk2 != sk {
			t.Fatalf("PersonSkeleton(%q) = %q, not idempotent (%q)", s, sk, sk2)
		}
		if onlyCyrillic(s) {
			if kl := PersonKey(ToLatin(s)); kl != k {
				t.Fatalf("PersonKey(%q) = %q but PersonKey(ToLatin) = %q (%q)", s, k, kl, ToLatin(s))
			}
		}
		words := false
		core, _ := splitPatronymic(parseName(s))
		for _, tk := range core {
			words = words || !tk.initial
		}
		sc := PersonScore(s, s)
		if sc < 0 || sc > 1 || words && sc < 0.9 {
			t.Fatalf("PersonScore(%q, itself) = %v", s, sc)
		}
		if lat, cyr := ToLatin(s), ToCyrillic(s); !utf8.ValidString(lat) || !utf8.ValidString(cyr) {
			t.Fatalf("ToLatin/ToCyrillic of %q not valid UTF-8", s)
		}
	})
}

// fuzzCode checks a code key function: no panic, uppercase ASCII letters
// and digits, idempotent, blind to separators and to Cyrillic look-alikes.
func fuzzCode(t *testing.T, s string, key func(string) string, score func(a, b string) float64) {
	k := key(s)
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			t.Fatalf("key %q of %q has %q", k, s, c)
		}
	}
	if k2 := key(k); k2 != k {
		t.Fatalf("key(%q) = %q, key of it %q", s, k, k2)
	}
	if k3 := key(strings.Join(strings.Split(s, ""), "-")); k3 != k && utf8.ValidString(s) {
		t.Fatalf("key of %q with dashes = %q, want %q", s, k3, k)
	}
	cyr := strings.Map(func(r rune) rune {
		for c, l := range map[rune]rune{'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X'} {
			if r == l {
				return c
			}
		}
		return r
	}, k)
	if k4 := key(cyr); k4 != k {
		t.Fatalf("key of %q with Cyrillic look-alikes (%q) = %q", k, cyr, k4)
	}
	if sc := score(s, s); k != "" && sc != 1 || sc < 0 || sc > 1 {
		t.Fatalf("score(%q, itself) = %v", s, sc)
	}
}

// FuzzPlateKey: see fuzzCode.
func FuzzPlateKey(f *testing.F) {
	seeds(f, "plate")
	f.Fuzz(func(t *testing.T, s string) { fuzzCode(t, s, PlateKey, PlateScore) })
}

// FuzzDocumentKey: see fuzzCode.
func FuzzDocumentKey(f *testing.F) {
	seeds(f, "document")
	f.Fuzz(func(t *testing.T, s string) { fuzzCode(t, s, DocumentKey, DocumentScore) })
}

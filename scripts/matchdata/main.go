// Command matchdata writes match/testdata/pairs.tsv, the labelled set the
// matching of persons, plates and documents is measured on. It applies the
// published romanisation tables of romanise.go to the names of names.go and
// builds plate and document numbers in the formats of the region; the rules
// that decide each label are in match/testdata/README.md. The output is
// deterministic (fixed seed), so a change shows as a diff.
//
// Usage: go run ./scripts/matchdata > match/testdata/pairs.tsv
package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"unicode"
)

// pair is one labelled row.
type pair struct {
	a, b, kind string
	same       bool
	note       string
}

func main() {
	rng := rand.New(rand.NewPCG(13, 2026))
	var out []pair
	out = append(out, persons(rng)...)
	out = append(out, plates(rng)...)
	out = append(out, documents(rng)...)
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "a\tb\tkind\tsame\tnote")
	for _, p := range out {
		same := "no"
		if p.same {
			same = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.a, p.b, p.kind, same, p.note)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// part is one name (given name, surname) in every system that writes it.
type part map[string]string

func tjPart(cyr string) part {
	return part{
		"tj-cyr": cyr, "bgn-tj": bgnTajik.apply(cyr), "iso9": iso9.apply(cyr),
		"ru-cyr": russianise(cyr, false), "ru-cyr-reduced": russianise(cyr, true),
		"bgn-ru":         bgnRussian.apply(russianise(cyr, false)),
		"bgn-ru-reduced": bgnRussian.apply(russianise(cyr, true)),
		"icao":           icao.apply(russianise(cyr, false)), "icao-reduced": icao.apply(russianise(cyr, true)),
		"uz-latin": uzLatin.apply(cyr),
	}
}

func uzPart(cyr string) part {
	ru := strings.NewReplacer("ж", "дж", "Ж", "Дж").Replace(cyr)
	return part{
		"uz-cyr": cyr, "uz-latin": uzLatin.apply(cyr), "iso9": iso9.apply(cyr),
		"ru-cyr": russianise(ru, false), "ru-cyr-reduced": russianise(ru, true),
		"bgn-ru": bgnRussian.apply(russianise(ru, false)),
		"icao":   icao.apply(russianise(ru, false)), "icao-reduced": icao.apply(russianise(ru, true)),
	}
}

func ruPart(cyr string) part {
	return part{
		"ru-cyr": cyr, "ru-cyr-e": strings.NewReplacer("ё", "е", "Ё", "Е").Replace(cyr),
		"bgn-ru": bgnRussian.apply(cyr), "icao": icao.apply(cyr), "iso9": iso9.apply(cyr),
	}
}

// plainTurkmen is Turkmen Latin typed without its diacritics.
var plainTurkmen = strings.NewReplacer("ý", "y", "Ý", "Y", "ä", "a", "ö", "o", "Ö", "O", "ü", "u",
	"Ü", "U", "ň", "n", "ş", "sh", "Ş", "Sh", "ç", "ch", "Ç", "Ch", "ž", "zh", "Ž", "Zh")

func tmPart(n tmName) part {
	return part{
		"tk": n.tk, "tk-plain": plainTurkmen.Replace(n.tk), "ru-cyr": n.ru,
		"bgn-ru": bgnRussian.apply(n.ru), "icao": icao.apply(n.ru),
	}
}

func afPart(n afName) part {
	p := part{"ar": n.ar}
	for i, l := range n.latin {
		p[fmt.Sprintf("en%d", i)] = l
	}
	if n.tj != "" {
		p["tj-cyr"] = n.tj
		p["bgn-tj"] = bgnTajik.apply(n.tj)
		p["ru-cyr"] = russianise(n.tj, true)
	}
	return p
}

// identity is one person: given name, surname, and the father's given name
// (Cyrillic) for a patronymic where the region writes one.
type identity struct {
	group          string
	given, surname part
	female         bool
	father         string
	fatherPart     func(string) part
}

// systems lists the systems both parts of the identity are written in.
func (id identity) systems() []string {
	var s []string
	for k := range id.given {
		if _, ok := id.surname[k]; ok {
			s = append(s, k)
		}
	}
	sortStrings(s)
	return s
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func isLatinSystem(sys string) bool {
	switch sys {
	case "tj-cyr", "uz-cyr", "ru-cyr", "ru-cyr-e", "ru-cyr-reduced", "ar":
		return false
	}
	return true
}

// patronymic writes the father's name as a patronymic in sys: Russian
// style (-ович, -овна; -евич after й) romanised by the system's table, or
// the Uzbek Latin "X oʻgʻli"/"X qizi".
func (id identity) patronymic(sys, father string) string {
	if father == "" || id.fatherPart == nil {
		return ""
	}
	fp := id.fatherPart(father)
	if sys == "uz-latin" {
		if id.female {
			return fp["uz-latin"] + " qizi"
		}
		return fp["uz-latin"] + " oʻgʻli"
	}
	base := fp["ru-cyr"]
	if base == "" {
		base = father
	}
	suffix := "ович"
	if id.female {
		suffix = "овна"
	}
	if strings.HasSuffix(base, "й") {
		base = strings.TrimSuffix(base, "й")
		suffix = "е" + suffix[2:]
	}
	cyr := base + suffix
	switch sys {
	case "bgn-tj":
		return bgnTajik.apply(cyr)
	case "bgn-ru", "bgn-ru-reduced":
		return bgnRussian.apply(cyr)
	case "icao", "icao-reduced":
		return icao.apply(cyr)
	case "iso9":
		return iso9.apply(cyr)
	case "uz-latin", "tk", "tk-plain":
		return uzLatin.apply(cyr)
	}
	return cyr
}

// orders of a full name.
const (
	orderGS   = iota // Given Surname
	orderSG          // Surname Given (Patronymic)
	orderGPS         // Given Patronymic Surname
	orderCaps        // SURNAME Given (Patronymic)
	orderMRZ         // SURNAME<<GIVEN (machine-readable zone)
	nOrders
)

// render writes the identity in sys and order; with initial the given
// name is its initial.
func (id identity) render(sys string, order int, father string, initial bool) string {
	g, s := id.given[sys], id.surname[sys]
	if initial {
		g = string([]rune(g)[:1]) + "."
	}
	pat := id.patronymic(sys, father)
	if !isLatinSystem(sys) && (order == orderMRZ) {
		order = orderCaps
	}
	join := func(parts ...string) string {
		var ne []string
		for _, p := range parts {
			if p != "" {
				ne = append(ne, p)
			}
		}
		return strings.Join(ne, " ")
	}
	switch order {
	case orderSG:
		return join(s, g, pat)
	case orderGPS:
		return join(g, pat, s)
	case orderCaps:
		return join(strings.ToUpper(s), g, pat)
	case orderMRZ:
		if pat != "" || initial {
			return join(strings.ToUpper(s), strings.ToUpper(g), strings.ToUpper(pat))
		}
		return strings.ToUpper(s) + "<<" + strings.ToUpper(strings.ReplaceAll(g, " ", "<"))
	}
	return join(g, s, pat)
}

// apostrophe gives Uzbek Latin spellings their typed apostrophe.
func apostrophe(rng *rand.Rand, s string) string {
	return uzbekSpelling(s, apostrophes[rng.IntN(len(apostrophes))])
}

// typo makes one realistic slip in a Latin spelling: a letter dropped,
// doubled, replaced by a keyboard neighbour, or two letters swapped, in a
// word of at least five letters and never in its first letter.
func typo(rng *rand.Rand, s string) (string, string) {
	words := strings.Split(s, " ")
	var cand []int
	for i, w := range words {
		if len([]rune(w)) >= 5 && isASCII(w) {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return s, ""
	}
	wi := cand[rng.IntN(len(cand))]
	w := []rune(words[wi])
	pos := 1 + rng.IntN(len(w)-2)
	var kind string
	switch rng.IntN(4) {
	case 0:
		w = append(w[:pos:pos], w[pos+1:]...)
		kind = "dropped letter"
	case 1:
		w = append(w[:pos+1:pos+1], w[pos:]...)
		kind = "doubled letter"
	case 2:
		w[pos], w[pos+1] = w[pos+1], w[pos]
		kind = "swapped letters"
	default:
		n := neighbour(w[pos])
		if n == 0 {
			w = append(w[:pos:pos], w[pos+1:]...)
			kind = "dropped letter"
		} else {
			w[pos] = n
			kind = "keyboard neighbour"
		}
	}
	words[wi] = string(w)
	return strings.Join(words, " "), kind
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// neighbour returns a QWERTY neighbour of a letter, or 0.
func neighbour(r rune) rune {
	rows := []string{"qwertyuiop", "asdfghjkl", "zxcvbnm"}
	lr := unicode.ToLower(r)
	for _, row := range rows {
		if i := strings.IndexRune(row, lr); i >= 0 {
			if i+1 < len(row) {
				return rune(row[i+1])
			}
			return rune(row[i-1])
		}
	}
	return 0
}

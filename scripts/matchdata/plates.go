package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Plate formats (letters L, digits D):
//
//	Tajikistan   DDDD LL RR      4521 AB 03 (RR: 01 Dushanbe … 08)
//	Uzbekistan   RR L DDD LL     01 A 123 BC
//	Kyrgyzstan   RR DDD LLL      01 123 ABC
//	Russia       L DDD LL RR(R)  А123ВС 77, in the 12 letters Cyrillic and Latin share
//	Afghanistan  province DDDDD  کابل ۱۲۳۴۵ (province in Dari, Persian digits)

// shared are the letters of GOST R 50577, the same in Cyrillic and Latin.
const shared = "ABEKMHOPCTYX"

var latinOf = map[rune]rune{'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'У': 'Y', 'Х': 'X'}

// cyrOf maps a Latin letter to its Cyrillic look-alike.
var cyrOf = func() map[rune]rune {
	m := map[rune]rune{}
	for c, l := range latinOf {
		m[l] = c
	}
	return m
}()

var provinces = []string{"کابل", "هرات", "بلخ", "قندهار", "ننگرهار", "کندز", "بدخشان", "تخار"}

// slot is one character of a plate: a letter, a digit or a separator.
type plate struct {
	chars   []rune // letters and digits
	letter  []bool // which chars are letter slots
	groups  []int  // lengths of the written groups
	prefix  string // Afghan province
	country string
}

func (p plate) clone() plate {
	q := p
	q.chars = append([]rune(nil), p.chars...)
	return q
}

func randPlate(rng *rand.Rand) plate {
	d := func() rune { return rune('0' + rng.IntN(10)) }
	l := func() rune { return rune(shared[rng.IntN(len(shared))]) }
	var p plate
	add := func(isL bool, n int) {
		for range n {
			if isL {
				p.chars = append(p.chars, l())
			} else {
				p.chars = append(p.chars, d())
			}
			p.letter = append(p.letter, isL)
		}
		p.groups = append(p.groups, n)
	}
	switch rng.IntN(5) {
	case 0:
		p.country = "tj"
		add(false, 4)
		add(true, 2)
		p.chars = append(p.chars, '0', rune('1'+rng.IntN(8)))
		p.letter = append(p.letter, false, false)
		p.groups = append(p.groups, 2)
	case 1:
		p.country = "uz"
		add(false, 2)
		add(true, 1)
		add(false, 3)
		add(true, 2)
	case 2:
		p.country = "kg"
		add(false, 2)
		add(false, 3)
		add(true, 3)
	case 3:
		p.country = "ru"
		add(true, 1)
		add(false, 3)
		add(true, 2)
		add(false, 2+rng.IntN(2))
	default:
		p.country = "af"
		p.prefix = pick(rng, provinces)
		add(false, 5)
	}
	return p
}

// style is how a plate is written.
type style struct {
	sep      string // between groups: " ", "", "-"
	cyrillic int    // 0 Latin, 1 all Cyrillic look-alikes, 2 one letter Cyrillic
	digits   int    // 0 Latin, 1 Persian, 2 Arabic-Indic
	lower    bool
}

func (p plate) write(s style) string {
	var b strings.Builder
	if p.prefix != "" {
		b.WriteString(p.prefix + " ")
	}
	i, firstCyr := 0, true
	for gi, n := range p.groups {
		if gi > 0 {
			b.WriteString(s.sep)
		}
		for range n {
			c := p.chars[i]
			switch {
			case c >= '0' && c <= '9' && s.digits == 1:
				c = '۰' + (c - '0')
			case c >= '0' && c <= '9' && s.digits == 2:
				c = '٠' + (c - '0')
			case c >= 'A' && c <= 'Z' && s.cyrillic > 0 && cyrOf[c] != 0 && (s.cyrillic == 1 || firstCyr):
				c = cyrOf[c]
				firstCyr = false
			}
			if s.lower {
				c = []rune(strings.ToLower(string(c)))[0]
			}
			b.WriteRune(c)
			i++
		}
	}
	return b.String()
}

func randStyle(rng *rand.Rand, p plate) style {
	s := style{sep: pick(rng, []string{" ", "", "-", " "})}
	if p.country == "ru" || rng.IntN(3) == 0 {
		s.cyrillic = rng.IntN(3)
	}
	if p.country == "af" {
		s.digits = rng.IntN(3)
	} else if rng.IntN(8) == 0 {
		s.digits = 1
	}
	s.lower = rng.IntN(10) == 0
	return s
}

// ocr are the look-alike slips of reading a plate: a letter slot read as
// a digit or a digit slot read as a letter.
var ocrLetter = map[rune]rune{'O': '0', 'B': '8', 'S': '5', 'Z': '2', 'I': '1', 'G': '6', 'D': '0'}
var ocrDigit = map[rune]rune{'0': 'O', '8': 'B', '5': 'S', '2': 'Z', '1': 'I', '6': 'G'}

func ocrSlip(rng *rand.Rand, p plate) (plate, bool) {
	var cand []int
	for i, c := range p.chars {
		if p.letter[i] && ocrLetter[c] != 0 || !p.letter[i] && ocrDigit[c] != 0 {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 || p.country == "af" {
		return p, false
	}
	q := p.clone()
	i := pick(rng, cand)
	if p.letter[i] {
		q.chars[i] = ocrLetter[p.chars[i]]
	} else {
		q.chars[i] = ocrDigit[p.chars[i]]
	}
	return q, true
}

// different changes one meaningful character: a digit for another digit,
// a letter for a letter that is neither its look-alike nor its OCR twin,
// two neighbouring digits swapped, or the Afghan province.
func different(rng *rand.Rand, p plate) (plate, string) {
	q := p.clone()
	if p.country == "af" && rng.IntN(3) == 0 {
		for q.prefix == p.prefix {
			q.prefix = pick(rng, provinces)
		}
		return q, "another province"
	}
	if rng.IntN(4) == 0 {
		for i := 0; i+1 < len(p.chars); i++ {
			if !p.letter[i] && !p.letter[i+1] && p.chars[i] != p.chars[i+1] {
				q.chars[i], q.chars[i+1] = p.chars[i+1], p.chars[i]
				return q, "two digits swapped"
			}
		}
	}
	i := rng.IntN(len(p.chars))
	for q.chars[i] == p.chars[i] {
		if p.letter[i] {
			q.chars[i] = rune(shared[rng.IntN(len(shared))])
		} else {
			q.chars[i] = rune('0' + rng.IntN(10))
		}
	}
	if p.letter[i] {
		return q, fmt.Sprintf("letter %c for %c", q.chars[i], p.chars[i])
	}
	return q, fmt.Sprintf("digit %c for %c", q.chars[i], p.chars[i])
}

func plates(rng *rand.Rand) []pair {
	var out []pair
	for range 70 {
		p := randPlate(rng)
		canon := p.write(style{sep: " "})
		for range 2 {
			s := randStyle(rng, p)
			if w := p.write(s); w != canon {
				out = append(out, pair{canon, w, "plate", true, fmt.Sprintf("%s: %s", p.country, describe(s))})
			}
		}
		if q, ok := ocrSlip(rng, p); ok {
			out = append(out, pair{canon, q.write(randStyle(rng, q)), "plate", true, p.country + ": OCR look-alike slip"})
		}
		q, what := different(rng, p)
		out = append(out, pair{canon, q.write(randStyle(rng, q)), "plate", false, p.country + ": " + what})
		q, what = different(rng, p)
		out = append(out, pair{p.write(randStyle(rng, p)), q.write(randStyle(rng, q)), "plate", false, p.country + ": " + what})
	}
	return out
}

func describe(s style) string {
	var d []string
	d = append(d, map[string]string{" ": "spaces", "": "no separators", "-": "dashes"}[s.sep])
	switch s.cyrillic {
	case 1:
		d = append(d, "Cyrillic look-alikes")
	case 2:
		d = append(d, "one Cyrillic look-alike")
	}
	switch s.digits {
	case 1:
		d = append(d, "Persian digits")
	case 2:
		d = append(d, "Arabic-Indic digits")
	}
	if s.lower {
		d = append(d, "lowercase")
	}
	return strings.Join(d, ", ")
}

// documents builds identity-document number pairs: Uzbek and Tajik
// passports (LL DDDDDDD), Russian internal passports (DD DD DDDDDD) and
// Afghan e-tazkira numbers (DDDD-DDDD-DDDDD).
func documents(rng *rand.Rand) []pair {
	var out []pair
	for range 25 {
		var p plate
		d := func(n int) {
			for range n {
				p.chars = append(p.chars, rune('0'+rng.IntN(10)))
				p.letter = append(p.letter, false)
			}
			p.groups = append(p.groups, n)
		}
		switch rng.IntN(3) {
		case 0:
			p.country = "uz"
			for range 2 {
				p.chars = append(p.chars, rune(shared[rng.IntN(len(shared))]))
				p.letter = append(p.letter, true)
			}
			p.groups = append(p.groups, 2)
			d(7)
		case 1:
			p.country = "ru"
			d(2)
			d(2)
			d(6)
		default:
			p.country = "af"
			d(4)
			d(4)
			d(5)
		}
		canon := p.write(style{sep: " "})
		s := randStyle(rng, p)
		if p.country == "af" {
			s.digits = 1 + rng.IntN(2)
		}
		out = append(out, pair{canon, "№ " + p.write(s), "document", true, p.country + ": " + describe(s)})
		q, what := different(rng, p)
		out = append(out, pair{canon, q.write(randStyle(rng, q)), "document", false, p.country + ": " + what})
	}
	return out
}

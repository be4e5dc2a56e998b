package match

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-unidecode"
)

// lookalike maps the Cyrillic letters that Russian and Central Asian
// plates share with the Latin ones (GOST R 50577: А В Е К М Н О Р С Т У Х)
// to the Latin letter they look like, after case folding.
var lookalike = map[rune]byte{
	'а': 'A', 'в': 'B', 'е': 'E', 'к': 'K', 'м': 'M', 'н': 'H', 'о': 'O',
	'р': 'P', 'с': 'C', 'т': 'T', 'у': 'Y', 'х': 'X',
	// Greek capitals that NFKC leaves alone but fonts draw alike.
	'α': 'A', 'β': 'B', 'ε': 'E', 'κ': 'K', 'μ': 'M', 'η': 'H', 'ο': 'O',
	'ρ': 'P', 'τ': 'T', 'χ': 'X', 'ι': 'I', 'ν': 'N', 'ζ': 'Z',
}

// codeKey is the key of a plate or document number: uppercase ASCII
// letters and digits only. Cyrillic look-alike letters become the Latin
// letter they look like, Persian and Arabic-Indic digits (and any other
// decimal digits) become 0–9, other letters are romanised (Dari province
// names on Afghan plates, the rest of Cyrillic), and spaces, dashes, dots,
// slashes and the number sign № are dropped.
func codeKey(s string) string {
	s = strings.ReplaceAll(s, "№", " ")
	f := fold(s)
	var b strings.Builder
	for _, r := range f {
		switch {
		case isArabicLetter(r):
			b.WriteString(strings.ToUpper(arabicLetter(r)))
		case r >= 'a' && r <= 'z':
			b.WriteByte(byte(r) - 'a' + 'A')
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case lookalike[r] != 0:
			b.WriteByte(lookalike[r])
		case arabicDigit(r) >= 0:
			b.WriteByte(byte('0' + arabicDigit(r)))
		case unicode.IsDigit(r):
			b.WriteByte(byte('0' + digitValue(r)))
		case unicode.IsLetter(r):
			if s, ok := cyrillicLatin[r]; ok {
				b.WriteString(strings.ToUpper(s))
			} else if s, ok := latinSpecial[r]; ok {
				b.WriteString(strings.ToUpper(s))
			} else {
				b.WriteString(strings.ToUpper(asciiLower(unidecode.Unidecode(string(r)))))
			}
		}
	}
	return b.String()
}

// arabicLetter romanises one Arabic-script letter of a code, whatever its
// place (ا a, و v, ی y, ه h): codes have no words for the rules of names.
func arabicLetter(r rune) string {
	switch r {
	case 'ا':
		return "a"
	case 'و':
		return "v"
	case 'ی', 'ي', 'ى', 'ے':
		return "y"
	case 'ه', 'ھ':
		return "h"
	}
	return arabicLatin[r]
}

// digitValue returns the value of a Unicode decimal digit: decimal digits
// come in runs of ten from 0 in every script.
func digitValue(r rune) int {
	for z := r; z > r-10; z-- {
		if !unicode.IsDigit(z) {
			return int(r - z - 1)
		}
	}
	return 9
}

// PlateKey is the canonical key of a vehicle plate: "4521 AB 03",
// "4521АВ03" (Cyrillic) and "۴۵۲۱-AB-۰۳" all give "4521AB03". It is
// uppercase ASCII letters and digits, the plate's own order kept.
func PlateKey(plate string) string { return codeKey(plate) }

// DocumentKey is the canonical key of an identity document number, with
// the normalisation of PlateKey: "АА 123-45-67" gives "AA1234567".
func DocumentKey(number string) string { return codeKey(number) }

// ocrPairs lists the characters that OCR and a hurried reading of a plate
// confuse; replacing one with the other is a slip, not a different plate.
var ocrPairs = map[[2]byte]bool{
	{'0', 'O'}: true, {'0', 'D'}: true, {'0', 'Q'}: true, {'D', 'O'}: true,
	{'1', 'I'}: true, {'1', 'L'}: true, {'2', 'Z'}: true, {'5', 'S'}: true,
	{'8', 'B'}: true, {'6', 'G'}: true,
}

func ocrConfusable(x, y byte) bool {
	if x > y {
		x, y = y, x
	}
	return ocrPairs[[2]byte{x, y}]
}

// codeScore compares two keys: 1 when equal; 0.95 for one look-alike slip
// (O for 0, B for 8, S for 5, ...) and 0.9 for two; 0.6 for any other
// single difference (one character changed, added, dropped, or two
// neighbours swapped), which is as likely another plate as a typing slip;
// below 0.5, falling with the edit distance, for anything more.
func codeScore(a, b string) float64 {
	if a == "" || b == "" {
		return 0
	}
	if a == b {
		return 1
	}
	if len(a) == len(b) {
		diff, ocr := 0, 0
		var first int
		for i := 0; i < len(a); i++ {
			if a[i] != b[i] {
				if diff == 0 {
					first = i
				}
				diff++
				if ocrConfusable(a[i], b[i]) {
					ocr++
				}
			}
		}
		switch {
		case diff == ocr && diff <= 2:
			return 1 - 0.05*float64(diff)
		case diff == 1:
			return 0.6
		case diff == 2 && first+1 < len(a) && a[first] == b[first+1] && a[first+1] == b[first]:
			return 0.6
		}
	}
	d := levenshtein(a, b)
	if d == 1 {
		return 0.6
	}
	return max(0, 0.5*(1-float64(d)/float64(max(len(a), len(b)))))
}

// PlateScore says in [0,1] how likely two plates, as written, are one
// plate (see codeScore). PlateThreshold separates one plate from two.
func PlateScore(a, b string) float64 { return codeScore(PlateKey(a), PlateKey(b)) }

// DocumentScore says in [0,1] how likely two document numbers are one,
// with the rules of PlateScore.
func DocumentScore(a, b string) float64 { return codeScore(DocumentKey(a), DocumentKey(b)) }

// levenshtein is the plain edit distance of two ASCII strings.
func levenshtein(a, b string) int {
	var buf [2 * 40]int
	var rows []int
	if len(b)+1 <= 40 {
		rows = buf[:2*(len(b)+1)]
	} else {
		rows = make([]int, 2*(len(b)+1))
	}
	prev, cur := rows[:len(b)+1], rows[len(b)+1:]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

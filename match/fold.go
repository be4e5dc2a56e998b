package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-unidecode"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// fold returns s in NFKC with its case folded: "ＡＢＤУЛЛОЕВ" and
// "abdуллоев" fold alike. NFKC also turns ligatures, full-width forms and
// the Arabic presentation forms into their plain letters.
func fold(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	// A Caser keeps state between calls, so each call makes its own: the
	// case folding of the Unicode standard (full folding, no Turkic cases).
	return cases.Fold().String(norm.NFKC.String(s))
}

// isApostrophe reports the marks written for the Uzbek oʻ and gʻ and the
// tutuq belgisi: the official ʻ (U+02BB) and ʼ (U+02BC), and the ' ` ’ ‘ ´
// people type instead.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', 'ʻ', 'ʼ', '’', '‘', '´', 'ʹ', 'ʺ', '′', 'ʽ':
		return true
	}
	return false
}

// cyrillicLatin romanises the lowercase Cyrillic letters of Russian, Tajik,
// Uzbek and Kyrgyz into the base Latin the keys are built from. The values
// follow BGN/PCGN Russian (1947) and Tajik (1994) and the Uzbek Latin
// alphabet (1995), with the Tajik and Uzbek letters in their own values
// (ғ gh, қ q, ҳ h, ҷ j, ӣ i, ӯ u, ў oʻ → u) so that a Tajik spelling and its
// Uzbek Latin or passport form reach the same key.
var cyrillicLatin = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "gh", 'д': "d", 'е': "e",
	'ё': "yo", 'ж': "zh", 'з': "z", 'и': "i", 'ӣ': "i", 'й': "y", 'к': "k",
	'қ': "q", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ӯ': "u", 'ў': "u", 'ф': "f", 'х': "kh",
	'ҳ': "h", 'ц': "ts", 'ч': "ch", 'ҷ': "j", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	// Kyrgyz and Kazakh letters met in Osh Knot names.
	'ң': "ng", 'ө': "o", 'ү': "u", 'ә': "a", 'і': "i", 'ұ': "u", 'ҡ': "q",
	'є': "ye", 'ї': "yi", 'ґ': "g",
}

// latinSpecial romanises the Latin letters with diacritics whose plain
// letter would lose a distinction the region's names make: Turkmen (1993
// alphabet: ç ş ž ň ý ä ö ü), Turkish ğ ı, and the ISO 9:1995 letters for
// Russian and Tajik (č š ŝ ž ë è û â for ч ш щ ж ё э ю я; ġ ķ ḩ ī ū for
// ғ қ ҳ ӣ ӯ). ISO 9 writes ҷ as ç, which here reads as Turkmen ch: a
// Tajik name in ISO 9 with ҷ loses that letter's match (see the package
// doc). Every other accented letter falls back to its base letter.
var latinSpecial = map[rune]string{
	'ç': "ch", 'ş': "sh", 'ș': "sh", 'ž': "zh", 'ň': "n", 'ý': "y", 'ä': "a",
	'ö': "o", 'ü': "u", 'ğ': "gh", 'ı': "i", 'č': "ch", 'š': "sh",
	'ŝ': "shch", 'ë': "yo", 'è': "e", 'û': "yu", 'â': "ya", 'ġ': "gh",
	'ǵ': "gh", 'ķ': "q", 'ḩ': "h", 'ḥ': "h", 'ī': "i", 'ū': "u", 'ǔ': "u",
	'ā': "a", 'ẓ': "z", 'ṣ': "s", 'ṭ': "t", 'ḍ': "d", 'ẖ': "kh", 'ẕ': "z",
}

// arabicLatin romanises the consonants of Persian (Dari) and Pashto in
// Arabic script after the common Dari romanisations (BGN/PCGN 1958 for
// Dari, as Afghan passports and the UN lists write them): one value per
// letter, the emphatic and interdental Arabic letters as Dari pronounces
// them (ث s, ذ z, ص s, ض z, ط t, ظ z), ع and ء silent. The letters that
// also carry vowels (ا و ی ه) are handled in arabicRune by position.
var arabicLatin = map[rune]string{
	'ب': "b", 'پ': "p", 'ت': "t", 'ث': "s", 'ج': "j", 'چ': "ch", 'ح': "h",
	'خ': "kh", 'د': "d", 'ذ': "z", 'ر': "r", 'ز': "z", 'ژ': "zh", 'س': "s",
	'ش': "sh", 'ص': "s", 'ض': "z", 'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh",
	'ف': "f", 'ق': "q", 'ک': "k", 'ك': "k", 'گ': "g", 'ل': "l", 'م': "m",
	'ن': "n", 'ء': "", 'ئ': "y", 'ؤ': "u", 'ة': "a", 'أ': "a", 'إ': "i",
	'آ': "a", 'ٱ': "a",
	// Pashto letters.
	'ټ': "t", 'ډ': "d", 'ړ': "r", 'ږ': "zh", 'ښ': "sh", 'ځ': "z", 'څ': "s",
	'ڼ': "n", 'ې': "e", 'ۍ': "ay", 'ڭ': "ng", 'ۀ': "a",
	// Short-vowel signs, written in some documents.
	'\u064e': "a", '\u0650': "i", '\u064f': "u", '\u064b': "an", '\u064d': "in",
	'\u064c': "un", '\u0652': "", '\u0651': "", '\u0640': "", '\u0670': "a",
}

// isArabicLetter reports letters of the Arabic script blocks.
func isArabicLetter(r rune) bool {
	return unicode.Is(unicode.Arabic, r) && (unicode.IsLetter(r) || unicode.IsMark(r))
}

// arabicWord romanises one word in Arabic script: ا is a, و is v at the
// start of a word and after ا, else u; ی is y at the start, else i; ه at
// the end of a word is the silent he (a), else h. The article ال inside a
// word, after a name of three letters or more and before two or more
// (عبدالرحمن, نورالله, نظام‌الدین), is dropped, as Dari speech assimilates it.
func arabicWord(w []rune) string {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		r := w[i]
		if r == 'ا' && i >= 3 && i+3 < len(w) && w[i+1] == 'ل' || r == 'ا' && i >= 3 && i+3 == len(w) && w[i+1] == 'ل' && w[i+2] == 'ل' {
			i++ // the article inside a word
			continue
		}
		switch r {
		case 'ا':
			b.WriteString("a")
		case 'و':
			if i == 0 || w[i-1] == 'ا' {
				b.WriteString("v")
			} else {
				b.WriteString("u")
			}
		case 'ی', 'ي', 'ى', 'ے':
			if i == 0 {
				b.WriteString("y")
			} else {
				b.WriteString("i")
			}
		case 'ه', 'ھ':
			if i == len(w)-1 && i > 0 {
				b.WriteString("a")
			} else {
				b.WriteString("h")
			}
		default:
			if d := arabicDigit(r); d >= 0 {
				b.WriteByte(byte('0' + d))
			} else if s, ok := arabicLatin[r]; ok {
				b.WriteString(s)
			} else {
				b.WriteString(asciiLower(unidecode.Unidecode(string(r))))
			}
		}
	}
	return b.String()
}

// arabicDigit returns the value of an Arabic-Indic (٠–٩) or Persian (۰–۹)
// digit, or -1.
func arabicDigit(r rune) int {
	switch {
	case r >= '٠' && r <= '٩':
		return int(r - '٠')
	case r >= '۰' && r <= '۹':
		return int(r - '۰')
	}
	return -1
}

// word is one word of a name after romanisation: lowercase ASCII letters
// and digits, and whether it was written in Arabic script (so without
// short vowels).
type word struct {
	text   string
	arabic bool
	dotted bool // one letter and a full stop: "R.", "Ю."
}

// romanize folds s and splits it into romanised words. Separators are
// white space, commas, full stops, slashes and brackets; hyphens and the
// Arabic zero-width non-joiner join. The Uzbek oʻ becomes u and gʻ gh
// whatever apostrophe is typed; other apostrophes are dropped.
func romanize(s string) []word {
	f := []rune(fold(s))
	var words []word
	var cur strings.Builder
	arabic, dotted := false, false
	runes := 0 // source letters of the current word
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, word{text: cur.String(), arabic: arabic, dotted: dotted})
		}
		cur.Reset()
		arabic, dotted, runes = false, false, 0
	}
	for i := 0; i < len(f); i++ {
		r := f[i]
		if unicode.IsLetter(r) {
			runes++
		}
		switch {
		case isArabicLetter(r):
			j := i
			for j < len(f) && (isArabicLetter(f[j]) || f[j] == '\u200c') {
				j++
			}
			seg := make([]rune, 0, j-i)
			for _, x := range f[i:j] {
				if x != '\u200c' {
					seg = append(seg, x)
				}
			}
			cur.WriteString(arabicWord(seg))
			arabic = true
			i = j - 1
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if (r == 'o' || r == 'g') && i+1 < len(f) && isApostrophe(f[i+1]) {
				if r == 'o' {
					cur.WriteString("u")
				} else {
					cur.WriteString("gh")
				}
				i++
				continue
			}
			cur.WriteRune(r)
		case isApostrophe(r), r == '-', r == '\u200c', r == '\u00b7', r == '\u200d':
			// joins: Uzbek tutuq belgisi, hyphenated names, ZWNJ, BGN/PCGN's
			// middle dot
		case r == '.':
			if cur.Len() > 0 && runes == 1 {
				dotted = true
			}
			flush()
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r):
			flush()
		case unicode.IsMark(r):
			// a combining mark left after NFKC: drop it
		default:
			if s, ok := cyrillicLatin[r]; ok {
				cur.WriteString(s)
			} else if s, ok := latinSpecial[r]; ok {
				cur.WriteString(s)
			} else if d := arabicDigit(r); d >= 0 {
				cur.WriteByte(byte('0' + d))
			} else if unicode.IsDigit(r) || unicode.IsLetter(r) {
				cur.WriteString(asciiLower(unidecode.Unidecode(string(r))))
			} else {
				flush()
			}
		}
	}
	flush()
	return words
}

// asciiLower keeps the lowercase ASCII letters and digits of s.
func asciiLower(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

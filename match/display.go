package match

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// displayLatin romanises Cyrillic for reading (BGN/PCGN Russian and Tajik,
// the Uzbek Latin oʻ and gʻ): unlike the keys it keeps х as kh and ў as oʻ.
var displayLatin = map[rune]string{
	'ғ': "gh", 'ў': "oʻ", 'х': "kh", 'ъ': "", 'ь': "", 'е': "e", 'ё': "yo",
}

// ToLatin writes a name in Latin letters for a reader of a Latin-script
// interface: Cyrillic (Russian, Tajik, Uzbek, Kyrgyz) by BGN/PCGN with the
// Tajik and Uzbek letters in their own values (Қодиров → Qodirov, Ҷӯраев
// → Juraev, Ғафуров → Ghafurov), Arabic script by the consonant-and-long-
// vowel rules of the keys (short vowels are not written, so محمد gives
// Mhmd), Persian digits as 0–9. Latin text is left as it is; the case of
// each letter is kept.
func ToLatin(s string) string {
	rs := []rune(norm.NFC.String(s))
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case isArabicLetter(r):
			j := i
			for j < len(rs) && (isArabicLetter(rs[j]) || rs[j] == '\u200c') {
				j++
			}
			var seg []rune
			for _, x := range rs[i:j] {
				if x != '\u200c' {
					seg = append(seg, x)
				}
			}
			w := arabicWord(seg)
			if w != "" {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			i = j - 1
		case arabicDigit(r) >= 0:
			b.WriteByte(byte('0' + arabicDigit(r)))
		default:
			lr := unicode.ToLower(r)
			v, ok := displayLatin[lr]
			if !ok {
				v, ok = cyrillicLatin[lr]
			}
			if !ok {
				b.WriteRune(r)
				continue
			}
			b.WriteString(withCase(v, r, rs, i))
		}
	}
	return b.String()
}

// withCase gives the romanised value v of the letter rs[i] the letter's
// case: all capitals inside a word in capitals (ЖУРАЕВ → ZHURAEV), else a
// capital first letter (Жураев → Zhuraev).
func withCase(v string, r rune, rs []rune, i int) string {
	if !unicode.IsUpper(r) || v == "" {
		return v
	}
	next := i+1 < len(rs) && unicode.IsUpper(rs[i+1])
	prev := i > 0 && unicode.IsUpper(rs[i-1])
	if next || prev {
		return strings.ToUpper(v)
	}
	return strings.ToUpper(v[:1]) + v[1:]
}

// latinCyrillic are the Latin spellings, longest first, and the Russian
// Cyrillic a reader of a Russian interface reads them as.
var latinCyrillic = []struct{ from, to string }{
	{"shch", "щ"}, {"dzh", "дж"}, {"sh", "ш"}, {"ch", "ч"}, {"zh", "ж"},
	{"kh", "х"}, {"gh", "г"}, {"ts", "ц"}, {"yo", "ё"}, {"yu", "ю"},
	{"ya", "я"}, {"ye", "е"}, {"o'", "у"}, {"g'", "г"},
	{"a", "а"}, {"b", "б"}, {"c", "к"}, {"d", "д"}, {"e", "е"}, {"f", "ф"},
	{"g", "г"}, {"h", "х"}, {"i", "и"}, {"j", "дж"}, {"k", "к"}, {"l", "л"},
	{"m", "м"}, {"n", "н"}, {"o", "о"}, {"p", "п"}, {"q", "к"}, {"r", "р"},
	{"s", "с"}, {"t", "т"}, {"u", "у"}, {"v", "в"}, {"w", "в"}, {"x", "х"},
	{"y", "й"}, {"z", "з"}, {"'", "ъ"},
}

// ToCyrillic writes a name in Russian Cyrillic for a reader of a
// Russian-script interface: Latin romanisations read back by their digraphs
// (sh ш, ch ч, kh and x х, zh ж, j дж, q к, oʻ у, gʻ and gh г), the
// diacritics of Turkmen and ISO 9 by their letters (ş ш, ç ч, ý й, č ч,
// š ш), y as ы after a consonant unless a vowel follows and й elsewhere, e as э at the start of a
// word; Arabic script through ToLatin. Cyrillic is left as it is.
func ToCyrillic(s string) string {
	var b strings.Builder
	for _, w := range splitKeep(ToLatin(s)) {
		if w.sep {
			b.WriteString(w.text)
			continue
		}
		b.WriteString(wordToCyrillic(w.text))
	}
	return b.String()
}

// piece is a word or the separators between words.
type piece struct {
	text string
	sep  bool
}

// splitKeep splits s into letter runs (apostrophes inside a word kept) and
// the runs between them.
func splitKeep(s string) []piece {
	var out []piece
	var cur []rune
	curSep := false
	for _, r := range s {
		sep := !(unicode.IsLetter(r) || unicode.IsMark(r) || isApostrophe(r) && len(cur) > 0 && !curSep)
		if len(cur) > 0 && sep != curSep {
			out = append(out, piece{string(cur), curSep})
			cur = cur[:0]
		}
		cur, curSep = append(cur, r), sep
	}
	if len(cur) > 0 {
		out = append(out, piece{string(cur), curSep})
	}
	return out
}

func wordToCyrillic(w string) string {
	rs := []rune(norm.NFC.String(w))
	allCaps := len(rs) > 1
	var plain strings.Builder
	for _, r := range rs {
		if unicode.IsLower(r) {
			allCaps = false
		}
		lr := unicode.ToLower(r)
		switch {
		case isApostrophe(lr):
			plain.WriteByte('\'')
		case lr < unicode.MaxASCII:
			plain.WriteRune(lr)
		case latinSpecial[lr] != "":
			plain.WriteString(latinSpecial[lr])
		default:
			plain.WriteString(string(lr)) // Cyrillic and anything else stay
		}
	}
	src := plain.String()
	var b strings.Builder
	for i := 0; i < len(src); {
		matched := false
		for _, m := range latinCyrillic {
			if strings.HasPrefix(src[i:], m.from) {
				to := m.to
				switch {
				case m.from == "e" && i == 0:
					to = "э"
				case m.from == "y" && i > 0 && !isVowelLetter(src[i-1]) && (i+1 == len(src) || !strings.ContainsRune("aeiou", rune(src[i+1]))):
					to = "ы"
				case m.from == "'" && (i == 0 || i+1 == len(src)):
					to = ""
				}
				b.WriteString(to)
				i += len(m.from)
				matched = true
				break
			}
		}
		if !matched {
			r, size := []rune(src[i:])[0], len(string([]rune(src[i:])[0]))
			b.WriteRune(r)
			i += size
		}
	}
	out := []rune(b.String())
	switch {
	case allCaps:
		return strings.ToUpper(string(out))
	case len(rs) > 0 && unicode.IsUpper(rs[0]) && len(out) > 0:
		out[0] = unicode.ToUpper(out[0])
	}
	return string(out)
}

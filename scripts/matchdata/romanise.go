package main

import (
	"strings"
	"unicode"
)

// A table romanises Cyrillic letters (lowercase keys); initial holds the
// values a letter takes at the start of a word or after a vowel, where the
// system says so (BGN/PCGN's ye, yë).
type table struct {
	name    string
	source  string
	letters map[rune]string
	initial map[rune]string
}

// bgnRussian is BGN/PCGN 1947 for Russian (the form in the UK and US
// gazetteers), without the optional middle dots.
var bgnRussian = table{
	name:   "bgn-ru",
	source: "BGN/PCGN Romanization of Russian (1947)",
	letters: map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "ë",
		'ж': "zh", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
		'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
		'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
		'ъ': "ʺ", 'ы': "y", 'ь': "ʹ", 'э': "e", 'ю': "yu", 'я': "ya",
	},
	initial: map[rune]string{'е': "ye", 'ё': "yë"},
}

// bgnTajik is BGN/PCGN 1994 for Tajik Cyrillic.
var bgnTajik = table{
	name:   "bgn-tj",
	source: "BGN/PCGN Romanization of Tajik (1994)",
	letters: map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "gh", 'д': "d", 'е': "e",
		'ё': "yo", 'ж': "zh", 'з': "z", 'и': "i", 'ӣ': "ī", 'й': "y", 'к': "k",
		'қ': "q", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
		'с': "s", 'т': "t", 'у': "u", 'ӯ': "ū", 'ф': "f", 'х': "kh", 'ҳ': "h",
		'ч': "ch", 'ҷ': "j", 'ш': "sh", 'ъ': "ʼ", 'э': "e", 'ю': "yu", 'я': "ya",
		'ц': "ts", 'щ': "shch", 'ы': "y", 'ь': "",
	},
	initial: map[rune]string{'е': "ye"},
}

// iso9 is ISO 9:1995 (System A, one letter for one letter), with the
// Tajik and Uzbek letters of its table.
var iso9 = table{
	name:   "iso9",
	source: "ISO 9:1995",
	letters: map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "ġ", 'д': "d", 'е': "e",
		'ё': "ë", 'ж': "ž", 'з': "z", 'и': "i", 'ӣ': "ī", 'й': "j", 'к': "k",
		'қ': "ķ", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
		'с': "s", 'т': "t", 'у': "u", 'ӯ': "ū", 'ў': "ǔ", 'ф': "f", 'х': "h",
		'ҳ': "ḩ", 'ц': "c", 'ч': "č", 'ҷ': "ç", 'ш': "š", 'щ': "ŝ", 'ъ': "ʺ",
		'ы': "y", 'ь': "ʹ", 'э': "è", 'ю': "û", 'я': "â",
	},
}

// icao is the transliteration of ICAO Doc 9303 (7th ed., 2015, part 3),
// which Russian and Central Asian machine-readable passports print.
var icao = table{
	name:   "icao",
	source: "ICAO Doc 9303 (2015), Part 3, Cyrillic",
	letters: map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
		'ж': "zh", 'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m",
		'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
		'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
		'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	},
}

// uzLatin is the Uzbek Latin alphabet of 1995 (as revised in 2019/2021:
// oʻ gʻ with U+02BB, the tutuq belgisi ʼ U+02BC) applied to Uzbek Cyrillic.
var uzLatin = table{
	name:   "uz-latin",
	source: "Uzbek Latin alphabet (1995; oʻ gʻ of the 2021 revision)",
	letters: map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "gʻ", 'д': "d", 'е': "e",
		'ё': "yo", 'ж': "j", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'қ': "q",
		'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s",
		'т': "t", 'у': "u", 'ў': "oʻ", 'ф': "f", 'х': "x", 'ҳ': "h", 'ц': "ts",
		'ч': "ch", 'ш': "sh", 'ъ': "ʼ", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
		'ӣ': "i", 'ӯ': "oʻ", 'ҷ': "j", 'ы': "i", 'щ': "sh",
	},
	initial: map[rune]string{'е': "ye"},
}

// apostrophes are the marks people type for ʻ in oʻ and gʻ.
var apostrophes = []string{"ʻ", "'", "`", "’", "‘"}

func isVowel(r rune) bool {
	return strings.ContainsRune("аеёиоуыэюяӣӯўaeiou", unicode.ToLower(r))
}

// apply romanises s with t, keeping the case of each word's first letter.
func (t table) apply(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		lr := unicode.ToLower(r)
		v, ok := t.letters[lr]
		if !ok {
			b.WriteRune(r)
			continue
		}
		if iv, ok := t.initial[lr]; ok && (i == 0 || !unicode.IsLetter(rs[i-1]) || isVowel(rs[i-1])) {
			v = iv
		}
		if unicode.IsUpper(r) && v != "" {
			first := []rune(v)
			v = string(unicode.ToUpper(first[0])) + string(first[1:])
		}
		b.WriteString(v)
	}
	return b.String()
}

// russianise writes a Tajik or Uzbek Cyrillic name as Russian documents
// of the Soviet period and after do: the letters Russian lacks become
// their nearest Russian letter (қ к, ғ г, ҳ х, ҷ дж, ӣ и, ӯ у, ў у), and
// with reduce the long о of Tajik and Uzbek (Persian ā) becomes а after
// the first letter and before the suffix (Раҳмонов → Рахманов,
// Абдуллоев → Абдуллаев; -ов, -ович and -зода keep their о).
func russianise(s string, reduce bool) string {
	r := strings.NewReplacer("қ", "к", "Қ", "К", "ғ", "г", "Ғ", "Г", "ҳ", "х", "Ҳ", "Х",
		"ҷ", "дж", "Ҷ", "Дж", "ӣ", "и", "Ӣ", "И", "ӯ", "у", "Ӯ", "У", "ў", "у", "Ў", "У")
	s = r.Replace(s)
	if !reduce {
		return s
	}
	words := strings.Fields(s)
	for i, w := range words {
		rs := []rune(w)
		stem := len(rs)
		for _, suf := range []string{"ович", "овна", "ова", "ов", "зода"} {
			if strings.HasSuffix(w, suf) {
				stem -= len([]rune(suf))
				break
			}
		}
		for j := 1; j < stem; j++ {
			if rs[j] == 'о' {
				rs[j] = 'а'
			}
		}
		words[i] = string(rs)
	}
	return strings.Join(words, " ")
}

// uzbekSpelling writes an Uzbek Latin name with another apostrophe for
// ʻ: the ASCII ', the backtick or the typographic quotes.
func uzbekSpelling(s, apostrophe string) string {
	return strings.ReplaceAll(s, "ʻ", apostrophe)
}

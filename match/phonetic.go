package match

import "strings"

// The phonetic form of a word: one ASCII letter per sound class, so that
// the spellings the region's romanisations give one sound meet.
//
//	vowels   a (a o), i (e i y ы ӣ), u (u ӯ ў oʻ)
//	h        h kh x х ҳ          (Russian writes Tajik ҳ as х)
//	k        k q ck қ
//	g        g gh gʻ ғ
//	j        j zh dzh dj ж ҷ      (Джураев, Juraev, Jo'rayev, Ҷӯраев)
//	c        ch tch ч
//	w        sh sch shch ш щ
//	s        s ts ц, and c (ISO 9 writes ц as c)
//	f f ph · v v w · t t th · z z dh
//
// Then doubled letters collapse (Abdullo, Abdulo), "oo"/"ou" are u and
// "ee" is i (English spellings of Afghan names: Dawood, Yousuf, Sadeeq), a
// final h after a vowel goes (Abdullah, Abdulla, Abdullo), j after a vowel
// and before a consonant or at the end is the ISO 9 й (Hajdarov, Haydarov;
// Sergej, Sergey), and "abdul" before a consonant other than l is "abdu"
// (Abdulrahman, Abdurrahmon, Abdurahman).
//
// Keys spell the classes h, j, c and w as x, zh, ch and sh (keyForm), so a
// key read as a name gives itself back: phonetic(keyForm(p)) = p, which
// phoneticWord makes sure of by applying phonetic until that holds.

// digraphs lists the multi-letter spellings, longest first.
var digraphs = []struct{ from, to string }{
	{"shch", "w"}, {"dzh", "j"}, {"tch", "c"}, {"sch", "w"},
	{"sh", "w"}, {"ch", "c"}, {"kh", "h"}, {"zh", "j"}, {"gh", "g"},
	{"dj", "j"}, {"ph", "f"}, {"ts", "s"}, {"ck", "k"},
	{"th", "t"}, {"dh", "z"}, {"oo", "u"}, {"ou", "u"}, {"ee", "i"},
}

// single maps each remaining letter to its class.
var single = [26]byte{
	'a', 'b', 's', 'd', 'i', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'a', 'p',
	'k', 'r', 's', 't', 'u', 'v', 'v', 'h', 'i', 'z',
}

// digraphAt returns the length and class of the digraph at w[i], or 0.
func digraphAt(w string, i int) (int, byte) {
	switch w[i] {
	case 's', 'd', 't', 'c', 'k', 'z', 'g', 'p', 'o', 'e':
	default:
		return 0, 0
	}
	for _, d := range digraphs {
		if d.from[0] == w[i] && strings.HasPrefix(w[i:], d.from) {
			return len(d.from), d.to[0]
		}
	}
	return 0, 0
}

func isVowelClass(c byte) bool { return c == 'a' || c == 'i' || c == 'u' }

// phonetic returns the phonetic form of a romanised word (lowercase ASCII
// letters and digits).
func phonetic(w string) string {
	if strings.HasPrefix(w, "abdul") && len(w) > 5 && !isVowelLetter(w[5]) && w[5] != 'l' {
		w = "abdu" + w[5:]
	}
	out := make([]byte, 0, len(w))
	for i := 0; i < len(w); {
		if n, c := digraphAt(w, i); n > 0 {
			out = append(out, c)
			i += n
			continue
		}
		c := w[i]
		switch {
		case c >= 'a' && c <= 'z':
			cls := single[c-'a']
			if c == 'j' && i > 0 && isVowelLetter(w[i-1]) && (i+1 == len(w) || !isVowelLetter(w[i+1])) {
				cls = 'i' // ISO 9 й: Hajdarov, Sergej
			}
			out = append(out, cls)
		default:
			out = append(out, c)
		}
		i++
	}
	out = dedup(out)
	// final h after a vowel: Abdullah, Abdulla
	if n := len(out); n > 2 && out[n-1] == 'h' && isVowelClass(out[n-2]) {
		out = out[:n-1]
	}
	return string(out)
}

// phoneticWord is phonetic applied until its key form reads back as
// itself (at most a few rounds: every round keeps or merges letters).
func phoneticWord(w string) string {
	p := phonetic(w)
	for range 4 {
		q := phonetic(keyForm(p))
		if q == p {
			break
		}
		p = q
	}
	return p
}

// keyForm spells a phonetic form in the letters of the keys: the classes
// h, j, c and w as x, zh, ch and sh, every other letter as itself.
func keyForm(p string) string {
	if !strings.ContainsAny(p, "hjcw") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case 'h':
			b.WriteByte('x')
		case 'j':
			b.WriteString("zh")
		case 'c':
			b.WriteString("ch")
		case 'w':
			b.WriteString("sh")
		default:
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

// isVowelLetter reports the romanised vowels, y included.
func isVowelLetter(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// dedup collapses runs of one letter in place.
func dedup(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	n := 1
	for i := 1; i < len(b); i++ {
		if b[i] != b[n-1] {
			b[n] = b[i]
			n++
		}
	}
	return b[:n]
}

// skeleton drops the vowel classes of a phonetic form: Dari and Pashto
// write no short vowels, so a name in Arabic script and its romanisation
// can only be compared on their consonants.
func skeleton(p string) string {
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if !isVowelClass(p[i]) {
			b = append(b, p[i])
		}
	}
	return string(dedup(b))
}

// skeletonWord is the skeleton of a phonetic form, taken again until its
// key form reads back as itself: dropping vowels can set two consonants
// side by side that a key would read as one (t·sh as ts·h), so such a
// skeleton settles on the reading a key gets.
func skeletonWord(p string) string {
	q := skeleton(p)
	for range 4 {
		r := skeleton(phonetic(keyForm(q)))
		if r == q {
			break
		}
		q = r
	}
	return q
}

// suffix classes of surnames.
const (
	sufNone = iota
	sufOv   // Russian -ov -ev -yev and feminine -ova -eva
	sufZoda // Tajik -zoda, Persian -zade, -zada
	sufI    // Persian -i (Rahimi, Раҳимӣ)
)

// splitSuffix splits a phonetic form into its stem and surname suffix
// class. The stem keeps at least three letters, so given names such as
// Ali or Iva keep their ending.
func splitSuffix(p string) (string, int) {
	cut := func(suf string) (string, bool) {
		if strings.HasSuffix(p, suf) && len(p)-len(suf) >= 3 {
			return p[:len(p)-len(suf)], true
		}
		return "", false
	}
	for _, s := range []string{"zada", "zadi"} {
		if stem, ok := cut(s); ok {
			return stem, sufZoda
		}
	}
	for _, s := range []string{"ava", "iva", "av", "iv"} {
		if stem, ok := cut(s); ok {
			return stem, sufOv
		}
	}
	if stem, ok := cut("i"); ok {
		return stem, sufI
	}
	return p, sufNone
}

// isPatronymic reports a phonetic form that is a Russian-style patronymic
// written as one word: -ovich, -evich, -ovna, -evna, -ichna.
func isPatronymic(p string) bool {
	for _, s := range []string{"vic", "vna", "icna"} {
		if strings.HasSuffix(p, s) && len(p) >= len(s)+3 {
			return true
		}
	}
	return false
}

// patronymicStem is the father's name in a patronymic: Karimovich,
// Karimovna and Karim (oʻgʻli) all give karim.
func patronymicStem(p string) string {
	for _, s := range []string{"avic", "ivic", "avna", "ivna", "icna", "vic", "vna"} {
		if strings.HasSuffix(p, s) && len(p) >= len(s)+3 {
			return p[:len(p)-len(s)]
		}
	}
	return p
}

// isPatronymicMarker reports the separate words that mark the preceding
// word as a patronymic: Uzbek oʻgʻli, qizi; Turkmen ogly, gyzy; Kyrgyz
// uulu, kyzy; Arabic ibn, bin, bint (which mark the following word).
func isPatronymicMarker(p string) (before bool, after bool) {
	switch p {
	case "ugli", "ugil", "agli", "agil", "kizi", "gizi", "uulu", "ulu", "uli":
		return true, false
	case "ibn", "bin", "bint", "binti", "ban":
		return false, true
	}
	return false, false
}

// isParticle reports the phonetic form of the Arabic article and connecting words that a
// romanisation may write apart (Nizom ud-Din, Abdul Rahman); they join the
// neighbouring words.
func isParticle(p string) bool {
	switch p {
	case "al", "ul", "ud", "ad", "id", "ur":
		return true
	}
	return false
}

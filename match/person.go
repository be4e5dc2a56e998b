package match

import (
	"slices"
	"sort"
	"strings"
)

// token is one part of a person's name, ready to compare.
type token struct {
	ph         string // phonetic form
	stem       string // phonetic form without the surname suffix
	suf        int    // surname suffix class
	skel       string // consonant skeleton
	arabic     bool   // written in Arabic script
	initial    bool   // an initial: "R." or a one-letter word
	patronymic bool
	first      byte // first romanised letter, for initials
}

// parseName romanises a name and splits it into tokens: particles (ud-,
// al-) and a separate Abdul/Abdu join the next word, the Arabic article at
// the start of a word joins the previous one (نظام الدین), and patronymic
// markers (oʻgʻli, qizi, ibn) mark their word as the patronymic.
func parseName(name string) []token {
	words := joinWords(romanize(name))
	toks := make([]token, 0, len(words))
	markNext := false
	for _, w := range words {
		ph := phoneticWord(w.text)
		if ph == "" {
			continue
		}
		before, after := isPatronymicMarker(ph)
		if before {
			if len(toks) == 0 {
				continue
			}
			prev := &toks[len(toks)-1]
			prev.patronymic, prev.stem, prev.suf = true, patronymicStem(prev.ph), sufNone
			continue
		}
		if after {
			markNext = true
			continue
		}
		t := token{ph: ph, arabic: w.arabic, skel: skeletonWord(ph)}
		t.initial = w.dotted || len(ph) == 1
		t.patronymic = markNext || (!t.initial && isPatronymic(ph))
		markNext = false
		switch {
		case t.patronymic:
			t.stem = patronymicStem(ph)
		case !t.initial:
			t.stem, t.suf = splitSuffix(ph)
		}
		t.first = w.text[0]
		toks = append(toks, t)
	}
	return toks
}

// joinWords applies the joining rules of parseName to romanised words.
func joinWords(ws []word) []word {
	out := make([]word, 0, len(ws))
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		var ph string
		if len(w.text) <= 5 { // particles and Abd are short
			ph = phoneticWord(w.text)
		}
		switch {
		case w.arabic && len(out) > 0 && strings.HasPrefix(w.text, "al") && len(w.text) > 3:
			out[len(out)-1].text += w.text[2:]
			out[len(out)-1].arabic = true
			continue
		case (isParticle(ph) || isAbd(ph, w.arabic)) && (i+1 == len(ws) || len(ws[i+1].text) < 2):
			continue // a particle with nothing to join names no one
		case isParticle(ph):
			w.text += ws[i+1].text
			w.arabic = w.arabic || ws[i+1].arabic
			i++
			if len(out) > 0 {
				out[len(out)-1].text += w.text
				out[len(out)-1].arabic = out[len(out)-1].arabic || w.arabic
				continue
			}
		case isAbd(ph, w.arabic):
			w.text += ws[i+1].text
			w.arabic = w.arabic || ws[i+1].arabic
			i++
		}
		out = append(out, w)
	}
	return out
}

// isAbd reports the phonetic form of "Abd" (servant of), which names write apart
// from the divine name that follows: Abdul Rahman, Abdu Salom, عبد الله.
func isAbd(s string, arabic bool) bool {
	switch s {
	case "abd", "abdu", "abdul", "abdal", "abdil", "abda":
		return true
	case "bd", "bdal": // عبد, whose ع is silent
		return arabic
	}
	return false
}

// tokenSim is the similarity in [0,1] of two name tokens. An initial agrees
// with any word of the same first sound (0.9, never certain); a word in
// Arabic script is compared with its unwritten short vowels free to insert
// (its written long vowels must match); otherwise the stems are
// compared by the weighted edit distance and a different surname suffix
// (Abdulloev, Abdullozoda) costs a quarter.
func tokenSim(a, b token) float64 {
	if a.initial || b.initial {
		if a.ph[0] == b.ph[0] || a.first == b.first {
			return 0.9
		}
		if a.arabic || b.arabic {
			// an initial vowel is not written in Arabic script
			if a.skel != "" && b.skel != "" && a.skel[0] == b.skel[0] {
				return 0.9
			}
		}
		return 0
	}
	if a.arabic != b.arabic {
		if b.arabic {
			a, b = b, a
		}
		if len(b.ph) == 0 {
			return 0
		}
		return max(0, 1-distanceFree(a.ph, b.ph, true)/float64(len(b.ph)))
	}
	if a.arabic {
		return ratio(a.ph, b.ph)
	}
	s := ratio(a.stem, b.stem)
	if a.suf != b.suf {
		s *= 0.75
	}
	return s
}

// ratio is 1 − distance/longer length, at least 0.
func ratio(a, b string) float64 {
	n := max(len(a), len(b))
	if n == 0 {
		return 0
	}
	return max(0, 1-distance(a, b)/float64(n))
}

// nameScore compares two parsed names. The words are paired best first in
// any order; the score is 0.6 × the weakest pair + 0.4 × the mean, so every
// part of the shorter name must agree. Each word of the longer name left
// unpaired costs 5% (a missing middle name), a one-word name against a
// longer one scores at most 0.8 (a surname alone names a family), a match
// on initials only at most 0.7, and two patronymics that disagree (two
// brothers' sons) cost 40%. A missing patronymic costs nothing.
func nameScore(a, b []token) float64 {
	ca, pa := splitPatronymic(a)
	cb, pb := splitPatronymic(b)
	if len(ca) == 0 || len(cb) == 0 {
		return 0
	}
	if len(ca) > len(cb) {
		ca, cb = cb, ca
	}
	type pair struct {
		i, j int
		s    float64
	}
	pairs := make([]pair, 0, len(ca)*len(cb))
	for i := range ca {
		for j := range cb {
			pairs = append(pairs, pair{i, j, tokenSim(ca[i], cb[j])})
		}
	}
	sort.SliceStable(pairs, func(x, y int) bool { return pairs[x].s > pairs[y].s })
	usedA := make([]bool, len(ca))
	usedB := make([]bool, len(cb))
	sum, lo, n, initials := 0.0, 1.0, 0, 0
	for _, p := range pairs {
		if usedA[p.i] || usedB[p.j] {
			continue
		}
		usedA[p.i], usedB[p.j] = true, true
		sum += p.s
		lo = min(lo, p.s)
		n++
		if ca[p.i].initial || cb[p.j].initial {
			initials++
		}
	}
	score := 0.6*lo + 0.4*sum/float64(n)
	for range len(cb) - n {
		score *= 0.95
	}
	if len(ca) == 1 && len(cb) > 1 {
		score = min(score, 0.8)
	}
	if initials == n {
		score = min(score, 0.7)
	}
	if len(pa) > 0 && len(pb) > 0 && tokenSim(pa[0], pb[0]) < 0.8 {
		score *= 0.6
	}
	return score
}

// splitPatronymic separates the patronymic from the other words. A name
// that is all patronymic-looking words keeps them as its words.
func splitPatronymic(ts []token) (core, pat []token) {
	for _, t := range ts {
		if t.patronymic {
			pat = append(pat, t)
		} else {
			core = append(core, t)
		}
	}
	if len(core) == 0 {
		return pat, nil
	}
	return core, pat
}

// PersonScore says in [0,1] how likely the names a and b, in any script and
// romanisation, name the same person (see nameScore for the rules). Two
// names score PersonThreshold or more when they are to be taken as one.
func PersonScore(a, b string) float64 {
	return nameScore(parseName(a), parseName(b))
}

// PersonKey is the canonical key of a name for a trigram index: the
// phonetic forms of its words, patronymic and initials left out, sorted and
// joined by spaces. It is lowercase ASCII, short (about the length of the
// name) and stable: "Абдуллоев Рустам", "Rustam Abdullaev" and
// "ABDULLOYEV Rustam" all give "abdulaiv rustam", and a key read as a name
// gives itself. Names in Arabic script
// give their vowel-less form; PersonSkeleton finds them across scripts.
func PersonKey(name string) string {
	return settle(name, func(s string) string {
		return personKey(parseName(s), func(t token) string { return keyForm(t.ph) })
	})
}

// PersonSkeleton is the consonant skeleton of a name, for a second trigram
// index: "Rahimi", "Раҳимӣ" and "رحیمی" all give "rxm".
func PersonSkeleton(name string) string {
	return settle(name, func(s string) string {
		return personKey(parseName(s), func(t token) string { return keyForm(t.skel) })
	})
}

// settle applies key to its own result until that no longer changes (a
// round or two at most: a name's key is nearly always its own key already;
// the rules that join or drop words can read a key's words anew).
func settle(name string, key func(string) string) string {
	k := key(name)
	for range 4 {
		k2 := key(k)
		if k2 == k {
			break
		}
		k = k2
	}
	return k
}

func personKey(ts []token, f func(token) string) string {
	var parts []string
	for _, t := range ts {
		if !t.initial && !t.patronymic {
			if s := f(t); len(s) > 1 { // one letter reads back as an initial
				parts = append(parts, s)
			}
		}
	}
	if len(parts) == 0 {
		for _, t := range ts {
			if s := f(t); s != "" {
				parts = append(parts, s)
			}
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// Thresholds at or above which two scores are taken as one person, plate
// or document. They are the operating points measured on the labelled set
// of testdata (scripts/match-eval.sh prints recall and precision there).
const (
	PersonThreshold   = 0.85
	PlateThreshold    = 0.85
	DocumentThreshold = 0.85
)

// Name is a name parsed once, for scoring one record against many
// candidates without parsing it again for each.
type Name struct{ tokens []token }

// ParseName parses a name for Name.Score.
func ParseName(s string) Name { return Name{parseName(s)} }

// Score is PersonScore of the two parsed names.
func (n Name) Score(o Name) float64 { return nameScore(n.tokens, o.tokens) }

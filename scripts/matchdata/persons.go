package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// group is one naming tradition: how to build its identities and the
// similar, different names of each of its names.
type group struct {
	name        string
	identities  []identity
	otherGiven  func(id identity) (part, string) // a different, similar given name
	otherSur    func(id identity) (part, string) // a different, similar surname
	fathers     []string
	positiveSet int
}

// feminine writes a Russian-style surname in its feminine form.
func feminine(s string) string {
	if strings.HasSuffix(s, "ов") || strings.HasSuffix(s, "ев") || strings.HasSuffix(s, "ёв") {
		return s + "а"
	}
	if strings.HasSuffix(s, "ин") {
		return s + "а"
	}
	return s
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func cyrGroup(rng *rand.Rand, name string, given, female, surnames []string, givenLike, surLike map[string][]string,
	mk func(string) part) group {
	g := group{name: name, fathers: given, positiveSet: 4}
	for _, s := range surnames {
		fem := len(female) > 0 && rng.IntN(6) == 0
		gn := pick(rng, given)
		sn := s
		if fem {
			gn = pick(rng, female)
			sn = feminine(s)
		}
		g.identities = append(g.identities, identity{group: name, given: mk(gn), surname: mk(sn), female: fem,
			father: pick(rng, given), fatherPart: mk})
	}
	names := func(p part) string {
		for _, k := range []string{"tj-cyr", "uz-cyr", "ru-cyr"} {
			if v, ok := p[k]; ok {
				return v
			}
		}
		return ""
	}
	other := func(like map[string][]string, pool []string, cur string, fem bool, sur bool) (part, string) {
		base := cur
		if sur && fem {
			for k := range like {
				if feminine(k) == cur {
					base = k
				}
			}
		}
		if alts, ok := like[base]; ok {
			o := pick(rng, alts)
			if sur && fem {
				o = feminine(o)
			}
			return mk(o), "similar"
		}
		for {
			o := pick(rng, pool)
			if o != base {
				if sur && fem {
					o = feminine(o)
				}
				return mk(o), "other"
			}
		}
	}
	g.otherGiven = func(id identity) (part, string) {
		pool := given
		if id.female {
			pool = female
		}
		return other(givenLike, pool, names(id.given), false, false)
	}
	g.otherSur = func(id identity) (part, string) {
		return other(surLike, surnames, names(id.surname), id.female, true)
	}
	return g
}

func tmGroup(rng *rand.Rand) group {
	g := group{name: "tm", positiveSet: 4}
	for _, s := range tmSurname {
		g.identities = append(g.identities, identity{group: "tm", given: tmPart(pick(rng, tmGiven)), surname: tmPart(s)})
	}
	other := func(like map[string]tmName, pool []tmName, cur string) (part, string) {
		if o, ok := like[cur]; ok {
			return tmPart(o), "similar"
		}
		for {
			o := pick(rng, pool)
			if o.tk != cur {
				return tmPart(o), "other"
			}
		}
	}
	g.otherGiven = func(id identity) (part, string) { return other(tmGivenLike, tmGiven, id.given["tk"]) }
	g.otherSur = func(id identity) (part, string) { return other(tmSurnameLike, tmSurname, id.surname["tk"]) }
	return g
}

func afGroup(rng *rand.Rand) group {
	g := group{name: "af", positiveSet: 4}
	n := max(len(afGiven), len(afSurname))
	for i := range n {
		g.identities = append(g.identities, identity{group: "af", given: afPart(afGiven[i%len(afGiven)]),
			surname: afPart(afSurname[(i*7)%len(afSurname)])})
	}
	other := func(like map[string]afName, pool []afName, cur string) (part, string) {
		if o, ok := like[cur]; ok {
			return afPart(o), "similar"
		}
		for {
			o := pick(rng, pool)
			if o.ar != cur {
				return afPart(o), "other"
			}
		}
	}
	g.otherGiven = func(id identity) (part, string) { return other(afGivenLike, afGiven, id.given["ar"]) }
	g.otherSur = func(id identity) (part, string) { return other(afSurnameLike, afSurname, id.surname["ar"]) }
	return g
}

// persons builds the person pairs: for every identity, positives between
// two of its written forms (systems, orders, patronymic present or not, an
// initial, a typo), and negatives against a similar but different given
// name, surname or patronymic.
func persons(rng *rand.Rand) []pair {
	groups := []group{
		cyrGroup(rng, "tj", tjGiven, tjGivenFemale, tjSurname, tjGivenLike, tjSurnameLike, tjPart),
		cyrGroup(rng, "uz", uzGiven, nil, uzSurname, uzGivenLike, uzSurnameLike, uzPart),
		cyrGroup(rng, "ru", ruGiven, ruGivenFemale, ruSurname, ruGivenLike, ruSurnameLike, ruPart),
		tmGroup(rng), afGroup(rng),
	}
	var out []pair
	for _, g := range groups {
		for _, id := range g.identities {
			out = append(out, positives(rng, g, id)...)
			out = append(out, negatives(rng, g, id)...)
		}
	}
	return out
}

// form is one written form of a person, with what it is.
type form struct{ text, desc string }

func (id identity) form(rng *rand.Rand, sys, father string, initial bool) form {
	order := rng.IntN(nOrders)
	t := id.render(sys, order, father, initial)
	if sys == "uz-latin" {
		t = apostrophe(rng, t)
	}
	d := sys
	if father != "" {
		d += "+patronymic"
	}
	if initial {
		d += "+initial"
	}
	return form{t, d}
}

func positives(rng *rand.Rand, g group, id identity) []pair {
	sys := id.systems()
	var out []pair
	seen := map[string]bool{}
	for k := 0; k < g.positiveSet*3 && len(out) < g.positiveSet; k++ {
		s1, s2 := pick(rng, sys), pick(rng, sys)
		f1, f2 := "", ""
		if id.fatherPart != nil && rng.IntN(3) == 0 {
			f1 = id.father
			if rng.IntN(2) == 0 {
				f2 = id.father
			}
		}
		a := id.form(rng, s1, f1, false)
		b := id.form(rng, s2, f2, rng.IntN(10) == 0)
		note := a.desc + " / " + b.desc
		if isLatinSystem(s2) && rng.IntN(6) == 0 {
			t, kind := typo(rng, b.text)
			if kind != "" {
				b.text = t
				note += "; typo: " + kind
			}
		}
		if a.text == b.text || seen[a.text+"|"+b.text] {
			continue
		}
		seen[a.text+"|"+b.text] = true
		out = append(out, pair{a.text, b.text, "person", true, g.name + ": " + note})
	}
	return out
}

func negatives(rng *rand.Rand, g group, id identity) []pair {
	sys := id.systems()
	var out []pair
	add := func(other identity, what string) {
		s1 := pick(rng, sys)
		osys := other.systems()
		s2 := pick(rng, osys)
		a := id.form(rng, s1, "", false)
		b := other.form(rng, s2, "", false)
		if a.text == b.text {
			return
		}
		out = append(out, pair{a.text, b.text, "person", false, fmt.Sprintf("%s: %s; %s / %s", g.name, what, a.desc, b.desc)})
	}
	if gp, how := g.otherGiven(id); gp != nil {
		o := id
		o.given = gp
		add(o, "different given name ("+how+")")
	}
	if sp, how := g.otherSur(id); sp != nil {
		o := id
		o.surname = sp
		add(o, "different surname ("+how+")")
	}
	if id.fatherPart != nil && rng.IntN(3) == 0 {
		f2 := id.father
		for f2 == id.father {
			f2 = pick(rng, g.fathers)
		}
		s1, s2 := pick(rng, sys), pick(rng, sys)
		a := id.form(rng, s1, id.father, false)
		b := id.form(rng, s2, f2, false)
		out = append(out, pair{a.text, b.text, "person", false,
			fmt.Sprintf("%s: different patronymic; %s / %s", g.name, a.desc, b.desc)})
	}
	return out
}

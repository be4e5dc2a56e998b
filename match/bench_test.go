package match

import (
	"strings"
	"testing"
	"time"

	edlib "github.com/hbollon/go-edlib"
	"github.com/mozillazg/go-unidecode"
)

// pairsOf returns the labelled pairs of one kind.
func pairsOf(b *testing.B, kind string) []labelled {
	b.Helper()
	var out []labelled
	for _, p := range readPairs(b) {
		if p.kind == kind {
			out = append(out, p)
		}
	}
	return out
}

// levenshteinRaw is the baseline: a plain, unweighted Levenshtein
// similarity of the strings as written (go-edlib, on runes).
func levenshteinRaw(a, b string) float64 {
	n := max(len([]rune(a)), len([]rune(b)))
	if n == 0 {
		return 0
	}
	return 1 - float64(edlib.LevenshteinDistance(a, b))/float64(n)
}

// compare runs f and the baseline g b.N times each over the same inputs
// in one run, and reports both times per operation and their ratio (the
// benchmark's own ns/op is the sum of the two).
func compare(b *testing.B, unit string, f, g func(i int)) {
	b.ReportAllocs()
	t0 := time.Now()
	for i := range b.N {
		f(i)
	}
	t1 := time.Now()
	for i := range b.N {
		g(i)
	}
	t2 := time.Now()
	nf := float64(t1.Sub(t0).Nanoseconds()) / float64(b.N)
	ng := float64(t2.Sub(t1).Nanoseconds()) / float64(b.N)
	b.ReportMetric(nf, "ns/"+unit)
	b.ReportMetric(ng, "baseline-ns/"+unit)
	b.ReportMetric(nf/max(ng, 1e-9), "ratio")
}

// BenchmarkPersonScore: PersonScore per pair of the labelled set, against
// a plain Levenshtein on the raw strings.
func BenchmarkPersonScore(b *testing.B) {
	ps := pairsOf(b, "person")
	compare(b, "pair",
		func(i int) { p := ps[i%len(ps)]; PersonScore(p.a, p.b) },
		func(i int) { p := ps[i%len(ps)]; levenshteinRaw(p.a, p.b) })
}

// BenchmarkNameScoreParsed: scoring a candidate against a record parsed
// once (the hit path: one record, many candidates from the index), against
// the same baseline.
func BenchmarkNameScoreParsed(b *testing.B) {
	ps := pairsOf(b, "person")
	as, bs := make([]Name, len(ps)), make([]Name, len(ps))
	for i, p := range ps {
		as[i], bs[i] = ParseName(p.a), ParseName(p.b)
	}
	compare(b, "pair",
		func(i int) { as[i%len(ps)].Score(bs[i%len(ps)]) },
		func(i int) { p := ps[i%len(ps)]; levenshteinRaw(p.a, p.b) })
}

// BenchmarkPlateScore: PlateScore per pair, against the baseline.
func BenchmarkPlateScore(b *testing.B) {
	ps := pairsOf(b, "plate")
	compare(b, "pair",
		func(i int) { p := ps[i%len(ps)]; PlateScore(p.a, p.b) },
		func(i int) { p := ps[i%len(ps)]; levenshteinRaw(p.a, p.b) })
}

// BenchmarkPersonKey: PersonKey per name, against a generic ASCII fold
// (unidecode and lower case) of the same names.
func BenchmarkPersonKey(b *testing.B) {
	ps := pairsOf(b, "person")
	compare(b, "name",
		func(i int) { PersonKey(ps[i%len(ps)].a) },
		func(i int) { strings.ToLower(unidecode.Unidecode(ps[i%len(ps)].a)) })
}

// BenchmarkPlateKey: PlateKey per plate, against the same generic fold.
func BenchmarkPlateKey(b *testing.B) {
	ps := pairsOf(b, "plate")
	compare(b, "plate",
		func(i int) { PlateKey(ps[i%len(ps)].b) },
		func(i int) { strings.ToLower(unidecode.Unidecode(ps[i%len(ps)].b)) })
}

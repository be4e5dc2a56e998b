package match

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// labelled is one row of testdata/pairs.tsv.
type labelled struct {
	a, b, kind string
	same       bool
	note       string
}

func readPairs(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open("testdata/pairs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 || (c[3] != "yes" && c[3] != "no") {
			t.Fatalf("pairs.tsv line %d: want a, b, kind, same (yes/no), note; got %q", line+1, sc.Text())
		}
		out = append(out, labelled{c[0], c[1], c[2], c[3] == "yes", c[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// scoreOf scores a labelled pair with the function of its kind.
func scoreOf(p labelled) float64 {
	switch p.kind {
	case "person":
		return PersonScore(p.a, p.b)
	case "plate":
		return PlateScore(p.a, p.b)
	case "document":
		return DocumentScore(p.a, p.b)
	}
	return -1
}

// keysOf shows the keys a pair was compared on, to explain a miss.
func keysOf(p labelled) string {
	if p.kind == "person" {
		return fmt.Sprintf("keys %q / %q", PersonKey(p.a), PersonKey(p.b))
	}
	return fmt.Sprintf("keys %q / %q", PlateKey(p.a), PlateKey(p.b))
}

// evaluation is recall and precision of one kind at one threshold.
type evaluation struct {
	kind               string
	threshold          float64
	tp, fp, fn, tn     int
	recall, precision  float64
	falseNeg, falsePos []string
}

func evaluate(pairs []labelled, kind string, threshold float64) evaluation {
	e := evaluation{kind: kind, threshold: threshold}
	for _, p := range pairs {
		if p.kind != kind {
			continue
		}
		s := scoreOf(p)
		hit := s >= threshold
		line := fmt.Sprintf("%.3f  %s  |  %s  [%s; %s]", s, p.a, p.b, p.note, keysOf(p))
		switch {
		case hit && p.same:
			e.tp++
		case hit && !p.same:
			e.fp++
			e.falsePos = append(e.falsePos, line)
		case !hit && p.same:
			e.fn++
			e.falseNeg = append(e.falseNeg, line)
		default:
			e.tn++
		}
	}
	e.recall = float64(e.tp) / float64(max(1, e.tp+e.fn))
	e.precision = float64(e.tp) / float64(max(1, e.tp+e.fp))
	return e
}

func (e evaluation) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: threshold %.2f  recall %.3f  precision %.3f  (pairs %d: tp %d fp %d fn %d tn %d)\n",
		e.kind, e.threshold, e.recall, e.precision, e.tp+e.fp+e.fn+e.tn, e.tp, e.fp, e.fn, e.tn)
	sort.Strings(e.falseNeg)
	sort.Strings(e.falsePos)
	for _, l := range e.falseNeg {
		fmt.Fprintf(&b, "  missed (labelled same):      %s\n", l)
	}
	for _, l := range e.falsePos {
		fmt.Fprintf(&b, "  wrong hit (labelled differ): %s\n", l)
	}
	return b.String()
}

// TestLabelledSet holds the matching to its targets on testdata/pairs.tsv:
// persons recall and precision ≥ 0.95, plates and documents ≥ 0.99, at
// the package's thresholds. With MATCH_EVAL=1 it prints every miss
// (scripts/match-eval.sh) and a sweep of thresholds.
func TestLabelledSet(t *testing.T) {
	pairs := readPairs(t)
	counts := map[string]int{}
	for _, p := range pairs {
		counts[p.kind]++
	}
	if counts["person"] < 300 || counts["plate"] < 200 {
		t.Fatalf("the set needs ≥ 300 person and ≥ 200 plate pairs; has %v", counts)
	}
	targets := []struct {
		kind      string
		threshold float64
		min       float64
	}{
		{"person", PersonThreshold, 0.95},
		{"plate", PlateThreshold, 0.99},
		{"document", DocumentThreshold, 0.99},
	}
	verbose := os.Getenv("MATCH_EVAL") != ""
	for _, tg := range targets {
		e := evaluate(pairs, tg.kind, tg.threshold)
		if verbose {
			fmt.Print(e.report())
			fmt.Printf("  sweep:")
			for th := 0.70; th < 0.971; th += 0.025 {
				s := evaluate(pairs, tg.kind, th)
				fmt.Printf(" %.3f→R%.3f/P%.3f", th, s.recall, s.precision)
			}
			fmt.Println()
		}
		if e.recall < tg.min || e.precision < tg.min {
			t.Errorf("%s: recall %.3f precision %.3f at %.2f; target ≥ %.2f both\n%s",
				tg.kind, e.recall, e.precision, tg.threshold, tg.min, e.report())
		}
	}
}

// TestWriteKeys writes the keys of every labelled pair to the file named by
// MATCH_KEYS_OUT (kind, same, then the two keys and the two skeletons,
// tab-separated), for scripts/match-eval.sh -pg to measure what a pg_trgm
// query retrieves. Without the variable it checks only that every key is
// free of tabs and newlines, which the file format needs.
func TestWriteKeys(t *testing.T) {
	var b strings.Builder
	for _, p := range readPairs(t) {
		var ka, kb, sa, sb string
		if p.kind == "person" {
			ka, kb, sa, sb = PersonKey(p.a), PersonKey(p.b), PersonSkeleton(p.a), PersonSkeleton(p.b)
		} else {
			ka, kb = codeKey(p.a), codeKey(p.b)
			sa, sb = ka, kb
		}
		row := strings.Join([]string{p.kind, fmt.Sprint(p.same), ka, kb, sa, sb}, "\t")
		if strings.Count(row, "\t") != 5 || strings.Contains(row, "\n") {
			t.Fatalf("keys of %q / %q break the row: %q", p.a, p.b, row)
		}
		b.WriteString(row + "\n")
	}
	if out := os.Getenv("MATCH_KEYS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

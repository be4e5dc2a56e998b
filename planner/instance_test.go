package planner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseInstance(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		format     string
		budget     float64
		teams      int
		points     int
		start, end int
	}{
		{"op", "5\t1\n0 0 0\n1 1 0\n2 2 10\n", FormatOP, 5, 1, 3, 0, 1},
		{"op with blank lines", "\n7.5 1\n\n0 0 0\n1 1 0\n\n", FormatOP, 7.5, 1, 2, 0, 1},
		{"top", "n 3\nm 2\ntmax 2.5\n0 0 0\n1 1 5\n2 2 0\n", FormatTOP, 2.5, 2, 3, 0, 2},
		{"top crlf", "n 2\r\nm 1\r\ntmax 10\r\n0 0 0\r\n1 1 0\r\n", FormatTOP, 10, 1, 2, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := ParseInstance(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if in.Format != tc.format || in.Budget != tc.budget || in.Teams != tc.teams ||
				len(in.Points) != tc.points || len(in.Scores) != tc.points || in.Start != tc.start || in.End != tc.end {
				t.Errorf("got %+v", in)
			}
		})
	}
}

func TestParseInstanceErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		want string
	}{
		{"empty", "", 0, "empty"},
		{"op header fields", "5 1 2\n0 0 0\n1 1 0\n", 1, "Tmax P"},
		{"unknown header", "x5 1\n", 1, "OP header"},
		{"op negative budget", "-5 1\n0 0 0\n1 1 0\n", 1, "negative"},
		{"op zero paths", "5 0\n0 0 0\n1 1 0\n", 1, "outside"},
		{"op bad score", "5 1\n0 0 0\n1 1 abc\n", 3, "score"},
		{"op negative score", "5 1\n0 0 0\n1 1 -3\n", 3, "negative score"},
		{"op nan", "5 1\n0 0 0\nNaN 1 3\n", 3, "finite"},
		{"op short line", "5 1\n0 0 0\n1 1\n", 3, "x y score"},
		{"op one point", "5 1\n0 0 0\n", 2, "at least"},
		{"top missing m", "n 3\ntmax 2\n0 0 0\n", 2, "\"m\""},
		{"top count mismatch", "n 3\nm 1\ntmax 2\n0 0 0\n1 1 1\n", 5, "announces 3"},
		{"top huge n", "n 99999999\nm 1\ntmax 2\n0 0 0\n1 1 1\n", 1, "outside"},
		{"top bad tmax", "n 2\nm 1\ntmax inf\n0 0 0\n1 1 1\n", 3, "tmax"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseInstance(strings.NewReader(tc.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Line != tc.line || !strings.Contains(pe.Error(), tc.want) {
				t.Errorf("got %q (line %d), want line %d containing %q", pe.Error(), pe.Line, tc.line, tc.want)
			}
		})
	}
}

func TestParseInstanceTestdata(t *testing.T) {
	tests := []struct {
		file   string
		format string
		teams  int
		points int
		end    int
	}{
		{"tsiligirides_problem_2_budget_15.txt", FormatOP, 1, 21, 1},
		{"tsiligirides_problem_3_budget_050.txt", FormatOP, 1, 33, 1},
		{"p2.3.k.txt", FormatTOP, 3, 21, 20},
		{"p3.4.n.txt", FormatTOP, 4, 33, 32},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			in := loadInstance(t, tc.file)
			if in.Format != tc.format || in.Teams != tc.teams || len(in.Points) != tc.points || in.End != tc.end {
				t.Errorf("got format %s, %d teams, %d points, end %d", in.Format, in.Teams, len(in.Points), in.End)
			}
		})
	}
}

func loadInstance(tb testing.TB, name string) *Instance {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	in, err := ParseInstance(f)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return in
}

func FuzzParseInstance(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	more, _ := filepath.Glob("../../shared/bench/orienteering/*/*.txt")
	for _, name := range append(files, more...) {
		if strings.HasSuffix(name, "_format.txt") {
			continue
		}
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("5 1\n0 0 0\n1 1 0\n"))
	f.Add([]byte("n 2\nm 1\ntmax 1\n0 0 0\n1 1 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ParseInstance(strings.NewReader(string(b)))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) && !strings.HasPrefix(err.Error(), "read instance") {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		if len(in.Points) < 2 || len(in.Points) != len(in.Scores) || in.Teams < 1 || in.Budget < 0 {
			t.Fatalf("accepted an invalid instance: %+v", in)
		}
		if len(in.Points) <= 40 && in.Teams <= 4 {
			p := in.Problem()
			if err := p.Validate(); err != nil {
				t.Fatalf("parsed instance gives an invalid problem: %v", err)
			}
		}
	})
}

package planner

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Instance formats recognised by ParseInstance.
const (
	// FormatOP is the single-path orienteering format: line 1 "Tmax P",
	// then "x y score" lines; the first point is the start, the second the end.
	FormatOP = "op"
	// FormatTOP is the Chao team orienteering format: "n N", "m M",
	// "tmax T", then N "x y score" lines; the first point is the start and
	// the last the end.
	FormatTOP = "top"
)

// Instance is a Euclidean orienteering benchmark instance. Points are in
// file order; Start and End index into Points.
type Instance struct {
	// Format is FormatOP or FormatTOP.
	Format string
	// Budget is the length limit of every route.
	Budget float64
	// Teams is the number of routes.
	Teams int
	// Points are the coordinates, in file order.
	Points []orb.Point
	// Scores are the point scores, in file order.
	Scores []float64
	// Start and End are the indices of the start and end points.
	Start, End int
}

// ParseError reports a malformed instance file; Line is 1-based.
type ParseError struct {
	Line   int
	Reason string
}

// Error implements error.
func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// maxInstancePoints bounds the size of a parsed instance so that a hostile
// header cannot make the solver allocate a huge matrix.
const maxInstancePoints = 20000

// ParseInstance reads an instance in the OP or the Chao TOP format, telling
// them apart by the first non-blank line: a "n N" header means TOP, two
// numbers mean OP. It is a parser of published formats, kept in one
// piece so that each format's header, point and budget rules read in the
// order the format states them.
func ParseInstance(r io.Reader) (*Instance, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	type line struct {
		no     int
		fields []string
	}
	var lines []line
	no := 0
	for sc.Scan() {
		no++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		lines = append(lines, line{no, f})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read instance: %w", err)
	}
	if len(lines) == 0 {
		return nil, &ParseError{Line: no, Reason: "empty instance"}
	}
	perr := func(l line, format string, a ...any) error {
		return &ParseError{Line: l.no, Reason: fmt.Sprintf(format, a...)}
	}
	num := func(l line, i int, what string) (float64, error) {
		v, err := strconv.ParseFloat(l.fields[i], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, perr(l, "%s %q is not a finite number", what, l.fields[i])
		}
		return v, nil
	}
	count := func(l line, i int, what string, min int) (int, error) {
		v, err := strconv.Atoi(l.fields[i])
		if err != nil {
			return 0, perr(l, "%s %q is not an integer", what, l.fields[i])
		}
		if v < min || v > maxInstancePoints {
			return 0, perr(l, "%s %d is outside [%d, %d]", what, v, min, maxInstancePoints)
		}
		return v, nil
	}
	header := func(l line, key string) error {
		if len(l.fields) != 2 || !strings.EqualFold(l.fields[0], key) {
			return perr(l, "want %q followed by one value, got %q", key, strings.Join(l.fields, " "))
		}
		return nil
	}

	in := &Instance{}
	var body []line
	wantPoints := -1
	if _, err := strconv.ParseFloat(lines[0].fields[0], 64); err != nil {
		in.Format = FormatTOP
		if !strings.EqualFold(lines[0].fields[0], "n") {
			return nil, perr(lines[0], "want an OP header \"Tmax P\" or a TOP header \"n N\", got %q", strings.Join(lines[0].fields, " "))
		}
		if len(lines) < 3 {
			return nil, perr(lines[len(lines)-1], "TOP header needs the lines \"n N\", \"m M\" and \"tmax T\"")
		}
		if err := header(lines[0], "n"); err != nil {
			return nil, err
		}
		n, err := count(lines[0], 1, "point count", 2)
		if err != nil {
			return nil, err
		}
		if err := header(lines[1], "m"); err != nil {
			return nil, err
		}
		if in.Teams, err = count(lines[1], 1, "path count", 1); err != nil {
			return nil, err
		}
		if err := header(lines[2], "tmax"); err != nil {
			return nil, err
		}
		if in.Budget, err = num(lines[2], 1, "tmax"); err != nil {
			return nil, err
		}
		wantPoints = n
		body = lines[3:]
	} else {
		in.Format = FormatOP
		l := lines[0]
		if len(l.fields) != 2 {
			return nil, perr(l, "OP header wants \"Tmax P\", got %d fields", len(l.fields))
		}
		var err error
		if in.Budget, err = num(l, 0, "Tmax"); err != nil {
			return nil, err
		}
		if in.Teams, err = count(l, 1, "path count P", 1); err != nil {
			return nil, err
		}
		body = lines[1:]
	}
	if in.Budget < 0 {
		return nil, perr(lines[0], "negative time budget %g", in.Budget)
	}
	if len(body) > maxInstancePoints {
		return nil, perr(body[maxInstancePoints], "more than %d points", maxInstancePoints)
	}
	in.Points = make([]orb.Point, 0, len(body))
	in.Scores = make([]float64, 0, len(body))
	for _, l := range body {
		if len(l.fields) != 3 {
			return nil, perr(l, "want \"x y score\", got %d fields", len(l.fields))
		}
		x, err := num(l, 0, "x")
		if err != nil {
			return nil, err
		}
		y, err := num(l, 1, "y")
		if err != nil {
			return nil, err
		}
		s, err := num(l, 2, "score")
		if err != nil {
			return nil, err
		}
		if s < 0 {
			return nil, perr(l, "negative score %g", s)
		}
		in.Points = append(in.Points, orb.Point{x, y})
		in.Scores = append(in.Scores, s)
	}
	last := lines[len(lines)-1].no
	if wantPoints >= 0 && len(in.Points) != wantPoints {
		return nil, &ParseError{Line: last, Reason: fmt.Sprintf("header announces %d points, file has %d", wantPoints, len(in.Points))}
	}
	if len(in.Points) < 2 {
		return nil, &ParseError{Line: last, Reason: fmt.Sprintf("need at least a start and an end point, got %d points", len(in.Points))}
	}
	if in.Format == FormatOP {
		in.Start, in.End = 0, 1
	} else {
		in.Start, in.End = 0, len(in.Points)-1
	}
	return in, nil
}

// Problem returns the instance as a Problem on its Euclidean distance
// matrix, with one team per path, all sharing start, end and budget.
func (in *Instance) Problem() *Problem {
	p := &Problem{
		Travel: EuclideanMatrix(in.Points),
		Score:  append([]float64(nil), in.Scores...),
	}
	for range in.Teams {
		p.Teams = append(p.Teams, Team{Start: in.Start, End: in.End, Budget: in.Budget})
	}
	return p
}

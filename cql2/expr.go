package cql2

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"
)

// Op is the operator of an expression node, or the kind of a leaf.
type Op string

// Operators and leaf kinds. Logical, comparison and predicate nodes hold
// their operands in Args; leaves hold their value in the node's fields.
const (
	OpAnd     Op = "and"
	OpOr      Op = "or"
	OpNot     Op = "not"
	OpEq      Op = "="
	OpNe      Op = "<>"
	OpLt      Op = "<"
	OpLe      Op = "<="
	OpGt      Op = ">"
	OpGe      Op = ">="
	OpLike    Op = "like"
	OpBetween Op = "between"
	OpIn      Op = "in" // Args[0] is the value, Args[1:] the list
	OpIsNull  Op = "isNull"

	OpSIntersects Op = "s_intersects"
	OpTIntersects Op = "t_intersects"
	OpTDuring     Op = "t_during"
	OpTBefore     Op = "t_before"
	OpTAfter      Op = "t_after"

	OpProperty  Op = "property"  // Name
	OpString    Op = "string"    // Str
	OpNumber    Op = "number"    // Num
	OpBool      Op = "bool"      // Bool
	OpTimestamp Op = "timestamp" // Time
	OpDate      Op = "date"      // Time (midnight UTC)
	OpInterval  Op = "interval"  // Args: two instants, each OpTimestamp, OpDate or OpOpen
	OpOpen      Op = ".."        // the open end of an interval
	OpGeometry  Op = "geometry"  // Geom (orb.Bound for BBOX)
)

// Expr is one node of a filter's tree.
type Expr struct {
	Op   Op
	Args []*Expr
	Name string
	Str  string
	Num  float64
	Bool bool
	Time time.Time
	Geom orb.Geometry
	// Pos is where the node starts: the character offset (from 0) in the
	// text, or the JSON path in JSON (in PosJSON).
	Pos     int
	PosJSON string
}

// where returns the node's position for an error message.
func (e *Expr) where() string {
	if e.PosJSON != "" {
		return "at " + e.PosJSON
	}
	return fmt.Sprintf("at character %d", e.Pos+1)
}

// Error is a filter that cannot be read or does not fit the queryables.
type Error struct {
	// Position is "at character N" (text, from 1) or "at <JSON path>".
	Position string
	Reason   string
}

func (e *Error) Error() string { return e.Position + ": " + e.Reason }

func errAt(e *Expr, format string, args ...any) error {
	return &Error{Position: e.where(), Reason: fmt.Sprintf(format, args...)}
}

// Walk calls fn for e and every node below it, depth first.
func Walk(e *Expr, fn func(*Expr)) {
	if e == nil {
		return
	}
	fn(e)
	for _, a := range e.Args {
		Walk(a, fn)
	}
}

// Properties returns the names of the properties e refers to, each once.
func Properties(e *Expr) []string {
	var out []string
	seen := map[string]bool{}
	Walk(e, func(n *Expr) {
		if n.Op == OpProperty && !seen[n.Name] {
			seen[n.Name] = true
			out = append(out, n.Name)
		}
	})
	return out
}

// isComparison reports whether op compares two scalars.
func isComparison(op Op) bool {
	switch op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return true
	}
	return false
}

// isTemporal reports whether op is a temporal function.
func isTemporal(op Op) bool {
	switch op {
	case OpTIntersects, OpTDuring, OpTBefore, OpTAfter:
		return true
	}
	return false
}

// maxDepth bounds the nesting of a filter, so that a hostile one cannot
// exhaust the stack.
const maxDepth = 64

// Parse reads a filter in the language lang ("cql2-text", the default when
// empty, or "cql2-json").
func Parse(lang, s string) (*Expr, error) {
	switch lang {
	case "", "cql2-text":
		return ParseText(s)
	case "cql2-json":
		return ParseJSON([]byte(s))
	}
	return nil, &Error{Position: "filter-lang", Reason: fmt.Sprintf("unknown filter language %q; use cql2-text or cql2-json", lang)}
}

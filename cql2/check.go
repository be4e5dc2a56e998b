package cql2

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Type is the type of a queryable.
type Type uint8

// Queryable types.
const (
	TypeString Type = iota + 1
	TypeNumber
	TypeInteger
	TypeBool
	TypeTime     // an instant (date-time)
	TypeGeometry // a point
)

// Queryables are the properties a filter may name, with their types.
type Queryables map[string]Type

// literalType returns the type of a literal node, 0 for a property or a
// predicate.
func literalType(e *Expr) Type {
	switch e.Op {
	case OpString:
		return TypeString
	case OpNumber:
		return TypeNumber
	case OpBool:
		return TypeBool
	case OpTimestamp, OpDate:
		return TypeTime
	case OpGeometry:
		return TypeGeometry
	}
	return 0
}

// comparable reports whether values of types a and b may be compared.
func comparable(a, b Type) bool {
	num := func(t Type) bool { return t == TypeNumber || t == TypeInteger }
	return a == b || num(a) && num(b)
}

var typeNames = map[Type]string{TypeString: "a string", TypeNumber: "a number", TypeInteger: "an integer",
	TypeBool: "a boolean", TypeTime: "an instant", TypeGeometry: "a geometry"}

// flipped is the comparison that holds with its operands swapped.
var flipped = map[Op]Op{OpEq: OpEq, OpNe: OpNe, OpLt: OpGt, OpLe: OpGe, OpGt: OpLt, OpGe: OpLe}

// Check checks e against the queryables q: every property is a queryable,
// every operand has a type its operator accepts, and the operands of a
// predicate are a property and literals. It puts the property first in a
// comparison or a spatial or temporal predicate written the other way round
// (5 < severity becomes severity > 5), which is the form the evaluators of
// this module take.
func Check(e *Expr, q Queryables) error {
	switch {
	case e.Op == OpAnd || e.Op == OpOr || e.Op == OpNot:
		for _, a := range e.Args {
			if err := Check(a, q); err != nil {
				return err
			}
		}
		return nil
	case e.Op == OpBool:
		return nil
	case e.Op == OpProperty:
		t, err := propType(e, q)
		if err == nil && t != TypeBool {
			err = errAt(e, "%q is %s, not a condition", e.Name, typeNames[t])
		}
		return err
	case literalType(e) != 0 || e.Op == OpInterval:
		return errAt(e, "a value cannot stand alone as a condition")
	}
	if len(e.Args) == 0 {
		return errAt(e, "%s needs operands", e.Op)
	}
	if e.Args[0].Op != OpProperty && len(e.Args) == 2 && e.Args[1].Op == OpProperty && e.Op != OpLike && e.Op != OpIn {
		e.Args[0], e.Args[1] = e.Args[1], e.Args[0]
		if f, ok := flipped[e.Op]; ok {
			e.Op = f
		} else if e.Op == OpTBefore || e.Op == OpTAfter {
			e.Op = map[Op]Op{OpTBefore: OpTAfter, OpTAfter: OpTBefore}[e.Op]
		} else if e.Op == OpTDuring {
			return errAt(e, "t_during takes the property first: T_DURING(property, interval)")
		}
	}
	prop := e.Args[0]
	if prop.Op != OpProperty {
		return errAt(prop, "the first operand of %s must be a queryable", e.Op)
	}
	t, err := propType(prop, q)
	if err != nil {
		return err
	}
	for _, a := range e.Args[1:] {
		if a.Op == OpProperty {
			return errAt(a, "compare a queryable with a value, not with another queryable")
		}
	}
	return checkOperands(e, prop, t)
}

func propType(e *Expr, q Queryables) (Type, error) {
	t, ok := q[e.Name]
	if !ok {
		names := make([]string, 0, len(q))
		for n := range q {
			names = append(names, n)
		}
		slices.Sort(names)
		return 0, errAt(e, "%q is not a queryable here (queryables: %s)", e.Name, strings.Join(names, ", "))
	}
	return t, nil
}

// checkOperands checks the literal operands of e against the type t of
// its property.
func checkOperands(e, prop *Expr, t Type) error {
	want := func(a *Expr, ok bool, what string) error {
		if !ok {
			return errAt(a, "%s of %q takes %s", e.Op, prop.Name, what)
		}
		return nil
	}
	switch {
	case isComparison(e.Op) || e.Op == OpBetween || e.Op == OpIn:
		if t == TypeGeometry {
			return errAt(e, "%q is a geometry: use S_INTERSECTS", prop.Name)
		}
		if t == TypeBool && e.Op != OpEq && e.Op != OpNe && e.Op != OpIn {
			return errAt(e, "%q is a boolean: compare it with = or <>", prop.Name)
		}
		for _, a := range e.Args[1:] {
			if err := want(a, comparable(t, literalType(a)), typeNames[t]); err != nil {
				return err
			}
		}
		if e.Op == OpBetween && e.Args[1].Op == OpNumber && e.Args[2].Op == OpNumber && e.Args[1].Num > e.Args[2].Num {
			return errAt(e, "BETWEEN's lower bound exceeds its upper bound")
		}
	case e.Op == OpLike:
		if t != TypeString {
			return errAt(e, "LIKE applies to strings; %q is %s", prop.Name, typeNames[t])
		}
		return want(e.Args[1], e.Args[1].Op == OpString, "a quoted pattern")
	case e.Op == OpIsNull:
		return nil
	case e.Op == OpSIntersects:
		if t != TypeGeometry {
			return errAt(e, "%q is not a geometry", prop.Name)
		}
		return want(e.Args[1], e.Args[1].Op == OpGeometry, "a geometry literal")
	case isTemporal(e.Op):
		if t != TypeTime {
			return errAt(e, "%q is not an instant", prop.Name)
		}
		a := e.Args[1]
		if e.Op == OpTDuring {
			return want(a, a.Op == OpInterval, "an interval")
		}
		return want(a, a.Op == OpInterval || literalType(a) == TypeTime, "a TIMESTAMP, DATE or INTERVAL")
	default:
		return errAt(e, "unsupported operator %s", e.Op)
	}
	return nil
}

// Span returns the instants an interval or a TIMESTAMP or DATE literal
// covers, ends included: a DATE is its whole day (to the last microsecond,
// PostgreSQL's precision) and an open end is absent (hasLo or hasHi false).
func Span(e *Expr) (lo, hi time.Time, hasLo, hasHi bool) {
	switch e.Op {
	case OpTimestamp:
		return e.Time, e.Time, true, true
	case OpDate:
		return e.Time, e.Time.AddDate(0, 0, 1).Add(-time.Microsecond), true, true
	case OpInterval:
		a, b := e.Args[0], e.Args[1]
		if a.Op != OpOpen {
			lo, hasLo = a.Time, true
		}
		if b.Op != OpOpen {
			_, hi, _, _ = Span(b)
			hasHi = true
		}
	}
	return lo, hi, hasLo, hasHi
}

// LikePattern returns the regular expression of a LIKE pattern: % any
// run of characters, _ one character, \ escapes the next character.
func LikePattern(p string) string {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	esc := false
	for _, r := range p {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return b.String()
}

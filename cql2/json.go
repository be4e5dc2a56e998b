package cql2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb/geojson"
)

// jsonOps are the operators of cql2-json and their number of arguments
// (-1: two or more, -2: one or more).
var jsonOps = map[string]struct {
	op Op
	n  int
}{
	"and": {OpAnd, -1}, "or": {OpOr, -1}, "not": {OpNot, 1},
	"=": {OpEq, 2}, "<>": {OpNe, 2}, "<": {OpLt, 2}, "<=": {OpLe, 2}, ">": {OpGt, 2}, ">=": {OpGe, 2},
	"like": {OpLike, 2}, "between": {OpBetween, 3}, "in": {OpIn, 2}, "isNull": {OpIsNull, 1},
	"s_intersects": {OpSIntersects, 2}, "t_intersects": {OpTIntersects, 2}, "t_during": {OpTDuring, 2},
	"t_before": {OpTBefore, 2}, "t_after": {OpTAfter, 2},
}

// ParseJSON reads a filter in cql2-json.
func ParseJSON(b []byte) (*Expr, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &Error{Position: "at offset " + strconv.FormatInt(dec.InputOffset(), 10), Reason: "malformed JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &Error{Position: "at offset " + strconv.FormatInt(dec.InputOffset(), 10), Reason: "data after the JSON value"}
	}
	return decodeBool(v, "/", 0)
}

func jsonErr(path, format string, args ...any) error {
	return &Error{Position: "at " + path, Reason: fmt.Sprintf(format, args...)}
}

func child(path string, key any) string {
	if path == "/" {
		path = ""
	}
	return fmt.Sprintf("%s/%v", path, key)
}

// decodeBool reads a boolean expression: an operation or a boolean
// literal.
func decodeBool(v any, path string, depth int) (*Expr, error) {
	if depth > maxDepth {
		return nil, jsonErr(path, "the filter nests deeper than %d", maxDepth)
	}
	switch x := v.(type) {
	case bool:
		return &Expr{Op: OpBool, Bool: x, PosJSON: path}, nil
	case map[string]any:
		if _, ok := x["op"]; ok {
			return decodeOp(x, path, depth)
		}
		if _, ok := x["property"]; ok {
			return decodeScalar(v, path, depth)
		}
	}
	return nil, jsonErr(path, "expected an operation {\"op\": …, \"args\": […]} or a boolean")
}

func decodeOp(x map[string]any, path string, depth int) (*Expr, error) {
	name, _ := x["op"].(string)
	spec, ok := jsonOps[name]
	if !ok {
		return nil, jsonErr(child(path, "op"), "unknown or unsupported operator %q", fmt.Sprint(x["op"]))
	}
	for k := range x {
		if k != "op" && k != "args" {
			return nil, jsonErr(path, "unexpected member %q", k)
		}
	}
	raw, ok := x["args"].([]any)
	if !ok {
		return nil, jsonErr(child(path, "args"), "args must be an array")
	}
	argsPath := child(path, "args")
	switch {
	case spec.n == -1 && len(raw) < 2:
		return nil, jsonErr(argsPath, "%s takes two or more arguments", name)
	case spec.n > 0 && len(raw) != spec.n:
		return nil, jsonErr(argsPath, "%s takes %d argument(s), not %d", name, spec.n, len(raw))
	}
	e := &Expr{Op: spec.op, PosJSON: path}
	for i, a := range raw {
		p := child(argsPath, i)
		var (
			arg *Expr
			err error
		)
		switch {
		case spec.op == OpAnd || spec.op == OpOr || spec.op == OpNot:
			arg, err = decodeBool(a, p, depth+1)
		case spec.op == OpIn && i == 1:
			list, ok := a.([]any)
			if !ok || len(list) == 0 {
				return nil, jsonErr(p, "in takes a value and a non-empty array of values")
			}
			for j, item := range list {
				if arg, err = decodeScalar(item, child(p, j), depth+1); err != nil {
					return nil, err
				}
				e.Args = append(e.Args, arg)
			}
			continue
		default:
			arg, err = decodeScalar(a, p, depth+1)
		}
		if err != nil {
			return nil, err
		}
		e.Args = append(e.Args, arg)
	}
	return e, nil
}

// decodeScalar reads a literal, a property, or a spatial or temporal
// literal object.
func decodeScalar(v any, path string, depth int) (*Expr, error) {
	if depth > maxDepth {
		return nil, jsonErr(path, "the filter nests deeper than %d", maxDepth)
	}
	e := &Expr{PosJSON: path}
	switch x := v.(type) {
	case string:
		e.Op, e.Str = OpString, x
		return e, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, jsonErr(path, "%s is not a finite number", x)
		}
		e.Op, e.Num = OpNumber, f
		return e, nil
	case bool:
		e.Op, e.Bool = OpBool, x
		return e, nil
	case map[string]any:
		return decodeObject(x, e, path)
	}
	return nil, jsonErr(path, "expected a value, a property or a literal object")
}

func decodeObject(x map[string]any, e *Expr, path string) (*Expr, error) {
	if len(x) == 1 {
		for k, v := range x {
			switch k {
			case "property":
				s, ok := v.(string)
				if !ok || s == "" {
					return nil, jsonErr(child(path, k), "a property name is a non-empty string")
				}
				e.Op, e.Name = OpProperty, s
				return e, nil
			case "timestamp", "date":
				s, _ := v.(string)
				inst, err := parseInstant(k == "date", s)
				if err != nil {
					return nil, jsonErr(child(path, k), "%v", err)
				}
				inst.PosJSON = path
				return inst, nil
			case "interval":
				return decodeInterval(v, e, path)
			case "bbox":
				return decodeBBox(v, e, path)
			}
		}
	}
	if _, ok := x["type"]; ok {
		b, _ := json.Marshal(x)
		g, err := geojson.UnmarshalGeometry(b)
		if err != nil || g.Coordinates == nil {
			return nil, jsonErr(path, "malformed GeoJSON geometry")
		}
		e.Op, e.Geom = OpGeometry, g.Coordinates
		return e, checkLonLat(e)
	}
	if _, ok := x["op"]; ok {
		return nil, jsonErr(path, "an operation cannot stand where a value is expected (no arithmetic or functions)")
	}
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	return nil, jsonErr(path, "unknown literal object with members %s", strings.Join(keys, ", "))
}

func decodeInterval(v any, e *Expr, path string) (*Expr, error) {
	list, ok := v.([]any)
	p := child(path, "interval")
	if !ok || len(list) != 2 {
		return nil, jsonErr(p, "an interval is an array of two instants")
	}
	e.Op = OpInterval
	for i, item := range list {
		var (
			end *Expr
			err error
		)
		switch y := item.(type) {
		case string:
			end, err = intervalString(y)
		case map[string]any:
			end, err = decodeObject(y, &Expr{}, child(p, i))
		default:
			err = fmt.Errorf("an interval's ends are dates, timestamps or \"..\"")
		}
		if err != nil {
			if ce, ok := err.(*Error); ok {
				return nil, ce
			}
			return nil, jsonErr(child(p, i), "%v", err)
		}
		end.PosJSON = child(p, i)
		e.Args = append(e.Args, end)
	}
	return e, checkInterval(e)
}

func decodeBBox(v any, e *Expr, path string) (*Expr, error) {
	list, _ := v.([]any)
	nums := make([]float64, 0, 4)
	for i, item := range list {
		n, ok := item.(json.Number)
		f, err := strconv.ParseFloat(string(n), 64)
		if !ok || err != nil {
			return nil, jsonErr(child(child(path, "bbox"), i), "a bbox holds numbers")
		}
		nums = append(nums, f)
	}
	return bboxExpr(e, nums)
}

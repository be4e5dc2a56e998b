package cql2

import (
	"strings"
	"testing"
)

var testQueryables = Queryables{
	"kind": TypeString, "severity": TypeInteger, "quantity_kg": TypeNumber, "occurred_at": TypeTime,
	"geometry": TypeGeometry, "synthetic": TypeBool, "drug": TypeString,
}

// Filters in the forms of the CQL2 standard's examples, over this
// project's queryables: each text filter and its JSON form must read to
// the same tree.
var equivalents = []struct{ name, text, json string }{
	{"comparison", `kind = 'seizure'`, `{"op":"=","args":[{"property":"kind"},"seizure"]}`},
	{"and or", `kind = 'seizure' AND (severity >= 3 OR quantity_kg > 10.5)`,
		`{"op":"and","args":[{"op":"=","args":[{"property":"kind"},"seizure"]},{"op":"or","args":[{"op":">=","args":[{"property":"severity"},3]},{"op":">","args":[{"property":"quantity_kg"},10.5]}]}]}`},
	{"not like", `NOT drug LIKE 'hero%'`, `{"op":"not","args":[{"op":"like","args":[{"property":"drug"},"hero%"]}]}`},
	{"in", `drug IN ('heroin', 'opium')`, `{"op":"in","args":[{"property":"drug"},["heroin","opium"]]}`},
	{"between", `severity BETWEEN 2 AND 4`, `{"op":"between","args":[{"property":"severity"},2,4]}`},
	{"is null", `severity IS NULL`, `{"op":"isNull","args":[{"property":"severity"}]}`},
	{"intersects polygon", `S_INTERSECTS(geometry, POLYGON((68 37, 70 37, 70 38, 68 37)))`,
		`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[68,37],[70,37],[70,38],[68,37]]]}]}`},
	{"intersects bbox", `S_INTERSECTS(geometry, BBOX(68, 37, 70, 38))`,
		`{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[68,37,70,38]}]}`},
	{"t_intersects interval", `T_INTERSECTS(occurred_at, INTERVAL('2023-01-01', '..'))`,
		`{"op":"t_intersects","args":[{"property":"occurred_at"},{"interval":["2023-01-01",".."]}]}`},
	{"t_during timestamps", `T_DURING(occurred_at, INTERVAL('2023-01-01T00:00:00Z', '2023-06-30T12:00:00Z'))`,
		`{"op":"t_during","args":[{"property":"occurred_at"},{"interval":["2023-01-01T00:00:00Z","2023-06-30T12:00:00Z"]}]}`},
	{"timestamp comparison", `occurred_at > TIMESTAMP('2022-12-31T23:59:59Z')`,
		`{"op":">","args":[{"property":"occurred_at"},{"timestamp":"2022-12-31T23:59:59Z"}]}`},
	{"t_before date", `T_BEFORE(occurred_at, DATE('2015-01-01'))`, `{"op":"t_before","args":[{"property":"occurred_at"},{"date":"2015-01-01"}]}`},
	{"boolean", `synthetic = false`, `{"op":"=","args":[{"property":"synthetic"},false]}`},
}

// render writes a tree in a canonical text, positions left out.
func render(e *Expr) string {
	var b strings.Builder
	var walk func(e *Expr)
	walk = func(e *Expr) {
		b.WriteString(string(e.Op))
		switch e.Op {
		case OpProperty:
			b.WriteString(":" + e.Name)
		case OpString:
			b.WriteString(":" + e.Str)
		case OpNumber, OpBool, OpTimestamp, OpDate, OpGeometry:
			b.WriteString(":" + strings.TrimSpace(strings.ReplaceAll(
				strings.Join([]string{fmtAny(e.Num), fmtAny(e.Bool), e.Time.String(), fmtAny(e.Geom)}, "|"), "\n", "")))
		}
		if len(e.Args) > 0 {
			b.WriteString("(")
			for i, a := range e.Args {
				if i > 0 {
					b.WriteString(",")
				}
				walk(a)
			}
			b.WriteString(")")
		}
	}
	walk(e)
	return b.String()
}

func TestTextAndJSONAgree(t *testing.T) {
	for _, tc := range equivalents {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseText(tc.text)
			if err != nil {
				t.Fatalf("text: %v", err)
			}
			b, err := ParseJSON([]byte(tc.json))
			if err != nil {
				t.Fatalf("json: %v", err)
			}
			if err := Check(a, testQueryables); err != nil {
				t.Fatalf("check text: %v", err)
			}
			if err := Check(b, testQueryables); err != nil {
				t.Fatalf("check json: %v", err)
			}
			if ra, rb := render(a), render(b); ra != rb {
				t.Errorf("text reads to\n%s\njson to\n%s", ra, rb)
			}
		})
	}
}

func TestBadFiltersNamePositionAndReason(t *testing.T) {
	cases := []struct{ name, lang, filter, pos, reason string }{
		{"unclosed string", "", `kind = 'seizure`, "at character 8", "not closed"},
		{"trailing", "", `kind = 'a' 'b'`, "at character 12", "after the end"},
		{"missing operand", "", `kind =`, "at character 7", "expected a value"},
		{"unknown queryable", "", `colour = 'red'`, "at character 1", "not a queryable"},
		{"type mismatch", "", `severity = 'high'`, "at character 12", "takes an integer"},
		{"bad timestamp", "", `occurred_at > TIMESTAMP('yesterday')`, "at character 25", "RFC 3339"},
		{"reversed interval", "", `T_INTERSECTS(occurred_at, INTERVAL('2024-01-01','2023-01-01'))`, "at character 27", "ends before"},
		{"like on number", "", `severity LIKE '3%'`, "at character 1", "LIKE applies to strings"},
		{"json unknown op", "cql2-json", `{"op":"xor","args":[true,false]}`, "at /op", "unknown"},
		{"json bad arg count", "cql2-json", `{"op":"=","args":[{"property":"kind"}]}`, "at /args", "takes 2"},
		{"json malformed", "cql2-json", `{"op":`, "at offset", "malformed JSON"},
		{"out of range", "", `S_INTERSECTS(geometry, POINT(200 10))`, "at character 24", "CRS84"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x, err := Parse(tc.lang, tc.filter)
			if err == nil {
				err = Check(x, testQueryables)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if !strings.HasPrefix(e.Position, tc.pos) || !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("error %q, want position %q and a reason with %q", e.Error(), tc.pos, tc.reason)
			}
		})
	}
}

func TestCheckPutsThePropertyFirst(t *testing.T) {
	x, err := ParseText(`3 < severity`)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(x, testQueryables); err != nil {
		t.Fatal(err)
	}
	if x.Op != OpGt || x.Args[0].Op != OpProperty || x.Args[1].Num != 3 {
		t.Errorf("got %s, want severity > 3", render(x))
	}
}

func TestDepthIsBounded(t *testing.T) {
	deep := strings.Repeat("NOT ", 200) + "kind = 'a'"
	if _, err := ParseText(deep); err == nil {
		t.Error("a filter nested 200 deep was accepted")
	}
	js := strings.Repeat(`{"op":"not","args":[`, 200) + "true" + strings.Repeat("]}", 200)
	if _, err := ParseJSON([]byte(js)); err == nil {
		t.Error("a JSON filter nested 200 deep was accepted")
	}
}

func FuzzParseText(f *testing.F) {
	for _, tc := range equivalents {
		f.Add(tc.text)
	}
	f.Add(`kind = 'it''s' OR "quoted name" <> -1.5e3`)
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseText(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T, want *Error", err)
			}
			return
		}
		_ = Check(x, testQueryables)
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, tc := range equivalents {
		f.Add(tc.json)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseJSON([]byte(s))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T, want *Error", err)
			}
			return
		}
		_ = Check(x, testQueryables)
	})
}

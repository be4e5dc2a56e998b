package cql2

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

// tokKind is the kind of a token of the text form.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokQuoted // "property name"
	tokString // 'literal'
	tokNumber
	tokPunct // ( ) , = <> < <= > >=
)

type token struct {
	kind tokKind
	text string // the identifier, the unquoted string, the number or the punctuation
	pos  int
	end  int // the offset after the token
}

// textParser is a recursive-descent parser of cql2-text.
type textParser struct {
	src   string
	tok   token
	depth int
}

// ParseText reads a filter in cql2-text.
func ParseText(s string) (*Expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &Error{Position: "at character 1", Reason: "the filter is empty"}
	}
	p := &textParser{src: s}
	if err := p.next(0); err != nil {
		return nil, err
	}
	e, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errf("unexpected %s after the end of the expression", p.tok.describe())
	}
	return e, nil
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of the filter"
	case tokString:
		return "'" + t.text + "'"
	case tokQuoted:
		return `"` + t.text + `"`
	}
	return strconv.Quote(t.text)
}

func (p *textParser) errf(format string, args ...any) error {
	return &Error{Position: fmt.Sprintf("at character %d", p.tok.pos+1), Reason: fmt.Sprintf(format, args...)}
}

// next reads the token that starts at or after offset i.
func (p *textParser) next(i int) error {
	for i < len(p.src) && strings.IndexByte(" \t\r\n", p.src[i]) >= 0 {
		i++
	}
	if i >= len(p.src) {
		p.tok = token{kind: tokEOF, pos: len(p.src), end: len(p.src)}
		return nil
	}
	c := p.src[i]
	p.tok = token{pos: i}
	switch {
	case c == '\'' || c == '"':
		return p.quoted(i, c)
	case c >= '0' && c <= '9' || c == '.' || (c == '-' || c == '+') && i+1 < len(p.src) && (p.src[i+1] >= '0' && p.src[i+1] <= '9' || p.src[i+1] == '.'):
		j := i + 1
		for j < len(p.src) && (strings.IndexByte("0123456789.eE", p.src[j]) >= 0 ||
			(p.src[j] == '-' || p.src[j] == '+') && (p.src[j-1] == 'e' || p.src[j-1] == 'E')) {
			j++
		}
		p.tok.kind, p.tok.text, p.tok.end = tokNumber, p.src[i:j], j
		return nil
	case strings.IndexByte("(),=", c) >= 0:
		p.tok.kind, p.tok.text, p.tok.end = tokPunct, p.src[i:i+1], i+1
		return nil
	case c == '<' || c == '>':
		j := i + 1
		if j < len(p.src) && (p.src[j] == '=' || c == '<' && p.src[j] == '>') {
			j++
		}
		p.tok.kind, p.tok.text, p.tok.end = tokPunct, p.src[i:j], j
		return nil
	}
	r, _ := utf8.DecodeRuneInString(p.src[i:])
	if !unicode.IsLetter(r) && r != '_' {
		return p.errf("unexpected character %q", r)
	}
	j := i
	for j < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[j:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '.' && r != ':' {
			break
		}
		j += n
	}
	p.tok.kind, p.tok.text, p.tok.end = tokIdent, p.src[i:j], j
	return nil
}

// quoted reads a string literal or a quoted identifier; a doubled quote
// stands for one.
func (p *textParser) quoted(i int, q byte) error {
	var b strings.Builder
	j := i + 1
	for {
		if j >= len(p.src) {
			return p.errf("the quoted text is not closed")
		}
		if p.src[j] == q {
			if j+1 < len(p.src) && p.src[j+1] == q {
				b.WriteByte(q)
				j += 2
				continue
			}
			break
		}
		b.WriteByte(p.src[j])
		j++
	}
	p.tok.kind, p.tok.text = tokString, b.String()
	if q == '"' {
		p.tok.kind = tokQuoted
	}
	p.tok.end = j + 1
	return nil
}

// advance moves past the current token.
func (p *textParser) advance() error { return p.next(p.tok.end) }

func (p *textParser) isKeyword(kw string) bool {
	return p.tok.kind == tokIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *textParser) isPunct(s string) bool { return p.tok.kind == tokPunct && p.tok.text == s }

func (p *textParser) expect(s string) error {
	if !p.isPunct(s) && !p.isKeyword(s) {
		return p.errf("expected %q, found %s", s, p.tok.describe())
	}
	return p.advance()
}

func (p *textParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errf("the filter nests deeper than %d", maxDepth)
	}
	return nil
}

func (p *textParser) orExpr() (*Expr, error) {
	return p.logical("OR", OpOr, p.andExpr)
}

func (p *textParser) andExpr() (*Expr, error) {
	return p.logical("AND", OpAnd, p.notExpr)
}

func (p *textParser) logical(kw string, op Op, operand func() (*Expr, error)) (*Expr, error) {
	pos := p.tok.pos
	first, err := operand()
	if err != nil {
		return nil, err
	}
	args := []*Expr{first}
	for p.isKeyword(kw) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := operand()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &Expr{Op: op, Args: args, Pos: pos}, nil
}

func (p *textParser) notExpr() (*Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	pos := p.tok.pos
	if p.isKeyword("NOT") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		return &Expr{Op: OpNot, Args: []*Expr{e}, Pos: pos}, nil
	}
	if p.isPunct("(") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	}
	return p.predicate()
}

// functions maps the names of the predicate functions to their operators.
var functions = map[string]Op{
	"S_INTERSECTS": OpSIntersects, "T_INTERSECTS": OpTIntersects, "T_DURING": OpTDuring,
	"T_BEFORE": OpTBefore, "T_AFTER": OpTAfter,
}

// predicate reads a function call, a comparison, LIKE, BETWEEN, IN, IS
// NULL, or a lone boolean literal or property.
func (p *textParser) predicate() (*Expr, error) {
	pos := p.tok.pos
	if p.tok.kind == tokIdent {
		if op, ok := functions[strings.ToUpper(p.tok.text)]; ok {
			return p.call(op, pos)
		}
	}
	left, err := p.scalar()
	if err != nil {
		return nil, err
	}
	negate := false
	if p.isKeyword("NOT") {
		negate = true
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isKeyword("LIKE") && !p.isKeyword("BETWEEN") && !p.isKeyword("IN") {
			return nil, p.errf("expected LIKE, BETWEEN or IN after NOT, found %s", p.tok.describe())
		}
	}
	var e *Expr
	switch {
	case p.tok.kind == tokPunct && isComparison(Op(p.tok.text)):
		op := Op(p.tok.text)
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.scalar()
		if err != nil {
			return nil, err
		}
		e = &Expr{Op: op, Args: []*Expr{left, right}, Pos: pos}
	case p.isKeyword("LIKE"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.scalar()
		if err != nil {
			return nil, err
		}
		e = &Expr{Op: OpLike, Args: []*Expr{left, right}, Pos: pos}
	case p.isKeyword("BETWEEN"):
		e, err = p.between(left, pos)
	case p.isKeyword("IN"):
		e, err = p.in(left, pos)
	case p.isKeyword("IS"):
		e, err = p.isNull(left, pos)
	default:
		if left.Op == OpBool || left.Op == OpProperty {
			return left, nil
		}
		return nil, p.errf("expected a comparison, LIKE, BETWEEN, IN or IS NULL, found %s", p.tok.describe())
	}
	if err != nil {
		return nil, err
	}
	if negate {
		e = &Expr{Op: OpNot, Args: []*Expr{e}, Pos: pos}
	}
	return e, nil
}

func (p *textParser) between(left *Expr, pos int) (*Expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	lo, err := p.scalar()
	if err != nil {
		return nil, err
	}
	if err := p.expect("AND"); err != nil {
		return nil, err
	}
	hi, err := p.scalar()
	if err != nil {
		return nil, err
	}
	return &Expr{Op: OpBetween, Args: []*Expr{left, lo, hi}, Pos: pos}, nil
}

func (p *textParser) in(left *Expr, pos int) (*Expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	list, err := p.args()
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, &Error{Position: fmt.Sprintf("at character %d", pos+1), Reason: "IN needs at least one value"}
	}
	return &Expr{Op: OpIn, Args: append([]*Expr{left}, list...), Pos: pos}, nil
}

func (p *textParser) isNull(left *Expr, pos int) (*Expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	not := p.isKeyword("NOT")
	if not {
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if err := p.expect("NULL"); err != nil {
		return nil, err
	}
	e := &Expr{Op: OpIsNull, Args: []*Expr{left}, Pos: pos}
	if not {
		e = &Expr{Op: OpNot, Args: []*Expr{e}, Pos: pos}
	}
	return e, nil
}

// call reads the arguments of a predicate function: two scalars.
func (p *textParser) call(op Op, pos int) (*Expr, error) {
	name := p.tok.text
	if err := p.advance(); err != nil {
		return nil, err
	}
	args, err := p.args()
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, &Error{Position: fmt.Sprintf("at character %d", pos+1), Reason: name + " takes two arguments"}
	}
	return &Expr{Op: op, Args: args, Pos: pos}, nil
}

// args reads a parenthesised, comma-separated list of scalars.
func (p *textParser) args() ([]*Expr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var out []*Expr
	if p.isPunct(")") {
		return out, p.advance()
	}
	for {
		e, err := p.scalar()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		if p.isPunct(")") {
			return out, p.advance()
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

// geometryKeywords start a WKT literal.
var geometryKeywords = map[string]bool{
	"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true, "MULTILINESTRING": true,
	"MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true,
}

// scalar reads a literal or a property name.
func (p *textParser) scalar() (*Expr, error) {
	t := p.tok
	e := &Expr{Pos: t.pos}
	switch t.kind {
	case tokString:
		e.Op, e.Str = OpString, t.text
		return e, p.advance()
	case tokQuoted:
		e.Op, e.Name = OpProperty, t.text
		return e, p.advance()
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, p.errf("%q is not a number", t.text)
		}
		e.Op, e.Num = OpNumber, f
		return e, p.advance()
	case tokIdent:
	default:
		return nil, p.errf("expected a value or a property, found %s", t.describe())
	}
	up := strings.ToUpper(t.text)
	switch {
	case up == "TRUE" || up == "FALSE":
		e.Op, e.Bool = OpBool, up == "TRUE"
		return e, p.advance()
	case up == "TIMESTAMP" || up == "DATE":
		return p.instant(up)
	case up == "INTERVAL":
		return p.interval()
	case up == "BBOX":
		return p.bbox()
	case geometryKeywords[up]:
		return p.wkt()
	case up == "NOT" || up == "AND" || up == "OR" || up == "LIKE" || up == "IN" || up == "IS" ||
		up == "BETWEEN" || up == "NULL":
		return nil, p.errf("expected a value or a property, found the keyword %s", up)
	}
	e.Op, e.Name = OpProperty, t.text
	return e, p.advance()
}

// instant reads TIMESTAMP('…') or DATE('…').
func (p *textParser) instant(kw string) (*Expr, error) {
	pos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	if p.tok.kind != tokString {
		return nil, p.errf("%s needs a quoted value", kw)
	}
	e, err := parseInstant(kw == "DATE", p.tok.text)
	if err != nil {
		return nil, p.errf("%v", err)
	}
	e.Pos = pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	return e, p.expect(")")
}

// parseInstant reads an RFC 3339 timestamp or a date.
func parseInstant(date bool, s string) (*Expr, error) {
	if date {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
		return &Expr{Op: OpDate, Time: t}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
	}
	return &Expr{Op: OpTimestamp, Time: t.UTC()}, nil
}

// interval reads INTERVAL(start, end): each end a quoted date, timestamp
// or "..", or a TIMESTAMP or DATE literal.
func (p *textParser) interval() (*Expr, error) {
	pos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var ends []*Expr
	for i := 0; i < 2; i++ {
		if i == 1 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		e, err := p.intervalEnd()
		if err != nil {
			return nil, err
		}
		ends = append(ends, e)
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	iv := &Expr{Op: OpInterval, Args: ends, Pos: pos}
	return iv, checkInterval(iv)
}

func (p *textParser) intervalEnd() (*Expr, error) {
	if p.tok.kind != tokString {
		return p.scalar()
	}
	pos := p.tok.pos
	e, err := intervalString(p.tok.text)
	if err != nil {
		return nil, p.errf("%v", err)
	}
	e.Pos = pos
	return e, p.advance()
}

// intervalString reads one end of an interval given as a string.
func intervalString(s string) (*Expr, error) {
	if s == ".." {
		return &Expr{Op: OpOpen}, nil
	}
	if len(s) == len(time.DateOnly) {
		return parseInstant(true, s)
	}
	return parseInstant(false, s)
}

// checkInterval checks that iv's ends are instants in order.
func checkInterval(iv *Expr) error {
	a, b := iv.Args[0], iv.Args[1]
	for _, e := range iv.Args {
		if e.Op != OpTimestamp && e.Op != OpDate && e.Op != OpOpen {
			return errAt(e, "an interval's ends are dates, timestamps or '..'")
		}
	}
	if a.Op != OpOpen && b.Op != OpOpen && b.Time.Before(a.Time) {
		return errAt(iv, "the interval ends before it starts")
	}
	return nil
}

// bbox reads BBOX(w, s, e, n) (a 6-number 3D box is refused).
func (p *textParser) bbox() (*Expr, error) {
	pos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	args, err := p.args()
	if err != nil {
		return nil, err
	}
	nums := make([]float64, 0, 4)
	for _, a := range args {
		if a.Op != OpNumber {
			return nil, errAt(a, "BBOX takes numbers")
		}
		nums = append(nums, a.Num)
	}
	e := &Expr{Pos: pos}
	return bboxExpr(e, nums)
}

// bboxExpr fills e with the box of nums (west, south, east, north).
func bboxExpr(e *Expr, nums []float64) (*Expr, error) {
	if len(nums) != 4 {
		return nil, errAt(e, "a bbox has four numbers: west, south, east, north")
	}
	if nums[0] > nums[2] || nums[1] > nums[3] {
		return nil, errAt(e, "a bbox's west and south must not exceed its east and north")
	}
	e.Op, e.Geom = OpGeometry, orb.Bound{Min: orb.Point{nums[0], nums[1]}, Max: orb.Point{nums[2], nums[3]}}
	return e, checkLonLat(e)
}

// wkt reads a WKT geometry: the keyword and its balanced parentheses.
func (p *textParser) wkt() (*Expr, error) {
	start := p.tok.pos
	i := start + len(p.tok.text)
	for i < len(p.src) && p.src[i] == ' ' {
		i++
	}
	if strings.HasPrefix(strings.ToUpper(p.src[i:]), "EMPTY") {
		return nil, p.errf("empty geometries are not supported")
	}
	if i >= len(p.src) || p.src[i] != '(' {
		return nil, p.errf("expected ( after %s (2D coordinates only)", p.tok.text)
	}
	depth := 0
	for ; i < len(p.src); i++ {
		if p.src[i] == '(' {
			depth++
		} else if p.src[i] == ')' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	if depth != 0 {
		return nil, p.errf("the geometry's parentheses are not closed")
	}
	g, err := wkt.Unmarshal(strings.ToUpper(p.src[start : i+1]))
	if err != nil {
		return nil, p.errf("malformed %s geometry", strings.ToUpper(p.tok.text))
	}
	e := &Expr{Op: OpGeometry, Geom: g, Pos: start}
	if err := checkLonLat(e); err != nil {
		return nil, err
	}
	return e, p.next(i + 1)
}

// checkLonLat checks that a geometry's coordinates are finite lon/lat.
func checkLonLat(e *Expr) error {
	b := e.Geom.Bound()
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errAt(e, "coordinates must be finite numbers")
		}
	}
	if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
		return errAt(e, "coordinates are longitude and latitude in degrees (CRS84)")
	}
	return nil
}

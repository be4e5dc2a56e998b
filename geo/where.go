package geo

import (
	"fmt"
	"regexp"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/borderwatch/borderwatch/cql2"
)

// IndexQueryables are the queryables a CQL2 filter of an analysis may
// name: what the index holds of an event. drug and quantity_kg are those
// of one item (see Filter.Where).
var IndexQueryables = cql2.Queryables{
	"kind": cql2.TypeString, "occurred_at": cql2.TypeTime, "agency": cql2.TypeString,
	"sharing": cql2.TypeString, "category": cql2.TypeString, "severity": cql2.TypeInteger,
	"drug": cql2.TypeString, "quantity_kg": cql2.TypeNumber, "geometry": cql2.TypeGeometry,
}

// itemQueryables are the queryables of an event's items.
var itemQueryables = map[string]bool{"drug": true, "quantity_kg": true}

// tv is a truth value of SQL's three-valued logic.
type tv uint8

const (
	tvFalse tv = iota
	tvTrue
	tvUnknown
)

func tvOf(b bool) tv {
	if b {
		return tvTrue
	}
	return tvFalse
}

// wval is a property's value for one event and item; null when absent.
type wval struct {
	null bool
	s    string
	n    float64
	t    int64
	p    orb.Point
}

// wherePred is a compiled CQL2 condition over an event and one of its
// items (nil for an event without items).
type wherePred func(e *Event, it *Item) tv

// compileWhere compiles a checked CQL2 filter over the index's queryables.
// agencies names the index's agency numbers. The event matches when some
// item (or, for an event without items, the event alone with drug and
// quantity_kg null) makes the condition true, as data's SQL translation
// does.
func compileWhere(x *cql2.Expr, agencies []string) (func(e *Event) bool, error) {
	p, err := compilePred(x, agencies)
	if err != nil {
		return nil, err
	}
	perItem := false
	for _, n := range cql2.Properties(x) {
		perItem = perItem || itemQueryables[n]
	}
	return func(e *Event) bool {
		if !perItem || len(e.Items) == 0 {
			return p(e, nil) == tvTrue
		}
		for i := range e.Items {
			if p(e, &e.Items[i]) == tvTrue {
				return true
			}
		}
		return false
	}, nil
}

func compilePred(x *cql2.Expr, agencies []string) (wherePred, error) {
	switch x.Op {
	case cql2.OpAnd, cql2.OpOr:
		ps := make([]wherePred, len(x.Args))
		for i, a := range x.Args {
			p, err := compilePred(a, agencies)
			if err != nil {
				return nil, err
			}
			ps[i] = p
		}
		short := tvOf(x.Op == cql2.OpOr) // the value that decides
		return func(e *Event, it *Item) tv {
			out := 1 - short
			for _, p := range ps {
				switch v := p(e, it); v {
				case short:
					return short
				case tvUnknown:
					out = tvUnknown
				}
			}
			return out
		}, nil
	case cql2.OpNot:
		p, err := compilePred(x.Args[0], agencies)
		if err != nil {
			return nil, err
		}
		return func(e *Event, it *Item) tv {
			v := p(e, it)
			if v == tvUnknown {
				return v
			}
			return 1 - v
		}, nil
	case cql2.OpBool:
		v := tvOf(x.Bool)
		return func(*Event, *Item) tv { return v }, nil
	}
	get, err := propertyGetter(x.Args[0], agencies)
	if err != nil {
		return nil, err
	}
	test, err := valueTest(x)
	if err != nil {
		return nil, err
	}
	if x.Op == cql2.OpIsNull {
		return func(e *Event, it *Item) tv { return tvOf(get(e, it).null) }, nil
	}
	return func(e *Event, it *Item) tv {
		v := get(e, it)
		if v.null {
			return tvUnknown
		}
		return tvOf(test(v))
	}, nil
}

// propertyGetter returns the function that reads a queryable.
func propertyGetter(p *cql2.Expr, agencies []string) (func(e *Event, it *Item) wval, error) {
	str := func(s string) wval { return wval{s: s, null: s == ""} }
	switch p.Name {
	case "kind":
		return func(e *Event, _ *Item) wval { return str(e.Kind.String()) }, nil
	case "category":
		return func(e *Event, _ *Item) wval { return str(e.Category.String()) }, nil
	case "sharing":
		return func(e *Event, _ *Item) wval { return str(e.Sharing.String()) }, nil
	case "agency":
		return func(e *Event, _ *Item) wval {
			if int(e.Agency) < len(agencies) {
				return str(agencies[e.Agency])
			}
			return wval{null: true}
		}, nil
	case "severity":
		return func(e *Event, _ *Item) wval { return wval{n: float64(e.Severity), null: e.Severity == 0} }, nil
	case "occurred_at":
		return func(e *Event, _ *Item) wval { return wval{t: e.At.UnixNano()} }, nil
	case "geometry":
		return func(e *Event, _ *Item) wval { return wval{p: orb.Point{e.Lon, e.Lat}} }, nil
	case "drug":
		return func(_ *Event, it *Item) wval {
			if it == nil {
				return wval{null: true}
			}
			return str(it.Drug.String())
		}, nil
	case "quantity_kg":
		// Items measured in other units have no mass (the index keeps 0).
		return func(_ *Event, it *Item) wval {
			if it == nil || it.KG == 0 {
				return wval{null: true}
			}
			return wval{n: float64(it.KG)}
		}, nil
	}
	return nil, &ParamError{Param: "filter", Reason: fmt.Sprintf("%q is not a queryable of the analyses", p.Name)}
}

// literal returns a literal's value for comparison.
func literal(x *cql2.Expr) wval {
	return wval{s: x.Str, n: x.Num, t: x.Time.UnixNano()}
}

func compare(op cql2.Op, v, l wval, str bool) bool {
	c := 0
	switch {
	case str && v.s < l.s, !str && v.n < l.n:
		c = -1
	case str && v.s > l.s, !str && v.n > l.n:
		c = 1
	}
	switch op {
	case cql2.OpEq:
		return c == 0
	case cql2.OpNe:
		return c != 0
	case cql2.OpLt:
		return c < 0
	case cql2.OpLe:
		return c <= 0
	case cql2.OpGt:
		return c > 0
	}
	return c >= 0
}

// valueTest returns the test of a non-null property value against the
// literal operands of x.
func valueTest(x *cql2.Expr) (func(v wval) bool, error) {
	str := len(x.Args) > 1 && x.Args[1].Op == cql2.OpString
	isTime := len(x.Args) > 1 && (x.Args[1].Op == cql2.OpTimestamp || x.Args[1].Op == cql2.OpDate)
	norm := func(v wval) wval {
		if isTime {
			v.n = float64(v.t)
		}
		return v
	}
	lit := func(i int) wval { return norm(literal(x.Args[i])) }
	switch x.Op {
	case cql2.OpEq, cql2.OpNe, cql2.OpLt, cql2.OpLe, cql2.OpGt, cql2.OpGe:
		l := lit(1)
		return func(v wval) bool { return compare(x.Op, norm(v), l, str) }, nil
	case cql2.OpBetween:
		lo, hi := lit(1), lit(2)
		return func(v wval) bool {
			v = norm(v)
			return compare(cql2.OpGe, v, lo, str) && compare(cql2.OpLe, v, hi, str)
		}, nil
	case cql2.OpIn:
		ls := make([]wval, 0, len(x.Args)-1)
		for i := 1; i < len(x.Args); i++ {
			ls = append(ls, lit(i))
		}
		return func(v wval) bool {
			v = norm(v)
			for _, l := range ls {
				if compare(cql2.OpEq, v, l, str) {
					return true
				}
			}
			return false
		}, nil
	case cql2.OpLike:
		re, err := regexp.Compile(cql2.LikePattern(x.Args[1].Str))
		if err != nil {
			return nil, &ParamError{Param: "filter", Reason: "malformed LIKE pattern"}
		}
		return func(v wval) bool { return re.MatchString(v.s) }, nil
	case cql2.OpIsNull:
		return nil, nil
	case cql2.OpSIntersects:
		g := x.Args[1].Geom
		return func(v wval) bool { return PointIntersects(v.p, g) }, nil
	case cql2.OpTIntersects, cql2.OpTDuring, cql2.OpTBefore, cql2.OpTAfter:
		return temporalTest(x.Op, x.Args[1]), nil
	}
	return nil, &ParamError{Param: "filter", Reason: fmt.Sprintf("unsupported operator %s", x.Op)}
}

// temporalTest tests an instant against a temporal literal: T_INTERSECTS
// holds within it (ends included), T_DURING strictly inside it, T_BEFORE
// before its start and T_AFTER after its end; an open end holds no bound
// (nothing is before an open start or after an open end).
func temporalTest(op cql2.Op, lit *cql2.Expr) func(v wval) bool {
	lo, hi, hasLo, hasHi := cql2.Span(lit)
	l, h := lo.UnixNano(), hi.UnixNano()
	return func(v wval) bool {
		switch op {
		case cql2.OpTIntersects:
			return (!hasLo || v.t >= l) && (!hasHi || v.t <= h)
		case cql2.OpTDuring:
			return (!hasLo || v.t > l) && (!hasHi || v.t < h)
		case cql2.OpTBefore:
			return hasLo && v.t < l
		}
		return hasHi && v.t > h
	}
}

// PointIntersects reports whether the point p intersects g (edges and
// vertices included), as PostGIS's ST_Intersects decides for a point.
func PointIntersects(p orb.Point, g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.Point:
		return p == g
	case orb.MultiPoint:
		for _, q := range g {
			if p == q {
				return true
			}
		}
	case orb.Bound:
		return g.Contains(p)
	case orb.Ring:
		return planar.RingContains(g, p) || onLine(p, orb.LineString(g))
	case orb.Polygon:
		if len(g) == 0 {
			return false
		}
		for _, r := range g {
			if onLine(p, orb.LineString(r)) {
				return true
			}
		}
		return planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		for _, pg := range g {
			if PointIntersects(p, pg) {
				return true
			}
		}
	case orb.LineString:
		return onLine(p, g)
	case orb.MultiLineString:
		for _, l := range g {
			if onLine(p, l) {
				return true
			}
		}
	case orb.Collection:
		for _, c := range g {
			if PointIntersects(p, c) {
				return true
			}
		}
	}
	return false
}

// onLine reports whether p lies exactly on a segment of l.
func onLine(p orb.Point, l orb.LineString) bool {
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
		if cross == 0 && p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) &&
			p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1]) {
			return true
		}
	}
	return false
}

// CRS84 is the one CRS a filter's geometries may be given in.
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// ParseWhere reads the filter, filter-lang and filter-crs parameters of
// OGC API – Features Part 3 and checks the filter against q: nil when
// filter is empty. Errors are *ParamError naming filter (with the
// position and reason), filter-lang or filter-crs.
func ParseWhere(filter, lang, crs string, q cql2.Queryables) (*cql2.Expr, error) {
	if lang != "" && lang != "cql2-text" && lang != "cql2-json" {
		return nil, &ParamError{Param: "filter-lang", Reason: "must be cql2-text or cql2-json"}
	}
	if crs != "" && crs != CRS84 {
		return nil, &ParamError{Param: "filter-crs", Reason: "only " + CRS84 + " is supported"}
	}
	if filter == "" {
		if lang != "" || crs != "" {
			return nil, &ParamError{Param: "filter", Reason: "filter-lang and filter-crs need a filter"}
		}
		return nil, nil
	}
	x, err := cql2.Parse(lang, filter)
	if err == nil {
		err = cql2.Check(x, q)
	}
	if err != nil {
		return nil, &ParamError{Param: "filter", Reason: err.Error()}
	}
	// A filter over the index's queryables is compiled now, so that the
	// analyses fail here rather than mid-computation; one naming others
	// (synthetic, on the events collection) is evaluated in SQL only.
	for _, n := range cql2.Properties(x) {
		if _, ok := IndexQueryables[n]; !ok {
			return x, nil
		}
	}
	if _, err := compileWhere(x, nil); err != nil {
		return nil, err
	}
	return x, nil
}

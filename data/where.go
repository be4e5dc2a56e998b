package data

import (
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/cql2"
	"github.com/borderwatch/borderwatch/geo"
)

// EventQueryables are the queryables of the events collection: the
// index's (geo.IndexQueryables) and synthetic.
var EventQueryables = func() cql2.Queryables {
	q := cql2.Queryables{"synthetic": cql2.TypeBool}
	for k, v := range geo.IndexQueryables {
		q[k] = v
	}
	return q
}()

// queryableColumns maps each queryable to its SQL expression over the events
// view (alias e) or over one item row (alias i). It is the only source of
// identifiers in a filter's SQL; values are always parameters.
var queryableColumns = map[string]string{
	"kind": "e.kind", "occurred_at": "e.occurred_at", "agency": "e.agency_id", "sharing": "e.sharing",
	"category": "e.category", "severity": "e.severity", "synthetic": "e.synthetic", "geometry": "e.geom",
	"drug": "i.drug", "quantity_kg": "i.quantity_kg",
}

// sqlItemRows are an event's item rows: drug and quantity_kg (NULL unless
// measured in kg, as total_kg counts), or one row of NULLs for an event
// without items.
const sqlItemRows = `(SELECT it->>'drug' AS drug,
	CASE WHEN it->>'unit' = 'kg' THEN (it->>'quantity')::float8 END AS quantity_kg
	FROM jsonb_array_elements(e.items) AS it
	UNION ALL SELECT NULL, NULL WHERE jsonb_array_length(e.items) = 0) AS i`

// whereSQL returns the SQL condition of a checked CQL2 filter over the
// events view, adding its values to b as parameters. A filter that names
// drug or quantity_kg holds for an event when one of its items makes it
// true (geo's in-memory evaluation does the same).
func whereSQL(b *sqlBuilder, x *cql2.Expr) string {
	cond := condSQL(b, x)
	for _, n := range cql2.Properties(x) {
		if n == "drug" || n == "quantity_kg" {
			return "EXISTS (SELECT 1 FROM " + sqlItemRows + " WHERE " + cond + ")"
		}
	}
	return "(" + cond + ")"
}

// condSQL translates one node. String comparisons use the C collation,
// as Go compares strings (byte by byte).
func condSQL(b *sqlBuilder, x *cql2.Expr) string {
	switch x.Op {
	case cql2.OpAnd, cql2.OpOr:
		parts := make([]string, len(x.Args))
		for i, a := range x.Args {
			parts[i] = "(" + condSQL(b, a) + ")"
		}
		return strings.Join(parts, " "+strings.ToUpper(string(x.Op))+" ")
	case cql2.OpNot:
		return "NOT (" + condSQL(b, x.Args[0]) + ")"
	case cql2.OpBool:
		return b.arg(x.Bool) + "::boolean"
	}
	col := queryableColumns[x.Args[0].Name]
	if len(x.Args) > 1 && x.Args[1].Op == cql2.OpString {
		col += ` COLLATE "C"`
	}
	switch x.Op {
	case cql2.OpEq, cql2.OpNe, cql2.OpLt, cql2.OpLe, cql2.OpGt, cql2.OpGe:
		return col + " " + string(x.Op) + " " + litSQL(b, x.Args[1])
	case cql2.OpBetween:
		return col + " BETWEEN " + litSQL(b, x.Args[1]) + " AND " + litSQL(b, x.Args[2])
	case cql2.OpIn:
		list := make([]string, 0, len(x.Args)-1)
		for _, a := range x.Args[1:] {
			list = append(list, litSQL(b, a))
		}
		return col + " IN (" + strings.Join(list, ", ") + ")"
	case cql2.OpLike:
		return col + " LIKE " + litSQL(b, x.Args[1])
	case cql2.OpIsNull:
		return col + " IS NULL"
	case cql2.OpSIntersects:
		return "ST_Intersects(" + col + ", " + geomSQL(b, x.Args[1].Geom) + ")"
	}
	return temporalSQL(b, x.Op, col, x.Args[1])
}

// temporalSQL is the SQL of geo's temporalTest.
func temporalSQL(b *sqlBuilder, op cql2.Op, col string, lit *cql2.Expr) string {
	lo, hi, hasLo, hasHi := cql2.Span(lit)
	var conds []string
	switch op {
	case cql2.OpTIntersects, cql2.OpTDuring:
		lt, gt := " <= ", " >= "
		if op == cql2.OpTDuring {
			lt, gt = " < ", " > "
		}
		if hasLo {
			conds = append(conds, col+gt+b.arg(lo)+"::timestamptz")
		}
		if hasHi {
			conds = append(conds, col+lt+b.arg(hi)+"::timestamptz")
		}
		if len(conds) == 0 {
			return col + " IS NOT NULL"
		}
		return strings.Join(conds, " AND ")
	case cql2.OpTBefore:
		if !hasLo {
			return "false"
		}
		return col + " < " + b.arg(lo) + "::timestamptz"
	}
	if !hasHi {
		return "false"
	}
	return col + " > " + b.arg(hi) + "::timestamptz"
}

// litSQL returns the parameter of a literal, cast to its type.
func litSQL(b *sqlBuilder, x *cql2.Expr) string {
	switch x.Op {
	case cql2.OpString:
		return b.arg(x.Str) + "::text"
	case cql2.OpNumber:
		return b.arg(x.Num) + "::float8"
	case cql2.OpBool:
		return b.arg(x.Bool) + "::boolean"
	}
	return b.arg(x.Time) + "::timestamptz"
}

// geomSQL returns a geometry literal as a parameter (GeoJSON) or an
// envelope.
func geomSQL(b *sqlBuilder, g orb.Geometry) string {
	if bd, ok := g.(orb.Bound); ok {
		return "ST_MakeEnvelope(" + b.arg(bd.Min[0]) + "::float8, " + b.arg(bd.Min[1]) + "::float8, " +
			b.arg(bd.Max[0]) + "::float8, " + b.arg(bd.Max[1]) + "::float8, 4326)"
	}
	js, _ := geojson.NewGeometry(g).MarshalJSON()
	return "ST_SetSRID(ST_GeomFromGeoJSON(" + b.arg(string(js)) + "::text), 4326)"
}

// Package cql2 reads filters in the Common Query Language of OGC API –
// Features Part 3 (CQL2), in its text (cql2-text) and JSON (cql2-json)
// encodings, into one expression tree, and checks a tree against a
// collection's queryables.
//
// The parser is written here: no CQL2 module is available from the Go
// module proxy this project builds from (github.com/planetlabs/go-ogc, the
// one Go implementation of CQL2, is refused by it), and the subset the
// service answers is small enough for a recursive-descent parser of the
// text form and a decoder of the JSON form that share one tree.
//
// The subset: comparison (=, <>, <, <=, >, >=), AND, OR, NOT, LIKE (with
// % and _), IN, BETWEEN, IS [NOT] NULL, S_INTERSECTS with a geometry
// literal (WKT or BBOX in text, GeoJSON or bbox in JSON), T_INTERSECTS,
// T_DURING, T_BEFORE and T_AFTER with TIMESTAMP, DATE and INTERVAL
// literals (".." for an open end), string, number and boolean literals and
// property names (bare or double-quoted). Keywords are case-insensitive.
// There is no arithmetic, no CASEI/ACCENTI and no custom functions.
//
// Errors are *Error, giving the position (the character offset in the
// text, or the JSON path in the JSON form) and the reason.
//
// The package is pure: it imports nothing of this module and does no I/O.
package cql2

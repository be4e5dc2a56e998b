// Package data is Borderwatch's PostGIS store over pgx: migrations at start,
// events and their change feed, the reference geodata (embedded beneath
// data/ref) and the feature collections served by the API.
//
// pgx and go-geom types never leave this package: geometries are selected as
// EWKB, decoded with go-geom's ewkb and converted to orb in geom.go.
// The live index (Live: live.go, live_scan.go, live_sync.go, scope.go)
// keeps every event in memory in step with the database and resolves, in
// Scope, what a caller's analysis may see and in which area.
//
// data imports geo, record, migrations and data/ref from this module, and
// never net/http.
package data

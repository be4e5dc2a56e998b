// Package data is Borderwatch's PostGIS store over pgx: migrations at start,
// events and their change feed, the reference geodata (embedded beneath
// data/ref) and the feature collections served by the API.
//
// pgx and go-geom types never leave this package: geometries are selected as
// EWKB, decoded with go-geom's ewkb and converted to orb in geom.go.
// data imports only geo from this module.
package data

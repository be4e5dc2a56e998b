// Package data is Borderwatch's PostGIS store over pgx, and only the store:
// it applies the migrations at start and owns the reads and writes of
// events (single, bulk import through COPY, export), their change feed and
// the live in-memory index kept from it, access control (tokens, users,
// sharing agreements by the consent of both agencies), the signed audit
// log, the feature collections served by the API, roads, border sectors
// and their risk, stored patrol plans and reports.
//
// pgx and go-geom types never leave data and its sub-package seed:
// geometries are selected as EWKB, decoded with go-geom's ewkb and
// converted to orb in geom.go. tx.go is the one door through which seed
// writes tables no method covers.
//
// The live index (Live: live.go, live_scan.go, live_sync.go, scope.go)
// keeps every event in memory in step with the database and resolves, in
// Scope, what a caller's analysis may see and in which area.
//
// From this module data imports only record (what an event, road or
// sector is), parse (to read import files), geo (the pure geometry and
// statistics the index uses) and migrations. It imports no net/http and
// no package above it (api, cmd); file parsing lives in parse, demo
// generation and the reference seeding in data/seed.
package data

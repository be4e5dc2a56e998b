// Package api is Borderwatch's HTTP interface: chi handlers for the OGC API –
// Features endpoints (Part 1, and Part 4 writes on events), health checks,
// the analysis endpoints, sharing agreements and patrol plans. Handlers are
// maker functions with explicit dependencies; routes.go lists every route.
// A handler parses, authorizes and encodes: what a caller may see, and in
// which area, comes from data.Live.Scope, the computations from geo and
// planner.
//
// Every handler returns its error to serveErrors, and writeError
// (errors.go) answers it as application/problem+json, mapping the field
// names of data's typed errors to request parameters. The analyses share
// the response cache of analysis_cache.go and the GeoJSON encoders of
// encode_analysis.go, whose output testdata/*.golden.geojson holds.
//
// api may import data, geo, planner, record and web from this module; it
// never imports pgx.
package api

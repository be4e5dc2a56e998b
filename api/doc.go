// Package api is Borderwatch's HTTP interface: chi handlers for the OGC API –
// Features endpoints (Part 1, and Part 4 writes on events), health checks and
// the analysis endpoints. Handlers are maker functions with explicit
// dependencies; routes.go lists every route. api never imports pgx.
package api

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
// The API definition (OpenAPI 3.0) lives in openapi/*.yaml and is served
// at /api and, rendered by openapi_html.go, at /api.html. openapi.yaml
// holds the head and the shared components: the Problem schema of
// errors.go, GeoJSON, Link, the bbox/datetime/limit/cursor parameters and
// the error responses (BadRequest, Unauthorized, Forbidden, NotFound,
// TooManyRequests, Unavailable). Every other file holds the paths of one
// resource under a top-level paths: key, and may add components: of its
// own; openapi.go merges them and refuses a path or component defined in
// two files. To add an endpoint:
//
//  1. add the route in routes.go;
//  2. add its path, with the same template as the chi pattern
//     ({id:[0-9]+} is written {id}), to the resource's file, or create
//     openapi/<resource>.yaml starting with "paths:"; give each operation
//     one of the document's tags, a summary, an operationId, every query,
//     path and header parameter, the request body, and every response,
//     errors by $ref to the shared responses;
//  3. run go test ./api: TestRoutesMatchAPIDefinition fails while a route
//     and the document disagree, TestResponsesMatchAPIDefinition shows how
//     to hold a real response to its schema.
//
// Operations that need no token say security: [] (only the health checks,
// the sign-in and the definition itself); the devices' position reports
// name the deviceSecret scheme of positions.yaml instead of the bearer
// token.
//
// api may import data, geo, planner, record and web from this module; it
// never imports pgx.
package api

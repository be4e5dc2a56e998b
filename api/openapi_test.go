package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// undescribedRoutes are the routes the API definition leaves out on
// purpose: the web client's static files.
var undescribedRoutes = []string{"/app/*"}

// servedDefinition builds the server as NewServer does (no database is
// needed to build it or to serve the definition) and returns it with the
// API definition it serves at /api, loaded and validated by kin-openapi.
func servedDefinition(t *testing.T) (chi.Routes, *openapi3.T) {
	t.Helper()
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := NewServer(logger, DefaultConfig(), nil, nil)
	routes, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("NewServer returns %T, not a chi router", h)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api: %d %s", rec.Code, rec.Body)
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("load the API definition: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the API definition is not valid OpenAPI 3.0: %v", err)
	}
	return routes, doc
}

// chiParam matches a chi path parameter with a regular expression,
// {id:[0-9]+}, which OpenAPI writes {id}.
var chiParam = regexp.MustCompile(`\{([^}:]+):[^}]*\}`)

// TestRoutesMatchAPIDefinition walks the router the server is built with
// and fails for a route the API definition does not describe, or a
// described operation no route serves.
func TestRoutesMatchAPIDefinition(t *testing.T) {
	routes, doc := servedDefinition(t)
	routed := map[string]bool{}
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if slices.Contains(undescribedRoutes, route) {
			return nil
		}
		routed[method+" "+chiParam.ReplaceAllString(route, "{$1}")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+path] = true
		}
	}
	for _, r := range sortedKeys(routed) {
		if !described[r] {
			t.Errorf("route %s is not described in api/openapi/*.yaml (see api/doc.go)", r)
		}
	}
	for _, d := range sortedKeys(described) {
		if !routed[d] {
			t.Errorf("api/openapi/*.yaml describes %s, but no route serves it", d)
		}
	}
	if len(routed) < 30 {
		t.Errorf("the walk found %d routes; the router was not walked", len(routed))
	}
}

// TestAPIDefinitionComplete checks what the validators do not: every
// operation has a tag of the document, a summary and an operationId, and
// every one that needs a token answers 401.
func TestAPIDefinitionComplete(t *testing.T) {
	_, doc := servedDefinition(t)
	tags := map[string]bool{}
	for _, tg := range doc.Tags {
		tags[tg.Name] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if len(op.Tags) != 1 || !tags[op.Tags[0]] {
				t.Errorf("%s: tags %v, want one of the document's tags", where, op.Tags)
			}
			if op.Summary == "" || op.OperationID == "" {
				t.Errorf("%s: summary or operationId missing", where)
			}
			public := op.Security != nil && len(*op.Security) == 0
			if !public && op.Responses.Value("401") == nil {
				t.Errorf("%s needs a token but does not describe the 401 answer", where)
			}
		}
	}
}

// queryParams returns the names of an operation's query parameters.
func queryParams(t *testing.T, doc *openapi3.T, method, path string) []string {
	t.Helper()
	item := doc.Paths.Value(path)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("%s %s is not described", method, path)
	}
	var names []string
	for _, p := range append(slices.Clone(item.Parameters), item.GetOperation(method).Parameters...) {
		if p.Value.In == openapi3.ParameterInQuery {
			names = append(names, p.Value.Name)
		}
	}
	sort.Strings(names)
	return names
}

// TestAnalysisParametersDocumented holds the query parameters the document
// gives the analyses to the tables the handlers check requests against.
func TestAnalysisParametersDocumented(t *testing.T) {
	_, doc := servedDefinition(t)
	for _, tc := range []struct {
		path   string
		accept []string
	}{
		{"/api/hotspots", hotspotsParams()},
		{"/api/hotspots/emerging", geo.EmergingParams().Names()},
		{"/api/clusters", geo.ClusterParams().Names()},
		{"/api/forecast", geo.ForecastParamTable().Names()},
		{"/api/forecast/backtest", geo.BacktestParamTable().Names()},
		{"/api/sectors/forecast", sectorForecastParams()},
		{"/api/sectors/risk", riskParams},
		{"/api/sectors/sections/{section}", riskParams},
	} {
		t.Run(tc.path, func(t *testing.T) {
			want := slices.Sorted(slices.Values(tc.accept))
			if got := queryParams(t, doc, http.MethodGet, tc.path); !slices.Equal(got, want) {
				t.Errorf("documented query parameters %v, the handler accepts %v", got, want)
			}
		})
	}
}

// TestAPIDefinitionVocabularies holds the enumerations of the document to
// their one source.
func TestAPIDefinitionVocabularies(t *testing.T) {
	_, doc := servedDefinition(t)
	enum := func(s *openapi3.Schema) []string {
		var out []string
		for _, v := range s.Enum {
			out = append(out, v.(string))
		}
		return out
	}
	schema := func(name string) *openapi3.Schema {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Fatalf("schema %s is not in the document", name)
		}
		return ref.Value
	}
	var refIDs []string
	for _, c := range data.Collections() {
		refIDs = append(refIDs, c.ID)
	}
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"Kind", enum(schema("Kind")), record.Kinds()},
		{"Drug", enum(schema("Drug")), record.Drugs()},
		{"Category", enum(schema("Category")), record.Categories()},
		{"Sharing", enum(schema("Sharing")), record.SharingLevels()},
		{"Role", enum(schema("Role")), data.Roles()},
		{"EntityKind", enum(schema("EntityKind")), record.EntityKinds()},
		{"VehicleKind", enum(schema("VehicleKind")), record.VehicleKinds()},
		{"EntityLinkRole", enum(schema("EntityLinkRole")), record.LinkRoles()},
		{"EventEntityRole", enum(schema("EventEntityRole")), record.EventRoles()},
		{"WithheldField", enum(schema("WithheldField")), withheldFields[record.EntityPerson]},
		{"MessageKind", enum(schema("MessageKind")), data.MessageKinds()},
		{"MessageUrgency", enum(schema("MessageUrgency")), data.MessageUrgencies()},
		{"StreamType", enum(schema("StreamType")), data.StreamTypes()},
		{"collectionId", enum(doc.Components.Parameters["collectionId"].Value.Schema.Value), refIDs},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: the document says %v, the service %v", tc.name, tc.got, tc.want)
		}
	}
	if !slices.Contains(conformsTo, "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30") {
		t.Error("the OpenAPI 3.0 conformance class is not declared")
	}
}

// TestAPIDefinitionFilesMerge checks that a resource file cannot override
// another's path or component: the merge refuses duplicates.
func TestAPIDefinitionFilesMerge(t *testing.T) {
	dst := map[string]any{"/a": 1}
	if err := mergeInto(dst, map[string]any{"/b": 2}, "b.yaml", "paths"); err != nil {
		t.Fatal(err)
	}
	err := mergeInto(dst, map[string]any{"/a": 3}, "c.yaml", "paths")
	if err == nil || !strings.Contains(err.Error(), `c.yaml: paths "/a"`) {
		t.Fatalf("duplicate path: err %v", err)
	}
	if dst["/a"] != 1 {
		t.Error("the duplicate replaced the first definition")
	}
}

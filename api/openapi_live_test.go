package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/borderwatch/borderwatch/api"
)

const mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"

// getNoAuth fetches u without a token.
func getNoAuth(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestLandingLinksAPIDefinition checks that the landing page links the API
// definition (service-desc) and its documentation (service-doc) with their
// media types, and that both answer without a token, the page needing
// nothing from another host.
func TestLandingLinksAPIDefinition(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do(t, "GET", "/?f=json", "")
	if resp.StatusCode != 200 {
		t.Fatalf("landing: %d %s", resp.StatusCode, b)
	}
	hrefs := map[string]string{}
	for _, l := range decodeJSON(t, b)["links"].([]any) {
		m := l.(map[string]any)
		rel, _ := m["rel"].(string)
		if rel == "service-desc" || rel == "service-doc" {
			hrefs[rel+" "+m["type"].(string)] = m["href"].(string)
		}
	}
	for _, tc := range []struct{ rel, typ, contentType, contains string }{
		{"service-desc", mediaOpenAPI, mediaOpenAPI, `"openapi": "3.0.3"`},
		{"service-doc", "text/html", "text/html; charset=utf-8", "/collections/events/items/{featureId}"},
	} {
		href, ok := hrefs[tc.rel+" "+tc.typ]
		if !ok {
			t.Errorf("landing page has no %s link of type %s: %s", tc.rel, tc.typ, b)
			continue
		}
		resp, body := getNoAuth(t, href)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.contentType {
			t.Errorf("%s %s without a token: %d %q", tc.rel, href, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !bytes.Contains(body, []byte(tc.contains)) {
			t.Errorf("%s lacks %q", tc.rel, tc.contains)
		}
		if tc.rel == "service-doc" {
			for _, ext := range []string{"<script", "<link", "src=", "@import"} {
				if bytes.Contains(body, []byte(ext)) {
					t.Errorf("the documentation page loads something (%s)", ext)
				}
			}
		}
	}
}

// definitionRouter loads the served API definition into kin-openapi's
// router, which finds the operation of a request.
func definitionRouter(t *testing.T, e *testEnv) routers.Router {
	t.Helper()
	_, b := getNoAuth(t, e.srv.URL+"/api")
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: e.srv.URL}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// TestResponsesMatchAPIDefinition sends real requests, successful and
// failing, and validates each request and its response (status, headers,
// media type and body) against the operation the document describes.
func TestResponsesMatchAPIDefinition(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	e := f.env
	if _, err := e.pool.Exec(context.Background(),
		`INSERT INTO sharing_agreements (agency_a, agency_b) VALUES ('af-border', 'tj-dca')`); err != nil {
		t.Fatal(err)
	}
	for _, mt := range []string{"application/geo+json", "application/problem+json", "application/merge-patch+json", mediaOpenAPI} {
		openapi3filter.RegisterBodyDecoder(mt, openapi3filter.JSONBodyDecoder)
	}
	for _, mt := range []string{"application/gpx+xml", "application/x-ndjson", "text/event-stream"} {
		openapi3filter.RegisterBodyDecoder(mt, textBodyDecoder)
	}
	x := &exchanger{env: e, router: definitionRouter(t, e)}
	resp, _ := x.do(t, "POST", "/collections/events/items", validSeizure, 201, "Content-Type", "application/geo+json")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	noToken := []string{"Authorization", ""}
	for _, tc := range []struct {
		method, path, body string
		hdr                []string
		status             int
	}{
		{"GET", "/?f=json", "", nil, 200},
		{"GET", "/conformance", "", nil, 200},
		{"GET", "/collections", "", nil, 200},
		{"GET", "/collections/events", "", nil, 200},
		{"GET", "/collections/countries", "", nil, 200},
		{"GET", "/collections/countries/items?limit=1", "", nil, 200},
		{"GET", "/collections/events/items?kind=seizure&limit=5", "", nil, 200},
		{"GET", "/collections/events/items?limit=0", "", nil, 400},
		{"GET", loc.Path, "", nil, 200},
		{"PATCH", loc.Path, `{"properties":{"notes":"checked"}}`, []string{"If-Match", "*", "Content-Type", "application/merge-patch+json"}, 200},
		{"PATCH", loc.Path, `{"properties":{"notes":"checked"}}`, []string{"Content-Type", "application/merge-patch+json"}, 428},
		{"POST", "/collections/events/items", `{"type":"Feature","geometry":null,"properties":{"kind":"seizure","occurred_at":"2024-01-01"}}`,
			[]string{"Content-Type", "application/geo+json"}, 400},
		{"GET", "/collections/events/items/00000000-0000-0000-0000-000000000000", "", nil, 404},
		{"GET", "/api/me", "", nil, 200},
		{"GET", "/api/me", "", noToken, 401},
		{"GET", "/api/hotspots?bbox=67,36,75,41&cell_m=20000", "", nil, 200},
		{"GET", "/api/hotspots?method=nope", "", nil, 400},
		{"GET", "/api/clusters?bbox=67,36,75,41", "", nil, 200},
		{"GET", "/api/report?by=year", "", nil, 200},
		{"GET", "/api/plans", "", nil, 200},
		{"GET", "/collections/routes", "", nil, 200},
		{"GET", "/collections/routes/items?limit=5&datetime=2024-05-01/..", "", nil, 200},
		{"GET", "/collections/routes/items?bbox=1,2", "", nil, 400},
		{"GET", "/api/tokens", "", nil, 403},
		{"GET", "/healthz", "", noToken, 200},
		{"GET", "/readyz", "", noToken, 200},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			x.do(t, tc.method, tc.path, tc.body, tc.status, tc.hdr...)
		})
	}
	t.Run("entities", func(t *testing.T) { entityExchanges(t, x, path.Base(loc.Path)) })
	t.Run("messages", func(t *testing.T) { messageExchanges(t, x) })
	t.Run("stream", func(t *testing.T) { streamExchange(t, x) })
	t.Run("positions", func(t *testing.T) { positionExchanges(t, x, f) })
	t.Run("agreements", func(t *testing.T) { agreementExchanges(t, x) })
}

// exchanger sends requests to a test server and holds each exchange to
// the API definition.
type exchanger struct {
	env    *testEnv
	router routers.Router
}

// do sends a request with the env's token (hdr may replace it; an empty
// Authorization sends none), fails unless the answer has status, and
// validates the exchange. A body is sent as application/json unless hdr
// says otherwise.
func (x *exchanger) do(t *testing.T, method, path, body string, status int, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, x.env.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"Accept", "application/json", "Authorization", "Bearer " + x.env.token}
	if body != "" {
		all = append(all, "Content-Type", "application/json")
	}
	all = append(all, hdr...)
	for i := 0; i+1 < len(all); i += 2 {
		req.Header.Set(all[i], all[i+1])
	}
	if req.Header.Get("Authorization") == "" {
		req.Header.Del("Authorization")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, b)
	}
	validateExchange(t, x.router, req, body, resp, b)
	return resp, b
}

// textBodyDecoder decodes a body the document describes as a string
// (GPX, lines, server-sent events).
func textBodyDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	return string(b), err
}

// validateExchange validates a request and its response against the
// operation router finds for it.
func validateExchange(t *testing.T, router routers.Router, req *http.Request, reqBody string, resp *http.Response, body []byte) {
	t.Helper()
	req.Body = io.NopCloser(strings.NewReader(reqBody))
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("no operation of the document matches: %v", err)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	// A request the service rejects (4xx) may break the document's rules;
	// the others must keep them.
	if resp.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("the request does not match the document: %v", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("the response does not match the document: %v\n%s", err, body)
	}
}

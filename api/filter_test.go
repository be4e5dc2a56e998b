package api_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/data"
)

// problemReasons returns the invalid_params of a problem as name → reason.
func problemReasons(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var p struct {
		InvalidParams []struct{ Name, Reason string } `json:"invalid_params"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, ip := range p.InvalidParams {
		out[ip.Name] = ip.Reason
	}
	return out
}

// TestFilterBadRequests checks that a filter the service cannot answer is
// a 400 problem naming the parameter at fault, with the position and the
// reason of a malformed or ill-typed filter, on the events collection and
// on an analysis.
func TestFilterBadRequests(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name  string
		path  string
		query url.Values
		param string
		// reason holds these, e.g. the position and the offending name.
		reason []string
	}{
		{"syntax", "/collections/events/items", url.Values{"filter": {"kind = 'seizure' AND"}}, "filter",
			[]string{"at character 21"}},
		{"unclosed string", "/collections/events/items", url.Values{"filter": {"kind = 'seizure"}}, "filter",
			[]string{"at character 8"}},
		{"unknown property", "/collections/events/items", url.Values{"filter": {"kind = 'seizure' AND colour = 'red'"}}, "filter",
			[]string{"at character 22", `"colour"`, "queryables"}},
		{"type", "/collections/events/items", url.Values{"filter": {"severity = 'high'"}}, "filter",
			[]string{"at character 12", "severity"}},
		{"json path", "/collections/events/items", url.Values{"filter": {`{"op":"=","args":[{"property":"kind"},{"property":"agency"}]}`}, "filter-lang": {"cql2-json"}}, "filter",
			[]string{"/args/1"}},
		{"text as json", "/collections/events/items", url.Values{"filter": {"kind = 'seizure'"}, "filter-lang": {"cql2-json"}}, "filter", nil},
		{"filter-crs", "/collections/events/items", url.Values{"filter": {"S_INTERSECTS(geometry, POINT(68 37))"}, "filter-crs": {"http://www.opengis.net/def/crs/EPSG/0/4326"}}, "filter-crs",
			[]string{"CRS84"}},
		{"filter-lang", "/collections/events/items", url.Values{"filter": {"kind = 'seizure'"}, "filter-lang": {"cql-text"}}, "filter-lang",
			[]string{"cql2-text"}},
		{"lang without filter", "/collections/events/items", url.Values{"filter-lang": {"cql2-text"}}, "filter", nil},
		{"latitude", "/collections/events/items", url.Values{"filter": {"S_INTERSECTS(geometry, MULTIPOINT(7.02 49.92, 90 180))"}}, "filter", nil},
		{"hotspots unknown property", "/api/hotspots", url.Values{"filter": {"synthetic = false"}, "bbox": {"68,37,69,38"}}, "filter",
			[]string{`"synthetic"`}},
		{"hotspots syntax", "/api/hotspots", url.Values{"filter": {"drug IN ('heroin',"}, "bbox": {"68,37,69,38"}}, "filter",
			[]string{"at character"}},
		{"hotspots filter-lang", "/api/hotspots", url.Values{"filter": {"kind = 'seizure'"}, "filter-lang": {"ecql"}, "bbox": {"68,37,69,38"}}, "filter-lang", nil},
		{"reference collection", "/collections/borders/items", url.Values{"filter": {"name = 'x'"}}, "filter", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "GET", tc.path+"?"+tc.query.Encode(), "")
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, b)
			}
			if names := problemParams(t, resp, b); !slices.Equal(names, []string{tc.param}) {
				t.Fatalf("invalid_params %v, want [%s]: %s", names, tc.param, b)
			}
			reason := problemReasons(t, b)[tc.param]
			for _, s := range tc.reason {
				if !strings.Contains(reason, s) {
					t.Errorf("reason %q does not say %q", reason, s)
				}
			}
		})
	}
}

// TestQueryables checks /collections/{id}/queryables: a JSON Schema of the
// events' queryables, exactly those a filter may name, and an empty one
// for a reference collection.
func TestQueryables(t *testing.T) {
	e := newEnv(t)
	get := func(id string) map[string]any {
		t.Helper()
		resp, b := e.do(t, "GET", "/collections/"+id+"/queryables", "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", id, resp.StatusCode, b)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/schema+json" {
			t.Fatalf("%s: Content-Type %q, want application/schema+json", id, ct)
		}
		s := decodeJSON(t, b)
		if s["$schema"] != "https://json-schema.org/draft/2019-09/schema" || s["type"] != "object" ||
			!strings.HasSuffix(s["$id"].(string), "/collections/"+id+"/queryables") {
			t.Errorf("%s: not a JSON Schema of an object: %v", id, s)
		}
		return s["properties"].(map[string]any)
	}
	props := get("events")
	var names []string
	for n := range props {
		names = append(names, n)
	}
	var want []string
	for n := range data.EventQueryables {
		want = append(want, n)
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("queryables %v, want %v", names, want)
	}
	for n, wantType := range map[string]string{"kind": "string", "severity": "integer", "quantity_kg": "number", "synthetic": "boolean"} {
		if got := props[n].(map[string]any)["type"]; got != wantType {
			t.Errorf("%s has type %v, want %s", n, got, wantType)
		}
	}
	if p := props["occurred_at"].(map[string]any); p["format"] != "date-time" || p["x-ogc-role"] != "primary-instant" {
		t.Errorf("occurred_at: %v", p)
	}
	if p := props["geometry"].(map[string]any); p["x-ogc-role"] != "primary-geometry" {
		t.Errorf("geometry: %v", p)
	}
	// Every queryable it lists is one a filter may name.
	for _, n := range names {
		filter := n + " IS NULL"
		if n == "geometry" {
			filter = "S_INTERSECTS(geometry, BBOX(60, 29, 75, 41))"
		}
		if resp, b := e.do(t, "GET", "/collections/events/items?"+url.Values{"filter": {filter}}.Encode(), ""); resp.StatusCode != 200 {
			t.Errorf("filter %q: %d %s", filter, resp.StatusCode, b)
		}
	}

	if props := get("borders"); len(props) != 0 {
		t.Errorf("borders has queryables %v", props)
	}
	resp, b := e.do(t, "GET", "/collections/nope/queryables", "")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown collection: %d %s", resp.StatusCode, b)
	}
}

// TestHotspotsFilterEqualsParameters checks that an analysis with a CQL2
// filter answers as with the fixed parameters that say the same.
func TestHotspotsFilterEqualsParameters(t *testing.T) {
	e := newEnv(t)
	seedAnalysisEvents(t, e, 240)
	const base = "/api/hotspots?method=gistar&cell_m=5000&radius_m=12000&bbox=68.4,36.9,69.6,38.1&"
	var all hotspotFC
	getJSON(t, e, e.token, base, &all)
	cases := []struct{ filter, params string }{
		{"kind='seizure'", "kind=seizure"},
		{"kind = 'incident' AND category = 'border_violation'", "kind=incident&category=border_violation"},
		{"drug = 'heroin'", "drug=heroin"},
		{"drug IN ('heroin', 'opium')", "drug=heroin,opium"},
		{"agency = 'af-border' OR agency = 'uz-border'", "agency=af-border,uz-border"},
		{"T_INTERSECTS(occurred_at, INTERVAL('2023-03-01T00:00:00Z', '2023-09-01T00:00:00Z'))", "datetime=2023-03-01T00:00:00Z/2023-09-01T00:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.params, func(t *testing.T) {
			var byFilter, byParams hotspotFC
			getJSON(t, e, e.token, base+url.Values{"filter": {tc.filter}}.Encode(), &byFilter)
			getJSON(t, e, e.token, base+tc.params, &byParams)
			if byFilter.Events == 0 || byFilter.Events == all.Events {
				t.Fatalf("%d of %d events: the case does not discriminate", byFilter.Events, all.Events)
			}
			if !reflect.DeepEqual(byFilter, byParams) {
				t.Errorf("filter %q: %d events, mean %v; %s: %d events, mean %v",
					tc.filter, byFilter.Events, byFilter.Mean, tc.params, byParams.Events, byParams.Mean)
			}
		})
	}
}

// TestFilterConformanceClasses checks the CQL2 classes the service
// declares against the abstract tests of OGC 21-065r2 (A.7 and A.8:
// S_INTERSECTS with every kind of geometry literal, an invalid coordinate
// refused), and that a function of a class it does not declare is refused
// rather than misread.
func TestFilterConformanceClasses(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do(t, "GET", "/conformance", "")
	if resp.StatusCode != 200 {
		t.Fatalf("conformance: %d %s", resp.StatusCode, b)
	}
	var conf struct{ ConformsTo []string }
	if err := json.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	const cql2Conf = "http://www.opengis.net/spec/cql2/1.0/conf/"
	for _, c := range []string{"basic-cql2", "advanced-comparison-operators", "basic-spatial-functions", "basic-spatial-functions-plus", "cql2-text", "cql2-json"} {
		if !slices.Contains(conf.ConformsTo, cql2Conf+c) {
			t.Errorf("%s not declared", c)
		}
	}
	for _, c := range []string{"spatial-functions", "temporal-functions", "property-property", "case-insensitive-comparison", "accent-insensitive-comparison", "arithmetic", "functions", "array-functions"} {
		if slices.Contains(conf.ConformsTo, cql2Conf+c) {
			t.Errorf("%s declared but not answered", c)
		}
	}
	status := func(filter string) int {
		resp, b := e.do(t, "GET", "/collections/events/items?"+url.Values{"filter": {filter}}.Encode(), "")
		if resp.StatusCode != 200 && resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", filter, resp.StatusCode, b)
		}
		return resp.StatusCode
	}
	for _, g := range []string{
		"POINT(7.02 49.92)", "BBOX(-180, -90, 180, 90)", // A.7
		"LINESTRING(-180 -45, 0 -45)", // A.8, test 28
		"MULTILINESTRING((-180 -45, 0 -45), (0 45, 180 45))",
		"POLYGON((-180 -90, -90 -90, -90 90, -180 90, -180 -90), (-120 -50, -100 -50, -100 -40, -120 -40, -120 -50))",
		"MULTIPOLYGON(((-180 -90, -90 -90, -90 90, -180 90, -180 -90), (-120 -50, -100 -50, -100 -40, -120 -40, -120 -50)),((0 0, 10 0, 10 10, 0 10, 0 0)))",
		"GEOMETRYCOLLECTION(POINT(7.02 49.92), POLYGON((0 0, 10 0, 10 10, 0 10, 0 0)))",
	} {
		if s := status("S_INTERSECTS(geometry, " + g + ")"); s != 200 {
			t.Errorf("S_INTERSECTS with %s: %d", g, s)
		}
	}
	for _, f := range []string{
		"S_INTERSECTS(geometry, MULTIPOINT(7.02 49.92, 90 180))", // A.8: an invalid coordinate
		"S_WITHIN(geometry, BBOX(60, 29, 75, 41))",
		"S_CONTAINS(geometry, POINT(68 37))",
		"T_EQUALS(occurred_at, TIMESTAMP('2024-01-01T00:00:00Z'))",
		"severity = category",
		"CASEI(kind) = 'seizure'",
		"severity + 1 > 2",
	} {
		if s := status(f); s != 400 {
			t.Errorf("%s: %d, want 400", f, s)
		}
	}
}

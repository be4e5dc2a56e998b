package api_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// listCase is one endpoint that lists records, as TestListsPageAndFilterAlike
// drives it.
type listCase struct {
	name, path string
	// token is the caller ("" for the env's tj-dca analyst).
	token string
	// key names the array of records in the answer.
	key string
	// maxLimit is the largest limit the endpoint takes.
	maxLimit int
	// bboxIn selects every record, bboxOut none; "" where records have no
	// geometry (a bbox is then refused, naming it).
	bboxIn, bboxOut string
	// dtIn selects every record, dtOut none; "" where records have no
	// time.
	dtIn, dtOut string
}

// listIDs lists path and returns the records' ids and the next link.
func listIDs(t *testing.T, e *testEnv, tc listCase, path string) ([]string, string) {
	t.Helper()
	resp, b := e.do(t, "GET", path, "", "Authorization", "Bearer "+tc.token)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	body := decodeJSON(t, b)
	items, ok := body[tc.key].([]any)
	if !ok {
		t.Fatalf("%s: no %q array: %s", path, tc.key, b)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, fmt.Sprint(it.(map[string]any)["id"]))
	}
	next := ""
	links, ok := body["links"].([]any)
	if !ok {
		t.Fatalf("%s: no links: %s", path, b)
	}
	for _, l := range links {
		if m := l.(map[string]any); m["rel"] == "next" {
			next = strings.TrimPrefix(m["href"].(string), e.srv.URL)
		}
	}
	return ids, next
}

// with returns path with the query parameter k=v added.
func with(path, k, v string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + k + "=" + url.QueryEscape(v)
}

// listsFixture seeds five tj-dca events, four tj-dca plans (one route
// each), three entities and three placed messages from tj-dca, between 1
// and 5 May 2022 around 68.6° E 37.2° N.
func listsFixture(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `INSERT INTO sharing_agreements (agency_a, agency_b) VALUES ('af-border', 'tj-dca')`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		ev := record.Event{Kind: "seizure", OccurredAt: time.Date(2022, 5, 1+i, 0, 0, 0, 0, time.UTC),
			Location: orb.Point{68.6 + float64(i)*0.01, 37.2}, AgencyID: "tj-dca", SourceRef: fmt.Sprintf("list-%d", i),
			Items: []record.Item{{Drug: "heroin", Quantity: 2, Unit: "kg"}}}
		if _, err := e.sys.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 4; i++ {
		result := fmt.Sprintf(`{"type": "FeatureCollection", "features": [{"type": "Feature",
			"geometry": {"type": "LineString", "coordinates": [[68.6, 37.2], [68.7, 37.3]]},
			"properties": {"kind": "route", "team": %d, "team_name": "MOBIT", "depart": "2022-05-0%dT04:00:00Z", "return": "2022-05-0%dT12:00:00Z"}}]}`, i+1, i+1, i+1)
		// Plans made at the same instant still page apart (ties by id).
		if _, err := e.pool.Exec(ctx, `INSERT INTO plans (agency_id, created_by, created_at, request, result)
			VALUES ('tj-dca', 'test', $1, '{}', $2)`, time.Date(2022, 5, 1+i/2, 0, 0, 0, 0, time.UTC), result); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		e.createEntity(t, fmt.Sprintf(`{"kind": "vehicle", "sharing": "agency", "vehicle": {"plate": "45%02d AB 03"}}`, i))
		body := fmt.Sprintf(`{"kind": "notice", "urgency": "routine", "text": "note %d", "recipients": ["af-border"], "where": {"point": [68.6%d, 37.2]}}`, i, i)
		if resp, b := e.do(t, "POST", "/api/messages", body); resp.StatusCode != 201 {
			t.Fatalf("message: %d %s", resp.StatusCode, b)
		}
	}
}

// TestListsPageAndFilterAlike holds every endpoint that lists records to
// the same rules: limit is honoured and a bad one is a 400 naming limit;
// bbox and datetime select where records have geometry and time, and a bad
// one is a 400 naming the parameter; the next links, followed, give the
// same records as one page, none twice and none left out.
func TestListsPageAndFilterAlike(t *testing.T) {
	e := newEnv(t)
	listsFixture(t, e)
	admin := e.tokenFor(t, "tj-dca", "admin")
	for _, q := range []string{"/collections/routes/items", "/collections/routes/items?limit=1"} {
		// Reading routes is audited: the audit list has entries to page.
		for i := 0; i < 2; i++ {
			e.do(t, "GET", q, "")
		}
	}
	const in, out = "68,37,69,38", "70,39,71,40"
	const dtIn, dtOut = "2022-04-30T00:00:00Z/2022-05-06T00:00:00Z", "../2001-01-01"
	for _, tc := range []listCase{
		{name: "events", path: "/collections/events/items", key: "features", maxLimit: 10000, bboxIn: in, bboxOut: out, dtIn: dtIn, dtOut: dtOut},
		{name: "countries", path: "/collections/countries/items", key: "features", maxLimit: 10000, bboxIn: "60,29,75,41", bboxOut: "50,10,51,11"},
		{name: "routes", path: "/collections/routes/items", key: "features", maxLimit: 10000, bboxIn: in, bboxOut: out, dtIn: dtIn, dtOut: dtOut},
		{name: "plans", path: "/api/plans", key: "plans", maxLimit: 10000, dtIn: dtIn, dtOut: dtOut},
		{name: "entities", path: "/api/entities", key: "entities", maxLimit: 1000},
		{name: "messages", path: "/api/messages?box=outbox", key: "messages", maxLimit: 500, bboxIn: in, bboxOut: out,
			dtIn: time.Now().Add(-time.Hour).UTC().Format(time.RFC3339) + "/..", dtOut: dtOut},
		{name: "audit", path: "/api/audit", token: admin, key: "entries", maxLimit: 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.token == "" {
				tc.token = e.token
			}
			all, next := listIDs(t, e, tc, with(tc.path, "limit", fmt.Sprint(tc.maxLimit)))
			if len(all) < 2 || next != "" {
				t.Fatalf("one page of %d records, next %q", len(all), next)
			}
			var paged []string
			for page, n := with(tc.path, "limit", "1"), 0; page != ""; n++ {
				if n > len(all)+1 {
					t.Fatalf("more than %d pages", n)
				}
				ids, next := listIDs(t, e, tc, page)
				if len(ids) > 1 {
					t.Fatalf("limit=1 gave %d records", len(ids))
				}
				paged = append(paged, ids...)
				page = next
			}
			if !slices.Equal(paged, all) {
				t.Errorf("pages of one give %v, one page %v", paged, all)
			}
			for _, bad := range []struct{ k, v string }{{"limit", "0"}, {"limit", "x"}, {"limit", fmt.Sprint(tc.maxLimit + 1)},
				{"bbox", "1,2"}, {"bbox", "3,1,2,4"}, {"datetime", "yesterday"}} {
				resp, b := e.do(t, "GET", with(tc.path, bad.k, bad.v), "", "Authorization", "Bearer "+tc.token)
				if got := problemParams(t, resp, b); resp.StatusCode != 400 || !slices.Equal(got, []string{bad.k}) {
					t.Errorf("%s=%s: %d naming %v", bad.k, bad.v, resp.StatusCode, got)
				}
			}
			for _, sel := range []struct{ k, in, out string }{{"bbox", tc.bboxIn, tc.bboxOut}, {"datetime", tc.dtIn, tc.dtOut}} {
				if sel.in == "" {
					continue
				}
				if ids, _ := listIDs(t, e, tc, with(with(tc.path, sel.k, sel.in), "limit", fmt.Sprint(tc.maxLimit))); !slices.Equal(ids, all) {
					t.Errorf("%s=%s selects %v, want all %v", sel.k, sel.in, ids, all)
				}
				if ids, _ := listIDs(t, e, tc, with(tc.path, sel.k, sel.out)); len(ids) != 0 {
					t.Errorf("%s=%s selects %v, want none", sel.k, sel.out, ids)
				}
			}
		})
	}
}

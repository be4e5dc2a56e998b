package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/api"
)

// pagesEnv is a test environment with a second server over the same store
// and live index that reads every page of events from the database, for
// comparison with the first, which serves them from the index and its
// feature cache.
type pagesEnv struct {
	*testEnv
	db     *httptest.Server
	tokens map[string]string
	rng    *rand.Rand
}

func newPagesEnv(t *testing.T) *pagesEnv {
	t.Helper()
	e := newEnv(t)
	seedAnalysisEvents(t, e, 480)
	ctx := context.Background()
	// af-border sees uz-border's bilateral records at 5 km and a day, as
	// the demo's BLO pairs do; kg-border has no partner.
	if _, err := e.pool.Exec(ctx, `INSERT INTO sharing_agreements (agency_a, agency_b, coarsen_m, coarsen_time)
		VALUES ('af-border', 'uz-border', 5000, 'day')`); err != nil {
		t.Fatal(err)
	}
	if err := e.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.RatePerSec, cfg.FeatureCacheBytes = 0, 0
	db := httptest.NewServer(api.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), cfg, e.store, e.live))
	t.Cleanup(db.Close)
	pe := &pagesEnv{testEnv: e, db: db, tokens: map[string]string{}, rng: rand.New(rand.NewPCG(21, 22))}
	for _, a := range []string{"tj-dca", "uz-border", "af-border", "kg-border"} {
		pe.tokens[a] = e.tokenFor(t, a, "analyst")
	}
	return pe
}

// get returns the answer of one server to a GET, with the server's own
// address and the time stamp written alike.
func (pe *pagesEnv) get(t *testing.T, srv *httptest.Server, token, path string) string {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("%s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	s := strings.ReplaceAll(string(b), srv.URL, "http://server")
	return timeStampRE.ReplaceAllString(s, `"timeStamp":"T"`)
}

var nextRE = regexp.MustCompile(`"href":"http://server([^"]*)","rel":"next"`)

// compare reads the pages of a query (up to three, following next) from
// both servers as agency and fails unless they are byte for byte the
// same. It returns the number of features and of coarsened ones.
func (pe *pagesEnv) compare(t *testing.T, agency, path string) (features, coarsened int) {
	t.Helper()
	for page := 0; page < 3 && path != ""; page++ {
		got := pe.get(t, pe.srv, pe.tokens[agency], path)
		want := pe.get(t, pe.db, pe.tokens[agency], path)
		if got != want {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			from := max(i-300, 0)
			t.Fatalf("%s as %s: the index's page differs from the database's at byte %d\nindex:    …%.500s\ndatabase: …%.500s",
				path, agency, i, got[from:], want[from:])
		}
		features += strings.Count(got, `"type":"Feature"`)
		coarsened += strings.Count(got, `"coarsened":true`)
		path = ""
		if m := nextRE.FindStringSubmatch(got); m != nil {
			path = strings.ReplaceAll(m[1], `\u0026`, "&")
		}
	}
	return features, coarsened
}

// window returns a random items query over the seeded area: a bbox, and
// for some a datetime interval (dates, date-times or half-open).
func (pe *pagesEnv) window() string {
	rng := pe.rng
	w := 0.05 + rng.Float64()*0.8
	lon, lat := 68.4+rng.Float64()*1.1, 36.8+rng.Float64()*1.2
	q := url.Values{}
	q.Set("bbox", fmt.Sprintf("%.5f,%.5f,%.5f,%.5f", lon, lat, lon+w, lat+w*0.6))
	q.Set("limit", strconv.Itoa([]int{3, 20, 100}[rng.IntN(3)]))
	switch rng.IntN(4) {
	case 1:
		m := 1 + rng.IntN(20)
		q.Set("datetime", fmt.Sprintf("%d-%02d-01/%d-%02d-15", 2023+m/12, 1+m%12, 2023+(m+3)/12, 1+(m+3)%12))
	case 2:
		q.Set("datetime", fmt.Sprintf("2023-%02d-%02dT%02d:30:00Z/..", 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24)))
	case 3:
		q.Set("datetime", "../2024-02-29T23:59:59.999999Z")
	}
	return "/collections/events/items?" + q.Encode()
}

// round compares n windows for every viewer and checks that they were
// worth comparing.
func (pe *pagesEnv) round(t *testing.T, name string, n int) {
	t.Run(name, func(t *testing.T) {
		before := pe.indexPages(t)
		features, coarsened := 0, 0
		for i := 0; i < n; i++ {
			path := pe.window()
			for _, a := range []string{"tj-dca", "uz-border", "af-border", "kg-border"} {
				f, c := pe.compare(t, a, path)
				features += f
				coarsened += c
			}
		}
		if features < 20*n || coarsened < n {
			t.Fatalf("only %d features, %d coarsened, in %d windows", features, coarsened, n)
		}
		if served := pe.indexPages(t) - before; served < 2*n {
			t.Fatalf("the index served only %d pages of %d windows", served, n)
		}
	})
}

var indexPagesRE = regexp.MustCompile(`(?m)^borderwatch_event_pages_total\{source="index"\} (\d+)`)

// indexPages returns how many pages the first server chose in the index.
func (pe *pagesEnv) indexPages(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(pe.metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if m := indexPagesRE.FindStringSubmatch(sc.Text()); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return 0
}

// TestIndexPagesEqualTheDatabasePages: pages of the events collection
// chosen in the live index and served from the feature cache are byte for
// byte the pages read from the database through the events view, for an
// agency that sees partners exactly and coarsened (tj-dca), for partners
// of coarsening agreements (uz-border, af-border) and for an agency that
// sees no partner's records (kg-border); right after writes through the
// API (new, moved, re-shared and deleted records: the cache must not serve
// the old version, nor a record the view now hides), right after an
// agreement is narrowed and another revoked (no finer form, no record of
// the former partner), and after writes by another connection.
func TestIndexPagesEqualTheDatabasePages(t *testing.T) {
	pe := newPagesEnv(t)
	pe.round(t, "seeded", 25)
	// A second pass over the same windows' kind: features now come from
	// the cache, filled by other viewers' reads.
	pe.round(t, "cached", 25)

	pe.writeThroughAPI(t)
	pe.round(t, "after writes through the API", 25)

	pe.narrowAndRevoke(t)
	pe.round(t, "after narrowing and revoking", 25)

	ctx := context.Background()
	for _, q := range []string{
		`UPDATE event_records SET sharing = 'agency' WHERE id IN (SELECT id FROM event_records WHERE sharing = 'regional' ORDER BY id LIMIT 40)`,
		`UPDATE event_records SET geom = ST_Translate(geom, 0.01, 0.005) WHERE id IN (SELECT id FROM event_records ORDER BY id DESC LIMIT 60)`,
		`DELETE FROM event_records WHERE id IN (SELECT id FROM event_records WHERE sharing = 'bilateral' ORDER BY id LIMIT 30)`,
	} {
		if _, err := pe.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := pe.live.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	pe.round(t, "after writes by another connection", 25)
}

// writeThroughAPI creates, moves, re-shares and deletes records of every
// agency through the first server, each read back at once afterwards.
func (pe *pagesEnv) writeThroughAPI(t *testing.T) {
	t.Helper()
	for i, a := range []string{"tj-dca", "uz-border", "af-border", "kg-border", "tj-dca", "uz-border"} {
		lon, lat := 68.6+float64(i)*0.13, 37.1+float64(i)*0.11
		body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%.5f,%.5f]},
			"properties":{"kind":"incident","occurred_at":"2024-01-%02dT10:00:00Z","agency":%q,"sharing":"bilateral",
			"category":"arrest","severity":3,"place":"place <%d> & co","notes":"seen \"twice\""}}`, lon, lat, 1+i, a, i)
		id, version := pe.write(t, a, "POST", "/collections/events/items", body, "")
		path := fmt.Sprintf("/collections/events/items?bbox=%.5f,%.5f,%.5f,%.5f&limit=50", lon-0.2, lat-0.2, lon+0.2, lat+0.2)
		for _, v := range []string{"tj-dca", "uz-border", "af-border", "kg-border"} {
			pe.compare(t, v, path)
		}
		// Moved and shared regionally: everyone sees it, elsewhere.
		body = strings.Replace(strings.Replace(body, `"bilateral"`, `"regional"`, 1), fmt.Sprintf("%.5f,", lon), fmt.Sprintf("%.5f,", lon+0.05), 1)
		_, version = pe.write(t, a, "PUT", "/collections/events/items/"+id, body, version)
		for _, v := range []string{"tj-dca", "uz-border", "af-border", "kg-border"} {
			pe.compare(t, v, path)
		}
		// Back to the agency only: the others no longer see it.
		body = strings.Replace(body, `"regional"`, `"agency"`, 1)
		_, version = pe.write(t, a, "PUT", "/collections/events/items/"+id, body, version)
		for _, v := range []string{"tj-dca", "uz-border", "af-border", "kg-border"} {
			pe.compare(t, v, path)
		}
		if i%2 == 1 {
			pe.write(t, a, "DELETE", "/collections/events/items/"+id, "", version)
			for _, v := range []string{"tj-dca", "uz-border", "af-border", "kg-border"} {
				pe.compare(t, v, path)
			}
		}
	}
}

// write sends a write as an analyst of agency through the first server
// and returns the record's id and ETag.
func (pe *pagesEnv) write(t *testing.T, agency, method, path, body, ifMatch string) (id, etag string) {
	t.Helper()
	tok, ok := pe.tokens["writer:"+agency]
	if !ok {
		tok = pe.tokenFor(t, agency, "analyst")
		pe.tokens["writer:"+agency] = tok
	}
	hdr := []string{"Authorization", "Bearer " + tok, "Content-Type", "application/geo+json"}
	if ifMatch != "" {
		hdr = append(hdr, "If-Match", ifMatch)
	}
	resp, b := pe.do(t, method, path, body, hdr...)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s as %s: %d %s", method, path, agency, resp.StatusCode, b)
	}
	if method == "DELETE" {
		return "", ""
	}
	return decodeJSON(t, b)["id"].(string), resp.Header.Get("ETag")
}

// narrowAndRevoke coarsens tj-dca's agreement with uz-border from 1234 m
// to 5 km and ends af-border's with tj-dca, through the first server, and
// reads what the partners see at once.
func (pe *pagesEnv) narrowAndRevoke(t *testing.T) {
	t.Helper()
	tj := []string{"Authorization", "Bearer " + pe.tokenFor(t, "tj-dca", "admin")}
	// Warm the cache with the forms in force.
	for i := 0; i < 10; i++ {
		path := pe.window()
		for _, v := range []string{"tj-dca", "uz-border", "af-border"} {
			pe.compare(t, v, path)
		}
	}
	resp, b := pe.do(t, "POST", "/api/agreements", `{"partner": "uz-border", "coarsen_m": 5000, "coarsen_time": "month"}`, tj...)
	if resp.StatusCode != 200 {
		t.Fatalf("narrow: %d %s", resp.StatusCode, b)
	}
	path := "/collections/events/items?bbox=68.4,36.8,69.7,38.2&limit=100"
	for _, v := range []string{"tj-dca", "uz-border"} {
		if _, c := pe.compare(t, v, path); c == 0 {
			t.Fatalf("%s sees nothing coarsened after the narrowing", v)
		}
	}
	var id int
	if err := pe.pool.QueryRow(context.Background(), `SELECT id FROM sharing_agreements WHERE 'af-border' IN (agency_a, agency_b) AND 'tj-dca' IN (agency_a, agency_b)`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if resp, b := pe.do(t, "DELETE", fmt.Sprintf("/api/agreements/%d", id), "", tj...); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	for _, v := range []string{"tj-dca", "af-border"} {
		pe.compare(t, v, path)
	}
}

// TestIndexServesTheWritersNextPage: a page read right after a write
// acknowledged by the same server comes from the index, which pulls the
// write first, and holds the record at its new version. Before the index
// caught up on demand, such reads (every read of a writer) went to the
// database until the notification arrived.
func TestIndexServesTheWritersNextPage(t *testing.T) {
	pe := newPagesEnv(t)
	for i, a := range []string{"tj-dca", "uz-border", "af-border", "kg-border"} {
		lon, lat := 68.7+float64(i)*0.17, 37.2+float64(i)*0.09
		body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%.5f,%.5f]},
			"properties":{"kind":"incident","occurred_at":"2024-02-%02dT10:00:00Z","agency":%q,"sharing":"agency",
			"category":"arrest","severity":2}}`, lon, lat, 1+i, a)
		id, _ := pe.write(t, a, "POST", "/collections/events/items", body, "")
		path := fmt.Sprintf("/collections/events/items?bbox=%.5f,%.5f,%.5f,%.5f&limit=100", lon-0.01, lat-0.01, lon+0.01, lat+0.01)
		before := pe.indexPages(t)
		page := pe.get(t, pe.srv, pe.tokens[a], path)
		if served := pe.indexPages(t) - before; served != 1 {
			t.Errorf("%s: the page right after the write came from the database (%d index pages)", a, served)
		}
		if !strings.Contains(page, `"id":"`+id+`"`) {
			t.Errorf("%s: the page right after the write lacks record %s: %.300s", a, id, page)
		}
	}
}

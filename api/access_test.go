package api_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// accessFixture: three agencies; tj-dca and af-border have a bilateral
// agreement; tj-dca and uz-border one that coarsens to 5 km and the day;
// kg-border has none. tj-dca records one event at each sharing level.
type accessFixture struct {
	env *testEnv
	ids map[string]string // sharing level -> event id
	at  time.Time
	loc orb.Point
}

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES
		('uz-border', 'Uzbek border troops (test)', 'UZB', 'border_guard'),
		('kg-border', 'Kyrgyz border service (test)', 'KGZ', 'border_guard')`); err != nil {
		t.Fatal(err)
	}
	five := 5000.0
	day := "day"
	for _, a := range []data.Agreement{
		{AgencyA: "tj-dca", AgencyB: "af-border"},
		{AgencyA: "tj-dca", AgencyB: "uz-border", CoarsenM: &five, CoarsenTime: &day},
	} {
		if _, err := e.sys.EstablishAgreement(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	f := &accessFixture{env: e, ids: map[string]string{},
		at: time.Date(2024, 6, 3, 17, 42, 0, 0, time.UTC), loc: orb.Point{68.6123, 37.2057}}
	for _, level := range record.SharingLevels() {
		ev, err := e.sys.CreateEvent(ctx, record.Event{Kind: "seizure", OccurredAt: f.at, Location: f.loc,
			AgencyID: "tj-dca", Sharing: level, SourceRef: "share-" + level, Place: "Panji Poyon", Notes: "informant X",
			Items: []record.Item{{Drug: "heroin", Quantity: 12, Unit: "kg"}}})
		if err != nil {
			t.Fatal(err)
		}
		f.ids[level] = ev.ID.String()
	}
	return f
}

func TestFeatureAccessMatrix(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	cases := []struct {
		viewer  string
		visible []string // sharing levels visible
		coarse  bool     // bilateral seen coarsened
	}{
		{"tj-dca", []string{"agency", "bilateral", "regional"}, false},
		{"af-border", []string{"bilateral", "regional"}, false},
		{"uz-border", []string{"bilateral", "regional"}, true},
		{"kg-border", []string{"regional"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.viewer, func(t *testing.T) {
			tok := f.env.tokenFor(t, tc.viewer, "viewer")
			auth := []string{"Authorization", "Bearer " + tok}
			// Items: exactly the visible records, and numberMatched agrees.
			resp, b := e.do(t, "GET", "/collections/events/items?limit=100", "", auth...)
			if resp.StatusCode != 200 {
				t.Fatalf("items: %d %s", resp.StatusCode, b)
			}
			fc := decodeJSON(t, b)
			var got []string
			for _, ft := range fc["features"].([]any) {
				got = append(got, ft.(map[string]any)["properties"].(map[string]any)["sharing"].(string))
			}
			sort.Strings(got)
			want := slices.Clone(tc.visible)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("items show %v, want %v", got, want)
			}
			if fc["numberMatched"].(float64) != float64(len(tc.visible)) {
				t.Errorf("numberMatched %v, want %d", fc["numberMatched"], len(tc.visible))
			}
			// A bbox around the exact point must not reveal a coarsened record.
			q := fmt.Sprintf("/collections/events/items?bbox=%f,%f,%f,%f", f.loc[0]-1e-4, f.loc[1]-1e-4, f.loc[0]+1e-4, f.loc[1]+1e-4)
			_, b = e.do(t, "GET", q, "", auth...)
			n := len(decodeJSON(t, b)["features"].([]any))
			wantN := len(tc.visible)
			if tc.coarse {
				wantN-- // the coarsened bilateral record lies at its cell centre
			}
			if n != wantN {
				t.Errorf("exact-point bbox shows %d records, want %d", n, wantN)
			}
			// Single items: visible ones 200, hidden ones 404 (not 403:
			// a hidden record's existence is not revealed).
			for _, level := range record.SharingLevels() {
				resp, b := e.do(t, "GET", "/collections/events/items/"+f.ids[level], "", auth...)
				if !slices.Contains(tc.visible, level) {
					if resp.StatusCode != 404 {
						t.Errorf("%s record: %d, want 404", level, resp.StatusCode)
					}
					continue
				}
				if resp.StatusCode != 200 {
					t.Fatalf("%s record: %d %s", level, resp.StatusCode, b)
				}
				ft := decodeJSON(t, b)
				props := ft["properties"].(map[string]any)
				coords := ft["geometry"].(map[string]any)["coordinates"].([]any)
				lon, lat := coords[0].(float64), coords[1].(float64)
				exact := lon == f.loc[0] && lat == f.loc[1]
				if tc.coarse && level == "bilateral" {
					if exact || props["occurred_at"] != "2024-06-03T00:00:00Z" || props["place"] != nil || props["notes"] != nil || props["coarsened"] != true {
						t.Errorf("coarsened record leaks precision: %v %v", coords, props)
					}
					// Nothing else may be finer than the day: not the
					// record's own timestamps, not its source reference.
					for _, k := range []string{"created_at", "updated_at"} {
						if v, _ := props[k].(string); !strings.HasSuffix(v, "T00:00:00Z") {
							t.Errorf("coarsened record's %s is %v, not rounded to the day", k, props[k])
						}
					}
					for _, k := range []string{"source_ref", "source_url"} {
						if props[k] != nil {
							t.Errorf("coarsened record shows %s %v", k, props[k])
						}
					}
					// The cell centre is within half a diagonal of 5 km.
					if d := math.Hypot((lon-f.loc[0])*88000, (lat-f.loc[1])*111000); d > 3600 {
						t.Errorf("coarsened point %.0f m from the truth", d)
					}
				} else if !exact || props["occurred_at"] != "2024-06-03T17:42:00Z" {
					t.Errorf("%s record not at full precision: %v %v", level, coords, props["occurred_at"])
				}
			}
		})
	}
}

func TestAuthRequiredAndRoles(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	none := []string{"Authorization", ""}
	for _, path := range []string{"/collections", "/collections/events/items", "/collections/borders/items", "/conformance", "/api/me"} {
		resp, b := e.do(t, "GET", path, "", none...)
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without a token: %d %s", path, resp.StatusCode, b)
		}
	}
	resp, _ := e.do(t, "GET", "/collections", "", "Authorization", "Bearer bw_forged")
	if resp.StatusCode != 401 {
		t.Errorf("forged token: %d", resp.StatusCode)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, _ := e.do(t, "GET", path, "", none...); resp.StatusCode != 200 {
			t.Errorf("%s must stay public: %d", path, resp.StatusCode)
		}
	}
	before := e.countEvents(t)
	viewer := []string{"Authorization", "Bearer " + e.tokenFor(t, "tj-dca", "viewer")}
	resp, b := e.do(t, "POST", "/collections/events/items", validSeizure, viewer...)
	if resp.StatusCode != 403 {
		t.Errorf("viewer write: %d %s", resp.StatusCode, b)
	}
	resp, _ = e.do(t, "DELETE", "/collections/events/items/"+f.ids["agency"], "", append(viewer, "If-Match", "*")...)
	if resp.StatusCode != 403 {
		t.Errorf("viewer delete: %d", resp.StatusCode)
	}
	// An analyst of another agency cannot change tj-dca's regional record.
	other := []string{"Authorization", "Bearer " + e.tokenFor(t, "kg-border", "analyst"), "If-Match", "*"}
	resp, _ = e.do(t, "DELETE", "/collections/events/items/"+f.ids["regional"], "", other...)
	if resp.StatusCode != 403 {
		t.Errorf("foreign delete: %d", resp.StatusCode)
	}
	resp, _ = e.do(t, "PATCH", "/collections/events/items/"+f.ids["regional"], `{"properties": {"notes": "x"}}`, other...)
	if resp.StatusCode != 403 {
		t.Errorf("foreign patch: %d", resp.StatusCode)
	}
	// Revoked tokens stop at once.
	tok := e.tokenFor(t, "tj-dca", "analyst")
	resp, _ = e.do(t, "GET", "/api/me", "", "Authorization", "Bearer "+tok)
	if resp.StatusCode != 200 {
		t.Fatalf("fresh token: %d", resp.StatusCode)
	}
	toks, err := e.sys.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sys.RevokeToken(context.Background(), toks[len(toks)-1].ID); err != nil {
		t.Fatal(err)
	}
	// Revoked elsewhere (here: another Store, as the command line does),
	// the token never writes again, and stops reading within the
	// service's token cache time.
	resp, _ = e.do(t, "POST", "/collections/events/items", strings.Replace(validSeizure, "TJ-2024-001", "R1", 1), "Authorization", "Bearer "+tok)
	if resp.StatusCode != 401 {
		t.Errorf("revoked token writes: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, _ = e.do(t, "GET", "/api/me", "", "Authorization", "Bearer "+tok)
		if resp.StatusCode != 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if resp.StatusCode != 401 {
		t.Errorf("revoked token still reads after 5 s: %d", resp.StatusCode)
	}
	if n := e.countEvents(t); n != before {
		t.Errorf("refused requests wrote %d events", n-before)
	}
	// Admin endpoints need the admin role of the agency.
	resp, _ = e.do(t, "GET", "/api/tokens", "")
	if resp.StatusCode != 403 {
		t.Errorf("analyst lists tokens: %d", resp.StatusCode)
	}
	admin := []string{"Authorization", "Bearer " + e.tokenFor(t, "kg-border", "admin")}
	resp, b = e.do(t, "GET", "/api/tokens", "", admin...)
	if resp.StatusCode != 200 || strings.Contains(string(b), `"tj-dca"`) {
		t.Errorf("admin lists other agencies' tokens: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "POST", "/api/tokens", `{"role": "viewer", "label": "laptop"}`, admin...)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(b), `"bw_`) {
		t.Errorf("admin creates token: %d %s", resp.StatusCode, b)
	}
	// A lifetime is bounded: 2562048 hours overflowed into a token that
	// never expired.
	for _, ttl := range []string{"2562048", "8785", "-1"} {
		resp, b = e.do(t, "POST", "/api/tokens", `{"role": "viewer", "ttl_hours": `+ttl+`}`, admin...)
		if resp.StatusCode != 400 || !strings.Contains(string(b), `"ttl_hours"`) {
			t.Errorf("ttl_hours %s: %d %s, want 400 naming ttl_hours", ttl, resp.StatusCode, b)
		}
	}
	resp, b = e.do(t, "POST", "/api/tokens", `{"role": "viewer", "ttl_hours": 8784}`, admin...)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("ttl_hours 8784: %d %s", resp.StatusCode, b)
	}
	info := decodeJSON(t, b)["info"].(map[string]any)
	exp, err := time.Parse(time.RFC3339Nano, fmt.Sprint(info["expires_at"]))
	if err != nil || time.Until(exp) < 8783*time.Hour || time.Until(exp) > 8785*time.Hour {
		t.Errorf("ttl_hours 8784 expires at %v (%v)", info["expires_at"], err)
	}
	if _, _, err := e.sys.CreateToken(context.Background(), "kg-border", "viewer", "", data.MaxTokenTTL+time.Hour); err == nil {
		t.Error("the store accepted a lifetime over its bound")
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.sys.CreateUser(ctx, "nasrullo", "tj-dca", "analyst", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	none := []string{"Authorization", ""}
	resp, b := e.do(t, "POST", "/api/login", `{"username": "nasrullo", "password": "wrong password!"}`, none...)
	if resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "POST", "/api/login", `{"username": "nasrullo", "password": "correct horse battery"}`, none...)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	tok := decodeJSON(t, b)["token"].(string)
	resp, b = e.do(t, "GET", "/api/me", "", "Authorization", "Bearer "+tok)
	if me := decodeJSON(t, b); resp.StatusCode != 200 || me["agency"] != "tj-dca" || me["username"] != "nasrullo" {
		t.Errorf("session token: %d %s", resp.StatusCode, b)
	}
	// Signing out revokes the session token: a copy of it no longer works.
	if resp, b := e.do(t, "POST", "/api/logout", "", "Authorization", "Bearer "+tok); resp.StatusCode != 204 {
		t.Fatalf("logout: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do(t, "GET", "/api/me", "", "Authorization", "Bearer "+tok); resp.StatusCode != 401 {
		t.Errorf("/api/me after sign-out: %d %s, want 401", resp.StatusCode, b)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'token.signout'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("sign-out audited %d times (%v), want once", n, err)
	}
}

// TestSectorAndReportAccess checks that sector totals and the statistics
// report count exactly the records each viewer may see, so that no total
// reveals a hidden record.
func TestSectorAndReportAccess(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `INSERT INTO sectors (id, sector_set, name, border_km, area_km2, source, geom)
		VALUES ('TEST-1', 'imported', 'Panji Poyon test sector', 25, 500, 'imported',
		        ST_Multi(ST_MakeEnvelope(68.4, 37.0, 68.8, 37.4, 4326)))`); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		viewer string
		want   int // seizures visible in the sector
	}{
		{"tj-dca", 3}, {"af-border", 2}, {"uz-border", 2}, {"kg-border", 1},
	}
	for _, tc := range cases {
		t.Run(tc.viewer, func(t *testing.T) {
			auth := []string{"Authorization", "Bearer " + e.tokenFor(t, tc.viewer, "viewer")}
			resp, b := e.do(t, "GET", "/api/sectors/risk?set=imported&from=2024&to=2024", "", auth...)
			if resp.StatusCode != 200 {
				t.Fatalf("risk: %d %s", resp.StatusCode, b)
			}
			feats := decodeJSON(t, b)["features"].([]any)
			if len(feats) != 1 {
				t.Fatalf("%d sectors, want 1", len(feats))
			}
			props := feats[0].(map[string]any)["properties"].(map[string]any)
			if got := int(props["seizures"].(float64)); got != tc.want {
				t.Errorf("sector counts %d seizures, want %d", got, tc.want)
			}
			if got := props["total_kg"].(float64); got != float64(12*tc.want) {
				t.Errorf("sector total %v kg, want %d", got, 12*tc.want)
			}
			resp, b = e.do(t, "GET", "/api/report?from=2024&to=2024&by=total&agency=tj-dca", "", auth...)
			if resp.StatusCode != 200 {
				t.Fatalf("report: %d %s", resp.StatusCode, b)
			}
			rows := decodeJSON(t, b)["rows"].([]any)
			if len(rows) != 1 {
				t.Fatalf("report for tj-dca: %d rows, want 1: %s", len(rows), b)
			}
			row := rows[0].(map[string]any)
			if row["agency"] != "tj-dca" || row["seizures"] != float64(tc.want) {
				t.Errorf("report row %v, want tj-dca with %d seizures", row, tc.want)
			}
		})
	}
}

// TestFailedAuthenticationIsLimited: bad tokens from one address cost a
// database query each and were never limited; now an address that keeps
// failing is refused (429) before its next token is looked up, while other
// addresses are not affected.
func TestFailedAuthenticationIsLimited(t *testing.T) {
	// Failures are allowed at a tenth of the request rate (2 a second)
	// after a burst of a tenth of the request burst (20).
	e := newEnvWith(t, func(cfg *api.Config) { cfg.RatePerSec, cfg.RateBurst = 20, 200 })
	limited := 0
	start := time.Now()
	for i := 0; i < 40; i++ {
		resp, _ := e.do(t, "GET", "/api/me", "", "Authorization", fmt.Sprintf("Bearer bw_guess%d", i))
		switch resp.StatusCode {
		case 401:
		case 429:
			limited++
		default:
			t.Fatalf("bad token: %d", resp.StatusCode)
		}
	}
	// Of 40 failures, the burst and whatever the rate refilled meanwhile
	// were looked up; every other one was refused before lookup, however
	// slowly the machine answered.
	looked := 20 + int(2*time.Since(start).Seconds()) + 1
	if limited < 40-looked {
		t.Fatalf("%d of 40 bad tokens were refused before lookup, want at least %d", limited, 40-looked)
	}
	// The limit recovers with time (2 failures a second are allowed).
	time.Sleep(600 * time.Millisecond)
	if resp, b := e.do(t, "GET", "/api/me", ""); resp.StatusCode != 200 {
		t.Fatalf("a valid token after the pause: %d %s", resp.StatusCode, b)
	}
}

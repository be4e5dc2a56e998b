package api_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/api"
)

// traccarPost sends one fix over a raw TCP connection exactly as Traccar
// Client for Android posts it (the OsmAnd protocol's parameters in the
// query of a POST with an empty body), as `curl -X POST` would, and
// returns the status line.
func traccarPost(t *testing.T, base, secret string, at time.Time, lat, lon, batt float64) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	q := fmt.Sprintf("id=%s&timestamp=%d&lat=%.6f&lon=%.6f&speed=0.0&bearing=0.0&altitude=412.0&accuracy=8.0&batt=%.1f",
		url.QueryEscape(secret), at.Unix(), lat, lon, batt)
	req := "POST /api/positions?" + q + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: okhttp/4.12.0\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(status)
}

// TestZoneRuleOverHTTPAndTheStream: an admin draws a zone rule (a planner
// may not; a zone that is no polygon is refused naming zone), a device
// reports as Traccar Client does over raw HTTP, and the zone_enter alert
// arrives on the stream of a planner of the agency; deleting the rule
// answers 204.
func TestZoneRuleOverHTTPAndTheStream(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	admin := f.env.tokenFor(t, "tj-dca", "admin")
	planner := f.env.tokenFor(t, "tj-dca", "planner")
	rule := `{"name":"Pyanj ford","kind":"zone_enter","zone_source":"drawn","zone":{"type":"Polygon","coordinates":[[[68.70,37.25],[68.80,37.25],[68.80,37.30],[68.70,37.30],[68.70,37.25]]]}}`
	if resp, b := f.env.do(t, http.MethodPost, "/api/alert-rules", rule, "Authorization", "Bearer "+planner); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a planner: %d %s", resp.StatusCode, b)
	}
	bad := strings.Replace(rule, `"Polygon"`, `"LineString"`, 1)
	resp, b := f.env.do(t, http.MethodPost, "/api/alert-rules", bad, "Authorization", "Bearer "+admin)
	if got := problemParams(t, resp, b); resp.StatusCode != http.StatusBadRequest || !slices.Equal(got, []string{"zone"}) {
		t.Fatalf("a line as zone: %d %v", resp.StatusCode, got)
	}
	resp, b = f.env.do(t, http.MethodPost, "/api/alert-rules", rule, "Authorization", "Bearer "+admin)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(b), `"zone":{"type":"MultiPolygon"`) {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	if _, b := f.env.do(t, http.MethodGet, "/api/alert-rules", ""); !strings.Contains(string(b), `"name":"Pyanj ford"`) {
		t.Fatalf("list: %s", b)
	}
	st := openStream(t, f.env.srv.URL, planner, "types=alert", "")
	now := time.Now().Truncate(time.Second)
	if s := traccarPost(t, f.env.srv.URL, f.secret, now.Add(-30*time.Minute), 37.20, 68.60, 80); s != "HTTP/1.1 200 OK" {
		t.Fatalf("outside: %s", s)
	}
	if s := traccarPost(t, f.env.srv.URL, f.secret, now.Add(-time.Minute), 37.27, 68.75, 79); s != "HTTP/1.1 200 OK" {
		t.Fatalf("inside: %s", s)
	}
	ev := st.next(t, 10*time.Second, "the zone alert")
	if ev.Type != "alert" || ev.Data["kind"] != "zone_enter" || ev.Data["state"] != "raised" {
		t.Fatalf("event %+v", ev)
	}
	if d, _ := ev.Data["detail"].(map[string]any); d["rule_name"] != "Pyanj ford" {
		t.Fatalf("detail %v", ev.Data["detail"])
	}
	upd := strings.Replace(rule, `"Pyanj ford"`, `"Pyanj ford (east)"`, 1)
	if resp, b := f.env.do(t, http.MethodPut, loc, upd, "Authorization", "Bearer "+admin); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "(east)") {
		t.Fatalf("replace: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.env.do(t, http.MethodDelete, loc, "", "Authorization", "Bearer "+admin); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := f.env.do(t, http.MethodGet, loc, ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("get after delete: %d", resp.StatusCode)
	}
}

// TestAlertRuleTeamIDs checks that a rule takes its team's id as
// /collections/teams/items gives it (a string) or as a number, and
// answers it as a string.
func TestAlertRuleTeamIDs(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	admin := f.env.tokenFor(t, "tj-dca", "admin")
	for _, team := range []string{fmt.Sprintf("%q", fmt.Sprint(f.team)), fmt.Sprint(f.team)} {
		rule := fmt.Sprintf(`{"name":"quiet","kind":"silent","minutes":20,"team":%s}`, team)
		resp, b := f.env.do(t, http.MethodPost, "/api/alert-rules", rule, "Authorization", "Bearer "+admin)
		if resp.StatusCode != http.StatusCreated || !strings.Contains(string(b), fmt.Sprintf(`"team":"%d"`, f.team)) {
			t.Errorf("team %s: %d %s", team, resp.StatusCode, b)
		}
	}
	resp, b := f.env.do(t, http.MethodPost, "/api/alert-rules", `{"name":"quiet","kind":"silent","minutes":20,"team":"MOBIT"}`, "Authorization", "Bearer "+admin)
	if got := problemParams(t, resp, b); resp.StatusCode != http.StatusBadRequest || !slices.Equal(got, []string{"team"}) {
		t.Errorf("a team name: %d %v", resp.StatusCode, got)
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
)

// posFixture is a server with a tj-dca team whose positions are shared
// bilaterally, and one registered device of it.
type posFixture struct {
	env    *testEnv
	team   int
	device data.Device
	secret string
}

func newPosFixture(t *testing.T, set func(*api.Config)) *posFixture {
	t.Helper()
	e := newEnvWith(t, set)
	ctx := context.Background()
	f := &posFixture{env: e}
	if err := e.pool.QueryRow(ctx, `INSERT INTO teams (name, agency_id, country, speed_kph, shift_h, crew, geom, position_sharing)
		VALUES ('MOBIT Panj', 'tj-dca', 'TJK', 60, 8, 6, ST_SetSRID(ST_MakePoint(68.6, 37.2), 4326), 'bilateral') RETURNING id`).
		Scan(&f.team); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.secret, f.device, err = e.sys.CreateDevice(ctx, f.team, "team leader's phone"); err != nil {
		t.Fatal(err)
	}
	return f
}

// send sends a request without a bearer token, as a device does.
func (f *posFixture) send(t *testing.T, method, path, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	return f.env.do(t, method, path, body, "Authorization", "", "Content-Type", contentType)
}

func (f *posFixture) stored(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.env.pool.QueryRow(context.Background(), `SELECT count(*) FROM position_records`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sendSum sends as a device and reads the ingest's answer.
func (f *posFixture) sendSum(t *testing.T, method, path, contentType, body string) data.IngestSummary {
	t.Helper()
	resp, b := f.send(t, method, path, contentType, body)
	return summaryOf(t, resp, b)
}

// doSum sends with e.do's headers and reads the ingest's answer.
func (f *posFixture) doSum(t *testing.T, method, path, body string, hdr ...string) data.IngestSummary {
	t.Helper()
	resp, b := f.env.do(t, method, path, body, hdr...)
	return summaryOf(t, resp, b)
}

func summaryOf(t *testing.T, resp *http.Response, b []byte) data.IngestSummary {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var s data.IngestSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return s
}

func osmandQuery(secret string, at time.Time, lat, lon float64) string {
	return fmt.Sprintf("/api/positions?id=%s&lat=%.6f&lon=%.6f&timestamp=%d&hdop=3.0&altitude=418.0&speed=10.0",
		url.QueryEscape(secret), lat, lon, at.Unix())
}

// TestPositionsAsTheAppsSendThem feeds a fix as OsmAnd's online tracking
// sends it (GET with its default query) and one as Traccar Client 9 posts
// it (its JSON body), resends both, and finds each stored once with the
// protocol's units converted.
func TestPositionsAsTheAppsSendThem(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	at := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
	q := osmandQuery(f.secret, at, 37.1946, 68.6053)
	for i, want := range []string{data.PositionStored, data.PositionDuplicate} {
		s := f.sendSum(t, http.MethodGet, q, "", "")
		if len(s.Results) != 1 || s.Results[0].Status != want {
			t.Fatalf("OsmAnd request %d: %+v, want %s", i, s.Results, want)
		}
	}
	jat := at.Add(30 * time.Second).UTC()
	body := fmt.Sprintf(`{"location":{"timestamp":"%s","coords":{"latitude":37.19461,"longitude":68.60531,"accuracy":8.5,"speed":12.4,"heading":271.3,"altitude":418.2},"is_moving":true,"odometer":1532.4,"event":"motionchange","battery":{"level":0.61,"is_charging":false},"activity":{"type":"in_vehicle"},"extras":{},"_":"&id=%s&lat=37.19461&lon=68.60531&timestamp=%s&"},"device_id":"%s"}`,
		jat.Format("2006-01-02T15:04:05.000Z"), f.secret, jat.Format("2006-01-02T15:04:05.000Z"), f.secret)
	for i, want := range []string{data.PositionStored, data.PositionDuplicate} {
		s := f.sendSum(t, http.MethodPost, "/api/positions", "application/json", body)
		if len(s.Results) != 1 || s.Results[0].Status != want {
			t.Fatalf("Traccar Client request %d: %+v, want %s", i, s.Results, want)
		}
	}
	// An OsmAnd form POST of the same first fix is the same fix.
	form := strings.SplitN(q, "?", 2)[1]
	if s := f.sendSum(t, http.MethodPost, "/api/positions", "application/x-www-form-urlencoded", form); s.Duplicates != 1 {
		t.Fatalf("form resend: %+v", s)
	}
	if n := f.stored(t); n != 2 {
		t.Fatalf("%d positions stored, want 2", n)
	}
	var speed, battery, bearing float64
	var agency, sharing string
	if err := f.env.pool.QueryRow(context.Background(), `SELECT speed_mps, battery_pct, bearing_deg, agency_id, sharing
		FROM position_records WHERE source = 'traccar_json'`).Scan(&speed, &battery, &bearing, &agency, &sharing); err != nil {
		t.Fatal(err)
	}
	if speed != 12.4 || battery < 60.99 || battery > 61.01 || bearing != 271.3 || agency != "tj-dca" || sharing != "bilateral" {
		t.Errorf("Traccar Client fix stored as speed %v battery %v bearing %v agency %s sharing %s", speed, battery, bearing, agency, sharing)
	}
	if err := f.env.pool.QueryRow(context.Background(), `SELECT speed_mps FROM position_records WHERE source = 'osmand'`).Scan(&speed); err != nil {
		t.Fatal(err)
	}
	if want := 10 * 1852.0 / 3600; speed < want-1e-9 || speed > want+1e-9 {
		t.Errorf("OsmAnd speed 10 kn stored as %v m/s, want %v", speed, want)
	}
}

// TestPositionsRefusedDevices shows that an unknown or revoked device is
// refused with problem+json, logged with its address and without the
// secret, and stores nothing; and that an address that keeps failing is
// rate limited before its secrets are looked up.
func TestPositionsRefusedDevices(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec, c.RateBurst = 10, 20 })
	at := time.Now().Add(-time.Minute)
	unknown := "bwd_" + strings.Repeat("A", 43)
	resp, b := f.send(t, http.MethodGet, osmandQuery(unknown, at, 37.2, 68.6), "", "")
	if resp.StatusCode != http.StatusUnauthorized || strings.Join(problemParams(t, resp, b), ",") != "id" {
		t.Fatalf("unknown device: %d %s", resp.StatusCode, b)
	}
	if err := f.env.sys.RevokeDevice(context.Background(), f.device.ID); err != nil {
		t.Fatal(err)
	}
	resp, b = f.send(t, http.MethodGet, osmandQuery(f.secret, at, 37.2, 68.6), "", "")
	if resp.StatusCode != http.StatusForbidden || strings.Join(problemParams(t, resp, b), ",") != "id" {
		t.Fatalf("revoked device: %d %s", resp.StatusCode, b)
	}
	if n := f.stored(t); n != 0 {
		t.Fatalf("%d positions stored from refused devices", n)
	}
	logs := f.env.logs.String()
	if !strings.Contains(logs, `"msg":"unknown device refused","remote_addr":"127.0.0.1"`) ||
		!strings.Contains(logs, fmt.Sprintf(`"msg":"revoked device refused","remote_addr":"127.0.0.1","device_id":%d`, f.device.ID)) {
		t.Errorf("refusals not logged with the address:\n%s", logs)
	}
	if strings.Contains(logs, f.secret) || strings.Contains(logs, unknown) {
		t.Errorf("a device secret reached the log:\n%s", logs)
	}
	// Failures per address: a tenth of the rate, burst 5; two used above.
	var last int
	for i := 0; i < 5; i++ {
		resp, _ := f.send(t, http.MethodGet, osmandQuery(unknown, at, 37.2, 68.6), "", "")
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("after 7 failures the address got %d, want 429", last)
	}
}

// TestPositionsRejectedOrFlagged sends a fix in the future, one far
// outside the region and an implausible jump: each is answered with its
// reason; the first two are not stored, the jump is stored flagged.
func TestPositionsRejectedOrFlagged(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	now := time.Now()
	lines := strings.Join([]string{
		fmt.Sprintf("id=%s&lat=37.2&lon=68.6&timestamp=%d", f.secret, now.Add(-10*time.Minute).Unix()),
		fmt.Sprintf("id=%s&lat=37.2&lon=68.6&timestamp=%d", f.secret, now.Add(20*time.Minute).Unix()),  // future
		fmt.Sprintf("id=%s&lat=55.75&lon=37.6&timestamp=%d", f.secret, now.Add(-9*time.Minute).Unix()), // Moscow
		fmt.Sprintf("id=%s&lat=39.0&lon=68.6&timestamp=%d", f.secret, now.Add(-8*time.Minute).Unix()),  // 200 km in 2 min
		fmt.Sprintf("id=%s&lat=37.21&lon=68.6&timestamp=%d", f.secret, now.Add(-7*time.Minute).Unix()),
	}, "\n")
	s := f.sendSum(t, http.MethodPost, "/api/positions", "text/plain", lines)
	want := []struct{ status, reason string }{
		{data.PositionStored, ""}, {data.PositionRejected, "future"}, {data.PositionRejected, "outside_region"},
		{data.PositionFlagged, "km/h"}, {data.PositionStored, ""},
	}
	for i, w := range want {
		r := s.Results[i]
		if r.Status != w.status || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("position %d: %+v, want %s %q", i, r, w.status, w.reason)
		}
	}
	if s.Stored != 2 || s.Flagged != 1 || s.Rejected != 2 {
		t.Errorf("summary %+v", s)
	}
	if n := f.stored(t); n != 3 {
		t.Fatalf("%d stored, want 3 (two good, one flagged)", n)
	}
	// The latest plausible position is not the flagged jump.
	resp, b := f.env.do(t, http.MethodGet, "/api/teams/positions/latest", "")
	fc := decodeJSON(t, b)
	feats, _ := fc["features"].([]any)
	if resp.StatusCode != http.StatusOK || len(feats) != 1 {
		t.Fatalf("latest: %d %s", resp.StatusCode, b)
	}
	g := feats[0].(map[string]any)["geometry"].(map[string]any)["coordinates"].([]any)
	props := feats[0].(map[string]any)["properties"].(map[string]any)
	if g[1].(float64) != 37.21 || props["age_s"].(float64) < 400 {
		t.Errorf("latest is %v, age %v", g, props["age_s"])
	}
}

// TestPositionsBatch500 uploads 500 buffered fixes in one request, two of
// them bad: every position gets its result, in order, and the good ones
// are all stored.
func TestPositionsBatch500(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	start := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	var bodies []string
	for i := 0; i < 500; i++ {
		lat := 37.2 + float64(i)*0.0005
		ts := start.Add(time.Duration(i) * 10 * time.Second).UTC().Format(time.RFC3339)
		if i == 100 {
			lat = 95
		}
		if i == 200 {
			ts = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		}
		bodies = append(bodies, fmt.Sprintf(`{"location":{"timestamp":"%s","coords":{"latitude":%.6f,"longitude":68.6,"speed":14}},"device_id":"%s"}`,
			ts, lat, f.secret))
	}
	s := f.sendSum(t, http.MethodPost, "/api/positions", "application/json", "["+strings.Join(bodies, ",")+"]")
	if len(s.Results) != 500 || s.Stored != 498 || s.Rejected != 2 {
		t.Fatalf("summary %d results, %d stored, %d rejected", len(s.Results), s.Stored, s.Rejected)
	}
	for i, r := range s.Results {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
	}
	if s.Results[100].Reason != data.RejectInvalid || s.Results[200].Reason != "future" {
		t.Errorf("bad items: %+v %+v", s.Results[100], s.Results[200])
	}
	if n := f.stored(t); n != 498 {
		t.Fatalf("%d stored, want 498", n)
	}
	var audits int
	if err := f.env.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'position.ingest'
		AND detail->>'stored' = '498'`).Scan(&audits); err != nil || audits != 1 {
		t.Fatalf("the batch is audited as %d entries (%v), want 1", audits, err)
	}
	// Sent again after a timeout, nothing is stored twice.
	s = f.sendSum(t, http.MethodPost, "/api/positions", "application/json", "["+strings.Join(bodies, ",")+"]")
	if s.Duplicates != 498 || f.stored(t) != 498 {
		t.Fatalf("resent batch: %+v", s)
	}
}

const uploadGPX = `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="eTrex" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="37.1946" lon="68.6053"><ele>418</ele><time>2025-03-01T06:00:00Z</time></trkpt>
<trkpt lat="37.1990" lon="68.6100"><ele>420</ele><time>2025-03-01T06:01:00Z</time></trkpt>
<trkpt lat="37.2050" lon="68.6180"><time>2025-03-01T06:03:00Z</time></trkpt>
</trkseg></trk></gpx>`

// TestTrackUploadGPX uploads a driven track with a planner's token and by
// the team's device; a viewer may not, and another team's path is refused
// to the device.
func TestTrackUploadGPX(t *testing.T) {
	f := newPosFixture(t, func(c *api.Config) { c.RatePerSec = 0 })
	path := fmt.Sprintf("/api/teams/%d/tracks", f.team)
	resp, b := f.env.do(t, http.MethodPost, path, uploadGPX, "Authorization", "Bearer "+f.env.tokenFor(t, "tj-dca", "viewer"))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer upload: %d %s", resp.StatusCode, b)
	}
	planner := f.env.tokenFor(t, "tj-dca", "planner")
	s := f.doSum(t, http.MethodPost, path, uploadGPX, "Authorization", "Bearer "+planner, "Content-Type", "application/gpx+xml")
	if s.Stored != 3 {
		t.Fatalf("planner upload: %+v", s)
	}
	if s = f.doSum(t, http.MethodPost, path, uploadGPX, "Authorization", "Bearer "+planner); s.Duplicates != 3 {
		t.Fatalf("planner re-upload: %+v", s)
	}
	if s = f.sendSum(t, http.MethodPost, path+"?id="+f.secret, "application/gpx+xml", uploadGPX); s.Stored != 3 {
		t.Fatalf("device upload (its own fixes, apart from the token's): %+v", s)
	}
	resp, b = f.send(t, http.MethodPost, fmt.Sprintf("/api/teams/%d/tracks?id=%s", f.team+1, f.secret), "application/gpx+xml", uploadGPX)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("device upload to another team: %d %s", resp.StatusCode, b)
	}
	resp, b = f.env.do(t, http.MethodGet, fmt.Sprintf("/api/teams/%d/positions?datetime=2025-03-01", f.team), "")
	if feats, _ := decodeJSON(t, b)["features"].([]any); resp.StatusCode != http.StatusOK || len(feats) != 6 {
		t.Fatalf("team positions: %d %s", resp.StatusCode, b)
	}
	if resp.Header.Get("Content-Type") != "application/geo+json" {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	// bbox selects by place like on the collections, and a bad one is
	// refused naming it.
	for _, tc := range []struct {
		bbox string
		want int
	}{{"68.60,37.19,68.62,37.21", 6}, {"70,38,71,39", 0}} {
		_, b = f.env.do(t, http.MethodGet, fmt.Sprintf("/api/teams/%d/positions?datetime=2025-03-01&bbox=%s", f.team, tc.bbox), "")
		if feats, _ := decodeJSON(t, b)["features"].([]any); len(feats) != tc.want {
			t.Errorf("bbox %s: %d positions, want %d", tc.bbox, len(feats), tc.want)
		}
	}
	resp, b = f.env.do(t, http.MethodGet, fmt.Sprintf("/api/teams/%d/positions?bbox=1,2", f.team), "")
	if resp.StatusCode != http.StatusBadRequest || strings.Join(problemParams(t, resp, b), ",") != "bbox" {
		t.Errorf("bad bbox: %d %s", resp.StatusCode, b)
	}
	resp, b = f.env.do(t, http.MethodGet, fmt.Sprintf("/api/teams/%d/positions?datetime=yesterday", f.team), "")
	if resp.StatusCode != http.StatusBadRequest || strings.Join(problemParams(t, resp, b), ",") != "datetime" {
		t.Fatalf("bad datetime: %d %s", resp.StatusCode, b)
	}
}

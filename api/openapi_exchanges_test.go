package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The exchanges of TestResponsesMatchAPIDefinition with the entities,
// messages, stream, positions and agreements endpoints.

const vehicleBody = `{"kind": "vehicle", "sharing": "bilateral",
  "vehicle": {"plate": "4521 AB 03", "plate_country": "TJK", "make": "KamAZ", "kind": "truck"}}`

// entityExchanges records a person and a vehicle, links them to each other
// and the person to event, and reads them back, as tj-dca and as its
// partner af-border (which is not shown the person's personal data).
func entityExchanges(t *testing.T, x *exchanger, event string) {
	_, b := x.do(t, "POST", "/api/entities", personBody, 201, "Idempotency-Key", "openapi-person")
	person := decodeJSON(t, b)["id"].(string)
	resp, b := x.do(t, "POST", "/api/entities", vehicleBody, 201)
	vehicle, vehicleTag := decodeJSON(t, b)["id"].(string), resp.Header.Get("ETag")
	x.do(t, "POST", "/api/entities", `{"kind": "person", "person": {"name": " "}}`, 400)
	x.do(t, "POST", "/api/entities", `{"kind": "group", "group": {"name": "Kulob"}, "agency": "af-border"}`, 403)

	x.do(t, "GET", "/api/entities?kind=person,vehicle&limit=1", "", 200)
	x.do(t, "GET", "/api/entities?limit=0", "", 400)
	x.do(t, "GET", "/api/entities/"+person, "", 200)
	x.do(t, "GET", "/api/entities/"+uuid.NewString(), "", 404)
	af := "Bearer " + x.env.tokenFor(t, "af-border", "analyst")
	_, b = x.do(t, "GET", "/api/entities/"+person, "", 200, "Authorization", af)
	if seen := decodeJSON(t, b); seen["personal_data"] != false || len(seen["withheld"].([]any)) == 0 {
		t.Errorf("the partner without the personal-data term sees %s", b)
	}

	_, b = x.do(t, "POST", "/api/entities/"+person+"/links", `{"to": "`+vehicle+`", "role": "driver_of"}`, 201)
	link := int64(decodeJSON(t, b)["id"].(float64))
	x.do(t, "POST", "/api/entities/"+person+"/links", `{"to": "`+vehicle+`", "role": "driver_of"}`, 409)
	x.do(t, "POST", "/api/entities/"+person+"/links", `{"to": "`+vehicle+`", "role": "member_of"}`, 400)
	x.do(t, "POST", "/api/events/"+event+"/entities", `{"entity": "`+person+`", "role": "driver"}`, 201)
	x.do(t, "GET", "/api/events/"+event+"/entities", "", 200)
	_, b = x.do(t, "GET", "/api/entities/"+person+"/network?depth=2", "", 200)
	if n := decodeJSON(t, b); len(n["nodes"].([]any)) != 3 || len(n["edges"].([]any)) != 2 {
		t.Errorf("network of the person: %s, want the person, the vehicle, the event and two links", b)
	}
	x.do(t, "GET", "/api/entities/"+person+"/network?depth=9", "", 400)

	x.do(t, "PUT", "/api/entities/"+vehicle, vehicleBody, 428)
	x.do(t, "PUT", "/api/entities/"+vehicle, vehicleBody, 200, "If-Match", vehicleTag)
	x.do(t, "DELETE", "/api/entities/"+vehicle, "", 412, "If-Match", vehicleTag)
	x.do(t, "DELETE", fmt.Sprintf("/api/entities/%s/links/%d", person, link), "", 204)
	x.do(t, "DELETE", "/api/entities/"+vehicle, "", 204, "If-Match", "*")
}

// messageExchanges sends a notice from tj-dca to af-border, which lists,
// reads and acknowledges it.
func messageExchanges(t *testing.T, x *exchanger) {
	resp, b := x.do(t, "POST", "/api/messages", notice, 201, "Idempotency-Key", "openapi-notice")
	id := int64(decodeJSON(t, b)["id"].(float64))
	if resp.Header.Get("Location") != fmt.Sprintf("/api/messages/%d", id) {
		t.Errorf("Location %q", resp.Header.Get("Location"))
	}
	x.do(t, "POST", "/api/messages", `{"kind": "notice", "text": "x", "recipients": ["af-border"], "priority": 1}`, 400)
	x.do(t, "POST", "/api/messages", notice, 403, "Authorization", "Bearer "+x.env.tokenFor(t, "tj-dca", "viewer"))
	af := "Bearer " + x.env.tokenFor(t, "af-border", "analyst")
	x.do(t, "GET", "/api/messages?box=inbox&limit=10", "", 200, "Authorization", af)
	x.do(t, "GET", fmt.Sprintf("/api/messages/%d", id), "", 200, "Authorization", af)
	x.do(t, "GET", fmt.Sprintf("/api/messages/%d/thread", id), "", 200, "Authorization", af)
	_, b = x.do(t, "POST", fmt.Sprintf("/api/messages/%d/ack", id), "", 200, "Authorization", af)
	if d := decodeJSON(t, b)["deliveries"].([]any); len(d) != 1 || d[0].(map[string]any)["state"] != "acknowledged" {
		t.Errorf("acknowledged message: %s", b)
	}
	x.do(t, "POST", fmt.Sprintf("/api/messages/%d/ack", id), "", 404)
	x.do(t, "GET", "/api/messages?box=outbox", "", 200)
	x.do(t, "GET", "/api/messages?box=drafts", "", 400)
	x.do(t, "GET", "/api/messages/first", "", 400)
	x.do(t, "GET", "/api/messages/999999", "", 404)
	x.do(t, "GET", "/api/stream?types=gossip", "", 400)
}

// streamExchange opens af-border's live stream from the oldest entry and
// validates what it answers up to its first event (the notice's delivery
// that messageExchanges sent).
func streamExchange(t *testing.T, x *exchanger) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", x.env.srv.URL+"/api/stream?types=message,message_state", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+x.env.tokenFor(t, "af-border", "viewer"))
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	var got strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		got.WriteString(sc.Text() + "\n")
		if sc.Text() == "" && strings.Contains(got.String(), "\nevent: message\ndata: {") {
			break
		}
	}
	if !strings.HasPrefix(got.String(), "retry: 2000\n\nid: ") || !strings.Contains(got.String(), `"notice"`) {
		t.Fatalf("stream began %q", got.String())
	}
	validateExchange(t, x.router, req, "", resp, []byte(got.String()))
}

// positionExchanges reports fixes as OsmAnd and Traccar Client send them,
// uploads a track and reads the positions back.
func positionExchanges(t *testing.T, x *exchanger, f *posFixture) {
	noToken := []string{"Authorization", ""}
	at := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	_, b := x.do(t, "GET", osmandQuery(f.secret, at, 37.1946, 68.6053), "", 200, noToken...)
	if s := summaryOf(t, &http.Response{StatusCode: 200}, b); s.Stored != 1 {
		t.Errorf("OsmAnd fix: %s", b)
	}
	traccar := func(at time.Time, device string) string {
		return fmt.Sprintf(`{"location": {"timestamp": %q, "coords": {"latitude": 37.1950, "longitude": 68.6060, "accuracy": 8.5,
			"speed": 12.4, "heading": 271.3, "altitude": 418.2}, "is_moving": true, "battery": {"level": 0.61}}, "device_id": %q}`,
			at.Format(time.RFC3339), device)
	}
	x.do(t, "POST", "/api/positions", traccar(at.Add(time.Minute), f.secret), 200, noToken...)
	batch := "[" + traccar(at.Add(2*time.Minute), f.secret) + "," + traccar(at.Add(72*time.Hour), f.secret) + "]"
	_, b = x.do(t, "POST", "/api/positions", batch, 200, noToken...)
	if s := summaryOf(t, &http.Response{StatusCode: 200}, b); s.Stored != 1 || s.Rejected != 1 {
		t.Errorf("batch with a fix from the future: %s", b)
	}
	lines := "id=" + f.secret + "&lat=37.1960&lon=68.6070&timestamp=" + fmt.Sprint(at.Add(3*time.Minute).Unix()) + "\n" +
		traccar(at.Add(4*time.Minute), f.secret) + "\n"
	x.do(t, "POST", "/api/positions", lines, 200, append(noToken, "Content-Type", "application/x-ndjson")...)
	x.do(t, "GET", "/api/positions?id=not-a-device&lat=37.19&lon=68.60", "", 401, noToken...)
	x.do(t, "GET", "/api/positions?id="+f.secret+"&lat=97.19&lon=68.60", "", 400, noToken...)
	x.do(t, "POST", "/api/positions?id="+f.secret, " ", 400, noToken...)
	tracks := fmt.Sprintf("/api/teams/%d/tracks", f.team)
	x.do(t, "POST", tracks+"?id="+f.secret, uploadGPX, 200, append(noToken, "Content-Type", "application/gpx+xml")...)
	x.do(t, "POST", tracks, uploadGPX, 403, "Content-Type", "application/gpx+xml")
	tooLarge := uploadGPX + strings.Repeat(" ", 8<<20)
	x.do(t, "POST", tracks+"?id="+f.secret, tooLarge, 413, append(noToken, "Content-Type", "application/gpx+xml")...)

	_, b = x.do(t, "GET", "/api/teams/positions/latest", "", 200)
	if fc := decodeJSON(t, b); len(fc["features"].([]any)) != 1 {
		t.Errorf("latest positions: %s", b)
	}
	x.do(t, "GET", "/api/teams/positions/latest", "", 200, "Authorization", "Bearer "+x.env.tokenFor(t, "af-border", "viewer"))
	x.do(t, "GET", fmt.Sprintf("/api/teams/%d/positions?limit=100", f.team), "", 200)
	x.do(t, "GET", fmt.Sprintf("/api/teams/%d/positions?datetime=2025-03-01", f.team), "", 200)
	x.do(t, "GET", fmt.Sprintf("/api/teams/%d/positions?limit=0", f.team), "", 400)
}

// agreementExchanges proposes the personal-data term to af-border (a
// widening, which waits for its acceptance) and lists the agreements.
func agreementExchanges(t *testing.T, x *exchanger) {
	admin := "Bearer " + x.env.tokenFor(t, "tj-dca", "admin")
	x.do(t, "POST", "/api/agreements", `{"partner": "af-border", "personal_data": true}`, 202, "Authorization", admin)
	_, b := x.do(t, "GET", "/api/agreements", "", 200, "Authorization", admin)
	ps := decodeJSON(t, b)["proposals"].([]any)
	if !slices.ContainsFunc(ps, func(p any) bool { return p.(map[string]any)["personal_data"] == true }) {
		t.Errorf("the proposal of the personal-data term is not listed: %s", b)
	}
}

package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/api"
	"github.com/borderwatch/borderwatch/data"
)

// sseEvent is one server-sent event as a client receives it.
type sseEvent struct {
	ID   int64
	Type string
	Data map[string]any
	// At is when the client received it.
	At time.Time
}

// sseClient follows one stream; events arrive on ch until the connection
// ends (then ch is closed).
type sseClient struct {
	resp   *http.Response
	ch     chan sseEvent
	cancel context.CancelFunc
}

// openStream opens GET base+/api/stream?query with token, and Last-Event-ID
// when lastID is not empty. It fails the test unless the answer is 200.
func openStream(t *testing.T, base, token, query, lastID string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/stream?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("stream: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	c := &sseClient{resp: resp, ch: make(chan sseEvent, 10000), cancel: cancel}
	go c.read()
	t.Cleanup(c.close)
	return c
}

func (c *sseClient) read() {
	defer close(c.ch)
	sc := bufio.NewScanner(c.resp.Body)
	var ev sseEvent
	var payload string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if payload != "" {
				_ = json.Unmarshal([]byte(payload), &ev.Data)
				ev.At = time.Now()
				c.ch <- ev
			}
			ev, payload = sseEvent{}, ""
		case strings.HasPrefix(line, "id: "):
			ev.ID, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "event: "):
			ev.Type = line[7:]
		case strings.HasPrefix(line, "data: "):
			payload += line[6:]
		}
	}
}

// close drops the connection, as a client losing its network does.
func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
}

// next returns the next event, failing the test after within.
func (c *sseClient) next(t *testing.T, within time.Duration, what string) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-c.ch:
		if !ok {
			t.Fatalf("%s: the stream ended", what)
		}
		return ev
	case <-time.After(within):
		t.Fatalf("%s: no event within %v", what, within)
	}
	return sseEvent{}
}

// messageEvents reads n events and returns the message ids they carry.
func (c *sseClient) messageEvents(t *testing.T, n int, what string) ([]int64, int64) {
	t.Helper()
	var ids []int64
	var last int64
	for range n {
		ev := c.next(t, 10*time.Second, what)
		if ev.ID <= last {
			t.Fatalf("%s: event id %d after %d", what, ev.ID, last)
		}
		last = ev.ID
		ids = append(ids, int64(ev.Data["message_id"].(float64)))
	}
	return ids, last
}

// replica is a second server on the same database, as another instance of
// the service behind the same load balancer.
func newReplica(t *testing.T, url string) *httptest.Server {
	t.Helper()
	store, err := data.Open(context.Background(), data.Config{URL: url, Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	cfg := api.DefaultConfig()
	cfg.RatePerSec = 0
	cfg.Stream = startStream(t, store, logger)
	srv := httptest.NewServer(api.NewServer(logger, cfg, store, startLive(t, store, logger)))
	t.Cleanup(srv.Close)
	return srv
}

// msgAPIEnv adds a third agency without agreements to the test server, and
// an agreement between tj-dca and af-border.
func msgAPIEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newEnv(t)
	for _, q := range []string{
		`INSERT INTO agencies (id, name, country, kind) VALUES ('uz-border', 'UZ (test)', 'UZB', 'border_guard')`,
		`INSERT INTO sharing_agreements (agency_a, agency_b) VALUES ('af-border', 'tj-dca')`,
		`INSERT INTO entity_records (id, kind, agency_id, sharing, plate) VALUES
			('00000000-0000-4000-8000-000000000012', 'vehicle', 'tj-dca', 'agency', '4521 AB 03')`,
	} {
		if _, err := e.pool.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// post sends a message as tj-dca's analyst (e.token) to base and returns
// its id.
func (e *testEnv) post(t *testing.T, base, body string) int64 {
	t.Helper()
	id, err := postMessage(base, e.token, body)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// postMessage sends a message with token to base and returns its id.
func postMessage(base, token, body string) (int64, error) {
	req, err := http.NewRequest("POST", base+"/api/messages", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var m struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("post message: %d, %v", resp.StatusCode, err)
	}
	return m.ID, nil
}

const notice = `{"kind": "notice", "urgency": "routine", "text": "crossing closed tomorrow", "recipients": ["af-border"]}`

func TestStreamResumesAfterADroppedConnection(t *testing.T) {
	e := msgAPIEnv(t)
	af := e.tokenFor(t, "af-border", "viewer")
	c := openStream(t, e.srv.URL, af, "types=message", "")
	var sent []int64
	for range 2 {
		sent = append(sent, e.post(t, e.srv.URL, notice))
	}
	got, last := c.messageEvents(t, 2, "before the drop")
	if got[0] != sent[0] || got[1] != sent[1] {
		t.Fatalf("received %v, sent %v", got, sent)
	}
	c.close()
	var missed []int64
	for range 3 {
		missed = append(missed, e.post(t, e.srv.URL, notice))
	}
	// Resume by header, and by query parameter (EventSource reconnects):
	// each gets exactly what was sent after the last event it received, in
	// order, then live ones.
	for _, how := range []string{"header", "query"} {
		var r *sseClient
		if how == "header" {
			r = openStream(t, e.srv.URL, af, "types=message", strconv.FormatInt(last, 10))
		} else {
			r = openStream(t, e.srv.URL, af, "types=message&last_event_id="+strconv.FormatInt(last, 10), "")
		}
		got, _ := r.messageEvents(t, len(missed), "resumed by "+how)
		for i := range missed {
			if got[i] != missed[i] {
				t.Fatalf("resumed by %s: %v, want %v", how, got, missed)
			}
		}
		live := e.post(t, e.srv.URL, notice)
		if ev := r.next(t, 10*time.Second, "live after resuming"); int64(ev.Data["message_id"].(float64)) != live {
			t.Fatalf("resumed by %s: next event %+v, want message %d (a repeat or a skip)", how, ev, live)
		}
		missed = append(missed, live)
		r.close()
	}
}

func TestStreamOnlyCarriesWhatTheCallerMaySee(t *testing.T) {
	e := msgAPIEnv(t)
	uz := openStream(t, e.srv.URL, e.tokenFor(t, "uz-border", "admin"), "", "0")
	af := openStream(t, e.srv.URL, e.tokenFor(t, "af-border", "viewer"), "", "0")
	id := e.post(t, e.srv.URL, `{"kind": "lookout", "urgency": "flash", "text": "grey Kamaz 4521 AB 03",
		"recipients": ["af-border"], "subjects": ["00000000-0000-4000-8000-000000000012"], "where": {"crossing": 1}, "valid_until": "2099-01-01T00:00:00Z"}`)
	if ev := af.next(t, 10*time.Second, "af-border's delivery"); ev.Type != "message" || int64(ev.Data["message_id"].(float64)) != id {
		t.Fatalf("af-border got %+v", ev)
	}
	// A regional entry after the message is the first thing uz-border
	// gets: the message before it was never on its stream.
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO stream_entries (type, owner_agency, sharing, payload)
		VALUES ('alert', 'tj-dca', 'regional', '{"marker": true}')`); err != nil {
		t.Fatal(err)
	}
	if ev := uz.next(t, 10*time.Second, "uz-border's first event"); ev.Type != "alert" || ev.Data["marker"] != true {
		t.Fatalf("uz-border's first event is %+v, not the marker", ev)
	}
	uzTok := e.tokenFor(t, "uz-border", "admin")
	for _, path := range []string{"/api/messages/" + strconv.FormatInt(id, 10), "/api/messages/" + strconv.FormatInt(id, 10) + "/thread"} {
		if resp, b := e.do(t, "GET", path, "", "Authorization", "Bearer "+uzTok); resp.StatusCode != http.StatusNotFound {
			t.Errorf("uz-border GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
	resp, b := e.do(t, "GET", "/api/messages?box=inbox", "", "Authorization", "Bearer "+uzTok)
	if m := decodeJSON(t, b); resp.StatusCode != 200 || len(m["messages"].([]any)) != 0 {
		t.Errorf("uz-border inbox: %d %s", resp.StatusCode, b)
	}
}

func TestStreamRefusesBadParametersAndTooManyStreams(t *testing.T) {
	e := msgAPIEnv(t)
	for _, tc := range []struct{ query, hdr, param string }{
		{"last_event_id=abc", "", "last_event_id"},
		{"", "-3", "Last-Event-ID"},
		{"types=message,bogus", "", "types"},
	} {
		var hdr []string
		if tc.hdr != "" {
			hdr = []string{"Last-Event-ID", tc.hdr}
		}
		resp, b := e.do(t, "GET", "/api/stream?"+tc.query, "", hdr...)
		if resp.StatusCode != http.StatusBadRequest || strings.Join(problemParams(t, resp, b), ",") != tc.param {
			t.Errorf("%q %q: %d %s, want 400 naming %s", tc.query, tc.hdr, resp.StatusCode, b, tc.param)
		}
	}
	for range 4 { // the default per token
		openStream(t, e.srv.URL, e.token, "", "")
	}
	if resp, b := e.do(t, "GET", "/api/stream", ""); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("fifth stream of a token: %d %s", resp.StatusCode, b)
	}
}

// TestStreamAcrossReplicasAndListenerLoss posts on replica A and follows
// on replica B; then kills both replicas' listening connections in
// PostgreSQL and posts meanwhile; then drops B altogether and resumes on
// A. Nothing is missed or repeated at any step.
func TestStreamAcrossReplicasAndListenerLoss(t *testing.T) {
	e := msgAPIEnv(t)
	b := newReplica(t, e.url)
	af := e.tokenFor(t, "af-border", "viewer")
	c := openStream(t, b.URL, af, "types=message", "")
	id := e.post(t, e.srv.URL, notice)
	got, last := c.messageEvents(t, 1, "message posted on A, followed on B")
	if got[0] != id {
		t.Fatalf("B delivered %v, want %d", got, id)
	}

	var killed int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'borderwatch-stream' AND datname = current_database()`).Scan(&killed); err != nil || killed != 2 {
		t.Fatalf("terminated %d listeners (%v), want 2", killed, err)
	}
	var sent []int64
	for range 3 {
		sent = append(sent, e.post(t, e.srv.URL, notice))
	}
	got, last2 := c.messageEvents(t, 3, "after the listeners were killed")
	for i := range sent {
		if got[i] != sent[i] {
			t.Fatalf("after the kill B delivered %v, want %v", got, sent)
		}
	}
	if last2 <= last {
		t.Fatal("event ids went back")
	}

	// Replica B goes away; the client resumes on A.
	c.close()
	b.Close()
	more := e.post(t, e.srv.URL, notice)
	r := openStream(t, e.srv.URL, af, "types=message", strconv.FormatInt(last2, 10))
	if got, _ := r.messageEvents(t, 1, "resumed on A"); got[0] != more {
		t.Fatalf("resumed on A: %v, want %d", got, more)
	}
}

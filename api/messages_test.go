package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSendMessageNamesEachBadField(t *testing.T) {
	e := msgAPIEnv(t)
	for _, tc := range []struct {
		name, body string
		params     []string
	}{
		{"unknown kind", `{"kind": "gossip", "text": "x", "recipients": ["af-border"]}`, []string{"kind"}},
		{"no text", `{"kind": "notice", "text": " ", "recipients": ["af-border"]}`, []string{"text"}},
		{"lookout without end", `{"kind": "lookout", "text": "x", "recipients": ["af-border"]}`, []string{"valid_until"}},
		{"two places", `{"kind": "notice", "text": "x", "recipients": ["af-border"], "where": {"crossing": 1, "point": [68.6, 37.2]}}`, []string{"where"}},
		{"point off the earth", `{"kind": "notice", "text": "x", "recipients": ["af-border"], "where": {"point": [268.6, 37.2]}}`, []string{"where.point"}},
		{"unknown crossing", `{"kind": "notice", "text": "x", "recipients": ["af-border"], "where": {"crossing": 999}}`, []string{"where.crossing"}},
		{"not a partner", `{"kind": "notice", "text": "x", "recipients": ["uz-border"]}`, []string{"recipients"}},
		{"bad urgency", `{"kind": "notice", "urgency": "asap", "text": "x", "recipients": ["af-border"]}`, []string{"urgency"}},
		{"reply to nothing", `{"kind": "reply", "text": "x", "in_reply_to": 999}`, []string{"in_reply_to"}},
		{"unknown field", `{"kind": "notice", "text": "x", "recipients": ["af-border"], "priority": 1}`, []string{"priority"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "POST", "/api/messages", tc.body)
			if resp.StatusCode != http.StatusBadRequest || !slices.Equal(problemParams(t, resp, b), tc.params) {
				t.Errorf("%d %s, want 400 naming %v", resp.StatusCode, b, tc.params)
			}
		})
	}
	viewer := e.tokenFor(t, "tj-dca", "viewer")
	if resp, b := e.do(t, "POST", "/api/messages", notice, "Authorization", "Bearer "+viewer); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer sent: %d %s", resp.StatusCode, b)
	}
}

func TestSendMessageIdempotencyKeyAndAcknowledge(t *testing.T) {
	e := msgAPIEnv(t)
	resp, b := e.do(t, "POST", "/api/messages", notice, "Idempotency-Key", "blo-7/1")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("send: %d %s", resp.StatusCode, b)
	}
	first := resp.Header.Get("Location")
	resp, _ = e.do(t, "POST", "/api/messages", strings.ReplaceAll(notice, ": ", ":"), "Idempotency-Key", "blo-7/1")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") != first || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %d at %s (replayed %q), want the first message %s", resp.StatusCode, resp.Header.Get("Location"),
			resp.Header.Get("Idempotent-Replayed"), first)
	}
	resp, b = e.do(t, "POST", "/api/messages", strings.Replace(notice, "tomorrow", "today", 1), "Idempotency-Key", "blo-7/1")
	if resp.StatusCode != http.StatusUnprocessableEntity || !slices.Equal(problemParams(t, resp, b), []string{"Idempotency-Key"}) {
		t.Errorf("key reused for another message: %d %s", resp.StatusCode, b)
	}

	af := e.tokenFor(t, "af-border", "analyst")
	resp, b = e.do(t, "GET", "/api/messages?box=inbox", "", "Authorization", "Bearer "+af)
	inbox := decodeJSON(t, b)
	if resp.StatusCode != http.StatusOK || len(inbox["messages"].([]any)) != 1 || inbox["counts"].(map[string]any)["unread"] != 1.0 {
		t.Fatalf("inbox: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "POST", first+"/ack", "", "Authorization", "Bearer "+af)
	m := decodeJSON(t, b)
	if resp.StatusCode != http.StatusOK || m["deliveries"].([]any)[0].(map[string]any)["state"] != "acknowledged" {
		t.Fatalf("ack: %d %s", resp.StatusCode, b)
	}
	// The author acknowledges nothing: it is not a recipient.
	if resp, b := e.do(t, "POST", first+"/ack", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("author's ack: %d %s", resp.StatusCode, b)
	}
	// Paging: two more, one per page.
	for range 2 {
		e.post(t, e.srv.URL, notice)
	}
	var ids []float64
	next := ""
	for page := 0; page < 4; page++ {
		_, b := e.do(t, "GET", "/api/messages?box=outbox&limit=1"+next, "")
		l := decodeJSON(t, b)
		for _, x := range l["messages"].([]any) {
			ids = append(ids, x.(map[string]any)["id"].(float64))
		}
		n, ok := l["next"].(float64)
		if !ok {
			break
		}
		next = "&before=" + strconv.FormatInt(int64(n), 10)
	}
	if len(ids) != 3 || !(ids[0] > ids[1] && ids[1] > ids[2]) {
		t.Errorf("outbox pages gave %v, want 3 messages newest first", ids)
	}
}

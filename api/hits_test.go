package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
)

// TestHitsAndMatchOverHTTP: a lookout from tj-dca to af-border about a
// truck; af-border records it with a Cyrillic plate and sees the hit,
// tj-dca only after the release; /api/match answers scores and names the
// parameter at fault.
// truckLookout gives tj-dca and af-border an agreement and sends, as
// tj-dca, a lookout to af-border on a truck tj-dca records (plate 4521 AB
// 03, shared with no one); it returns the truck's id.
func (e *testEnv) truckLookout(t *testing.T) string {
	t.Helper()
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO sharing_agreements (agency_a, agency_b)
		VALUES ('af-border', 'tj-dca') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	subject := e.createEntity(t, `{"kind": "vehicle", "sharing": "agency", "synthetic": true,
		"vehicle": {"plate": "4521 AB 03", "kind": "truck"}}`)
	resp, b := e.do(t, "POST", "/api/messages", fmt.Sprintf(`{"kind": "lookout", "urgency": "urgent", "text": "grey Kamaz",
		"recipients": ["af-border"], "subjects": [%q], "valid_until": "2099-01-01T00:00:00Z"}`, subject),
		"Content-Type", "application/json")
	if resp.StatusCode != 201 {
		t.Fatalf("lookout: %d %s", resp.StatusCode, b)
	}
	return subject
}

func TestHitsAndMatchOverHTTP(t *testing.T) {
	e := newEnv(t)
	subject := e.truckLookout(t)
	var (
		resp *http.Response
		b    []byte
	)
	af := []string{"Authorization", "Bearer " + e.tokenFor(t, "af-border", "analyst"), "Content-Type", "application/json"}
	resp, b = e.do(t, "POST", "/api/entities", `{"kind": "vehicle", "sharing": "agency", "synthetic": true,
		"vehicle": {"plate": "4521АВ03"}}`, af...)
	if resp.StatusCode != 201 {
		t.Fatalf("af-border records: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "GET", "/api/hits", "", af...)
	hits, _ := decodeJSON(t, b)["hits"].([]any)
	if resp.StatusCode != 200 || len(hits) != 1 {
		t.Fatalf("af-border's hits: %d %s", resp.StatusCode, b)
	}
	id := int64(hits[0].(map[string]any)["id"].(float64))
	path := fmt.Sprintf("/api/hits/%d", id)
	if resp, b = e.do(t, "GET", path, ""); resp.StatusCode != 404 {
		t.Fatalf("tj-dca reads the unreleased hit: %d %s", resp.StatusCode, b)
	}
	if resp, b = e.do(t, "POST", path+"/release", "", af...); resp.StatusCode != 200 || decodeJSON(t, b)["released_at"] == nil {
		t.Fatalf("release: %d %s", resp.StatusCode, b)
	}
	if resp, b = e.do(t, "GET", path, ""); resp.StatusCode != 200 {
		t.Fatalf("tj-dca reads the released hit: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "GET", "/api/match?kind=vehicle&plate=4521%20ab-03", "")
	ms, _ := decodeJSON(t, b)["matches"].([]any)
	if resp.StatusCode != 200 || len(ms) != 1 || ms[0].(map[string]any)["id"] != subject || ms[0].(map[string]any)["score"] != 1.0 {
		t.Fatalf("match: %d %s", resp.StatusCode, b)
	}
	for q, param := range map[string]string{"kind=vehicle": "plate", "kind=ship&plate=1": "kind",
		"kind=person&name=Ali&limit=0": "limit", "kind=document&number=": "number"} {
		resp, b = e.do(t, "GET", "/api/match?"+q, "")
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", q, resp.StatusCode, b)
			continue
		}
		ip, _ := decodeJSON(t, b)["invalid_params"].([]any)
		if len(ip) != 1 || ip[0].(map[string]any)["name"] != param {
			t.Errorf("%s names %s, want %s", q, b, param)
		}
	}
}

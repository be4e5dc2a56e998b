package api_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
)

// TestAdminReadsTheAgencysAuditLogAndItsVerification: an admin pages
// through the entries of their own agency only, and the verification
// covers the whole log, finds a rewritten entry, and checks signatures with
// the service's key.
func TestAdminReadsTheAgencysAuditLogAndItsVerification(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := []string{"Authorization", "Bearer " + e.tokenFor(t, "tj-dca", "admin")}
	e.tokenFor(t, "af-border", "admin") // an entry of the other agency
	for _, u := range []string{"one", "two"} {
		if resp, b := e.do(t, "POST", "/api/users", fmt.Sprintf(`{"username": "%s", "role": "viewer", "password": "long enough pw"}`, u), admin...); resp.StatusCode != 201 {
			t.Fatalf("create %s: %d %s", u, resp.StatusCode, b)
		}
	}
	if resp, b := e.do(t, "GET", "/api/audit", ""); resp.StatusCode != 403 {
		t.Errorf("an analyst reads the audit log: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do(t, "GET", "/api/audit/verify", ""); resp.StatusCode != 403 {
		t.Errorf("an analyst verifies the audit log: %d %s", resp.StatusCode, b)
	}
	resp, b := e.do(t, "GET", "/api/audit?limit=2", "", admin...)
	if resp.StatusCode != 200 {
		t.Fatalf("audit: %d %s", resp.StatusCode, b)
	}
	page := decodeJSON(t, b)["entries"].([]any)
	if len(page) != 2 || page[0].(map[string]any)["target"] != "user:two" || page[1].(map[string]any)["target"] != "user:one" {
		t.Fatalf("newest entries %v", page)
	}
	last := int(page[1].(map[string]any)["id"].(float64))
	resp, b = e.do(t, "GET", fmt.Sprintf("/api/audit?before=%d&limit=500", last), "", admin...)
	var mine int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE agency_id = 'tj-dca'`).Scan(&mine); err != nil {
		t.Fatal(err)
	}
	rest := decodeJSON(t, b)["entries"].([]any)
	if resp.StatusCode != 200 || len(rest)+2 != mine {
		t.Errorf("second page: %d, %d entries, the agency has %d", resp.StatusCode, len(rest)+2, mine)
	}
	for _, x := range append(page, rest...) {
		if id := int(x.(map[string]any)["id"].(float64)); strings.Contains(x.(map[string]any)["actor"].(string), "af-border") {
			t.Errorf("entry %d of another agency", id)
		}
	}
	for _, q := range []string{"limit=0", "limit=x", "before=-3"} {
		resp, b := e.do(t, "GET", "/api/audit?"+q, "", admin...)
		if got := problemParams(t, resp, b); resp.StatusCode != 400 || len(got) != 1 || !strings.HasPrefix(q, got[0]) {
			t.Errorf("?%s: %d %v", q, resp.StatusCode, got)
		}
	}

	// Signed from now on with the service's key.
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e.store.SetAuditKey(key)
	if resp, b := e.do(t, "POST", "/api/users", `{"username": "three", "role": "viewer", "password": "long enough pw"}`, admin...); resp.StatusCode != 201 {
		t.Fatalf("create three: %d %s", resp.StatusCode, b)
	}
	var all int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&all); err != nil {
		t.Fatal(err)
	}
	resp, b = e.do(t, "GET", "/api/audit/verify", "", admin...)
	v := decodeJSON(t, b)
	if resp.StatusCode != 200 || v["intact"] != true || int(v["entries"].(float64)) != all || v["signed"] != 1.0 || v["key_id"] == "" {
		t.Fatalf("verify: %d %s (log has %d entries)", resp.StatusCode, b, all)
	}

	// An entry the admin cannot read (the tool's token for af-border)
	// rewritten in the database is found.
	if tag, err := e.pool.Exec(ctx, `UPDATE audit_log SET target = 'forged' WHERE id = (SELECT min(id) FROM audit_log WHERE agency_id IS DISTINCT FROM 'tj-dca')`); err != nil || tag.RowsAffected() != 1 {
		t.Fatal(err, tag)
	}
	resp, b = e.do(t, "GET", "/api/audit/verify", "", admin...)
	v = decodeJSON(t, b)
	if resp.StatusCode != 200 || v["intact"] != false || !strings.Contains(fmt.Sprint(v["problems"]), "was altered") {
		t.Errorf("verify after a rewrite: %d %s", resp.StatusCode, b)
	}
	if strings.Contains(string(b), "forged") {
		t.Errorf("the verification shows another agency's entry: %s", b)
	}
}

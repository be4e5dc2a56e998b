package api_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestAgenciesListsEveryAgency: every agency of the reference data can be
// offered in filters, for any reader.
func TestAgenciesListsEveryAgency(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do(t, "GET", "/api/agencies", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/agencies: %d %s", resp.StatusCode, b)
	}
	var ids []string
	for _, a := range decodeJSON(t, b)["agencies"].([]any) {
		ids = append(ids, a.(map[string]any)["id"].(string))
	}
	if !slices.Equal(ids, []string{"af-border", "tj-dca"}) {
		t.Errorf("agencies %v", ids)
	}
}

// TestAdminManagesTheAgencysUsers: an admin creates, lists, demotes and
// disables users of their own agency only; every change ends the user's
// sessions and is audited; nobody else may.
func TestAdminManagesTheAgencysUsers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := []string{"Authorization", "Bearer " + e.tokenFor(t, "tj-dca", "admin")}
	if _, err := e.sys.CreateUser(ctx, "farid", "af-border", "analyst", "partner password 1"); err != nil {
		t.Fatal(err)
	}
	if resp, b := e.do(t, "GET", "/api/users", ""); resp.StatusCode != 403 {
		t.Errorf("an analyst lists users: %d %s", resp.StatusCode, b)
	}
	resp, b := e.do(t, "POST", "/api/users", `{"username": "zarina", "role": "analyst", "password": "long enough pw"}`, admin...)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	u := decodeJSON(t, b)
	if u["agency"] != "tj-dca" || u["role"] != "analyst" || u["disabled"] != false {
		t.Errorf("created %v", u)
	}
	id := int(u["id"].(float64))
	for _, tc := range []struct{ name, body, param string }{
		{"bad username", `{"username": "Zarina K", "role": "analyst", "password": "long enough pw"}`, "username"},
		{"short password", `{"username": "bahrom", "role": "analyst", "password": "short"}`, "password"},
		{"unknown role", `{"username": "bahrom", "role": "chief", "password": "long enough pw"}`, "role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(t, "POST", "/api/users", tc.body, admin...)
			if got := problemParams(t, resp, b); resp.StatusCode != 400 || !slices.Contains(got, tc.param) {
				t.Errorf("%d %s, params %v, want %s", resp.StatusCode, b, got, tc.param)
			}
		})
	}
	// A taken username, even of another agency, is a conflict: nothing is replaced.
	if resp, b := e.do(t, "POST", "/api/users", `{"username": "farid", "role": "admin", "password": "long enough pw"}`, admin...); resp.StatusCode != 409 {
		t.Errorf("taken username: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, "GET", "/api/users", "", admin...)
	var names []string
	for _, x := range decodeJSON(t, b)["users"].([]any) {
		names = append(names, x.(map[string]any)["username"].(string))
	}
	if resp.StatusCode != 200 || !slices.Equal(names, []string{"zarina"}) {
		t.Errorf("users listed: %d %v", resp.StatusCode, names)
	}
	var farid int
	if err := e.pool.QueryRow(ctx, `SELECT id FROM users WHERE username = 'farid'`).Scan(&farid); err != nil {
		t.Fatal(err)
	}
	if resp, b := e.do(t, "PATCH", fmt.Sprintf("/api/users/%d", farid), `{"disabled": true}`, admin...); resp.StatusCode != 404 {
		t.Errorf("another agency's user: %d %s", resp.StatusCode, b)
	}

	// Zarina signs in; disabling her ends the session at once.
	none := []string{"Authorization", ""}
	resp, b = e.do(t, "POST", "/api/login", `{"username": "zarina", "password": "long enough pw"}`, none...)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	session := []string{"Authorization", "Bearer " + decodeJSON(t, b)["token"].(string)}
	if resp, _ := e.do(t, "GET", "/api/me", "", session...); resp.StatusCode != 200 {
		t.Fatalf("session: %d", resp.StatusCode)
	}
	resp, b = e.do(t, "PATCH", fmt.Sprintf("/api/users/%d", id), `{"disabled": true}`, admin...)
	if resp.StatusCode != 200 || decodeJSON(t, b)["disabled"] != true || decodeJSON(t, b)["sessions"] != 0.0 {
		t.Fatalf("disable: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(t, "GET", "/api/me", "", session...); resp.StatusCode != 401 {
		t.Errorf("a disabled user's session still works: %d", resp.StatusCode)
	}
	if resp, _ := e.do(t, "POST", "/api/login", `{"username": "zarina", "password": "long enough pw"}`, none...); resp.StatusCode != 401 {
		t.Errorf("a disabled user signs in: %d", resp.StatusCode)
	}
	if resp, b := e.do(t, "PATCH", fmt.Sprintf("/api/users/%d", id), `{}`, admin...); resp.StatusCode != 400 {
		t.Errorf("empty change: %d %s", resp.StatusCode, b)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('user.create', 'user.update') AND target = 'user:zarina' AND agency_id = 'tj-dca'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d audit entries (%v), want 2", n, err)
	}
}

// TestAdminCannotLockThemselvesOut: an admin signed in cannot disable or
// demote their own account.
func TestAdminCannotLockThemselvesOut(t *testing.T) {
	e := newEnv(t)
	u, err := e.sys.CreateUser(context.Background(), "head", "tj-dca", "admin", "admin password 1")
	if err != nil {
		t.Fatal(err)
	}
	resp, b := e.do(t, "POST", "/api/login", `{"username": "head", "password": "admin password 1"}`, "Authorization", "")
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	me := []string{"Authorization", "Bearer " + decodeJSON(t, b)["token"].(string)}
	for _, body := range []string{`{"disabled": true}`, `{"role": "viewer"}`} {
		if resp, b := e.do(t, "PATCH", fmt.Sprintf("/api/users/%d", u.ID), body, me...); resp.StatusCode != 400 {
			t.Errorf("%s on oneself: %d %s", body, resp.StatusCode, b)
		}
	}
}

package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// visibleSharing returns the sharing levels of tj-dca's records that
// viewer sees, and whether the bilateral one is coarsened.
func (f *accessFixture) visibleSharing(t *testing.T, viewer string) (levels string, coarsened bool) {
	t.Helper()
	tok := f.env.tokenFor(t, viewer, "viewer")
	resp, b := f.env.do(t, "GET", "/collections/events/items?agency=tj-dca&limit=100", "", "Authorization", "Bearer "+tok)
	if resp.StatusCode != 200 {
		t.Fatalf("items as %s: %d %s", viewer, resp.StatusCode, b)
	}
	var got []string
	for _, ft := range decodeJSON(t, b)["features"].([]any) {
		props := ft.(map[string]any)["properties"].(map[string]any)
		got = append(got, props["sharing"].(string))
		if props["sharing"] == "bilateral" && props["coarsened"] == true {
			coarsened = true
		}
	}
	slices.Sort(got)
	return strings.Join(got, ","), coarsened
}

func (f *accessFixture) admin(t *testing.T, agency string) []string {
	t.Helper()
	return []string{"Authorization", "Bearer " + f.env.tokenFor(t, agency, "admin"), "Content-Type", "application/json"}
}

// TestAgreementNeedsBothParties reproduces the review's finding: an admin
// alone created an agreement with another agency and saw its bilateral
// records. Now the proposal waits, changes nothing, is visible to the
// partner, cannot be accepted by its author, and takes effect when the
// partner's admin accepts it.
func TestAgreementNeedsBothParties(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	kg, tj := f.admin(t, "kg-border"), f.admin(t, "tj-dca")
	resp, b := e.do(t, "POST", "/api/agreements", `{"partner": "tj-dca"}`, kg...)
	if resp.StatusCode != 202 {
		t.Fatalf("propose: %d %s, want 202 (pending)", resp.StatusCode, b)
	}
	pid := int(decodeJSON(t, b)["proposal_id"].(float64))
	if got, _ := f.visibleSharing(t, "kg-border"); got != "regional" {
		t.Fatalf("a pending proposal widened kg-border's view: %s", got)
	}
	// The partner sees it pending.
	_, b = e.do(t, "GET", "/api/agreements", "", tj...)
	var pending int
	for _, p := range decodeJSON(t, b)["proposals"].([]any) {
		p := p.(map[string]any)
		if p["state"] == "pending" && p["proposed_by"] == "kg-border" {
			pending++
		}
	}
	if pending != 1 {
		t.Fatalf("tj-dca sees %d pending proposals from kg-border, want 1: %s", pending, b)
	}
	// Neither the author nor a third agency may accept it.
	if resp, b := e.do(t, "POST", fmt.Sprintf("/api/agreements/proposals/%d/accept", pid), "", kg...); resp.StatusCode != 403 {
		t.Fatalf("author accepts own proposal: %d %s, want 403", resp.StatusCode, b)
	}
	if resp, b := e.do(t, "POST", fmt.Sprintf("/api/agreements/proposals/%d/accept", pid), "", f.admin(t, "uz-border")...); resp.StatusCode != 404 {
		t.Fatalf("third agency accepts: %d %s, want 404", resp.StatusCode, b)
	}
	if got, _ := f.visibleSharing(t, "kg-border"); got != "regional" {
		t.Fatalf("kg-border sees %s before tj-dca accepted", got)
	}
	if resp, b := e.do(t, "POST", fmt.Sprintf("/api/agreements/proposals/%d/accept", pid), "", tj...); resp.StatusCode != 200 {
		t.Fatalf("partner accepts: %d %s", resp.StatusCode, b)
	}
	if got, coarse := f.visibleSharing(t, "kg-border"); got != "bilateral,regional" || coarse {
		t.Fatalf("after acceptance kg-border sees %s (coarsened %v), want bilateral,regional exact", got, coarse)
	}
	// Accepting twice is a conflict, not a second change.
	if resp, _ := e.do(t, "POST", fmt.Sprintf("/api/agreements/proposals/%d/accept", pid), "", tj...); resp.StatusCode != 409 {
		t.Fatalf("second accept: %d, want 409", resp.StatusCode)
	}
	assertAudited(t, f, "agreement.propose", "agreement.accept")

	// Proposals to no one, to oneself or with bad terms are refused,
	// naming the field.
	for _, tc := range []struct{ body, field string }{
		{`{"partner": "ghost-agency"}`, "partner"},
		{`{"partner": "kg-border"}`, "partner"},
		{`{"partner": "Not An Id"}`, "partner"},
		{`{"partner": "tj-dca", "coarsen_m": 5}`, "coarsen_m"},
		{`{"partner": "tj-dca", "coarsen_time": "week"}`, "coarsen_time"},
	} {
		resp, b := e.do(t, "POST", "/api/agreements", tc.body, kg...)
		if names := problemParams(t, resp, b); resp.StatusCode != 400 || len(names) == 0 || names[0] != tc.field {
			t.Errorf("%s: %d %v, want 400 naming %s", tc.body, resp.StatusCode, names, tc.field)
		}
	}
}

// TestAgreementWideningWaitsNarrowingApplies reproduces the other finding:
// a partner of a coarsening agreement removed the coarsening on its own.
// Now a finer proposal waits and can be declined, while coarser terms and
// a revocation apply at once and show in the history both parties read.
func TestAgreementWideningWaitsNarrowingApplies(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	uz, tj := f.admin(t, "uz-border"), f.admin(t, "tj-dca")
	resp, b := e.do(t, "POST", "/api/agreements", `{"partner": "tj-dca", "coarsen_m": null, "coarsen_time": null}`, uz...)
	if resp.StatusCode != 202 {
		t.Fatalf("widening: %d %s, want 202", resp.StatusCode, b)
	}
	pid := int(decodeJSON(t, b)["proposal_id"].(float64))
	if _, coarse := f.visibleSharing(t, "uz-border"); !coarse {
		t.Fatal("uz-border sees tj-dca's bilateral record exactly before tj-dca agreed")
	}
	resp, b = e.do(t, "POST", fmt.Sprintf("/api/agreements/proposals/%d/decline", pid), "", tj...)
	if resp.StatusCode != 200 || decodeJSON(t, b)["state"] != "declined" {
		t.Fatalf("decline: %d %s", resp.StatusCode, b)
	}
	if _, coarse := f.visibleSharing(t, "uz-border"); !coarse {
		t.Fatal("a declined proposal took effect")
	}
	// Coarser terms by either party apply at once.
	resp, b = e.do(t, "POST", "/api/agreements", `{"partner": "tj-dca", "coarsen_m": 20000, "coarsen_time": "month"}`, uz...)
	if resp.StatusCode != 200 || decodeJSON(t, b)["applied"] != true {
		t.Fatalf("narrowing: %d %s, want 200 applied", resp.StatusCode, b)
	}
	// A mix of coarser space and finer time widens: it waits.
	resp, b = e.do(t, "POST", "/api/agreements", `{"partner": "uz-border", "coarsen_m": 50000, "coarsen_time": "day"}`, tj...)
	if resp.StatusCode != 202 {
		t.Fatalf("mixed change: %d %s, want 202", resp.StatusCode, b)
	}
	// tj-dca sees that uz-border narrowed.
	_, b = e.do(t, "GET", "/api/agreements", "", tj...)
	body := decodeJSON(t, b)
	var narrowed bool
	for _, h := range body["history"].([]any) {
		h := h.(map[string]any)
		if h["action"] == "narrowed" && h["by"] == "uz-border" {
			narrowed = true
		}
	}
	if !narrowed {
		t.Fatalf("tj-dca's history lacks uz-border's narrowing: %s", b)
	}
	var id int
	for _, a := range body["agreements"].([]any) {
		a := a.(map[string]any)
		if a["agency_b"] == "uz-border" {
			id = int(a["id"].(float64))
			if a["coarsen_m"] != 20000.0 || a["coarsen_time"] != "month" {
				t.Fatalf("terms in force %v, want 20000 m and month", a)
			}
		}
	}
	// Either party revokes at once.
	if resp, b := e.do(t, "DELETE", fmt.Sprintf("/api/agreements/%d", id), "", uz...); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	if got, _ := f.visibleSharing(t, "uz-border"); got != "regional" {
		t.Fatalf("after revocation uz-border sees %s", got)
	}
	assertAudited(t, f, "agreement.decline", "agreement.narrow", "agreement.revoke")
}

// TestAgreementTableClosedToService: PostgreSQL itself refuses the service
// role any write of sharing_agreements, whatever the agency setting says.
func TestAgreementTableClosedToService(t *testing.T) {
	f := newAccessFixture(t)
	ctx := context.Background()
	for _, stmt := range []string{
		`INSERT INTO sharing_agreements (agency_a, agency_b) VALUES ('kg-border', 'tj-dca')`,
		`UPDATE sharing_agreements SET coarsen_m = NULL, coarsen_time = NULL`,
		`DELETE FROM sharing_agreements`,
		`UPDATE agreement_proposals SET state = 'accepted'`,
		`INSERT INTO agreement_history (agency_a, agency_b, by_agency, action) VALUES ('tj-dca', 'uz-border', 'uz-border', 'accepted')`,
		`SELECT bw_agreement_accept('tj-dca', 1)`,
	} {
		tx, err := f.env.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('role', 'bw_app', true), set_config('bw.agency', 'uz-border', true),
			set_config('bw.role', 'admin', true)`); err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, stmt)
		_ = tx.Rollback(ctx)
		if err == nil || !strings.Contains(err.Error(), "SQLSTATE 42501") {
			t.Errorf("%s as uz-border's admin: %v, want permission denied", stmt, err)
		}
	}
}

func assertAudited(t *testing.T, f *accessFixture, actions ...string) {
	t.Helper()
	for _, a := range actions {
		var n int
		if err := f.env.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1`, a).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("no audit entry %s", a)
		}
	}
}

// TestCoarseningChangeShowsNewCellAtOnce: the coarsened points a partner
// sees are kept on the record side; a change of an agreement's coarsening,
// narrowed at once or widened by acceptance, and a moved record must show
// the new cell centre in the partner's very next read, by id and by bbox.
func TestCoarseningChangeShowsNewCellAtOnce(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	ctx := context.Background()
	uz, tj := f.admin(t, "uz-border"), f.admin(t, "tj-dca")
	viewer := []string{"Authorization", "Bearer " + e.tokenFor(t, "uz-border", "viewer")}
	id := f.ids["bilateral"]
	// cell returns the centre of loc's cell of a size_m grid, as the
	// database's reference function computes it.
	cell := func(loc [2]float64, size float64) [2]float64 {
		t.Helper()
		var c [2]float64
		if err := e.pool.QueryRow(ctx, `SELECT ST_X(g), ST_Y(g) FROM bw_coarsen_point(ST_SetSRID(ST_MakePoint($1, $2), 4326), $3) g`,
			loc[0], loc[1], size).Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// seen returns where uz-border sees the record, by id, and checks that
	// a small bbox around that point finds it.
	seen := func(step string) [2]float64 {
		t.Helper()
		resp, b := e.do(t, "GET", "/collections/events/items/"+id, "", viewer...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: get: %d %s", step, resp.StatusCode, b)
		}
		co := decodeJSON(t, b)["geometry"].(map[string]any)["coordinates"].([]any)
		p := [2]float64{co[0].(float64), co[1].(float64)}
		q := fmt.Sprintf("/collections/events/items?bbox=%f,%f,%f,%f", p[0]-1e-5, p[1]-1e-5, p[0]+1e-5, p[1]+1e-5)
		resp, b = e.do(t, "GET", q, "", viewer...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: bbox: %d %s", step, resp.StatusCode, b)
		}
		fc := decodeJSON(t, b)
		found := false
		for _, ft := range fc["features"].([]any) {
			found = found || ft.(map[string]any)["id"] == id
		}
		if !found {
			t.Fatalf("%s: a bbox around %v does not find the record", step, p)
		}
		return p
	}
	loc := [2]float64{f.loc[0], f.loc[1]}
	if got, want := seen("5 km"), cell(loc, 5000); got != want {
		t.Fatalf("at 5 km uz-border sees %v, want %v", got, want)
	}
	// Narrowed by uz-border: applies at once.
	resp, b := e.do(t, "POST", "/api/agreements", `{"partner": "tj-dca", "coarsen_m": 20000, "coarsen_time": "day"}`, uz...)
	if resp.StatusCode != 200 {
		t.Fatalf("narrowing: %d %s", resp.StatusCode, b)
	}
	if got, want := seen("20 km"), cell(loc, 20000); got != want {
		t.Fatalf("at 20 km uz-border sees %v, want %v", got, want)
	}
	// Widened to 2 km: applies when tj-dca accepts uz-border's proposal.
	resp, b = e.do(t, "POST", "/api/agreements", `{"partner": "tj-dca", "coarsen_m": 2000, "coarsen_time": "day"}`, uz...)
	if resp.StatusCode != 202 {
		t.Fatalf("widening: %d %s", resp.StatusCode, b)
	}
	pid := int(decodeJSON(t, b)["proposal_id"].(float64))
	if got, want := seen("2 km proposed"), cell(loc, 20000); got != want {
		t.Fatalf("before acceptance uz-border sees %v, want %v", got, want)
	}
	if resp, b := e.do(t, "POST", fmt.Sprintf("/api/agreements/proposals/%d/accept", pid), "", tj...); resp.StatusCode != 200 {
		t.Fatalf("accept: %d %s", resp.StatusCode, b)
	}
	if got, want := seen("2 km"), cell(loc, 2000); got != want {
		t.Fatalf("at 2 km uz-border sees %v, want %v", got, want)
	}
	// The record moves 30 km east: the partner sees its new cell.
	ev, err := e.sys.GetEvent(ctx, uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	ev.Location[0] += 0.3
	if _, err := e.sys.ReplaceEvent(ctx, ev.ID, ev, nil); err != nil {
		t.Fatal(err)
	}
	loc[0] += 0.3
	if got, want := seen("moved"), cell(loc, 2000); got != want {
		t.Fatalf("after the move uz-border sees %v, want %v", got, want)
	}
	// A new bilateral record is coarsened as soon as it is written.
	nev, err := e.sys.CreateEvent(ctx, record.Event{Kind: "seizure", OccurredAt: f.at, Location: orb.Point{69.1234, 37.3456},
		AgencyID: "tj-dca", Sharing: "bilateral", SourceRef: "share-new",
		Items: []record.Item{{Drug: "opium", Quantity: 3, Unit: "kg"}}})
	if err != nil {
		t.Fatal(err)
	}
	id = nev.ID.String()
	if got, want := seen("new record"), cell([2]float64{69.1234, 37.3456}, 2000); got != want {
		t.Fatalf("a new record is seen at %v, want %v", got, want)
	}
	// Revoked: the partner sees tj-dca's regional record only.
	if got, _ := f.visibleSharing(t, "uz-border"); got != "bilateral,bilateral,regional" {
		t.Fatalf("before revocation uz-border sees %s", got)
	}
	var agreement int
	if err := e.pool.QueryRow(ctx, `SELECT id FROM sharing_agreements WHERE agency_b = 'uz-border'`).Scan(&agreement); err != nil {
		t.Fatal(err)
	}
	if resp, b := e.do(t, "DELETE", fmt.Sprintf("/api/agreements/%d", agreement), "", tj...); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	if got, _ := f.visibleSharing(t, "uz-border"); got != "regional" {
		t.Fatalf("after revocation uz-border sees %s", got)
	}
	var left int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM event_coarse WHERE agency_id = 'tj-dca'`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("coarsened points of tj-dca left after revocation: %d (%v)", left, err)
	}
}

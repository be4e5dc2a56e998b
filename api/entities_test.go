package api_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

const personBody = `{"kind": "person", "sharing": "bilateral", "synthetic": true, "notes": "met the courier in Kulob",
  "person": {"name": "Абдуллоев Фарҳод", "other_names": ["Abdulloev Farhod", "Abdullaev Farkhod"],
    "birth_date": "1984-03-02", "nationality": "TJK",
    "documents": [{"kind": "passport", "number": "400123456", "country": "TJK"}]}}`

// createEntity posts body as tj-dca's analyst and returns the id.
func (e *testEnv) createEntity(t *testing.T, body string) string {
	t.Helper()
	resp, b := e.do(t, "POST", "/api/entities", body, "Content-Type", "application/json")
	if resp.StatusCode != 201 || resp.Header.Get("ETag") == "" || resp.Header.Get("Location") == "" {
		t.Fatalf("create entity: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	return decodeJSON(t, b)["id"].(string)
}

// personalSeen reads entity id as viewer's viewer through the entity, the
// list and the network, and reports whether each showed the person's
// name, birth date and documents, and whether the withheld fields are
// named. It fails when the three disagree.
func (f *accessFixture) personalSeen(t *testing.T, viewer, id string) bool {
	t.Helper()
	auth := []string{"Authorization", "Bearer " + f.env.tokenFor(t, viewer, "viewer")}
	resp, b := f.env.do(t, "GET", "/api/entities/"+id, "", auth...)
	if resp.StatusCode != 200 {
		t.Fatalf("get as %s: %d %s", viewer, resp.StatusCode, b)
	}
	seen := func(e map[string]any) bool {
		p := e["person"].(map[string]any)
		if p["nationality"] != "TJK" {
			t.Fatalf("nationality, not personal, withheld from %s: %v", viewer, e)
		}
		personal := e["personal_data"] == true
		shown := p["name"] != nil && p["birth_date"] != nil && p["documents"] != nil && p["other_names"] != nil && e["notes"] != nil
		hidden := p["name"] == nil && p["birth_date"] == nil && p["birth_year"] == nil && p["documents"] == nil &&
			p["other_names"] == nil && e["notes"] == nil
		if personal && !shown || !personal && (!hidden || e["withheld"] == nil) {
			t.Fatalf("%s sees a mix: %v", viewer, e)
		}
		return personal
	}
	one := seen(decodeJSON(t, b))
	resp, b = f.env.do(t, "GET", "/api/entities?kind=person", "", auth...)
	if resp.StatusCode != 200 {
		t.Fatalf("list as %s: %d %s", viewer, resp.StatusCode, b)
	}
	var inList []bool
	for _, e := range decodeJSON(t, b)["entities"].([]any) {
		if e.(map[string]any)["id"] == id {
			inList = append(inList, seen(e.(map[string]any)))
		}
	}
	resp, b = f.env.do(t, "GET", "/api/entities/"+id+"/network?depth=1", "", auth...)
	if resp.StatusCode != 200 {
		t.Fatalf("network as %s: %d %s", viewer, resp.StatusCode, b)
	}
	for _, n := range decodeJSON(t, b)["nodes"].([]any) {
		if n := n.(map[string]any); n["id"] == id {
			inList = append(inList, seen(n["entity"].(map[string]any)))
		}
	}
	if len(inList) != 2 || inList[0] != one || inList[1] != one {
		t.Fatalf("%s: entity shows personal data %v, list and network %v", viewer, one, inList)
	}
	return one
}

// TestEntityPersonalDataThroughEveryEndpoint: a bilateral person is
// invisible to an agency without an agreement, and a partner sees its
// personal data only once both admins accepted the personal-data term;
// withdrawing the term withholds it again at once.
func TestEntityPersonalDataThroughEveryEndpoint(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	id := e.createEntity(t, personBody)
	if !f.personalSeen(t, "tj-dca", id) {
		t.Fatal("the owner does not see its own person's personal data")
	}
	kg := []string{"Authorization", "Bearer " + e.tokenFor(t, "kg-border", "viewer")}
	for _, path := range []string{"/api/entities/" + id, "/api/entities/" + id + "/network"} {
		if resp, b := e.do(t, "GET", path, "", kg...); resp.StatusCode != 404 {
			t.Fatalf("kg-border GET %s: %d %s, want 404", path, resp.StatusCode, b)
		}
	}
	if resp, b := e.do(t, "GET", "/api/entities", "", kg...); resp.StatusCode != 200 || len(decodeJSON(t, b)["entities"].([]any)) != 0 {
		t.Fatalf("kg-border lists: %d %s, want no entity", resp.StatusCode, b)
	}
	if f.personalSeen(t, "af-border", id) {
		t.Fatal("af-border sees personal data without the term")
	}
	af, tj := f.admin(t, "af-border"), f.admin(t, "tj-dca")
	resp, b := e.do(t, "POST", "/api/agreements", `{"partner": "tj-dca", "personal_data": true}`, af...)
	if resp.StatusCode != 202 {
		t.Fatalf("propose personal data: %d %s, want 202", resp.StatusCode, b)
	}
	pid := int(decodeJSON(t, b)["proposal_id"].(float64))
	if f.personalSeen(t, "af-border", id) {
		t.Fatal("af-border's own proposal let it see personal data")
	}
	if resp, b := e.do(t, "POST", fmt.Sprintf("/api/agreements/proposals/%d/accept", pid), "", tj...); resp.StatusCode != 200 {
		t.Fatalf("accept: %d %s", resp.StatusCode, b)
	}
	if !f.personalSeen(t, "af-border", id) {
		t.Fatal("af-border does not see personal data after tj-dca accepted")
	}
	var reads int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE action = 'entity.read_personal' AND agency_id = 'af-border' AND target = $1`, "entity:"+id).Scan(&reads); err != nil {
		t.Fatal(err)
	}
	if reads != 3 {
		t.Errorf("af-border's reads of personal data audited %d times, want 3 (entity, list, network)", reads)
	}
	resp, b = e.do(t, "POST", "/api/agreements", `{"partner": "af-border"}`, tj...)
	if resp.StatusCode != 200 || decodeJSON(t, b)["applied"] != true {
		t.Fatalf("withdraw personal data: %d %s, want 200 applied", resp.StatusCode, b)
	}
	if f.personalSeen(t, "af-border", id) {
		t.Fatal("withdrawn personal-data term still lets af-border see personal data")
	}
}

func TestEntityWritesFollowEventConventions(t *testing.T) {
	e := newEnv(t)
	json := []string{"Content-Type", "application/json"}
	for _, tc := range []struct{ body, field string }{
		{`{"kind": "person", "person": {"name": ""}}`, "person.name"},
		{`{"kind": "person", "person": {"name": "x", "birth_date": "1984-13-40"}}`, "person.birth_date"},
		{`{"kind": "vehicle", "vehicle": {"plate": "4521 AB 03", "kind": "camel"}}`, "vehicle.kind"},
		{`{"kind": "vehicle", "vehicle": {"plate": 4521}}`, "vehicle.plate"},
		{`{"kind": "spaceship"}`, "kind"},
		{`{"kind": "group", "group": {"name": "g"}, "colour": "red"}`, "colour"},
		{`{"kind": "group", "agency": "af-border", "group": {"name": "g"}}`, "agency"},
	} {
		resp, b := e.do(t, "POST", "/api/entities", tc.body, json...)
		if names := problemParams(t, resp, b); resp.StatusCode/100 != 4 || !slices.Contains(names, tc.field) {
			t.Errorf("%s: %d %v, want a client error naming %s", tc.body, resp.StatusCode, names, tc.field)
		}
	}
	viewer := []string{"Authorization", "Bearer " + e.tokenFor(t, "tj-dca", "viewer"), "Content-Type", "application/json"}
	if resp, _ := e.do(t, "POST", "/api/entities", personBody, viewer...); resp.StatusCode != 403 {
		t.Fatalf("viewer creates: %d, want 403", resp.StatusCode)
	}
	// Idempotency-Key: a retry returns the first entity.
	truck := `{"kind": "vehicle", "sharing": "regional", "vehicle": {"plate": "4521 AB 03", "plate_country": "TJK", "kind": "truck", "make": "KAMAZ", "colour": "grey"}}`
	resp, b := e.do(t, "POST", "/api/entities", truck, "Content-Type", "application/json", "Idempotency-Key", "k1")
	resp2, b2 := e.do(t, "POST", "/api/entities", truck, "Content-Type", "application/json", "Idempotency-Key", "k1")
	if resp.StatusCode != 201 || resp2.StatusCode != 201 || resp2.Header.Get("Idempotent-Replayed") != "true" ||
		decodeJSON(t, b)["id"] != decodeJSON(t, b2)["id"] {
		t.Fatalf("idempotent create: %d %s / %d %s", resp.StatusCode, b, resp2.StatusCode, b2)
	}
	id, etag := decodeJSON(t, b)["id"].(string), resp.Header.Get("ETag")
	changed := `{"kind": "vehicle", "sharing": "regional", "vehicle": {"plate": "4521 AB 03", "kind": "truck", "colour": "white"}}`
	if resp, _ := e.do(t, "PUT", "/api/entities/"+id, changed, json...); resp.StatusCode != 428 {
		t.Fatalf("PUT without If-Match: %d, want 428", resp.StatusCode)
	}
	resp, b = e.do(t, "PUT", "/api/entities/"+id, changed, "Content-Type", "application/json", "If-Match", etag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Fatalf("PUT: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(t, "PUT", "/api/entities/"+id, changed, "Content-Type", "application/json", "If-Match", etag); resp.StatusCode != 412 {
		t.Fatalf("stale PUT: %d, want 412", resp.StatusCode)
	}
	if resp, _ := e.do(t, "GET", "/api/entities/"+id, "", "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != 304 {
		t.Fatalf("conditional GET: %d, want 304", resp.StatusCode)
	}
	// The plate's matching key follows the change.
	var keys int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM entity_key_records WHERE entity_id = $1 AND kind = 'plate' AND key = '4521AB03'`, id).Scan(&keys); err != nil || keys != 1 {
		t.Fatalf("plate key: %d %v", keys, err)
	}
	if resp, _ := e.do(t, "DELETE", "/api/entities/"+id, "", "If-Match", "*"); resp.StatusCode != 204 {
		t.Fatalf("DELETE: %d, want 204", resp.StatusCode)
	}
	for _, a := range []string{"entity.create", "entity.update", "entity.delete"} {
		var n int
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1`, a).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit %s: %d entries (%v), want 1", a, n, err)
		}
	}
}

// TestEntityNetworkHidesPathsThroughHiddenEntities: a group's member that
// a viewer may not see hides the vehicle behind it, and the answer holds
// only visible nodes and edges between them.
func TestEntityNetworkHidesPathsThroughHiddenEntities(t *testing.T) {
	f := newAccessFixture(t)
	e := f.env
	group := e.createEntity(t, `{"kind": "group", "sharing": "regional", "group": {"name": "Kulob network"}}`)
	hidden := e.createEntity(t, `{"kind": "person", "sharing": "agency", "person": {"name": "Қодиров Ҷамшед"}}`)
	member := e.createEntity(t, `{"kind": "person", "sharing": "regional", "person": {"name": "عبدالله رحیمی"}}`)
	truck := e.createEntity(t, `{"kind": "vehicle", "sharing": "regional", "vehicle": {"plate": "4521АВ03", "kind": "truck"}}`)
	hdr := []string{"Content-Type", "application/json"}
	for _, l := range [][3]string{{hidden, group, "member_of"}, {hidden, truck, "driver_of"}, {member, group, "member_of"}} {
		resp, b := e.do(t, "POST", "/api/entities/"+l[0]+"/links", fmt.Sprintf(`{"to": %q, "role": %q}`, l[1], l[2]), hdr...)
		if resp.StatusCode != 201 {
			t.Fatalf("link %s: %d %s", l[2], resp.StatusCode, b)
		}
	}
	if resp, b := e.do(t, "POST", "/api/entities/"+member+"/links", fmt.Sprintf(`{"to": %q, "role": "member_of"}`, group), hdr...); resp.StatusCode != 409 {
		t.Fatalf("duplicate link: %d %s, want 409", resp.StatusCode, b)
	}
	if resp, b := e.do(t, "POST", "/api/entities/"+truck+"/links", fmt.Sprintf(`{"to": %q, "role": "member_of"}`, group), hdr...); resp.StatusCode != 400 ||
		!slices.Contains(problemParams(t, resp, b), "role") {
		t.Fatalf("a truck member_of a group: %d %s, want 400 naming role", resp.StatusCode, b)
	}
	seizure := f.ids["regional"]
	resp, b := e.do(t, "POST", "/api/events/"+seizure+"/entities", fmt.Sprintf(`{"entity": %q, "role": "vehicle"}`, truck), hdr...)
	if resp.StatusCode != 201 {
		t.Fatalf("link seizure: %d %s", resp.StatusCode, b)
	}
	network := func(viewer string) (nodes, edges []string) {
		t.Helper()
		auth := []string{"Authorization", "Bearer " + e.tokenFor(t, viewer, "viewer")}
		resp, b := e.do(t, "GET", "/api/entities/"+group+"/network?depth=2", "", auth...)
		if resp.StatusCode != 200 {
			t.Fatalf("network as %s: %d %s", viewer, resp.StatusCode, b)
		}
		body := decodeJSON(t, b)
		for _, n := range body["nodes"].([]any) {
			nodes = append(nodes, n.(map[string]any)["id"].(string))
		}
		for _, ed := range body["edges"].([]any) {
			ed := ed.(map[string]any)
			if !slices.Contains(nodes, ed["from"].(string)) || !slices.Contains(nodes, ed["to"].(string)) {
				t.Fatalf("%s: edge %v leaves the visible nodes", viewer, ed)
			}
			edges = append(edges, ed["role"].(string))
		}
		slices.Sort(nodes)
		slices.Sort(edges)
		return nodes, edges
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }
	if nodes, edges := network("tj-dca"); !slices.Equal(nodes, sorted(group, hidden, member, truck)) ||
		!slices.Equal(edges, []string{"driver_of", "member_of", "member_of"}) {
		t.Fatalf("tj-dca's network: %v %v", nodes, edges)
	}
	if nodes, edges := network("kg-border"); !slices.Equal(nodes, sorted(group, member)) || !slices.Equal(edges, []string{"member_of"}) {
		t.Fatalf("kg-border's network: %v %v, want the group and its visible member only", nodes, edges)
	}
	if resp, b := e.do(t, "GET", "/api/entities/"+group+"/network?depth=9", ""); resp.StatusCode != 400 ||
		!slices.Contains(problemParams(t, resp, b), "depth") {
		t.Fatalf("depth 9: %d %s, want 400 naming depth", resp.StatusCode, b)
	}
	// The seizure's entities: the truck, for anyone who sees both.
	resp, b = e.do(t, "GET", "/api/events/"+seizure+"/entities", "", "Authorization", "Bearer "+e.tokenFor(t, "kg-border", "viewer"))
	if resp.StatusCode != 200 || len(decodeJSON(t, b)["entities"].([]any)) != 1 {
		t.Fatalf("entities of the seizure as kg-border: %d %s", resp.StatusCode, b)
	}
}

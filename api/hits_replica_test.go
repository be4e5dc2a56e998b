package api_test

import (
	"fmt"
	"testing"
	"time"
)

// TestHitReachesAnotherReplicaWithinASecond: af-border records a vehicle,
// written with Cyrillic look-alike letters, on replica A that matches a
// lookout tj-dca addressed to it; af-border's stream, open on replica B,
// carries the hit within a second of the request that committed it (timed
// from sending the request, so an upper bound of commit → stream). The
// release, also on A, reaches tj-dca's stream on B within a second too,
// and tj-dca's stream carried nothing of the hit before it.
func TestHitReachesAnotherReplicaWithinASecond(t *testing.T) {
	e := newEnv(t)
	e.truckLookout(t)
	b := newReplica(t, e.url)
	afToken := e.tokenFor(t, "af-border", "analyst")
	af := []string{"Authorization", "Bearer " + afToken, "Content-Type", "application/json"}
	recorder := openStream(t, b.URL, afToken, "types=hit", "")
	author := openStream(t, b.URL, e.token, "types=hit", "")

	sent := time.Now()
	resp, body := e.do(t, "POST", "/api/entities", `{"kind": "vehicle", "sharing": "agency", "synthetic": true,
		"vehicle": {"plate": "4521АВ03"}}`, af...)
	if resp.StatusCode != 201 {
		t.Fatalf("af-border records: %d %s", resp.StatusCode, body)
	}
	ev := recorder.next(t, 5*time.Second, "the hit on af-border's stream on replica B")
	if ev.Type != "hit" || ev.Data["state"] != "hit" || ev.Data["entity_id"] != decodeJSON(t, body)["id"] {
		t.Fatalf("af-border's stream carried %s %v", ev.Type, ev.Data)
	}
	if d := ev.At.Sub(sent); d > time.Second {
		t.Errorf("the hit reached replica B %v after the record was sent; want within 1 s", d)
	}
	t.Logf("record → hit on another replica: %v", ev.At.Sub(sent))
	hit := int64(ev.Data["hit_id"].(float64))

	sent = time.Now()
	if resp, body = e.do(t, "POST", fmt.Sprintf("/api/hits/%d/release", hit), "", af...); resp.StatusCode != 200 {
		t.Fatalf("release: %d %s", resp.StatusCode, body)
	}
	ev = author.next(t, 5*time.Second, "the released hit on tj-dca's stream on replica B")
	if ev.Type != "hit" || ev.Data["state"] != "released" || int64(ev.Data["hit_id"].(float64)) != hit {
		t.Fatalf("tj-dca's first hit event is %s %v; want the release of hit %d (nothing before it)", ev.Type, ev.Data, hit)
	}
	if d := ev.At.Sub(sent); d > time.Second {
		t.Errorf("the release reached replica B %v after it was sent; want within 1 s", d)
	}
}

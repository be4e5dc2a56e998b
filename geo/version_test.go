package geo

import (
	"testing"
	"time"
)

// TestVisibleVersion: a viewer's version moves with what it may see and
// with nothing else.
func TestVisibleVersion(t *testing.T) {
	var ix Index
	ev := func(id byte, agency uint16, s Sharing) Event {
		return Event{ID: [16]byte{id}, Lon: 69, Lat: 37.5, At: time.Unix(1.7e9, 0), Kind: KindIncident,
			Category: CategoryArrest, Severity: 1, Agency: agency, Sharing: s}
	}
	if err := ix.Load([]Event{ev(1, 1, SharingRegional)}); err != nil {
		t.Fatal(err)
	}
	// Agency 1 is the viewer; 2 a partner; 3 an unrelated agency.
	vis := &Visibility{Agency: 1, Partners: []Partner{{Agency: 2}}}
	v0 := ix.VisibleVersion(vis)
	step := func(name string, change func(), wantMoved bool) {
		t.Helper()
		before := ix.VisibleVersion(vis)
		change()
		after := ix.VisibleVersion(vis)
		if after < before {
			t.Fatalf("%s: version went back from %d to %d", name, before, after)
		}
		if (after != before) != wantMoved {
			t.Errorf("%s: version %d → %d, moved %v, want %v", name, before, after, after != before, wantMoved)
		}
	}
	up := func(e Event) func() { return func() { _ = ix.Upsert(e) } }
	step("unrelated agency-only record", up(ev(10, 3, SharingAgency)), false)
	step("unrelated bilateral record", up(ev(11, 3, SharingBilateral)), false)
	step("partner's agency-only record", up(ev(12, 2, SharingAgency)), false)
	step("partner's bilateral record", up(ev(13, 2, SharingBilateral)), true)
	step("unrelated regional record", up(ev(14, 3, SharingRegional)), true)
	step("own agency-only record", up(ev(15, 1, SharingAgency)), true)
	step("unrelated record made regional", up(ev(10, 3, SharingRegional)), true)
	step("unrelated record made agency-only again", up(ev(10, 3, SharingAgency)), true)
	step("unrelated hidden record deleted", func() { ix.Delete([16]byte{11}) }, false)
	step("partner's bilateral record deleted", func() { ix.Delete([16]byte{13}) }, true)
	step("full load", func() { _ = ix.Load([]Event{ev(1, 1, SharingRegional)}) }, true)
	if ix.VisibleVersion(vis) <= v0 {
		t.Error("the version did not grow")
	}
	// Without a visibility every change counts.
	before := ix.VisibleVersion(nil)
	_ = ix.Upsert(ev(20, 3, SharingAgency))
	if ix.VisibleVersion(nil) == before {
		t.Error("the unrestricted version missed a change")
	}
}

package data_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// TestPurgeRemovesPersonalDataOfEntitiesOnlyExpiredLookoutsNamed: the
// purge of an expired lookout also purges the personal data (and the
// name, skeleton and document keys) of the subjects that no event links
// to and no other message names, audits their ids, and keeps every other
// entity as it was: one an event of another agency links to, one an
// active lookout names, one a lookout within its retention names, and one
// no lookout ever named.
func TestPurgeRemovesPersonalDataOfEntitiesOnlyExpiredLookoutsNamed(t *testing.T) {
	e := newMsgEnv(t)
	ctx := context.Background()
	tj, af := as("tj-dca", "analyst"), as("af-border", "analyst")
	person := func(name string) uuid.UUID {
		t.Helper()
		p := testPerson("regional")
		p.Person.Name = name
		out, err := e.store.CreateEntity(tj, p)
		if err != nil {
			t.Fatal(err)
		}
		return out.ID
	}
	onlyExpired := person("Қодиров Бахтиёр")
	withEvent := person("Абдуллоев Фарҳод")
	withActive := person("Раҳимов Ҷамшед")
	withRecent := person("Сафаров Илҳом")
	never := person("Назаров Умед")
	truck, err := e.store.CreateEntity(tj, record.Entity{Kind: record.EntityVehicle, AgencyID: "tj-dca", Sharing: "regional",
		Notes: "seen at night", Vehicle: &record.Vehicle{Plate: "7707 TT 01", Kind: "truck"}})
	if err != nil {
		t.Fatal(err)
	}
	// An event of the partner links one subject: the purge sees it though
	// tj-dca could not.
	ev, err := e.store.CreateEvent(af, record.Event{Kind: "seizure", OccurredAt: time.Now().Add(-24 * time.Hour),
		Location: orb.Point{68.8, 37.1}, AgencyID: "af-border", Sharing: "agency",
		Items: []record.Item{{Drug: "heroin", Quantity: 12, Unit: "kg"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.LinkEventEntity(af, ev.ID, withEvent, "driver"); err != nil {
		t.Fatal(err)
	}
	window := func(d data.MessageDraft, fromDays, untilDays int) data.MessageDraft {
		from, until := time.Now().Add(time.Duration(fromDays)*24*time.Hour), time.Now().Add(time.Duration(untilDays)*24*time.Hour)
		d.ValidFrom, d.ValidUntil = &from, &until
		return d
	}
	expired := lookout("af-border")
	expired.Subjects = []uuid.UUID{onlyExpired, withEvent, withActive, withRecent, truck.ID}
	e.send(t, "tj-dca", window(expired, -40, -31))
	active := lookout("af-border")
	active.Subjects = []uuid.UUID{withActive}
	e.send(t, "tj-dca", active)
	recent := lookout("af-border")
	recent.Subjects = []uuid.UUID{withRecent}
	e.send(t, "tj-dca", window(recent, -3, -2))

	sys := data.NewFromPool(e.pool)
	rep, err := sys.PurgeExpired(ctx, 30*24*time.Hour, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entities != 2 {
		t.Errorf("purged %d entities, want the person and the truck only the expired lookout named", rep.Entities)
	}
	type row struct {
		name, notes     *string
		others          []string
		birthYear       *int16
		docs            string
		plate           *string
		purged          bool
		personalKeys    int
		plateKeys       int
		nationalityKept bool
	}
	read := func(id uuid.UUID) row {
		t.Helper()
		var r row
		if err := e.pool.QueryRow(ctx, `SELECT name, notes, other_names, birth_year, documents::text, plate,
			purged_at IS NOT NULL, nationality IS NOT NULL OR kind <> 'person',
			(SELECT count(*) FROM entity_key_records k WHERE k.entity_id = r.id AND k.kind <> 'plate'),
			(SELECT count(*) FROM entity_key_records k WHERE k.entity_id = r.id AND k.kind = 'plate')
			FROM entity_records r WHERE id = $1`, id).Scan(&r.name, &r.notes, &r.others, &r.birthYear, &r.docs, &r.plate,
			&r.purged, &r.nationalityKept, &r.personalKeys, &r.plateKeys); err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, id := range []uuid.UUID{onlyExpired, truck.ID} {
		r := read(id)
		if !r.purged || (id == onlyExpired && r.name != nil) || r.notes != nil || len(r.others) != 0 || r.birthYear != nil ||
			r.docs != "[]" || r.personalKeys != 0 || !r.nationalityKept {
			t.Errorf("entity %s after the purge: %+v; want its personal data and keys gone, nationality kept", id, r)
		}
	}
	if r := read(truck.ID); r.plate == nil || *r.plate != "7707 TT 01" || r.plateKeys == 0 {
		t.Errorf("the purged truck lost its plate or plate key: %+v", r)
	}
	for _, id := range []uuid.UUID{withEvent, withActive, withRecent, never} {
		if r := read(id); r.purged || r.name == nil || r.notes == nil || r.birthYear == nil || r.docs == "[]" || r.personalKeys == 0 {
			t.Errorf("entity %s was purged: %+v", id, r)
		}
	}
	// Its owner reading it through the service sees no name any more.
	got, err := e.store.GetEntity(tj, onlyExpired)
	if err != nil {
		t.Fatal(err)
	}
	if got.Person == nil || got.Person.Name != "" || got.Person.BirthDate != "" || len(got.Person.Documents) != 0 {
		t.Errorf("the owner reads the purged person as %+v", got.Person)
	}
	var audited []uuid.UUID
	if err := e.pool.QueryRow(ctx, `SELECT array(SELECT jsonb_array_elements_text(detail->'entities')::uuid)
		FROM audit_log WHERE action = 'purge.entities'`).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(audited, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	want := []uuid.UUID{onlyExpired, truck.ID}
	slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	if !slices.Equal(audited, want) {
		t.Errorf("audited purge of %v, want %v", audited, want)
	}
	// Once the recent lookout is past its retention too, its subject goes.
	rep, err = sys.PurgeExpired(ctx, 24*time.Hour, 365*24*time.Hour)
	if err != nil || rep.Entities != 1 {
		t.Fatalf("second purge = %+v, %v; want the subject of the recent lookout", rep, err)
	}
	if !read(withRecent).purged || read(withActive).purged || read(withEvent).purged {
		t.Error("the second purge took the wrong entities")
	}
}

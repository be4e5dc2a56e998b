package data_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/record"
)

// hitEnv is a fresh database with the BLO pair tj-border and af-border
// (an agreement without the personal-data term) and uz-border, a partner
// of neither.
type hitEnv struct {
	pool  *pgxpool.Pool
	store *data.Store
}

func newHitEnv(t *testing.T) *hitEnv {
	t.Helper()
	url := datatest.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, q := range []string{
		`INSERT INTO agencies (id, name, country, kind) VALUES ('tj-border', 'TJ', 'TJK', 'border_guard'),
			('af-border', 'ABP', 'AFG', 'border_guard'), ('uz-border', 'UZB', 'UZB', 'border_guard')`,
		`INSERT INTO sharing_agreements (agency_a, agency_b) VALUES ('af-border', 'tj-border')`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	store, err := data.Open(ctx, data.Config{URL: url, Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	return &hitEnv{pool: pool, store: store}
}

func (e *hitEnv) entity(t *testing.T, agency, sharing string, ent record.Entity) record.Entity {
	t.Helper()
	ent.AgencyID, ent.Sharing, ent.Synthetic = agency, sharing, true
	out, err := e.store.CreateEntity(as(agency, "analyst"), ent)
	if err != nil {
		t.Fatalf("%s creates %+v: %v", agency, ent, err)
	}
	return out
}

func vehicle(plate string) record.Entity {
	return record.Entity{Kind: record.EntityVehicle, Vehicle: &record.Vehicle{Plate: plate, Kind: "truck"}}
}

func person(name string, other ...string) record.Entity {
	return record.Entity{Kind: record.EntityPerson, Person: &record.Person{Name: name, OtherNames: other}}
}

// lookoutAbout sends a lookout from tj-border to af-border about subjects.
func (e *hitEnv) lookoutAbout(t *testing.T, subjects ...uuid.UUID) data.Message {
	t.Helper()
	until := time.Now().Add(48 * time.Hour)
	m, _, err := e.store.SendMessage(as("tj-border", "analyst"), data.MessageDraft{Kind: "lookout", Urgency: "urgent",
		Text: "grey Kamaz left Kulob for Panji Poyon", Recipients: []string{"af-border"}, Subjects: subjects,
		ValidUntil: &until}, data.DefaultAckDeadlines(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func hitsOf(t *testing.T, s *data.Store, agency string) []data.Hit {
	t.Helper()
	hs, err := s.ListHits(as(agency, "viewer"), data.HitQuery{Limit: 100})
	if err != nil {
		t.Fatalf("%s lists hits: %v", agency, err)
	}
	return hs
}

// streamHits returns the hit entries on agency's stream.
func streamHits(t *testing.T, s *data.Store, agency string) []map[string]any {
	t.Helper()
	all, _ := readAll(t, s, as(agency, "viewer"), 0)
	var out []map[string]any
	for _, en := range all {
		if en.Type != "hit" {
			continue
		}
		var p map[string]any
		if err := json.Unmarshal(en.Payload, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestHitOnACyrillicPlateReachesTheRecorderThenTheAuthorOnRelease(t *testing.T) {
	e := newHitEnv(t)
	subject := e.entity(t, "tj-border", "agency", vehicle("4521 AB 03"))
	lo := e.lookoutAbout(t, subject.ID)

	// af-border records the truck, its plate with Cyrillic А and В.
	rec := e.entity(t, "af-border", "agency", vehicle("4521АВ03"))
	hs := hitsOf(t, e.store, "af-border")
	if len(hs) != 1 || hs[0].MessageID != lo.ID || hs[0].SubjectID != subject.ID || hs[0].EntityID != rec.ID ||
		hs[0].Kind != "vehicle" || hs[0].Score < 0.85 || hs[0].Agency != "af-border" || hs[0].AuthorAgency != "tj-border" {
		t.Fatalf("af-border's hits = %+v", hs)
	}
	if sh := streamHits(t, e.store, "af-border"); len(sh) != 1 || sh[0]["hit_id"] != float64(hs[0].ID) {
		t.Fatalf("af-border's stream hits = %v", sh)
	}
	// Not released and the record is af-border's alone: tj-border knows
	// nothing yet, uz-border never.
	for _, ag := range []string{"tj-border", "uz-border"} {
		if got := hitsOf(t, e.store, ag); len(got) != 0 {
			t.Errorf("%s sees hits %+v before the release", ag, got)
		}
		if _, err := e.store.GetHit(as(ag, "admin"), hs[0].ID); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("%s gets the hit: %v", ag, err)
		}
		if sh := streamHits(t, e.store, ag); len(sh) != 0 {
			t.Errorf("%s's stream has hits %v", ag, sh)
		}
	}
	// Only the recording agency releases it, and not as a viewer.
	if _, err := e.store.ReleaseHit(as("tj-border", "admin"), hs[0].ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("tj-border releases af-border's hit: %v", err)
	}
	if _, err := e.store.ReleaseHit(as("af-border", "viewer"), hs[0].ID); !errors.Is(err, data.ErrForbidden) {
		t.Errorf("a viewer releases the hit: %v", err)
	}
	rel, err := e.store.ReleaseHit(as("af-border", "analyst"), hs[0].ID)
	if err != nil || rel.ReleasedAt == nil || *rel.ReleasedBy != "test:af-border" {
		t.Fatalf("release = %+v, %v", rel, err)
	}
	if got := hitsOf(t, e.store, "tj-border"); len(got) != 1 || got[0].ID != hs[0].ID {
		t.Fatalf("tj-border's hits after the release = %+v", got)
	}
	if sh := streamHits(t, e.store, "tj-border"); len(sh) != 1 || sh[0]["state"] != "released" {
		t.Fatalf("tj-border's stream hits after the release = %v", sh)
	}
	if got := hitsOf(t, e.store, "uz-border"); len(got) != 0 {
		t.Errorf("uz-border sees hits %+v after the release", got)
	}
	if sh := streamHits(t, e.store, "uz-border"); len(sh) != 0 {
		t.Errorf("uz-border's stream has hits %v", sh)
	}
	// Saving the record again raises no second hit; creation and release
	// are audited.
	if _, err := e.store.ReplaceEntity(as("af-border", "analyst"), rec.ID, rec, nil); err != nil {
		t.Fatal(err)
	}
	if got := hitsOf(t, e.store, "af-border"); len(got) != 1 {
		t.Errorf("hits after saving again = %+v", got)
	}
	var audited int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE action IN ('hit.create', 'hit.release') AND target = $1`, fmt.Sprintf("hit:%d", hs[0].ID)).Scan(&audited); err != nil || audited != 2 {
		t.Errorf("audit entries of the hit = %d, %v", audited, err)
	}
	// The lookout's subject cannot be deleted under it.
	if err := e.store.DeleteEntity(as("tj-border", "analyst"), subject.ID, nil); !errors.Is(err, data.ErrConflict) {
		t.Errorf("deleting a lookout's subject: %v", err)
	}
}

func TestHitSharedRecordReachesTheAuthorAtOnce(t *testing.T) {
	e := newHitEnv(t)
	subject := e.entity(t, "tj-border", "agency", vehicle("4521 AB 03"))
	e.lookoutAbout(t, subject.ID)
	// A bilateral record of af-border is tj-border's to see anyway.
	rec := e.entity(t, "af-border", "bilateral", vehicle("4521-ab-03"))
	got := hitsOf(t, e.store, "tj-border")
	if len(got) != 1 || got[0].EntityID != rec.ID || got[0].ReleasedAt != nil {
		t.Fatalf("tj-border's hits = %+v", got)
	}
	if sh := streamHits(t, e.store, "tj-border"); len(sh) != 1 || sh[0]["state"] != "hit" {
		t.Fatalf("tj-border's stream hits = %v", sh)
	}
	if got := hitsOf(t, e.store, "uz-border"); len(got) != 0 {
		t.Errorf("uz-border sees %+v", got)
	}
}

func TestHitPersonAcrossScripts(t *testing.T) {
	e := newHitEnv(t)
	subject := e.entity(t, "tj-border", "agency", person("Абдуллоев Фарҳод"))
	e.lookoutAbout(t, subject.ID)
	e.entity(t, "af-border", "agency", person("Rahimi Abdullah"))         // someone else
	rec := e.entity(t, "af-border", "agency", person("Abdulloev Farhod")) // the driver
	hs := hitsOf(t, e.store, "af-border")
	if len(hs) != 1 || hs[0].EntityID != rec.ID || hs[0].Kind != "person" {
		t.Fatalf("af-border's hits = %+v", hs)
	}
}

func TestHitFromAnEventLink(t *testing.T) {
	e := newHitEnv(t)
	subject := e.entity(t, "tj-border", "agency", vehicle("4521 AB 03"))
	e.lookoutAbout(t, subject.ID)
	// uz-border's regional record of the truck raises nothing for
	// uz-border (no lookout addressed to it); af-border linking it to its
	// seizure does.
	truck := e.entity(t, "uz-border", "regional", vehicle("4521 AB 03"))
	if got := hitsOf(t, e.store, "uz-border"); len(got) != 0 {
		t.Fatalf("uz-border's hits = %+v", got)
	}
	var event uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `INSERT INTO event_records (agency_id, kind, occurred_at, geom, items)
		VALUES ('af-border', 'seizure', now(), ST_SetSRID(ST_MakePoint(68.9, 37.2), 4326),
		        '[{"drug": "heroin", "quantity": 1, "unit": "kg"}]') RETURNING id`).Scan(&event); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.LinkEventEntity(as("af-border", "analyst"), event, truck.ID, "vehicle"); err != nil {
		t.Fatal(err)
	}
	hs := hitsOf(t, e.store, "af-border")
	if len(hs) != 1 || hs[0].EntityID != truck.ID || hs[0].EventID == nil || *hs[0].EventID != event {
		t.Fatalf("af-border's hits = %+v", hs)
	}
}

func TestNoHitOnAnExpiredLookoutOrAnotherPlate(t *testing.T) {
	e := newHitEnv(t)
	subject := e.entity(t, "tj-border", "agency", vehicle("4521 AB 03"))
	lo := e.lookoutAbout(t, subject.ID)
	e.entity(t, "af-border", "agency", vehicle("4527 AB 08")) // a different truck
	if _, err := e.pool.Exec(context.Background(), `UPDATE messages SET valid_until = now() - interval '1 minute' WHERE id = $1`, lo.ID); err != nil {
		t.Fatal(err)
	}
	e.entity(t, "af-border", "agency", vehicle("4521АВ03"))
	if got := hitsOf(t, e.store, "af-border"); len(got) != 0 {
		t.Fatalf("hits on an expired lookout or another plate: %+v", got)
	}
}

func TestHitCandidatesRefuseAnotherAgencysEntity(t *testing.T) {
	e := newHitEnv(t)
	subject := e.entity(t, "tj-border", "agency", vehicle("4521 AB 03"))
	e.lookoutAbout(t, subject.ID)
	other := e.entity(t, "uz-border", "regional", vehicle("4521 AB 03"))
	// af-border may not probe the lookouts with an entity that is neither
	// its own nor linked to its events.
	err := e.store.InTx(as("af-border", "analyst"), func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `SELECT * FROM bw_hit_candidates($1)`, other.ID)
		return data.MapErr(err)
	})
	if !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("probing with uz-border's entity: %v", err)
	}
}

func TestMatchRespectsVisibilityAndPersonalData(t *testing.T) {
	e := newHitEnv(t)
	p := e.entity(t, "tj-border", "regional", person("Абдуллоев Фарҳод"))
	v := e.entity(t, "tj-border", "regional", vehicle("4521 AB 03"))
	e.entity(t, "tj-border", "agency", vehicle("4521 AB 04"))
	match := func(agency, kind, text string) []data.MatchResult {
		t.Helper()
		res, err := e.store.MatchEntities(as(agency, "viewer"), data.MatchQuery{Kind: kind, Text: text, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := match("tj-border", "person", "Abdulloev Farhod"); len(res) != 1 || res[0].Entity.ID != p.ID || res[0].Score < 0.85 {
		t.Fatalf("the owner matches its person: %+v", res)
	}
	// Without the personal-data term the partner (and a regional viewer)
	// cannot match by name: not even that a name exists.
	for _, ag := range []string{"af-border", "uz-border"} {
		if res := match(ag, "person", "Abdulloev Farhod"); len(res) != 0 {
			t.Errorf("%s matches a withheld name: %+v", ag, res)
		}
	}
	// Plates are not personal: the regional truck matches, the agency one
	// is hidden.
	res := match("uz-border", "vehicle", "4521АВ03")
	if len(res) != 1 || res[0].Entity.ID != v.ID || res[0].Score != 1 {
		t.Fatalf("uz-border's plate matches: %+v", res)
	}
	if _, err := e.pool.Exec(context.Background(), `UPDATE sharing_agreements SET personal_data = true`); err != nil {
		t.Fatal(err)
	}
	if res := match("af-border", "person", "Abdulloev Farhod"); len(res) != 1 || res[0].Entity.ID != p.ID {
		t.Errorf("with the term the partner matches: %+v", res)
	}
	_, err := e.store.MatchEntities(as("af-border", "viewer"), data.MatchQuery{Kind: "vehicle", Limit: 10})
	if got := record.FieldNames(err); len(got) != 1 || got[0] != "plate" {
		t.Errorf("a vehicle query without a plate: %v", err)
	}
}

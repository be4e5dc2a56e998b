package data_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/datatest"
	"github.com/borderwatch/borderwatch/record"
)

// entityFixture is a database with four agencies: tj-dca records
// entities; af-border has an agreement with it without personal data,
// uz-border one with personal data; kg-border none.
type entityFixture struct {
	sys  *data.Store // unrestricted
	rs   *data.Store // restricted, as the service runs
	pool *pgxpool.Pool
}

func newEntityFixture(t *testing.T) *entityFixture {
	t.Helper()
	u := datatest.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(ctx, `INSERT INTO agencies (id, name, country, kind) VALUES
		('tj-dca', 'DCA (test)', 'TJK', 'drug_control'), ('af-border', 'ABP (test)', 'AFG', 'border_guard'),
		('uz-border', 'UZ (test)', 'UZB', 'border_guard'), ('kg-border', 'KG (test)', 'KGZ', 'border_guard')`); err != nil {
		t.Fatal(err)
	}
	rs, err := data.Open(ctx, data.Config{URL: u, Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	f := &entityFixture{sys: data.NewFromPool(pool), rs: rs, pool: pool}
	for _, a := range []data.Agreement{
		{AgencyA: "tj-dca", AgencyB: "af-border"},
		{AgencyA: "tj-dca", AgencyB: "uz-border", PersonalData: true},
	} {
		if _, err := f.sys.EstablishAgreement(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// as is a context acting for agency with role.
func as(agency, role string) context.Context {
	return data.WithPrincipal(context.Background(), data.Principal{AgencyID: agency, Role: role, Actor: "test:" + agency})
}

func testPerson(sharing string) record.Entity {
	by := 1984
	return record.Entity{Kind: record.EntityPerson, AgencyID: "tj-dca", Sharing: sharing, Synthetic: true,
		Notes: "informant says he drives at night",
		Person: &record.Person{Name: "Абдуллоев Фарҳод", OtherNames: []string{"Abdulloev Farhod"}, BirthYear: &by,
			BirthDate: "1984-03-02", Nationality: "TJK",
			Documents: []record.Document{{Kind: "passport", Number: "400 123-456", Country: "TJK"}}}}
}

func TestEntityVisibilityAndPersonalData(t *testing.T) {
	f := newEntityFixture(t)
	ids := map[string]uuid.UUID{}
	for _, level := range record.SharingLevels() {
		e, err := f.rs.CreateEntity(as("tj-dca", "analyst"), testPerson(level))
		if err != nil {
			t.Fatalf("create %s: %v", level, err)
		}
		if e.Person.Script != "Cyrl" || !e.Personal {
			t.Fatalf("stored person: script %q personal %v", e.Person.Script, e.Personal)
		}
		ids[level] = e.ID
	}
	cases := []struct {
		viewer   string
		visible  []string
		personal bool
	}{
		{"tj-dca", []string{"agency", "bilateral", "regional"}, true},
		{"uz-border", []string{"bilateral", "regional"}, true},
		{"af-border", []string{"bilateral", "regional"}, false},
		{"kg-border", []string{"regional"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.viewer, func(t *testing.T) {
			ctx := as(tc.viewer, "viewer")
			for level, id := range ids {
				e, err := f.rs.GetEntity(ctx, id)
				want := slices.Contains(tc.visible, level)
				if !want {
					if !errors.Is(err, data.ErrNotFound) {
						t.Errorf("%s entity: %v, want not found", level, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s entity: %v", level, err)
				}
				p := e.Person
				if e.Personal != tc.personal || (p.Name != "") != tc.personal || (p.BirthYear != nil) != tc.personal ||
					(len(p.Documents) > 0) != tc.personal || (e.Notes != "") != tc.personal || (len(p.OtherNames) > 0) != tc.personal {
					t.Errorf("%s entity: personal %v, name %q, birth %v, docs %v, notes %q; want personal data %v",
						level, e.Personal, p.Name, p.BirthYear, p.Documents, e.Notes, tc.personal)
				}
				if p.Nationality != "TJK" {
					t.Errorf("%s entity: nationality %q, a non-personal field, withheld", level, p.Nationality)
				}
			}
			// The matching keys follow the personal data: per entity one
			// name key and one skeleton (its two spellings share them) and
			// one document key.
			var names, docs int
			err := f.rs.InTx(ctx, func(tx pgx.Tx) error {
				return tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind IN ('name', 'skeleton')), count(*) FILTER (WHERE kind = 'document')
					FROM entity_keys`).Scan(&names, &docs)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantNames := 0
			if tc.personal {
				wantNames = 2 * len(tc.visible)
			}
			if names != wantNames || docs != wantNames/2 {
				t.Errorf("keys seen: %d names, %d documents; want %d and %d", names, docs, wantNames, wantNames/2)
			}
		})
	}
	// Nothing of another agency's entity is readable from the table.
	var n int
	err := f.rs.InTx(as("kg-border", "admin"), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM entity_records`).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Fatalf("kg-border reads %d rows of entity_records (%v), want 0", n, err)
	}
}

// TestPersonalDataTermNeedsBothParties: proposed by one side it changes
// nothing; accepted it shows the personal data; withdrawn by either side
// it is withheld at once.
func TestPersonalDataTermNeedsBothParties(t *testing.T) {
	f := newEntityFixture(t)
	e, err := f.rs.CreateEntity(as("tj-dca", "analyst"), testPerson("bilateral"))
	if err != nil {
		t.Fatal(err)
	}
	personal := func() bool {
		t.Helper()
		got, err := f.rs.GetEntity(as("af-border", "viewer"), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Personal && got.Person.Name != ""
	}
	af, tj := as("af-border", "admin"), as("tj-dca", "admin")
	out, err := f.rs.ProposeAgreement(af, "", data.AgreementTerms{Partner: "tj-dca", PersonalData: true})
	if err != nil || out.Applied || out.ProposalID == nil {
		t.Fatalf("propose personal data: %+v %v, want a pending proposal", out, err)
	}
	if personal() {
		t.Fatal("af-border sees personal data on its own proposal")
	}
	if _, err := f.rs.AcceptProposal(af, "", *out.ProposalID); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("author accepts: %v, want forbidden", err)
	}
	if _, err := f.rs.AcceptProposal(tj, "", *out.ProposalID); err != nil {
		t.Fatal(err)
	}
	if !personal() {
		t.Fatal("accepted personal-data term not in force")
	}
	as, err := f.rs.Agreements(tj)
	if err != nil || len(as) != 2 || !slices.ContainsFunc(as, func(a data.Agreement) bool { return a.AgencyA == "af-border" && a.PersonalData }) {
		t.Fatalf("agreements: %+v %v", as, err)
	}
	// Withdrawal by the other party applies at once.
	out, err = f.rs.ProposeAgreement(tj, "", data.AgreementTerms{Partner: "af-border"})
	if err != nil || !out.Applied {
		t.Fatalf("withdraw personal data: %+v %v, want applied", out, err)
	}
	if personal() {
		t.Fatal("withdrawn personal-data term still in force")
	}
}

func TestEntityNetworkSeesOnlyVisiblePaths(t *testing.T) {
	f := newEntityFixture(t)
	tj := as("tj-dca", "analyst")
	mk := func(e record.Entity) uuid.UUID {
		t.Helper()
		out, err := f.rs.CreateEntity(tj, e)
		if err != nil {
			t.Fatal(err)
		}
		return out.ID
	}
	// group (regional) <- member_of - hidden person (agency) - driver_of -> truck (regional)
	// group <- leader_of - leader (regional) ; truck - vehicle -> seizure (regional)
	group := mk(record.Entity{Kind: record.EntityGroup, AgencyID: "tj-dca", Sharing: "regional", Group: &record.Group{Name: "Kulob network"}})
	hidden := mk(testPerson("agency"))
	leader := mk(testPerson("regional"))
	truck := mk(record.Entity{Kind: record.EntityVehicle, AgencyID: "tj-dca", Sharing: "regional",
		Vehicle: &record.Vehicle{Plate: "4521 AB 03", PlateCountry: "TJK", Kind: "truck", Make: "Kamaz", Colour: "grey"}})
	far := mk(record.Entity{Kind: record.EntityConsignment, AgencyID: "tj-dca", Sharing: "regional",
		Consignment: &record.Consignment{Description: "flour sacks", ContainerNo: "TRL-5521"}})
	for _, l := range []struct {
		from, to uuid.UUID
		role     string
	}{{hidden, group, "member_of"}, {hidden, truck, "driver_of"}, {leader, group, "leader_of"}, {far, truck, "carried_by"}} {
		if _, err := f.rs.LinkEntities(tj, l.from, l.to, l.role); err != nil {
			t.Fatalf("link %s: %v", l.role, err)
		}
	}
	ev, err := f.rs.CreateEvent(tj, record.Event{Kind: "seizure", OccurredAt: time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC),
		Location: orb.Point{69.7, 37.9}, AgencyID: "tj-dca", Sharing: "regional",
		Items: []record.Item{{Drug: "heroin", Quantity: 40, Unit: "kg"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.rs.LinkEventEntity(tj, ev.ID, truck, "vehicle"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rs.LinkEventEntity(tj, ev.ID, truck, "driver"); !fieldIs(err, "role") {
		t.Fatalf("a truck as driver: %v, want a field error on role", err)
	}

	// tj-dca, the owner, walks through its hidden person: group ->
	// member -> truck.
	n, err := f.rs.EntityNetwork(tj, group, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := entityIDs(n); !sameIDs(got, group, hidden, leader, truck) {
		t.Fatalf("tj-dca depth 2: %v", got)
	}
	// kg-border does not see the person in the middle: neither it nor the
	// truck behind it.
	n, err = f.rs.EntityNetwork(as("kg-border", "viewer"), group, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := entityIDs(n); !sameIDs(got, group, leader) || len(n.Links) != 1 || len(n.Events) != 0 {
		t.Fatalf("kg-border depth 2 from the group: entities %v, %d links, %d events; want group and leader only",
			got, len(n.Links), len(n.Events))
	}
	// From the truck kg-border sees the seizure and the consignment, not
	// the driver.
	n, err = f.rs.EntityNetwork(as("kg-border", "viewer"), truck, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := entityIDs(n); !sameIDs(got, truck, far) || len(n.Events) != 1 || n.Events[0].Event.ID != ev.ID {
		t.Fatalf("kg-border from the truck: %v and %d events", got, len(n.Events))
	}
	if _, err := f.rs.EntityNetwork(as("kg-border", "viewer"), hidden, 1); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("network of a hidden entity: %v, want not found", err)
	}
	// kg-border cannot link to the hidden person, nor link tj-dca's
	// entities to each other.
	if _, err := f.rs.LinkEntities(as("kg-border", "analyst"), leader, group, "member_of"); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("kg-border links tj-dca's entities: %v, want forbidden", err)
	}
}

// TestPersonalReadsAreAudited: every read that shows a person's personal
// data leaves an entry naming the reader and the entity; reads without
// personal data leave none.
func TestPersonalReadsAreAudited(t *testing.T) {
	f := newEntityFixture(t)
	e, err := f.rs.CreateEntity(as("tj-dca", "analyst"), testPerson("bilateral"))
	if err != nil {
		t.Fatal(err)
	}
	for _, viewer := range []string{"uz-border", "af-border", "uz-border"} {
		if _, err := f.rs.GetEntity(as(viewer, "viewer"), e.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.rs.ListEntities(as("uz-border", "viewer"), data.EntityQuery{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	rows, err := f.pool.Query(context.Background(), `SELECT actor, agency_id FROM audit_log
		WHERE action = 'entity.read_personal' AND target = $1 ORDER BY id`, "entity:"+e.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var actor, agency string
		if err := rows.Scan(&actor, &agency); err != nil {
			t.Fatal(err)
		}
		got = append(got, actor+"/"+agency)
	}
	want := []string{"test:uz-border/uz-border", "test:uz-border/uz-border", "test:uz-border/uz-border"}
	if !slices.Equal(got, want) {
		t.Fatalf("personal reads audited: %v, want %v", got, want)
	}
	var creates int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'entity.create'`).Scan(&creates); err != nil || creates != 1 {
		t.Fatalf("entity.create entries: %d %v", creates, err)
	}
}

func TestEntityValidation(t *testing.T) {
	by := 1850
	cases := []struct {
		name  string
		e     record.Entity
		field string
	}{
		{"no kind", record.Entity{AgencyID: "tj-dca"}, "kind"},
		{"person without person", record.Entity{Kind: "person", AgencyID: "tj-dca"}, "person"},
		{"vehicle with person", record.Entity{Kind: "vehicle", AgencyID: "tj-dca", Vehicle: &record.Vehicle{},
			Person: &record.Person{Name: "x"}}, "person"},
		{"no name", record.Entity{Kind: "person", AgencyID: "tj-dca", Person: &record.Person{}}, "person.name"},
		{"old", record.Entity{Kind: "person", AgencyID: "tj-dca", Person: &record.Person{Name: "x", BirthYear: &by}}, "person.birth_year"},
		{"bad date", record.Entity{Kind: "person", AgencyID: "tj-dca", Person: &record.Person{Name: "x", BirthDate: "02.03.1984"}}, "person.birth_date"},
		{"document", record.Entity{Kind: "person", AgencyID: "tj-dca", Person: &record.Person{Name: "x",
			Documents: []record.Document{{Kind: "passport"}}}}, "person.documents[0].number"},
		{"vehicle kind", record.Entity{Kind: "vehicle", AgencyID: "tj-dca", Vehicle: &record.Vehicle{Kind: "camel"}}, "vehicle.kind"},
		{"plate country", record.Entity{Kind: "vehicle", AgencyID: "tj-dca", Vehicle: &record.Vehicle{PlateCountry: "tj"}}, "vehicle.plate_country"},
		{"sharing", record.Entity{Kind: "group", AgencyID: "tj-dca", Sharing: "public", Group: &record.Group{Name: "g"}}, "sharing"},
	}
	f := newEntityFixture(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.rs.CreateEntity(as("tj-dca", "analyst"), tc.e)
			if !slices.Contains(record.FieldNames(err), tc.field) {
				t.Fatalf("%v, want a field error naming %s", err, tc.field)
			}
		})
	}
	// A viewer may not write; another agency's entity cannot be changed.
	if _, err := f.rs.CreateEntity(as("tj-dca", "viewer"), testPerson("agency")); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("viewer creates: %v, want forbidden", err)
	}
	e, err := f.rs.CreateEntity(as("tj-dca", "analyst"), testPerson("regional"))
	if err != nil {
		t.Fatal(err)
	}
	other := testPerson("regional")
	other.AgencyID = "kg-border"
	if _, err := f.rs.ReplaceEntity(as("kg-border", "analyst"), e.ID, other, nil); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("kg-border replaces tj-dca's entity: %v, want forbidden", err)
	}
	if err := f.rs.DeleteEntity(as("kg-border", "analyst"), e.ID, nil); !errors.Is(err, data.ErrForbidden) {
		t.Fatalf("kg-border deletes tj-dca's entity: %v, want forbidden", err)
	}
}

func fieldIs(err error, field string) bool { return slices.Contains(record.FieldNames(err), field) }

func entityIDs(n data.Network) []uuid.UUID {
	var out []uuid.UUID
	for _, e := range n.Entities {
		out = append(out, e.Entity.ID)
	}
	return out
}

func sameIDs(got []uuid.UUID, want ...uuid.UUID) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}

package seed

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// demoNote marks every demo entity as invented.
const demoNote = "synthetic demo record: invented person or object, any likeness is coincidental"

// demoEntity is an entity of the demo with a name other entries refer to.
type demoEntity struct {
	ref string
	e   record.Entity
}

func demoPerson(ref, agency, name string, others []string, year int, nationality, passport string) demoEntity {
	p := &record.Person{Name: name, OtherNames: others, BirthYear: &year, Nationality: nationality}
	if passport != "" {
		p.Documents = []record.Document{{Kind: "passport", Number: passport, Country: nationality}}
	}
	return demoEntity{ref, record.Entity{Kind: record.EntityPerson, AgencyID: agency, Sharing: "bilateral",
		Synthetic: true, Notes: demoNote, Person: p}}
}

func demoVehicle(ref, agency, plate, country, kind, make_, model, colour string) demoEntity {
	return demoEntity{ref, record.Entity{Kind: record.EntityVehicle, AgencyID: agency, Sharing: "bilateral", Synthetic: true,
		Notes: demoNote, Vehicle: &record.Vehicle{Plate: plate, PlateCountry: country, Kind: kind, Make: make_, Model: model, Colour: colour}}}
}

// demoEntities are labelled-synthetic persons (names written in Tajik
// Cyrillic, Uzbek Latin and Dari, with other spellings), vehicles, a
// consignment and a group. The names and numbers are invented.
var demoEntities = []demoEntity{
	{"group", record.Entity{Kind: record.EntityGroup, AgencyID: "tj-dca", Sharing: "bilateral", Synthetic: true, Notes: demoNote,
		Group: &record.Group{Name: "Kulob–Sher Khan network (synthetic)", Description: "invented group of the demo"}}},
	demoPerson("abdulloev", "tj-dca", "Абдуллоев Фарҳод", []string{"Abdulloev Farhod", "Abdullaev Farkhod"}, 1984, "TJK", "400000017"),
	demoPerson("qodirov", "tj-dca", "Қодиров Ҷамшед", []string{"Qodirov Jamshed", "Kadyrov Dzhamshed"}, 1979, "TJK", ""),
	demoPerson("xojayev", "uz-border", "Xoʻjayev Sardor", []string{"Хўжаев Сардор", "Khodzhaev Sardor"}, 1990, "UZB", "AA0000042"),
	demoPerson("noori", "af-border", "عبدالرحیم نوری", []string{"Abdul Rahim Noori", "Abdurakhim Nuri"}, 1987, "AFG", ""),
	demoVehicle("kamaz", "tj-dca", "4521 AB 03", "TJK", "truck", "KAMAZ", "5320", "grey"),
	demoVehicle("nexia", "uz-border", "01 A 123 BC", "UZB", "car", "Chevrolet", "Nexia", "white"),
	demoVehicle("hilux", "af-border", "کابل ۴۵۶۷۸", "AFG", "pickup", "Toyota", "Hilux", "white"),
	{"flour", record.Entity{Kind: record.EntityConsignment, AgencyID: "tj-dca", Sharing: "bilateral", Synthetic: true, Notes: demoNote,
		Consignment: &record.Consignment{Description: "sacks of flour", DeclaredContent: "wheat flour, 20 t",
			SuspectedContent: "heroin in false-bottomed sacks", WeightKG: ptr(20000.0), ContainerNo: "TRL-55214"}}},
}

// demoEntityLinks are the demo's links between entities.
var demoEntityLinks = []struct{ from, to, role string }{
	{"abdulloev", "group", "leader_of"}, {"qodirov", "group", "member_of"}, {"abdulloev", "kamaz", "driver_of"},
	{"qodirov", "kamaz", "owner_of"}, {"flour", "kamaz", "carried_by"}, {"qodirov", "abdulloev", "associate_of"},
}

// demoEventLinks link each agency's largest synthetic seizures to its
// entities: the first seizure gets every listed entity, the second the
// first listed one.
var demoEventLinks = []struct {
	agency string
	links  []struct{ ref, role string }
}{
	{"tj-dca", []struct{ ref, role string }{{"kamaz", "vehicle"}, {"abdulloev", "driver"}, {"flour", "consignment"}, {"group", "group"}}},
	{"uz-border", []struct{ ref, role string }{{"nexia", "vehicle"}, {"xojayev", "driver"}}},
	{"af-border", []struct{ ref, role string }{{"hilux", "vehicle"}, {"noori", "courier"}}},
}

// DemoEntitiesSummary counts what DemoEntities wrote.
type DemoEntitiesSummary struct {
	Entities, Links, EventLinks int
}

// DemoEntities replaces the synthetic entities with the demo's and links
// them to each other and to synthetic seizures of their agencies, removing
// the demo exchange (DemoExchange), which names them. Demo must have run. Entities and links are written through the store, so
// that their matching keys are computed and every write is audited.
func DemoEntities(ctx context.Context, store *data.Store) (DemoEntitiesSummary, error) {
	var sum DemoEntitiesSummary
	err := store.InTx(ctx, func(tx pgx.Tx) error {
		// The demo exchange's lookouts and hits name the entities.
		if err := deleteDemoExchange(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM entity_records WHERE synthetic`)
		return data.MapErr(err)
	})
	if err != nil {
		return sum, fmt.Errorf("demo entities: %w", err)
	}
	ids := map[string]uuid.UUID{}
	for _, d := range demoEntities {
		e, err := store.CreateEntity(ctx, d.e)
		if err != nil {
			return sum, fmt.Errorf("demo entity %s: %w", d.ref, err)
		}
		ids[d.ref] = e.ID
		sum.Entities++
	}
	for _, l := range demoEntityLinks {
		if _, err := store.LinkEntities(ctx, ids[l.from], ids[l.to], l.role); err != nil {
			return sum, fmt.Errorf("demo link %s %s %s: %w", l.from, l.role, l.to, err)
		}
		sum.Links++
	}
	for _, el := range demoEventLinks {
		var seizures []uuid.UUID
		err := store.InTx(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM event_records WHERE synthetic AND kind = 'seizure' AND agency_id = $1
				ORDER BY total_kg DESC, id LIMIT 2`, el.agency)
			if err != nil {
				return data.MapErr(err)
			}
			seizures, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
			return data.MapErr(err)
		})
		if err != nil {
			return sum, fmt.Errorf("demo seizures of %s: %w", el.agency, err)
		}
		for i, ev := range seizures {
			links := el.links
			if i > 0 {
				links = links[:1]
			}
			for _, l := range links {
				if _, err := store.LinkEventEntity(ctx, ev, ids[l.ref], l.role); err != nil {
					return sum, fmt.Errorf("demo seizure %s %s: %w", l.ref, l.role, err)
				}
				sum.EventLinks++
			}
		}
	}
	return sum, nil
}

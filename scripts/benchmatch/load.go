package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/match"
	"github.com/borderwatch/borderwatch/record"
)

// Name parts in Tajik/Russian Cyrillic; Latin spellings come from
// match.ToLatin and a few passport habits.
var (
	given = strings.Fields(`Фарҳод Рустам Алишер Ҷамшед Шерзод Зафар Ғайрат Қодир Бахтиёр Далер Фирдавс Ҳасан Ҳусейн
		Умед Сайфулло Абдуллоҳ Исмоил Неъмат Муҳаммад Сино Сӯҳроб Тоҳир Хуршед Равшан Комрон Номоз Баҳодур Азиз Нозим Валӣ`)
	roots = strings.Fields(`Абдулло Қодир Раҳим Каримов Назар Саид Мирзо Шариф Ҳаким Юсуф Олим Султон Ғафур Раҷаб
		Давлат Исмоил Нурулло Сафар Файзулло Ҳамид Ашур Бобо Зариф Қурбон Мавлон Неъмат Холмат Тошмат Эргаш Ҷӯра
		Одина Рауф Самад Турсун Усмон Хайрулло Шоҳ Юнус Азим Бурҳон Ваҳоб Гулом Диловар Икром Латиф Маҳмуд`)
	suffixes = []string{"ов", "ев", "зода", "ӣ", "иён"}
	// prefixes of compound names (Абдулҳамид, Нурмаҳмуд, Мирсаид, …)
	prefixes     = []string{"", "", "Абдул", "Нур", "Мир", "Шам", "Гул", "Хоҷа", "Ҷон", "Файз"}
	plateLetters = []rune("ABEKMHOPCTXY")
	cyrTwin      = map[rune]rune{'A': 'А', 'B': 'В', 'E': 'Е', 'K': 'К', 'M': 'М', 'H': 'Н', 'O': 'О', 'P': 'Р', 'C': 'С', 'T': 'Т', 'X': 'Х', 'Y': 'У'}
)

func randomName(rng *rand.Rand) string {
	root := strings.TrimSuffix(roots[rng.IntN(len(roots))], "ов")
	if p := prefixes[rng.IntN(len(prefixes))]; p != "" {
		root = p + strings.ToLower(root)
	}
	sur := root + suffixes[rng.IntN(len(suffixes))]
	return sur + " " + given[rng.IntN(len(given))]
}

func randomPlate(rng *rand.Rand) string {
	return fmt.Sprintf("%04d %c%c %02d", rng.IntN(10000), plateLetters[rng.IntN(len(plateLetters))],
		plateLetters[rng.IntN(len(plateLetters))], 1+rng.IntN(99))
}

// cyrillicPlate writes a plate with Cyrillic look-alike letters and no
// spaces, as a hurried clerk on the other side would.
func cyrillicPlate(p string) string {
	var b strings.Builder
	for _, r := range p {
		if c, ok := cyrTwin[r]; ok {
			r = c
		}
		if r != ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// synthetic returns entity i: persons, vehicles and persons known by a
// document, mixed 5:4:1.
func synthetic(rng *rand.Rand, i int) record.Entity {
	switch i % 10 {
	case 0, 1, 2, 3, 4:
		n := randomName(rng)
		other := []string{}
		if rng.IntN(2) == 0 {
			other = append(other, match.ToLatin(n))
		}
		return record.Entity{Kind: record.EntityPerson, Person: &record.Person{Name: n, OtherNames: other}}
	case 9:
		return record.Entity{Kind: record.EntityPerson, Person: &record.Person{Name: randomName(rng),
			Documents: []record.Document{{Kind: "passport", Number: fmt.Sprintf("%c%08d", 'A'+rune(rng.IntN(26)), rng.IntN(1e8))}}}}
	default:
		return record.Entity{Kind: record.EntityVehicle, Vehicle: &record.Vehicle{Plate: randomPlate(rng), Kind: "truck"}}
	}
}

// load writes n entities (the first lookouts of them tj-border's and the
// subjects of one active lookout each, to af-border; the rest spread over
// three agencies) with their keys, by COPY as the owner, and returns the
// subjects.
func load(ctx context.Context, pool *pgxpool.Pool, rng *rand.Rand, n, lookouts int) ([]record.Entity, error) {
	for _, q := range []string{
		`INSERT INTO agencies (id, name, country, kind) VALUES ('tj-border', 'TJ', 'TJK', 'border_guard'),
			('af-border', 'ABP', 'AFG', 'border_guard'), ('uz-border', 'UZB', 'UZB', 'border_guard') ON CONFLICT DO NOTHING`,
		`INSERT INTO sharing_agreements (agency_a, agency_b) VALUES ('af-border', 'tj-border'), ('af-border', 'uz-border')
			ON CONFLICT DO NOTHING`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return nil, err
		}
	}
	// The trigram indexes are built once after the load, as a restore would.
	if _, err := pool.Exec(ctx, `DROP INDEX entity_key_records_trgm_idx; DROP INDEX lookout_keys_words_idx`); err != nil {
		return nil, err
	}
	agencies := []string{"tj-border", "uz-border", "af-border"}
	var subjects []record.Entity
	const batch = 50_000
	for lo := 0; lo < n; lo += batch {
		var ents, keys [][]any
		for i := lo; i < min(n, lo+batch); i++ {
			e := synthetic(rng, i)
			e.ID = uuid.New()
			e.AgencyID = agencies[i%3]
			if i < lookouts {
				e.AgencyID = "tj-border"
				subjects = append(subjects, e)
			}
			ents = append(ents, entityRow(e))
			for _, k := range record.EntityKeys(e) {
				keys = append(keys, []any{e.ID, e.AgencyID, k.Kind, k.Key})
			}
		}
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"entity_records"}, []string{"id", "kind", "agency_id", "sharing",
			"synthetic", "name", "other_names", "documents", "plate", "vehicle_kind"}, pgx.CopyFromRows(ents)); err != nil {
			return nil, err
		}
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"entity_key_records"}, []string{"entity_id", "agency_id", "kind", "key"},
			pgx.CopyFromRows(keys)); err != nil {
			return nil, err
		}
		fmt.Printf("\r  entities %d/%d", min(n, lo+batch), n)
	}
	fmt.Println()
	// The lookouts: one per subject, from tj-border to af-border, valid
	// for a week. The stream triggers are off during the load.
	for _, q := range []string{
		`ALTER TABLE message_recipients DISABLE TRIGGER USER`,
		`INSERT INTO messages (kind, author_agency, author, urgency, body, valid_until)
			SELECT 'lookout', 'tj-border', 'bench', 'routine', 'lookout ' || g, now() + interval '7 days'
			FROM generate_series(1, $1) g`,
		`INSERT INTO message_recipients (message_id, agency_id) SELECT id, 'af-border' FROM messages WHERE kind = 'lookout'`,
		`ALTER TABLE message_recipients ENABLE TRIGGER USER`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, lookouts)
		}
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			return nil, err
		}
	}
	// Statistics first: the subjects' trigger (migration 0021) plans its
	// lookups of the keys and recipients with them.
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(subjects))
	for i, s := range subjects {
		ids[i] = s.ID
	}
	if _, err := pool.Exec(ctx, `INSERT INTO message_subjects (message_id, entity_id)
		SELECT m.id, s.id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM messages WHERE kind = 'lookout') m
		JOIN unnest($1::uuid[]) WITH ORDINALITY AS s (id, rn) ON s.rn = m.rn`, ids); err != nil {
		return nil, err
	}
	fmt.Println("  building the trigram indexes")
	if _, err := pool.Exec(ctx, `CREATE INDEX entity_key_records_trgm_idx ON entity_key_records USING gin (key gin_trgm_ops);
		CREATE INDEX lookout_keys_words_idx ON lookout_keys USING gin (words) WITH (fastupdate = off)`); err != nil {
		return nil, err
	}
	_, err := pool.Exec(ctx, `ANALYZE`)
	return subjects, err
}

func entityRow(e record.Entity) []any {
	var name, plate, vkind *string
	other, docs := []string{}, []byte("[]")
	if p := e.Person; p != nil {
		name = &p.Name
		if len(p.OtherNames) > 0 {
			other = p.OtherNames
		}
		if len(p.Documents) > 0 {
			docs, _ = json.Marshal(p.Documents)
		}
	}
	if v := e.Vehicle; v != nil {
		plate, vkind = &v.Plate, &v.Kind
	}
	return []any{e.ID, e.Kind, e.AgencyID, "agency", true, name, other, docs, plate, vkind}
}

// makeProbes records probes entities of af-border: every other one a
// variant of a subject (the plate in Cyrillic, the name in Latin), the
// rest new.
func makeProbes(ctx context.Context, store *data.Store, rng *rand.Rand, subjects []record.Entity, probes int) ([]record.Entity, error) {
	var out []record.Entity
	for i := range probes {
		var e record.Entity
		if i%2 == 0 {
			s := subjects[rng.IntN(len(subjects))]
			switch {
			case s.Vehicle != nil:
				e = record.Entity{Kind: record.EntityVehicle, Vehicle: &record.Vehicle{Plate: cyrillicPlate(s.Vehicle.Plate)}}
			default:
				e = record.Entity{Kind: record.EntityPerson, Person: &record.Person{Name: match.ToLatin(s.Person.Name)}}
			}
		} else {
			e = synthetic(rng, rng.IntN(10))
		}
		e.AgencyID, e.Sharing, e.Synthetic = "af-border", "agency", true
		saved, err := store.CreateEntity(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, saved)
	}
	return out, nil
}

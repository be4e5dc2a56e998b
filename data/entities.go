package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/borderwatch/borderwatch/record"
)

// Entities (persons, vehicles, consignments, groups) are read through the
// entities view of migration 0016, which shows the caller exactly the
// entities it may see and withholds personal data (a person's names,
// script, birth, documents, and every entity's notes) where no agreement
// allows it. Writes go to entity_records, where row-level security keeps
// an agency to its own rows. Every write is audited, and so is every read
// that shows a person's personal data.

// entityColumns is the select list that scanEntity reads, less the last
// column: whether the caller sees the personal data.
const entityColumns = `n.id, n.kind, n.agency_id, n.sharing, n.synthetic, coalesce(n.name, ''), coalesce(n.script, ''),
	n.other_names, n.birth_year, n.birth_date, coalesce(n.nationality, ''), n.documents, coalesce(n.plate, ''),
	coalesce(n.plate_country, ''), coalesce(n.make, ''), coalesce(n.model, ''), coalesce(n.colour, ''),
	coalesce(n.vehicle_kind, ''), coalesce(n.description, ''), coalesce(n.declared_content, ''),
	coalesce(n.suspected_content, ''), n.weight_kg, coalesce(n.container_no, ''), coalesce(n.notes, ''),
	n.version, n.created_at, n.updated_at`

// entityReadColumns reads the view's personal flag; entityWriteColumns
// are what writes on entity_records return (the owner sees everything).
const (
	entityReadColumns  = entityColumns + `, n.personal`
	entityWriteColumns = entityColumns + `, true`
)

func scanEntity(row pgx.Row) (record.Entity, error) {
	var (
		e                                          record.Entity
		name, script, nationality                  string
		otherNames                                 []string
		birthYear                                  *int16
		birthDate                                  *time.Time
		docs                                       []byte
		plate, plateCountry, make_, model, colour  string
		vehicleKind, description, declared, suspct string
		weight                                     *float64
		container                                  string
	)
	err := row.Scan(&e.ID, &e.Kind, &e.AgencyID, &e.Sharing, &e.Synthetic, &name, &script, &otherNames, &birthYear,
		&birthDate, &nationality, &docs, &plate, &plateCountry, &make_, &model, &colour, &vehicleKind, &description,
		&declared, &suspct, &weight, &container, &e.Notes, &e.Version, &e.CreatedAt, &e.UpdatedAt, &e.Personal)
	if err != nil {
		return record.Entity{}, err
	}
	switch e.Kind {
	case record.EntityPerson:
		p := &record.Person{Name: name, Script: script, OtherNames: otherNames, Nationality: nationality}
		if birthYear != nil {
			y := int(*birthYear)
			p.BirthYear = &y
		}
		if birthDate != nil {
			p.BirthDate = birthDate.Format("2006-01-02")
		}
		if err := json.Unmarshal(docs, &p.Documents); err != nil {
			return record.Entity{}, fmt.Errorf("entity %s: documents: %w", e.ID, err)
		}
		if len(p.OtherNames) == 0 {
			p.OtherNames = nil
		}
		if len(p.Documents) == 0 {
			p.Documents = nil
		}
		e.Person = p
	case record.EntityVehicle:
		e.Vehicle = &record.Vehicle{Plate: plate, PlateCountry: plateCountry, Make: make_, Model: model, Colour: colour, Kind: vehicleKind}
	case record.EntityConsignment:
		e.Consignment = &record.Consignment{Description: description, DeclaredContent: declared,
			SuspectedContent: suspct, WeightKG: weight, ContainerNo: container}
	case record.EntityGroup:
		e.Group = &record.Group{Name: name, Description: description}
	}
	return e, nil
}

// entityArgs returns the write parameters $1..$23 in the order of the
// INSERT and UPDATE statements below.
func entityArgs(e *record.Entity) ([]any, error) {
	var (
		name, script, nationality, birthDate       *string
		birthYear                                  *int
		otherNames                                 = []string{}
		docs                                       = []byte("[]")
		plate, plateCountry, make_, model, colour  *string
		vehicleKind, description, declared, suspct *string
		weight                                     *float64
		container                                  *string
	)
	switch {
	case e.Person != nil:
		p := e.Person
		name, script, nationality, birthDate = nullIfEmpty(p.Name), nullIfEmpty(p.Script), nullIfEmpty(p.Nationality), nullIfEmpty(p.BirthDate)
		birthYear = p.BirthYear
		if p.BirthYear == nil && p.BirthDate != "" {
			if d, err := time.Parse("2006-01-02", p.BirthDate); err == nil {
				y := d.Year()
				birthYear = &y
			}
		}
		if len(p.OtherNames) > 0 {
			otherNames = p.OtherNames
		}
		if len(p.Documents) > 0 {
			b, err := json.Marshal(p.Documents)
			if err != nil {
				return nil, err
			}
			docs = b
		}
	case e.Vehicle != nil:
		v := e.Vehicle
		plate, plateCountry, make_, model = nullIfEmpty(v.Plate), nullIfEmpty(v.PlateCountry), nullIfEmpty(v.Make), nullIfEmpty(v.Model)
		colour, vehicleKind = nullIfEmpty(v.Colour), nullIfEmpty(v.Kind)
	case e.Consignment != nil:
		c := e.Consignment
		description, declared, suspct = nullIfEmpty(c.Description), nullIfEmpty(c.DeclaredContent), nullIfEmpty(c.SuspectedContent)
		weight, container = c.WeightKG, nullIfEmpty(c.ContainerNo)
	case e.Group != nil:
		name, description = nullIfEmpty(e.Group.Name), nullIfEmpty(e.Group.Description)
	}
	return []any{e.Kind, e.AgencyID, e.Sharing, e.Synthetic, name, script, otherNames, birthYear, birthDate,
		nationality, docs, plate, plateCountry, make_, model, colour, vehicleKind, description, declared, suspct,
		weight, container, nullIfEmpty(e.Notes)}, nil
}

const sqlInsertEntity = `INSERT INTO entity_records AS n (kind, agency_id, sharing, synthetic, name, script, other_names,
	birth_year, birth_date, nationality, documents, plate, plate_country, make, model, colour, vehicle_kind, description,
	declared_content, suspected_content, weight_kg, container_no, notes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::date, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
RETURNING ` + entityWriteColumns

const sqlUpdateEntity = `UPDATE entity_records AS n SET kind = $1, agency_id = $2, sharing = $3, synthetic = $4, name = $5,
	script = $6, other_names = $7, birth_year = $8, birth_date = $9::date, nationality = $10, documents = $11, plate = $12,
	plate_country = $13, make = $14, model = $15, colour = $16, vehicle_kind = $17, description = $18,
	declared_content = $19, suspected_content = $20, weight_kg = $21, container_no = $22, notes = $23
WHERE n.id = $24 AND ($25::bigint IS NULL OR n.version = $25)
RETURNING ` + entityWriteColumns

const sqlGetEntity = `SELECT ` + entityReadColumns + ` FROM entities n WHERE n.id = $1`

// prepareEntity normalises and validates e.
func prepareEntity(e *record.Entity) ([]any, error) {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return entityArgs(e)
}

// writeEntityKeys replaces the matching keys of the stored entity e.
func writeEntityKeys(ctx context.Context, tx pgx.Tx, e record.Entity) error {
	if _, err := tx.Exec(ctx, `DELETE FROM entity_key_records WHERE entity_id = $1`, e.ID); err != nil {
		return mapErr(err)
	}
	keys := record.EntityKeys(e)
	if len(keys) == 0 {
		return nil
	}
	kinds, vals := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		kinds[i], vals[i] = k.Kind, k.Key
	}
	_, err := tx.Exec(ctx, `INSERT INTO entity_key_records (entity_id, agency_id, kind, key)
		SELECT $1, $2, k, v FROM unnest($3::text[], $4::text[]) AS u (k, v)`, e.ID, e.AgencyID, kinds, vals)
	return mapErr(err)
}

// insertEntity inserts e (prepared, with args) and its keys inside tx and
// audits the creation.
func (s *Store) insertEntity(ctx context.Context, tx pgx.Tx, args []any, detail map[string]any) (record.Entity, error) {
	out, err := scanEntity(tx.QueryRow(ctx, sqlInsertEntity, args...))
	if err != nil {
		return record.Entity{}, mapErr(err)
	}
	if err := writeEntityKeys(ctx, tx, out); err != nil {
		return record.Entity{}, err
	}
	if _, err := s.checkHits(ctx, tx, out, nil); err != nil {
		return record.Entity{}, err
	}
	detail["agency"], detail["kind"] = out.AgencyID, out.Kind
	return out, s.audit(ctx, tx, "entity.create", "entity:"+out.ID.String(), detail)
}

// CreateEntity validates and inserts e with its matching keys and returns
// the stored entity.
func (s *Store) CreateEntity(ctx context.Context, e record.Entity) (record.Entity, error) {
	args, err := prepareEntity(&e)
	if err != nil {
		return record.Entity{}, err
	}
	var out record.Entity
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		out, err = s.insertEntity(ctx, tx, args, map[string]any{})
		return err
	})
	if err != nil {
		return record.Entity{}, fmt.Errorf("create entity: %w", err)
	}
	return out, nil
}

// CreateEntityOnce is CreateEntity made safe to retry, as CreateEventOnce
// is: the first call with a key (per agency) creates the entity, later
// ones with the same request hash return it (replayed), with another hash
// fail with ErrIdempotencyMismatch.
func (s *Store) CreateEntityOnce(ctx context.Context, e record.Entity, key string, requestHash []byte) (out record.Entity, replayed bool, err error) {
	args, err := prepareEntity(&e)
	if err != nil {
		return record.Entity{}, false, err
	}
	if key == "" || len(key) > 200 {
		return record.Entity{}, false, &record.ValidationError{Fields: []record.FieldError{{Field: "idempotency_key", Reason: "must be 1 to 200 characters"}}}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO entity_idempotency_keys (agency_id, key, request_hash) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, e.AgencyID, key, requestHash)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			var (
				h  []byte
				id *uuid.UUID
			)
			if err := tx.QueryRow(ctx, `SELECT request_hash, entity_id FROM entity_idempotency_keys WHERE agency_id = $1 AND key = $2`,
				e.AgencyID, key).Scan(&h, &id); err != nil {
				return mapErr(err)
			}
			if !bytes.Equal(h, requestHash) || id == nil {
				return ErrIdempotencyMismatch
			}
			out, err = scanEntity(tx.QueryRow(ctx, sqlGetEntity, *id))
			replayed = true
			return mapErr(err)
		}
		if out, err = s.insertEntity(ctx, tx, args, map[string]any{"idempotency_key": key}); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE entity_idempotency_keys SET entity_id = $3 WHERE agency_id = $1 AND key = $2`,
			e.AgencyID, key, out.ID)
		return mapErr(err)
	})
	if err != nil {
		return record.Entity{}, false, fmt.Errorf("create entity: %w", err)
	}
	return out, replayed, nil
}

// auditPersonalReads records, inside tx, one entry per entity of es whose
// personal data the caller is shown: a person seen with Personal set.
func (s *Store) auditPersonalReads(ctx context.Context, tx pgx.Tx, via string, es []record.Entity) error {
	for _, e := range es {
		if e.Kind != record.EntityPerson || !e.Personal {
			continue
		}
		if err := s.audit(ctx, tx, "entity.read_personal", "entity:"+e.ID.String(), map[string]any{"via": via, "agency": e.AgencyID}); err != nil {
			return err
		}
	}
	return nil
}

// GetEntity returns the entity id as the caller may see it, or
// ErrNotFound. A read of a person's personal data is audited before the
// entity is returned.
func (s *Store) GetEntity(ctx context.Context, id uuid.UUID) (record.Entity, error) {
	var e record.Entity
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if e, err = scanEntity(tx.QueryRow(ctx, sqlGetEntity, id)); err != nil {
			return mapErr(err)
		}
		return s.auditPersonalReads(ctx, tx, "get", []record.Entity{e})
	})
	if err != nil {
		return record.Entity{}, fmt.Errorf("get entity %s: %w", id, err)
	}
	return e, nil
}

// EntityQuery selects a page of entities.
type EntityQuery struct {
	// Kinds keeps entities of these kinds (all when empty).
	Kinds []string
	// Limit is the page size (1 to 1000).
	Limit int
	// After is the id of the last entity of the previous page.
	After *uuid.UUID
}

// EntityPage is a page of entities in id order.
type EntityPage struct {
	Entities []record.Entity
	// Next is the cursor of the next page, nil on the last.
	Next *uuid.UUID
}

// Validate checks the query's fields.
func (q EntityQuery) Validate() error {
	var fe record.Fields
	record.CheckEnum(&fe, "kind", q.Kinds, record.EntityKinds())
	if q.Limit < 1 || q.Limit > 1000 {
		fe.Add("page_size", "must be between 1 and 1000")
	}
	return fe.Err()
}

// ListEntities returns a page of the entities the caller sees, in id
// order. Reads of persons' personal data are audited, one entry each.
func (s *Store) ListEntities(ctx context.Context, q EntityQuery) (EntityPage, error) {
	if err := q.Validate(); err != nil {
		return EntityPage{}, err
	}
	var page EntityPage
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+entityReadColumns+` FROM entities n
			WHERE (coalesce(cardinality($1::text[]), 0) = 0 OR n.kind = ANY ($1)) AND ($2::uuid IS NULL OR n.id > $2)
			ORDER BY n.id LIMIT $3`, q.Kinds, q.After, q.Limit+1)
		if err != nil {
			return mapErr(err)
		}
		page.Entities, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (record.Entity, error) { return scanEntity(r) })
		if err != nil {
			return mapErr(err)
		}
		if len(page.Entities) > q.Limit {
			page.Entities = page.Entities[:q.Limit]
			next := page.Entities[q.Limit-1].ID
			page.Next = &next
		}
		return s.auditPersonalReads(ctx, tx, "list", page.Entities)
	})
	if err != nil {
		return EntityPage{}, fmt.Errorf("list entities: %w", err)
	}
	return page, nil
}

// ReplaceEntity validates e and replaces the stored entity id and its
// matching keys with it; ifVersion works as in ReplaceEvent.
func (s *Store) ReplaceEntity(ctx context.Context, id uuid.UUID, e record.Entity, ifVersion *int64) (record.Entity, error) {
	args, err := prepareEntity(&e)
	if err != nil {
		return record.Entity{}, err
	}
	args = append(args, id, ifVersion)
	var out record.Entity
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		out, err = scanEntity(tx.QueryRow(ctx, sqlUpdateEntity, args...))
		if err == pgx.ErrNoRows {
			return entityVersionOrMissing(ctx, tx, id)
		}
		if err != nil {
			return mapErr(err)
		}
		if err := writeEntityKeys(ctx, tx, out); err != nil {
			return err
		}
		if _, err := s.checkHits(ctx, tx, out, nil); err != nil {
			return err
		}
		return s.audit(ctx, tx, "entity.update", "entity:"+id.String(), map[string]any{"version": out.Version})
	})
	if err != nil {
		return record.Entity{}, fmt.Errorf("replace entity %s: %w", id, err)
	}
	return out, nil
}

// DeleteEntity deletes the entity id with its keys and links; ifVersion
// works as in ReplaceEvent.
func (s *Store) DeleteEntity(ctx context.Context, id uuid.UUID, ifVersion *int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM entity_records WHERE id = $1 AND ($2::bigint IS NULL OR version = $2)`, id, ifVersion)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23503" {
			// A message names it as a subject, or a hit as its match
			// (ON DELETE RESTRICT, migration 0020).
			return fmt.Errorf("%w: a lookout or a hit refers to the entity", ErrConflict)
		}
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return entityVersionOrMissing(ctx, tx, id)
		}
		return s.audit(ctx, tx, "entity.delete", "entity:"+id.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("delete entity %s: %w", id, err)
	}
	return nil
}

// entityVersionOrMissing explains why a conditional write changed no
// entity: not visible (not found), another agency's or the caller's role
// may not write (forbidden), or its version moved on (stale).
func entityVersionOrMissing(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	var owner string
	if err := tx.QueryRow(ctx, `SELECT agency_id FROM entities WHERE id = $1`, id).Scan(&owner); err != nil {
		return mapErr(err)
	}
	if p, ok := PrincipalFrom(ctx); ok && p.AgencyID != owner {
		return fmt.Errorf("%w: only %s may change its own entities", ErrForbidden, owner)
	}
	if p, ok := PrincipalFrom(ctx); ok && !p.Can("write") {
		return fmt.Errorf("%w: the %s role cannot change entities", ErrForbidden, p.Role)
	}
	return ErrStale
}

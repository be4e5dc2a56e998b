package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// eventColumns is the select list that scanEvent reads.
const eventColumns = `e.id, e.kind, e.occurred_at, e.time_precision, ST_AsEWKB(e.geom), e.accuracy_m,
	coalesce(e.place, ''), e.agency_id, e.sharing, coalesce(e.source_ref, ''), coalesce(e.source_url, ''),
	e.synthetic, e.joint_operation_id, e.items, e.total_kg, coalesce(e.category, ''), coalesce(e.severity, 0),
	e.persons_detained, coalesce(e.notes, ''), e.version, e.created_at, e.updated_at`

// eventReadColumns adds whether the caller sees coarsened values (a
// sharing agreement's precision), read from the events view.
const eventReadColumns = eventColumns + `, e.coarsened`

// eventWriteColumns is what writes on event_records return; the writer
// always sees its own record at full precision.
const eventWriteColumns = eventColumns + `, false`

func scanEvent(row pgx.Row) (record.Event, error) {
	var (
		e     record.Event
		wkb   []byte
		items []byte
		sev   int16
		pd    *int32
	)
	err := row.Scan(&e.ID, &e.Kind, &e.OccurredAt, &e.TimePrecision, &wkb, &e.AccuracyM,
		&e.Place, &e.AgencyID, &e.Sharing, &e.SourceRef, &e.SourceURL,
		&e.Synthetic, &e.JointOperationID, &items, &e.TotalKG, &e.Category, &sev,
		&pd, &e.Notes, &e.Version, &e.CreatedAt, &e.UpdatedAt, &e.Coarsened)
	if err != nil {
		return record.Event{}, err
	}
	g, err := decodeEWKB(wkb)
	if err != nil {
		return record.Event{}, err
	}
	p, ok := g.(orb.Point)
	if !ok {
		return record.Event{}, fmt.Errorf("event %s: geometry is %T, not a point", e.ID, g)
	}
	e.Location = p
	e.Severity = int(sev)
	if pd != nil {
		v := int(*pd)
		e.PersonsDetained = &v
	}
	if err := json.Unmarshal(items, &e.Items); err != nil {
		return record.Event{}, fmt.Errorf("event %s: items: %w", e.ID, err)
	}
	e.OccurredAt = e.OccurredAt.UTC()
	return e, nil
}

// eventArgs returns the write parameters $1..$17 in the order of the
// INSERT/UPDATE statements below.
func eventArgs(e *record.Event) ([]any, error) {
	wkb, err := encodeEWKB(e.Location)
	if err != nil {
		return nil, err
	}
	items := e.Items
	if items == nil {
		items = []record.Item{}
	}
	itemsJSON, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	return []any{
		e.Kind, e.OccurredAt, e.TimePrecision, wkb, e.AccuracyM, nullIfEmpty(e.Place), e.AgencyID,
		e.Sharing, nullIfEmpty(e.SourceRef), nullIfEmpty(e.SourceURL), e.Synthetic, e.JointOperationID,
		itemsJSON, nullIfEmpty(e.Category), nullIfZero(e.Severity), e.PersonsDetained, nullIfEmpty(e.Notes),
	}, nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullIfZero(v int) *int {
	if v == 0 {
		return nil
	}
	return &v
}

const sqlInsertEvent = `INSERT INTO event_records AS e (kind, occurred_at, time_precision, geom, accuracy_m, place, agency_id,
	sharing, source_ref, source_url, synthetic, joint_operation_id, items, category, severity, persons_detained, notes)
VALUES ($1, $2, $3, ST_GeomFromEWKB($4), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
RETURNING ` + eventWriteColumns

// CreateEvent validates and inserts e and returns the stored event. A
// source_ref already used by the same agency gives ErrConflict.
func (s *Store) CreateEvent(ctx context.Context, e record.Event) (record.Event, error) {
	e.Normalize()
	if err := s.checkEvent(&e); err != nil {
		return record.Event{}, err
	}
	args, err := eventArgs(&e)
	if err != nil {
		return record.Event{}, fmt.Errorf("create event: %w", err)
	}
	var out record.Event
	err = s.inEventTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanEvent(tx.QueryRow(ctx, sqlInsertEvent, args...))
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "event.create", "event:"+out.ID.String(), map[string]any{"agency": out.AgencyID, "source_ref": out.SourceRef})
	})
	if err != nil {
		return record.Event{}, fmt.Errorf("create event: %w", err)
	}
	return out, nil
}

// ErrIdempotencyMismatch is returned when an idempotency key is reused
// with a different request.
var ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")

// CreateEventOnce is CreateEvent made safe to retry: the first call with a
// given key (per agency) creates the event; later calls with the same key
// and the same request hash return that event with replayed = true, and
// with a different request hash fail with ErrIdempotencyMismatch.
func (s *Store) CreateEventOnce(ctx context.Context, e record.Event, key string, requestHash []byte) (out record.Event, replayed bool, err error) {
	e.Normalize()
	if err := s.checkEvent(&e); err != nil {
		return record.Event{}, false, err
	}
	if key == "" || len(key) > 200 {
		return record.Event{}, false, &record.ValidationError{Fields: []record.FieldError{{Field: "idempotency_key", Reason: "must be 1 to 200 characters"}}}
	}
	args, err := eventArgs(&e)
	if err != nil {
		return record.Event{}, false, fmt.Errorf("create event: %w", err)
	}
	err = s.inEventTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (agency_id, key, request_hash) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, e.AgencyID, key, requestHash)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			var (
				h  []byte
				id *uuid.UUID
			)
			if err := tx.QueryRow(ctx, `SELECT request_hash, event_id FROM idempotency_keys WHERE agency_id = $1 AND key = $2`,
				e.AgencyID, key).Scan(&h, &id); err != nil {
				return mapErr(err)
			}
			if !bytes.Equal(h, requestHash) || id == nil {
				return ErrIdempotencyMismatch
			}
			out, err = scanEvent(tx.QueryRow(ctx, sqlGetEvent, *id))
			replayed = true
			return mapErr(err)
		}
		out, err = scanEvent(tx.QueryRow(ctx, sqlInsertEvent, args...))
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET event_id = $3 WHERE agency_id = $1 AND key = $2`,
			e.AgencyID, key, out.ID); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "event.create", "event:"+out.ID.String(), map[string]any{"agency": out.AgencyID, "source_ref": out.SourceRef, "idempotency_key": key})
	})
	if err != nil {
		return record.Event{}, false, fmt.Errorf("create event: %w", err)
	}
	return out, replayed, nil
}

const sqlGetEvent = `SELECT ` + eventReadColumns + ` FROM events e WHERE e.id = $1`

// GetEvent returns the event with the given id or ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, id uuid.UUID) (record.Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx, sqlGetEvent, id))
	if err != nil {
		return record.Event{}, fmt.Errorf("get event %s: %w", id, mapErr(err))
	}
	return e, nil
}

const sqlUpdateEvent = `UPDATE event_records AS e SET kind = $1, occurred_at = $2, time_precision = $3, geom = ST_GeomFromEWKB($4),
	accuracy_m = $5, place = $6, agency_id = $7, sharing = $8, source_ref = $9, source_url = $10, synthetic = $11,
	joint_operation_id = $12, items = $13, category = $14, severity = $15, persons_detained = $16, notes = $17
WHERE e.id = $18 AND ($19::bigint IS NULL OR e.version = $19)
RETURNING ` + eventWriteColumns

// ReplaceEvent validates e and replaces the stored event id with it. When
// ifVersion is non-nil the stored version must equal it, or ErrConflict is
// returned and nothing is written (optimistic locking behind If-Match).
func (s *Store) ReplaceEvent(ctx context.Context, id uuid.UUID, e record.Event, ifVersion *int64) (record.Event, error) {
	e.Normalize()
	if err := s.checkEvent(&e); err != nil {
		return record.Event{}, err
	}
	args, err := eventArgs(&e)
	if err != nil {
		return record.Event{}, fmt.Errorf("replace event: %w", err)
	}
	args = append(args, id, ifVersion)
	var out record.Event
	err = s.inEventTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanEvent(tx.QueryRow(ctx, sqlUpdateEvent, args...))
		if err == pgx.ErrNoRows {
			return versionOrMissing(ctx, tx, id)
		}
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "event.update", "event:"+id.String(), map[string]any{"version": out.Version})
	})
	if err != nil {
		return record.Event{}, fmt.Errorf("replace event %s: %w", id, err)
	}
	return out, nil
}

// versionOrMissing explains why a conditional write changed no row: the
// event is not visible (not found), belongs to another agency (forbidden),
// or its version moved on (stale).
func versionOrMissing(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	var owner string
	err := tx.QueryRow(ctx, `SELECT agency_id FROM events WHERE id = $1`, id).Scan(&owner)
	if err != nil {
		return mapErr(err)
	}
	if p, ok := PrincipalFrom(ctx); ok && p.AgencyID != owner {
		return fmt.Errorf("%w: only %s may change its own records", ErrForbidden, owner)
	}
	if p, ok := PrincipalFrom(ctx); ok && !p.Can("write") {
		return fmt.Errorf("%w: the %s role cannot change events", ErrForbidden, p.Role)
	}
	return ErrStale
}

const sqlDeleteEvent = `DELETE FROM event_records WHERE id = $1 AND ($2::bigint IS NULL OR version = $2)`

// DeleteEvent deletes the event id; ifVersion works as in ReplaceEvent.
func (s *Store) DeleteEvent(ctx context.Context, id uuid.UUID, ifVersion *int64) error {
	err := s.inEventTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sqlDeleteEvent, id, ifVersion)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return versionOrMissing(ctx, tx, id)
		}
		return s.audit(ctx, tx, "event.delete", "event:"+id.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("delete event %s: %w", id, err)
	}
	return nil
}

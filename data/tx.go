package data

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// This file is the store's door for its sub-packages (data/seed) that
// write tables no method of Store covers. They may use pgx; nothing
// outside data may.

// InTx runs fn in a transaction and commits it; fn's error rolls it back
// and is returned as it is.
// It counts as a write of events (see inEventTx), since the tools that use
// it write them.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.inEventTx(ctx, fn)
}

// AuditTx appends an entry to the audit log inside tx, so that it commits
// or rolls back with the change it records.
func (s *Store) AuditTx(ctx context.Context, tx pgx.Tx, action, target string, detail map[string]any) error {
	return s.audit(ctx, tx, action, target, detail)
}

// MapErr turns driver errors into the store's sentinel and validation
// errors, as the store's own methods do.
func MapErr(err error) error { return mapErr(err) }

// DecodeEWKB decodes a geometry selected with ST_AsEWKB.
func DecodeEWKB(b []byte) (orb.Geometry, error) { return decodeEWKB(b) }

// eventCopyColumns are the columns CopyEvents writes.
var eventCopyColumns = []string{"id", "kind", "occurred_at", "time_precision", "geom", "accuracy_m", "place",
	"agency_id", "sharing", "source_ref", "source_url", "synthetic", "joint_operation_id", "items", "category",
	"severity", "persons_detained", "notes"}

// CopyEvents writes new events, ids included, into event_records with
// COPY inside tx.
func CopyEvents(ctx context.Context, tx pgx.Tx, events []record.Event) error {
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(events) {
			return nil, nil
		}
		i++
		// eventCopyColumns: the id, then eventArgs' columns.
		args, err := eventArgs(&events[i-1])
		return append([]any{events[i-1].ID}, args...), err
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"event_records"}, eventCopyColumns, src); err != nil {
		return mapErr(err)
	}
	return nil
}

// sqlUpsertEventBySourceRef inserts an event, or updates the agency's event
// with the same source_ref when something changed.
const sqlUpsertEventBySourceRef = `INSERT INTO event_records AS e (kind, occurred_at, time_precision, geom, accuracy_m, place,
  agency_id, sharing, source_ref, source_url, synthetic, joint_operation_id, items, category, severity,
  persons_detained, notes)
VALUES ($1, $2, $3, ST_GeomFromEWKB($4), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (agency_id, source_ref) DO UPDATE SET ` + eventUpdateSet + `
WHERE ` + eventChanged

// UpsertEventsBySourceRef writes events inside tx in one batch: each is
// inserted, or updates the event of its agency with the same source_ref
// when something changed (an unchanged event keeps its version). Errors
// are returned unmapped, as pgx reports them.
func UpsertEventsBySourceRef(ctx context.Context, tx pgx.Tx, events []record.Event) error {
	b := &pgx.Batch{}
	for i := range events {
		args, err := eventArgs(&events[i])
		if err != nil {
			return err
		}
		b.Queue(sqlUpsertEventBySourceRef, args...)
	}
	return tx.SendBatch(ctx, b).Close()
}

// eventUpdateSet and eventChanged are shared by every upsert of events by
// (agency_id, source_ref): the update touches a row only when a value
// differs, so re-loading the same records does not bump versions.
const (
	eventUpdateSet = `kind = EXCLUDED.kind, occurred_at = EXCLUDED.occurred_at,
  time_precision = EXCLUDED.time_precision, geom = EXCLUDED.geom, accuracy_m = EXCLUDED.accuracy_m,
  place = EXCLUDED.place, sharing = EXCLUDED.sharing, source_url = EXCLUDED.source_url,
  synthetic = EXCLUDED.synthetic, joint_operation_id = EXCLUDED.joint_operation_id, items = EXCLUDED.items,
  category = EXCLUDED.category, severity = EXCLUDED.severity, persons_detained = EXCLUDED.persons_detained,
  notes = EXCLUDED.notes`
	eventChanged = `(e.kind, e.occurred_at, e.time_precision, e.geom, e.accuracy_m, e.place, e.sharing,
  e.source_url, e.synthetic, e.joint_operation_id, e.items, e.category, e.severity, e.persons_detained, e.notes)
  IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.occurred_at, EXCLUDED.time_precision, EXCLUDED.geom,
  EXCLUDED.accuracy_m, EXCLUDED.place, EXCLUDED.sharing, EXCLUDED.source_url, EXCLUDED.synthetic,
  EXCLUDED.joint_operation_id, EXCLUDED.items, EXCLUDED.category, EXCLUDED.severity,
  EXCLUDED.persons_detained, EXCLUDED.notes)`
)

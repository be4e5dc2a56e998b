package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
)

// Event kinds.
const (
	KindSeizure  = "seizure"
	KindIncident = "incident"
)

// Drugs lists the drug names a seizure item may carry.
var Drugs = []string{"heroin", "opium", "morphine", "hashish", "cannabis", "methamphetamine", "precursors", "other"}

// Categories lists the incident categories.
var Categories = []string{"trafficking_attempt", "armed_clash", "border_violation", "arrest", "intelligence_report", "other"}

// SharingLevels lists who may see an event besides its owner: only the
// owning agency, agencies with a sharing agreement, or all agencies.
var SharingLevels = []string{"agency", "bilateral", "regional"}

// TimePrecisions lists how precisely an event's time is known.
var TimePrecisions = []string{"exact", "day", "month", "year"}

var (
	units      = []string{"kg", "l"}
	qualifiers = []string{"exact", "about", "more_than"}
)

// Item is one drug of a seizure with its quantity.
type Item struct {
	Drug      string  `json:"drug"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	Qualifier string  `json:"qualifier,omitempty"`
}

// Event is a seizure or an incident recorded by an agency.
type Event struct {
	ID               uuid.UUID
	Kind             string
	OccurredAt       time.Time
	TimePrecision    string
	Location         orb.Point
	AccuracyM        *float64
	Place            string
	AgencyID         string
	Sharing          string
	SourceRef        string
	SourceURL        string
	Synthetic        bool
	JointOperationID *uuid.UUID
	Items            []Item
	TotalKG          float64
	Category         string
	Severity         int
	PersonsDetained  *int
	Notes            string
	Version          int64
	// Coarsened is true when the caller sees this event only at the
	// precision a sharing agreement allows.
	Coarsened bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Normalize fills defaults (time precision, sharing level, item qualifier)
// and trims text fields.
func (e *Event) Normalize() {
	if e.TimePrecision == "" {
		e.TimePrecision = "exact"
	}
	if e.Sharing == "" {
		e.Sharing = "agency"
	}
	e.Place = strings.TrimSpace(e.Place)
	e.SourceRef = strings.TrimSpace(e.SourceRef)
	e.AgencyID = strings.TrimSpace(e.AgencyID)
	for i := range e.Items {
		if e.Items[i].Qualifier == "" {
			e.Items[i].Qualifier = "exact"
		}
		if e.Items[i].Unit == "" {
			e.Items[i].Unit = "kg"
		}
	}
	if !e.OccurredAt.IsZero() {
		e.OccurredAt = e.OccurredAt.UTC()
	}
}

// Validate checks every field and returns a *ValidationError naming each
// offending one. It does not check that referenced agencies exist; the
// database does.
func (e *Event) Validate() error {
	var fe fieldErrors
	switch e.Kind {
	case KindSeizure:
		if len(e.Items) == 0 {
			fe.add("items", "a seizure needs at least one item")
		}
		if e.Category != "" {
			fe.add("category", "only incidents have a category")
		}
		if e.Severity != 0 {
			fe.add("severity", "only incidents have a severity")
		}
	case KindIncident:
		if len(e.Items) > 0 {
			fe.add("items", "incidents carry no items; record the seizure as its own event")
		}
		if !slices.Contains(Categories, e.Category) {
			fe.add("category", "must be one of %s", strings.Join(Categories, ", "))
		}
		if e.Severity < 1 || e.Severity > 5 {
			fe.add("severity", "must be an integer from 1 to 5")
		}
	default:
		fe.add("kind", "must be seizure or incident")
	}
	if e.OccurredAt.IsZero() {
		fe.add("occurred_at", "required (RFC 3339 date-time)")
	} else if e.OccurredAt.Year() < 1900 || e.OccurredAt.Year() >= 2200 {
		fe.add("occurred_at", "year must lie in 1900-2199")
	}
	if !slices.Contains(TimePrecisions, e.TimePrecision) {
		fe.add("time_precision", "must be one of %s", strings.Join(TimePrecisions, ", "))
	}
	if !geo.ValidLonLat(e.Location) || math.IsInf(e.Location[0], 0) || math.IsInf(e.Location[1], 0) {
		fe.add("geometry", "coordinates must be lon in [-180, 180], lat in [-90, 90]")
	}
	if e.AccuracyM != nil && (math.IsNaN(*e.AccuracyM) || *e.AccuracyM < 0 || *e.AccuracyM > 1e6) {
		fe.add("accuracy_m", "must be between 0 and 1000000")
	}
	if e.AgencyID == "" {
		fe.add("agency", "required")
	} else if !validSlug(e.AgencyID) {
		fe.add("agency", "not an agency id")
	}
	if !slices.Contains(SharingLevels, e.Sharing) {
		fe.add("sharing", "must be one of %s", strings.Join(SharingLevels, ", "))
	}
	checkText(&fe, "place", e.Place, 500)
	checkText(&fe, "source_ref", e.SourceRef, 200)
	checkText(&fe, "source_url", e.SourceURL, 2000)
	checkText(&fe, "notes", e.Notes, 10000)
	if e.PersonsDetained != nil && (*e.PersonsDetained < 0 || *e.PersonsDetained > 100000) {
		fe.add("persons_detained", "must be between 0 and 100000")
	}
	seen := map[string]bool{}
	for i, it := range e.Items {
		f := fmt.Sprintf("items[%d]", i)
		if !slices.Contains(Drugs, it.Drug) {
			fe.add(f+".drug", "unknown drug %q; must be one of %s", truncate(it.Drug, 40), strings.Join(Drugs, ", "))
		} else if seen[it.Drug] {
			fe.add(f+".drug", "%s is listed twice", it.Drug)
		}
		seen[it.Drug] = true
		if math.IsNaN(it.Quantity) || math.IsInf(it.Quantity, 0) || it.Quantity < 0 || it.Quantity > 1e7 {
			fe.add(f+".quantity", "must be a number from 0 to 10000000")
		}
		if !slices.Contains(units, it.Unit) {
			fe.add(f+".unit", "must be kg or l")
		}
		if !slices.Contains(qualifiers, it.Qualifier) {
			fe.add(f+".qualifier", "must be one of %s", strings.Join(qualifiers, ", "))
		}
	}
	return fe.err()
}

func checkText(fe *fieldErrors, field, v string, maxLen int) {
	if !utf8.ValidString(v) {
		fe.add(field, "not valid UTF-8")
	} else if utf8.RuneCountInString(v) > maxLen {
		fe.add(field, "longer than %d characters", maxLen)
	} else if strings.ContainsRune(v, 0) {
		fe.add(field, "contains a NUL character")
	}
}

func validSlug(s string) bool {
	if len(s) < 2 || len(s) > 63 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_')
		if !ok {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

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

func scanEvent(row pgx.Row) (Event, error) {
	var (
		e     Event
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
		return Event{}, err
	}
	g, err := decodeEWKB(wkb)
	if err != nil {
		return Event{}, err
	}
	p, ok := g.(orb.Point)
	if !ok {
		return Event{}, fmt.Errorf("event %s: geometry is %T, not a point", e.ID, g)
	}
	e.Location = p
	e.Severity = int(sev)
	if pd != nil {
		v := int(*pd)
		e.PersonsDetained = &v
	}
	if err := json.Unmarshal(items, &e.Items); err != nil {
		return Event{}, fmt.Errorf("event %s: items: %w", e.ID, err)
	}
	e.OccurredAt = e.OccurredAt.UTC()
	return e, nil
}

// eventArgs returns the write parameters $1..$17 in the order of the
// INSERT/UPDATE statements below.
func eventArgs(e *Event) ([]any, error) {
	wkb, err := encodeEWKB(e.Location)
	if err != nil {
		return nil, err
	}
	items := e.Items
	if items == nil {
		items = []Item{}
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
func (s *Store) CreateEvent(ctx context.Context, e Event) (Event, error) {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	args, err := eventArgs(&e)
	if err != nil {
		return Event{}, fmt.Errorf("create event: %w", err)
	}
	var out Event
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanEvent(tx.QueryRow(ctx, sqlInsertEvent, args...))
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "event.create", "event:"+out.ID.String(), map[string]any{"agency": out.AgencyID, "source_ref": out.SourceRef})
	})
	if err != nil {
		return Event{}, fmt.Errorf("create event: %w", err)
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
func (s *Store) CreateEventOnce(ctx context.Context, e Event, key string, requestHash []byte) (out Event, replayed bool, err error) {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return Event{}, false, err
	}
	if key == "" || len(key) > 200 {
		return Event{}, false, &ValidationError{Fields: []FieldError{{Field: "Idempotency-Key", Reason: "must be 1 to 200 characters"}}}
	}
	args, err := eventArgs(&e)
	if err != nil {
		return Event{}, false, fmt.Errorf("create event: %w", err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
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
		return Event{}, false, fmt.Errorf("create event: %w", err)
	}
	return out, replayed, nil
}

const sqlGetEvent = `SELECT ` + eventReadColumns + ` FROM events e WHERE e.id = $1`

// GetEvent returns the event with the given id or ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, id uuid.UUID) (Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx, sqlGetEvent, id))
	if err != nil {
		return Event{}, fmt.Errorf("get event %s: %w", id, mapErr(err))
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
func (s *Store) ReplaceEvent(ctx context.Context, id uuid.UUID, e Event, ifVersion *int64) (Event, error) {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	args, err := eventArgs(&e)
	if err != nil {
		return Event{}, fmt.Errorf("replace event: %w", err)
	}
	args = append(args, id, ifVersion)
	var out Event
	err = s.inTx(ctx, func(tx pgx.Tx) error {
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
		return Event{}, fmt.Errorf("replace event %s: %w", id, err)
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
	err := s.inTx(ctx, func(tx pgx.Tx) error {
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

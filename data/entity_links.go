package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/record"
)

// EntityLink is a link between two entities: From has Role to To (a person
// member_of a group, owner_of a vehicle). It belongs to the agency that
// recorded it.
type EntityLink struct {
	ID        int64     `json:"id"`
	From      uuid.UUID `json:"from"`
	To        uuid.UUID `json:"to"`
	Role      string    `json:"role"`
	AgencyID  string    `json:"agency"`
	CreatedAt time.Time `json:"created_at"`
}

// EventEntityLink links an event to an entity involved in it, with the
// entity's role (driver, vehicle, consignment, group, …).
type EventEntityLink struct {
	ID        int64     `json:"id"`
	EventID   uuid.UUID `json:"event"`
	EntityID  uuid.UUID `json:"entity"`
	Role      string    `json:"role"`
	AgencyID  string    `json:"agency"`
	CreatedAt time.Time `json:"created_at"`
}

// visibleKind returns the kind of entity id as the caller sees it, or
// ErrNotFound when it does not see it.
func visibleKind(ctx context.Context, tx pgx.Tx, id uuid.UUID, field string) (kind, owner string, err error) {
	err = tx.QueryRow(ctx, `SELECT kind, agency_id FROM entities WHERE id = $1`, id).Scan(&kind, &owner)
	if err == pgx.ErrNoRows {
		return "", "", &record.FieldError{Field: field, Reason: "no entity you may see has this id"}
	}
	return kind, owner, mapErr(err)
}

// linkAgency is the agency a link is recorded for: the caller's, or for an
// unrestricted tool the owner of the entity it starts from.
func linkAgency(ctx context.Context, owner string) string {
	if p, ok := PrincipalFrom(ctx); ok && p.AgencyID != "" {
		return p.AgencyID
	}
	return owner
}

// LinkEntities records that from has role to to. The caller's agency must
// own one of the two and see the other; the roles fit the kinds of the two
// ends (record.CheckLinkRole).
func (s *Store) LinkEntities(ctx context.Context, from, to uuid.UUID, role string) (EntityLink, error) {
	var l EntityLink
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if from == to {
			return &record.FieldError{Field: "to", Reason: "an entity cannot be linked to itself"}
		}
		fromKind, owner, err := visibleKind(ctx, tx, from, "id")
		if err != nil {
			if fe := (*record.FieldError)(nil); errors.As(err, &fe) {
				return ErrNotFound
			}
			return err
		}
		toKind, _, err := visibleKind(ctx, tx, to, "to")
		if err != nil {
			return err
		}
		if err := record.CheckLinkRole(role, fromKind, toKind); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO entity_link_records (from_id, to_id, role, agency_id) VALUES ($1, $2, $3, $4)
			RETURNING id, from_id, to_id, role, agency_id, created_at`, from, to, role, linkAgency(ctx, owner)).
			Scan(&l.ID, &l.From, &l.To, &l.Role, &l.AgencyID, &l.CreatedAt)
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "entity.link", fmt.Sprintf("entity_link:%d", l.ID),
			map[string]any{"from": from, "to": to, "role": role})
	})
	if err != nil {
		return EntityLink{}, fmt.Errorf("link entity %s: %w", from, err)
	}
	return l, nil
}

// UnlinkEntities deletes the caller's link linkID of entity id (either
// end).
func (s *Store) UnlinkEntities(ctx context.Context, id uuid.UUID, linkID int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM entity_link_records WHERE id = $1 AND $2 IN (from_id, to_id)`, linkID, id)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return linkMissingOrForbidden(ctx, tx, `SELECT agency_id FROM entity_links WHERE id = $1 AND $2 IN (from_id, to_id)`, linkID, id)
		}
		return s.audit(ctx, tx, "entity.unlink", fmt.Sprintf("entity_link:%d", linkID), map[string]any{"entity": id})
	})
	if err != nil {
		return fmt.Errorf("unlink entity %s: %w", id, err)
	}
	return nil
}

// linkMissingOrForbidden explains why a delete of a link removed nothing:
// the caller sees no such link, or sees it but it is another agency's.
func linkMissingOrForbidden(ctx context.Context, tx pgx.Tx, q string, args ...any) error {
	var owner string
	if err := tx.QueryRow(ctx, q, args...).Scan(&owner); err != nil {
		return mapErr(err)
	}
	return fmt.Errorf("%w: only %s may remove its link", ErrForbidden, owner)
}

// LinkEventEntity records that entity plays role in event. The caller's
// agency must own the event and see the entity.
func (s *Store) LinkEventEntity(ctx context.Context, event, entity uuid.UUID, role string) (EventEntityLink, error) {
	var l EventEntityLink
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var owner string
		if err := tx.QueryRow(ctx, `SELECT agency_id FROM events WHERE id = $1`, event).Scan(&owner); err != nil {
			return mapErr(err)
		}
		kind, _, err := visibleKind(ctx, tx, entity, "entity")
		if err != nil {
			return err
		}
		if err := record.CheckEventRole(role, kind); err != nil {
			return err
		}
		if p, ok := PrincipalFrom(ctx); ok && p.AgencyID != owner {
			return fmt.Errorf("%w: only %s may link entities to its events", ErrForbidden, owner)
		}
		err = tx.QueryRow(ctx, `INSERT INTO event_entity_records (event_id, entity_id, role, agency_id) VALUES ($1, $2, $3, $4)
			RETURNING id, event_id, entity_id, role, agency_id, created_at`, event, entity, role, owner).
			Scan(&l.ID, &l.EventID, &l.EntityID, &l.Role, &l.AgencyID, &l.CreatedAt)
		if err != nil {
			return mapErr(err)
		}
		// The entity as the event's agency sees it (personal data withheld
		// without the agreement's term) is matched against its lookouts.
		seen, err := scanEntity(tx.QueryRow(ctx, sqlGetEntity, entity))
		if err != nil {
			return mapErr(err)
		}
		if _, err := s.checkHits(ctx, tx, seen, &event); err != nil {
			return err
		}
		return s.audit(ctx, tx, "event.link_entity", fmt.Sprintf("event_entity:%d", l.ID),
			map[string]any{"event": event, "entity": entity, "role": role})
	})
	if err != nil {
		return EventEntityLink{}, fmt.Errorf("link event %s: %w", event, err)
	}
	return l, nil
}

// UnlinkEventEntity deletes the link linkID of event.
func (s *Store) UnlinkEventEntity(ctx context.Context, event uuid.UUID, linkID int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM event_entity_records WHERE id = $1 AND event_id = $2`, linkID, event)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return linkMissingOrForbidden(ctx, tx, `SELECT agency_id FROM event_entities WHERE id = $1 AND event_id = $2`, linkID, event)
		}
		return s.audit(ctx, tx, "event.unlink_entity", fmt.Sprintf("event_entity:%d", linkID), map[string]any{"event": event})
	})
	if err != nil {
		return fmt.Errorf("unlink event %s: %w", event, err)
	}
	return nil
}

// EventEntities lists the links of event the caller sees (those to
// entities it sees), or ErrNotFound when it does not see the event.
func (s *Store) EventEntities(ctx context.Context, event uuid.UUID) ([]EventEntityLink, error) {
	var out []EventEntityLink
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM events WHERE id = $1`, event).Scan(&one); err != nil {
			return mapErr(err)
		}
		rows, err := tx.Query(ctx, `SELECT id, event_id, entity_id, role, agency_id, created_at FROM event_entities
			WHERE event_id = $1 ORDER BY id`, event)
		if err != nil {
			return mapErr(err)
		}
		out, err = pgx.CollectRows(rows, scanEventEntityLink)
		return mapErr(err)
	})
	if err != nil {
		return nil, fmt.Errorf("entities of event %s: %w", event, err)
	}
	return out, nil
}

func scanEventEntityLink(r pgx.CollectableRow) (EventEntityLink, error) {
	var l EventEntityLink
	err := r.Scan(&l.ID, &l.EventID, &l.EntityID, &l.Role, &l.AgencyID, &l.CreatedAt)
	return l, err
}

func scanEntityLink(r pgx.CollectableRow) (EntityLink, error) {
	var l EntityLink
	err := r.Scan(&l.ID, &l.From, &l.To, &l.Role, &l.AgencyID, &l.CreatedAt)
	return l, err
}

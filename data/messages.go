package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// The vocabularies of messages; the CHECK constraints of migration 0017
// hold the same values (vocab_test.go).
var (
	messageKinds     = []string{"lookout", "rfi", "reply", "notice"}
	messageUrgencies = []string{"routine", "urgent", "flash"}
)

// MessageKinds returns the kinds of messages.
func MessageKinds() []string { return slices.Clone(messageKinds) }

// MessageUrgencies returns the urgencies of messages, least urgent first.
func MessageUrgencies() []string { return slices.Clone(messageUrgencies) }

// Limits of a message.
const (
	maxMessageText       = 10000
	maxMessageRecipients = 50
	maxMessageSubjects   = 100
)

// AckDeadlines say how long after it is sent an urgent or a flash message
// may stay unacknowledged before it is overdue; routine messages have no
// deadline. Zero means no deadline for that urgency.
type AckDeadlines struct {
	Urgent, Flash time.Duration
}

// DefaultAckDeadlines are 2 hours for urgent and 15 minutes for flash
// messages.
func DefaultAckDeadlines() AckDeadlines {
	return AckDeadlines{Urgent: 2 * time.Hour, Flash: 15 * time.Minute}
}

// MessageWhere is where a message is about: a crossing, a border section
// (a section_id of the generated sectors) or a point; at most one.
type MessageWhere struct {
	Crossing *int       `json:"crossing,omitempty"`
	Section  *string    `json:"section,omitempty"`
	Point    *orb.Point `json:"point,omitempty"`
}

// MessageDraft is a message as its author writes it.
type MessageDraft struct {
	Kind       string
	Urgency    string
	Text       string
	Recipients []string
	// Subjects are ids of entities the author sees.
	Subjects   []uuid.UUID
	Where      MessageWhere
	ValidFrom  *time.Time
	ValidUntil *time.Time
	InReplyTo  *int64
}

// Validate checks the draft's fields, naming each offending one.
func (d *MessageDraft) Validate() error {
	var fe record.Fields
	record.CheckEnum(&fe, "kind", []string{d.Kind}, messageKinds)
	if d.Urgency == "" {
		d.Urgency = "routine"
	}
	record.CheckEnum(&fe, "urgency", []string{d.Urgency}, messageUrgencies)
	if strings.TrimSpace(d.Text) == "" {
		fe.Add("text", "must not be empty")
	} else {
		record.CheckText(&fe, "text", d.Text, maxMessageText)
	}
	if len(d.Recipients) == 0 && d.Kind != "reply" {
		fe.Add("recipients", "name at least one partner agency")
	}
	if len(d.Recipients) > maxMessageRecipients {
		fe.Add("recipients", "at most %d agencies", maxMessageRecipients)
	}
	for _, r := range d.Recipients {
		if !record.ValidSlug(r) {
			fe.Add("recipients", "%q is not an agency id", record.Truncate(r, 40))
		}
	}
	if len(d.Subjects) > maxMessageSubjects {
		fe.Add("subjects", "at most %d entities", maxMessageSubjects)
	}
	for _, id := range d.Subjects {
		if id == uuid.Nil {
			fe.Add("subjects", "entity ids are UUIDs")
			break
		}
	}
	d.validateWhere(&fe)
	switch {
	case d.Kind == "lookout" && d.ValidUntil == nil:
		fe.Add("valid_until", "a lookout needs the end of its validity")
	case d.ValidUntil != nil && d.ValidFrom != nil && !d.ValidUntil.After(*d.ValidFrom):
		fe.Add("valid_until", "must be after valid_from")
	}
	if (d.Kind == "reply") != (d.InReplyTo != nil) {
		fe.Add("in_reply_to", "a reply, and only a reply, names the message it answers")
	}
	return fe.Err()
}

func (d *MessageDraft) validateWhere(fe *record.Fields) {
	w := d.Where
	n := 0
	if w.Crossing != nil {
		n++
		if *w.Crossing <= 0 {
			fe.Add("where.crossing", "crossing ids are positive integers")
		}
	}
	if w.Section != nil {
		n++
		if *w.Section == "" || len(*w.Section) > 100 {
			fe.Add("where.section", "must be 1 to 100 characters")
		}
	}
	if w.Point != nil {
		n++
		if p := *w.Point; !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
			fe.Add("where.point", "must be [lon, lat] in degrees")
		}
	}
	if n > 1 {
		fe.Add("where", "give one of crossing, section or point")
	}
}

// Delivery is a message's state at one recipient agency.
type Delivery struct {
	Agency      string     `json:"agency"`
	State       string     `json:"state"` // delivered, read, acknowledged, answered
	DeliveredAt time.Time  `json:"delivered_at"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
	ReadBy      *string    `json:"read_by,omitempty"`
	AckedAt     *time.Time `json:"acknowledged_at,omitempty"`
	AckedBy     *string    `json:"acknowledged_by,omitempty"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	AnsweredBy  *string    `json:"answered_by,omitempty"`
	// Overdue: urgent or flash, not acknowledged, past its deadline.
	Overdue bool `json:"overdue"`
}

// Message is a stored message. Text and Subjects are filled only by the
// reads that are audited (GetMessage, Thread); lists leave them out.
type Message struct {
	ID           int64        `json:"id"`
	Kind         string       `json:"kind"`
	Urgency      string       `json:"urgency"`
	AuthorAgency string       `json:"author_agency"`
	Author       string       `json:"author"`
	Text         *string      `json:"text,omitempty"`
	Subjects     []uuid.UUID  `json:"subjects,omitempty"`
	InReplyTo    *int64       `json:"in_reply_to,omitempty"`
	ThreadID     int64        `json:"thread_id"`
	Where        MessageWhere `json:"where"`
	ValidFrom    *time.Time   `json:"valid_from,omitempty"`
	ValidUntil   *time.Time   `json:"valid_until,omitempty"`
	AckDueAt     *time.Time   `json:"ack_due_at,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	Purged       bool         `json:"purged"`
	// Deliveries: the author sees every recipient's; a recipient its own.
	Deliveries []Delivery `json:"deliveries"`
}

// messageColumns are read by scanMessage, over messages m.
const messageColumns = `m.id, m.kind, m.urgency, m.author_agency, m.author, m.in_reply_to, m.thread_id,
  m.crossing_id, m.section_id, ST_X(m.geom), ST_Y(m.geom), m.valid_from, m.valid_until, m.ack_due_at,
  m.created_at, m.purged_at IS NOT NULL,
  coalesce((SELECT jsonb_agg(jsonb_build_object('agency', r.agency_id,
      'state', CASE WHEN r.answered_at IS NOT NULL THEN 'answered' WHEN r.acked_at IS NOT NULL THEN 'acknowledged'
                    WHEN r.read_at IS NOT NULL THEN 'read' ELSE 'delivered' END,
      'delivered_at', r.delivered_at, 'read_at', r.read_at, 'read_by', r.read_by, 'acknowledged_at', r.acked_at,
      'acknowledged_by', r.acked_by, 'answered_at', r.answered_at, 'answered_by', r.answered_by,
      'overdue', r.acked_at IS NULL AND m.ack_due_at <= now()) ORDER BY r.agency_id)
    FROM message_recipients r WHERE r.message_id = m.id), '[]')`

func scanMessage(row pgx.Row, extra ...any) (Message, error) {
	var (
		m          Message
		lon, lat   *float64
		deliveries []byte
	)
	dest := append([]any{&m.ID, &m.Kind, &m.Urgency, &m.AuthorAgency, &m.Author, &m.InReplyTo, &m.ThreadID,
		&m.Where.Crossing, &m.Where.Section, &lon, &lat, &m.ValidFrom, &m.ValidUntil, &m.AckDueAt,
		&m.CreatedAt, &m.Purged, &deliveries}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Message{}, err
	}
	if lon != nil && lat != nil {
		m.Where.Point = &orb.Point{*lon, *lat}
	}
	if err := json.Unmarshal(deliveries, &m.Deliveries); err != nil {
		return Message{}, fmt.Errorf("deliveries: %w", err)
	}
	return m, nil
}

// caller returns ctx's principal, which every message operation needs.
func caller(ctx context.Context) (Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.AgencyID == "" {
		return Principal{}, fmt.Errorf("%w: messages are sent and read for an agency", ErrForbidden)
	}
	return p, nil
}

const sqlInsertMessage = `INSERT INTO messages (kind, author_agency, author, urgency, body, in_reply_to,
  crossing_id, section_id, geom, valid_from, valid_until, ack_due_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9::float8 IS NOT NULL THEN ST_SetSRID(ST_MakePoint($9, $10), 4326) END,
  $11, $12, CASE WHEN $13::bigint > 0 THEN now() + $13::bigint * interval '1 microsecond' END)
RETURNING id`

// SendMessage stores a message from the caller's agency to its recipients
// and returns it once committed. Each recipient gets a delivery and a
// stream entry in the same transaction (triggers of migration 0017). A
// reply without recipients goes to the author of the message it answers,
// and marks that message answered for the caller's agency. With key (an
// Idempotency-Key), a retry with the same key and requestHash returns the
// message the first attempt sent (replayed) and a different request with
// the same key fails with ErrIdempotencyMismatch.
func (s *Store) SendMessage(ctx context.Context, d MessageDraft, dl AckDeadlines, key string, requestHash []byte) (out Message, replayed bool, err error) {
	p, err := caller(ctx)
	if err != nil {
		return Message{}, false, err
	}
	if !p.Can("message") {
		return Message{}, false, fmt.Errorf("%w: a %s may not send messages", ErrForbidden, p.Role)
	}
	if err := d.Validate(); err != nil {
		return Message{}, false, err
	}
	if len(key) > 200 {
		return Message{}, false, &record.ValidationError{Fields: []record.FieldError{{Field: "idempotency_key", Reason: "must be 1 to 200 characters"}}}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if key != "" {
			id, err := claimIdempotencyKey(ctx, tx, p.AgencyID, key, requestHash)
			if err != nil || id != 0 {
				if err == nil {
					out, err = scanMessage(tx.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages m WHERE m.id = $1`, id))
					replayed = true
				}
				return mapErr(err)
			}
		}
		id, err := s.insertMessage(ctx, tx, p, &d, dl)
		if err != nil {
			return err
		}
		if key != "" {
			if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET message_id = $3 WHERE agency_id = $1 AND key = $2`,
				p.AgencyID, key, id); err != nil {
				return mapErr(err)
			}
		}
		out, err = scanMessage(tx.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages m WHERE m.id = $1`, id))
		if err != nil {
			return mapErr(err)
		}
		out.Text, out.Subjects = &d.Text, d.Subjects
		return s.audit(ctx, tx, "message.send", fmt.Sprintf("message:%d", id), map[string]any{"kind": d.Kind,
			"urgency": d.Urgency, "recipients": d.Recipients, "in_reply_to": d.InReplyTo, "idempotency_key": key})
	})
	if err != nil {
		return Message{}, false, fmt.Errorf("send message: %w", err)
	}
	return out, replayed, nil
}

// claimIdempotencyKey records key for agency; when it was recorded before
// for the same request it returns the message that request sent.
func claimIdempotencyKey(ctx context.Context, tx pgx.Tx, agency, key string, requestHash []byte) (int64, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (agency_id, key, request_hash) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, agency, key, requestHash)
	if err != nil || tag.RowsAffected() == 1 {
		return 0, err
	}
	var (
		h  []byte
		id *int64
	)
	if err := tx.QueryRow(ctx, `SELECT request_hash, message_id FROM idempotency_keys WHERE agency_id = $1 AND key = $2`,
		agency, key).Scan(&h, &id); err != nil {
		return 0, err
	}
	if !bytes.Equal(h, requestHash) || id == nil {
		return 0, ErrIdempotencyMismatch
	}
	return *id, nil
}

// insertMessage writes the message, its recipients and subjects, and marks
// the message it answers.
func (s *Store) insertMessage(ctx context.Context, tx pgx.Tx, p Principal, d *MessageDraft, dl AckDeadlines) (int64, error) {
	if d.InReplyTo != nil && len(d.Recipients) == 0 {
		var author string
		err := tx.QueryRow(ctx, `SELECT author_agency FROM messages WHERE id = $1`, *d.InReplyTo).Scan(&author)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, &record.FieldError{Field: "in_reply_to", Reason: "no such message"}
		} else if err != nil {
			return 0, mapErr(err)
		}
		if author == p.AgencyID {
			return 0, &record.FieldError{Field: "recipients", Reason: "name the agencies a reply to your own message goes to"}
		}
		d.Recipients = []string{author}
	}
	var due time.Duration
	switch d.Urgency {
	case "urgent":
		due = dl.Urgent
	case "flash":
		due = dl.Flash
	}
	var lon, lat *float64
	if d.Where.Point != nil {
		lon, lat = &d.Where.Point[0], &d.Where.Point[1]
	}
	var id int64
	err := tx.QueryRow(ctx, sqlInsertMessage, d.Kind, p.AgencyID, p.Actor, d.Urgency, d.Text, d.InReplyTo,
		d.Where.Crossing, d.Where.Section, lon, lat, d.ValidFrom, d.ValidUntil, due.Microseconds()).Scan(&id)
	var fe *record.ValidationError
	switch {
	case errors.Is(mapErr(err), ErrNotFound):
		return 0, &record.FieldError{Field: "in_reply_to", Reason: "no such message"}
	case errors.As(mapErr(err), &fe) && len(fe.Fields) == 1 && fe.Fields[0].Field == "messages_crossing_id_fkey":
		return 0, &record.FieldError{Field: "where.crossing", Reason: "no such crossing"}
	case err != nil:
		return 0, mapErr(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO message_recipients (message_id, agency_id)
		SELECT $1, a FROM unnest($2::text[]) AS a GROUP BY a ORDER BY a`, id, d.Recipients); err != nil {
		if errors.As(mapErr(err), &fe) && len(fe.Fields) == 1 && fe.Fields[0].Field == "message_recipients_agency_id_fkey" {
			return 0, &record.FieldError{Field: "recipients", Reason: "names an agency that does not exist"}
		}
		return 0, mapErr(err)
	}
	if len(d.Subjects) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO message_subjects (message_id, entity_id)
			SELECT DISTINCT $1::bigint, e FROM unnest($2::uuid[]) AS e`, id, d.Subjects); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && (pgErr.Code == "23503" || pgErr.Code == "42501") {
				// No such entity, or one the author does not see: alike.
				return 0, &record.FieldError{Field: "subjects", Reason: "names an entity that does not exist"}
			}
			return 0, mapErr(err)
		}
	}
	if d.InReplyTo != nil {
		if _, err := tx.Exec(ctx, `UPDATE message_recipients SET answered_at = now(), answered_by = $3,
			read_at = coalesce(read_at, now()), read_by = coalesce(read_by, $3),
			acked_at = coalesce(acked_at, now()), acked_by = coalesce(acked_by, $3)
			WHERE message_id = $1 AND agency_id = $2 AND answered_at IS NULL`, *d.InReplyTo, p.AgencyID, p.Actor); err != nil {
			return 0, mapErr(err)
		}
	}
	return id, nil
}

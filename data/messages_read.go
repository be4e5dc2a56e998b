package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// Boxes of ListMessages.
var messageBoxes = []string{"inbox", "outbox"}

// MessageCounts are the caller's counts beside a list of messages.
type MessageCounts struct {
	// Unread counts the messages to the caller's agency not read yet.
	Unread int `json:"unread"`
	// OverdueIn counts the urgent and flash messages to the caller's
	// agency it has not acknowledged in time; OverdueOut the deliveries of
	// its own messages that a partner has not.
	OverdueIn  int `json:"overdue_in"`
	OverdueOut int `json:"overdue_out"`
}

const sqlListMessages = `SELECT ` + messageColumns + ` FROM messages m
WHERE CASE $1 WHEN 'outbox' THEN m.author_agency = bw_agency()
  ELSE EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.agency_id = bw_agency()) END
  AND ($2::bigint = 0 OR m.id < $2)
  AND ($4::float8 IS NULL OR m.geom && ST_MakeEnvelope($4, $5, $6, $7, 4326))
  AND ($8::timestamptz IS NULL OR m.created_at >= $8) AND ($9::timestamptz IS NULL OR m.created_at <= $9)
ORDER BY m.id DESC LIMIT $3`

const sqlMessageCounts = `SELECT
  count(*) FILTER (WHERE r.agency_id = bw_agency() AND r.read_at IS NULL),
  count(*) FILTER (WHERE r.agency_id = bw_agency() AND r.acked_at IS NULL AND m.ack_due_at <= now()),
  count(*) FILTER (WHERE m.author_agency = bw_agency() AND r.acked_at IS NULL AND m.ack_due_at <= now())
FROM message_recipients r JOIN messages m ON m.id = r.message_id`

// ListMessages lists the caller's inbox (messages to its agency) or outbox
// (from it), newest first, limit at a time after the cursor before (a
// message id; 0 for the first page), without their texts and subjects
// (reading those is audited: GetMessage). next is the cursor of the next
// page, 0 after the last.
func (s *Store) ListMessages(ctx context.Context, box string, before int64, limit int) (msgs []Message, counts MessageCounts, next int64, err error) {
	return s.ListMessagesIn(ctx, box, before, limit, MessageFilter{})
}

// MessageFilter narrows a message list to the messages placed in BBox (a
// message without a place lies in no bbox) and written in Interval.
type MessageFilter struct {
	BBox     *orb.Bound
	Interval geo.Interval
}

// ListMessagesIn is ListMessages of the messages that f selects.
func (s *Store) ListMessagesIn(ctx context.Context, box string, before int64, limit int, f MessageFilter) (msgs []Message, counts MessageCounts, next int64, err error) {
	if _, err := caller(ctx); err != nil {
		return nil, counts, 0, err
	}
	var fe record.Fields
	record.CheckEnum(&fe, "box", []string{box}, messageBoxes)
	if limit < 1 || limit > 500 {
		fe.Add("limit", "must be 1 to 500")
	}
	if before < 0 {
		fe.Add("before", "must be a message id")
	}
	if err := fe.Err(); err != nil {
		return nil, counts, 0, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var bb [4]*float64
		if f.BBox != nil {
			bb = [4]*float64{&f.BBox.Min[0], &f.BBox.Min[1], &f.BBox.Max[0], &f.BBox.Max[1]}
		}
		var from, to *time.Time
		if !f.Interval.Start.IsZero() {
			from = &f.Interval.Start
		}
		if !f.Interval.End.IsZero() {
			to = &f.Interval.End
		}
		rows, err := tx.Query(ctx, sqlListMessages, box, before, limit+1, bb[0], bb[1], bb[2], bb[3], from, to)
		if err != nil {
			return mapErr(err)
		}
		msgs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) { return scanMessage(r) })
		if err != nil {
			return mapErr(err)
		}
		return mapErr(tx.QueryRow(ctx, sqlMessageCounts).Scan(&counts.Unread, &counts.OverdueIn, &counts.OverdueOut))
	})
	if err != nil {
		return nil, counts, 0, fmt.Errorf("list messages: %w", err)
	}
	if len(msgs) > limit {
		msgs = msgs[:limit]
		next = msgs[limit-1].ID
	}
	return msgs, counts, next, nil
}

// GetMessage returns a message with its text and subjects, marks it read
// for the caller's agency when addressed to it, and audits the read. A
// message the caller's agency neither wrote nor received is ErrNotFound.
func (s *Store) GetMessage(ctx context.Context, id int64) (Message, error) {
	msgs, err := s.readMessages(ctx, "message", id, `m.id = $1`)
	if err != nil {
		return Message{}, fmt.Errorf("get message %d: %w", id, err)
	}
	return msgs[0], nil
}

// Thread returns every message of the thread that message id belongs to
// that the caller may see, oldest first, with texts and subjects; it marks
// those addressed to the caller's agency read and audits the read.
func (s *Store) Thread(ctx context.Context, id int64) ([]Message, error) {
	msgs, err := s.readMessages(ctx, "thread", id,
		`m.thread_id = (SELECT t.thread_id FROM messages t WHERE t.id = $1)`)
	if err != nil {
		return nil, fmt.Errorf("thread of message %d: %w", id, err)
	}
	return msgs, nil
}

// readMessages reads the messages matching where ($1 = id) with their
// texts and subjects, marks them read and audits it, in one transaction.
func (s *Store) readMessages(ctx context.Context, what string, id int64, where string) ([]Message, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var msgs []Message
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// Mark read first, so that the deliveries read back say so.
		if _, err := tx.Exec(ctx, `UPDATE message_recipients SET read_at = now(), read_by = $2
			WHERE agency_id = bw_agency() AND read_at IS NULL AND message_id IN (SELECT m.id FROM messages m WHERE `+where+`)`,
			id, p.Actor); err != nil {
			return mapErr(err)
		}
		rows, err := tx.Query(ctx, `SELECT `+messageColumns+`, m.body,
			ARRAY(SELECT s.entity_id FROM message_subjects s WHERE s.message_id = m.id ORDER BY s.entity_id)
			FROM messages m WHERE `+where+` ORDER BY m.id`, id)
		if err != nil {
			return mapErr(err)
		}
		msgs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) {
			var (
				text     string
				subjects []uuid.UUID
			)
			m, err := scanMessage(r, &text, &subjects)
			m.Text, m.Subjects = &text, subjects
			return m, err
		})
		if err != nil {
			return mapErr(err)
		}
		if len(msgs) == 0 {
			return ErrNotFound
		}
		ids := make([]int64, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		return s.audit(ctx, tx, "message.read", fmt.Sprintf("%s:%d", what, id), map[string]any{"messages": ids})
	})
	return msgs, err
}

// AckMessage acknowledges message id for the caller's agency (reading it
// too, if not yet read) and returns it; acknowledging again changes
// nothing. Only a recipient acknowledges; audited.
func (s *Store) AckMessage(ctx context.Context, id int64) (Message, error) {
	p, err := caller(ctx)
	if err != nil {
		return Message{}, err
	}
	if !p.Can("message") {
		return Message{}, fmt.Errorf("%w: a %s may not acknowledge messages", ErrForbidden, p.Role)
	}
	var out Message
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var exists, acked bool
		err := tx.QueryRow(ctx, `SELECT true, acked_at IS NOT NULL FROM message_recipients
			WHERE message_id = $1 AND agency_id = bw_agency() FOR UPDATE`, id).Scan(&exists, &acked)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return mapErr(err)
		}
		if !acked {
			if _, err := tx.Exec(ctx, `UPDATE message_recipients SET acked_at = now(), acked_by = $2,
				read_at = coalesce(read_at, now()), read_by = coalesce(read_by, $2)
				WHERE message_id = $1 AND agency_id = bw_agency()`, id, p.Actor); err != nil {
				return mapErr(err)
			}
			if err := s.audit(ctx, tx, "message.ack", fmt.Sprintf("message:%d", id), nil); err != nil {
				return err
			}
		}
		out, err = scanMessage(tx.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages m WHERE m.id = $1`, id))
		return mapErr(err)
	})
	if err != nil {
		return Message{}, fmt.Errorf("acknowledge message %d: %w", id, err)
	}
	return out, nil
}

// PurgeReport says what PurgeExpired removed.
type PurgeReport struct {
	// Messages counts the messages whose text and subjects were removed:
	// the expired lookouts and every message in their threads.
	Messages int
	// StreamEntries counts the stream entries older than their retention.
	StreamEntries int
	// LookoutKeys counts the matching keys of lookouts that have expired
	// (purged or not yet) dropped from those the hit check searches.
	LookoutKeys int
	// Entities counts the subjects of the purged lookouts whose personal
	// data was purged too (purgeSubjects).
	Entities int
}

// PurgeExpired removes the personal data of lookouts that expired more
// than retention ago — the texts and subject links of every message in
// their threads (the messages, their deliveries and their places stay,
// marked purged) — and deletes stream entries older than streamRetention
// (a client resuming from before them starts at the oldest kept). The
// keys of every lookout that has expired, within its retention or not,
// leave lookout_keys (migration 0021), the hit check's search, at once (an
// expired lookout matches nothing), and so do the words of lookout_words
// that no key has left. The subjects of the purged messages that no event
// links to and no message still names lose their personal data
// (purgeSubjects, migration 0022). It is audited.
func (s *Store) PurgeExpired(ctx context.Context, retention, streamRetention time.Duration) (PurgeReport, error) {
	var rep PurgeReport
	if retention < 0 || streamRetention < 0 {
		return rep, &record.FieldError{Field: "retention", Reason: "must not be negative"}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows := tx.QueryRow(ctx, `WITH expired AS (
			  SELECT id FROM messages WHERE kind = 'lookout' AND valid_until < now() - $1::bigint * interval '1 microsecond'),
			purged AS (
			  UPDATE messages SET body = '', purged_at = now()
			  WHERE thread_id IN (SELECT id FROM expired) AND purged_at IS NULL RETURNING id),
			unlinked AS (DELETE FROM message_subjects WHERE message_id IN (SELECT id FROM purged) RETURNING entity_id)
			SELECT coalesce((SELECT array_agg(id ORDER BY id) FROM purged), '{}'),
			       coalesce((SELECT array_agg(DISTINCT entity_id) FROM unlinked), '{}')`, retention.Microseconds())
		var (
			ids      []int64
			subjects []uuid.UUID
		)
		if err := rows.Scan(&ids, &subjects); err != nil {
			return mapErr(err)
		}
		rep.Messages = len(ids)
		n, err := s.purgeSubjects(ctx, tx, subjects)
		if err != nil {
			return err
		}
		rep.Entities = n
		tag, err := tx.Exec(ctx, `DELETE FROM stream_entries WHERE created_at < now() - $1::bigint * interval '1 microsecond'`,
			streamRetention.Microseconds())
		if err != nil {
			return mapErr(err)
		}
		rep.StreamEntries = int(tag.RowsAffected())
		if tag, err = tx.Exec(ctx, `DELETE FROM lookout_keys WHERE valid_until <= now()`); err != nil {
			return mapErr(err)
		}
		rep.LookoutKeys = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, `DELETE FROM lookout_words w WHERE NOT EXISTS (SELECT 1 FROM lookout_keys k
			WHERE k.words @> ARRAY[w.word] AND k.kind = w.kind)`); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "purge.messages", "messages", map[string]any{"messages": ids,
			"retention_hours": retention.Hours(), "stream_entries": rep.StreamEntries, "lookout_keys": rep.LookoutKeys})
	})
	if err != nil {
		return PurgeReport{}, fmt.Errorf("purge: %w", err)
	}
	return rep, nil
}

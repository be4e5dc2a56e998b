package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

const sqlInsertDemoMessage = `INSERT INTO messages (kind, author_agency, author, urgency, body, in_reply_to, crossing_id,
  valid_from, valid_until, ack_due_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`

// writeDemoExchange writes pl's steps in their order in one transaction,
// as the owner (so with their past times), through the triggers that
// thread messages, check that recipients are partners and stream every
// delivery and change of state. It returns the messages' ids by ref.
func writeDemoExchange(ctx context.Context, store *data.Store, pl *demoExchangePlan, refs demoRefs, seed int64) (map[string]int64, error) {
	ids := make([]int64, len(pl.msgs))
	err := store.InTx(ctx, func(tx pgx.Tx) error {
		for _, st := range pl.steps {
			m := &pl.msgs[st.msg]
			var err error
			switch st.what {
			case "send":
				ids[st.msg], err = sendDemoMessage(ctx, tx, m, refs, ids)
			case "read":
				_, err = tx.Exec(ctx, `UPDATE message_recipients SET read_at = $2, read_by = $3
					WHERE message_id = $1 AND read_at IS NULL`, ids[st.msg], st.at, demoAuthorPrefix+m.toDesk)
			case "ack":
				_, err = tx.Exec(ctx, `UPDATE message_recipients SET acked_at = $2, acked_by = $3,
					read_at = coalesce(read_at, $2), read_by = coalesce(read_by, $3)
					WHERE message_id = $1 AND acked_at IS NULL`, ids[st.msg], st.at, demoAuthorPrefix+m.toDesk)
			}
			if err != nil {
				return fmt.Errorf("message %s (%s): %w", m.ref, st.what, data.MapErr(err))
			}
		}
		return store.AuditTx(ctx, tx, "demo.exchange", "messages", map[string]any{"seed": seed, "messages": len(ids)})
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(ids))
	for i, m := range pl.msgs {
		out[m.ref] = ids[i]
	}
	return out, nil
}

// sendDemoMessage validates m as a draft and writes it, its delivery and
// subjects; a reply marks the message it answers answered (and read and
// acknowledged, if not yet) for the replying agency, as SendMessage does.
func sendDemoMessage(ctx context.Context, tx pgx.Tx, m *demoPlanned, refs demoRefs, ids []int64) (int64, error) {
	d := data.MessageDraft{Kind: m.kind, Urgency: m.urgency, Text: demoTextPrefix + m.text}
	if m.replyIndex >= 0 {
		d.InReplyTo = &ids[m.replyIndex]
	} else {
		d.Recipients = []string{m.to}
	}
	for _, ref := range m.subjects {
		id, ok := refs.entities[ref]
		if !ok {
			return 0, fmt.Errorf("no demo entity %q", ref)
		}
		d.Subjects = append(d.Subjects, id)
	}
	if m.crossing != "" {
		c, ok := refs.crossings[m.crossing]
		if !ok {
			return 0, fmt.Errorf("no crossing %q", m.crossing)
		}
		d.Where.Crossing = &c
	}
	if m.kind == "lookout" {
		until := m.sent.Add(m.valid)
		d.ValidFrom, d.ValidUntil = &m.sent, &until
	}
	if err := d.Validate(); err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRow(ctx, sqlInsertDemoMessage, d.Kind, m.from, demoAuthorPrefix+m.desk, d.Urgency, d.Text,
		d.InReplyTo, d.Where.Crossing, d.ValidFrom, d.ValidUntil, m.deadline(), m.sent).Scan(&id); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO message_recipients (message_id, agency_id, delivered_at) VALUES ($1, $2, $3)`,
		id, m.to, m.sent); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO message_subjects (message_id, entity_id)
		SELECT $1::bigint, e FROM unnest($2::uuid[]) AS e`, id, d.Subjects); err != nil {
		return 0, err
	}
	if d.InReplyTo != nil {
		if _, err := tx.Exec(ctx, `UPDATE message_recipients SET answered_at = $3, answered_by = $4,
			read_at = coalesce(read_at, $3), read_by = coalesce(read_by, $4),
			acked_at = coalesce(acked_at, $3), acked_by = coalesce(acked_by, $4)
			WHERE message_id = $1 AND agency_id = $2 AND answered_at IS NULL`,
			*d.InReplyTo, m.from, m.sent, demoAuthorPrefix+m.desk); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// demoHit has Panji Poyon, acting for tj-border through a restricted
// store as the service would, record the truck of lookout with its plate
// in Cyrillic letters (its own record, not shared), which raises a hit;
// it releases the hit to the lookout's author and replies to the lookout.
// It returns the number of hits released.
func demoHit(ctx context.Context, store *data.Store, lookout int64) (int, error) {
	rs, err := store.Restricted(ctx)
	if err != nil {
		return 0, fmt.Errorf("act for tj-border: %w", err)
	}
	defer rs.Close()
	actx := data.WithPrincipal(ctx, data.Principal{AgencyID: "tj-border", Role: "analyst", Actor: demoAuthorPrefix + deskPanj})
	truck, err := rs.CreateEntity(actx, record.Entity{Kind: record.EntityVehicle, AgencyID: "tj-border", Sharing: "agency",
		Synthetic: true, Notes: demoExchangeNote, Vehicle: &record.Vehicle{Plate: demoHitPlate, PlateCountry: "TJK",
			Kind: "truck", Make: "КАМАЗ", Model: "5320", Colour: "серый"}})
	if err != nil {
		return 0, fmt.Errorf("Panji Poyon's truck: %w", err)
	}
	hits, err := rs.ListHits(actx, data.HitQuery{Limit: 100})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range hits {
		if h.EntityID != truck.ID {
			continue
		}
		if _, err := rs.ReleaseHit(actx, h.ID); err != nil {
			return 0, err
		}
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("the truck recorded as %q raised no hit on lookout %d", demoHitPlate, lookout)
	}
	_, _, err = rs.SendMessage(actx, data.MessageDraft{Kind: "reply", Text: demoTextPrefix + demoHitReply, InReplyTo: &lookout},
		data.DefaultAckDeadlines(), "", nil)
	if err != nil {
		return 0, fmt.Errorf("Panji Poyon's reply: %w", err)
	}
	return n, nil
}

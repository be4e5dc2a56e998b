package seed

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// demoExchangeNote marks the entities the demo exchange records itself.
const demoExchangeNote = "synthetic demo record: invented sighting of the demo's BLO exchange"

// DemoExchangeOptions configures DemoExchange.
type DemoExchangeOptions struct {
	// Seed varies the times of the messages: the same seed and Now give
	// the same exchange.
	Seed int64
	// Now is the moment the history leads up to; zero means time.Now().
	Now time.Time
}

// DemoExchangeSummary counts what DemoExchange wrote.
type DemoExchangeSummary struct {
	Lookouts, RFIs, Replies, Notices int
	// ActiveLookouts are valid now; the other lookouts have expired.
	ActiveLookouts int
	// Overdue counts the urgent and flash deliveries still unacknowledged
	// after their deadline.
	Overdue int
	// Hits counts the hits the partner's record raised, each released to
	// the lookout's author.
	Hits int
}

// DemoExchange replaces the demo's exchange between Border Liaison
// Offices with a labelled-synthetic one between the BLO pairs that have
// agreements (DemoAccess): Panji Poyon – Sher Khan Bandar, Termez –
// Hairatan, Ishkashim, Kyzyl-Art – Bor-Dobo, and the Tajik DCA. Lookouts
// (routine, urgent, flash; expired and active), requests for information
// with replies, and notices, about the demo entities and the reference
// crossings, with deliveries read, acknowledged, answered, or not (one
// urgent lookout overdue). Every text starts "[synthetic]" and every
// author "synthetic:". The history is written as the owner with its past
// times (one audit entry); then Panji Poyon, acting as tj-border through
// a restricted store as the service would, records the truck of an active
// lookout with its plate in Cyrillic letters, which raises a hit that it
// releases to the lookout's author, and replies. DemoEntities must have
// run.
func DemoExchange(ctx context.Context, store *data.Store, opts DemoExchangeOptions) (DemoExchangeSummary, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	var sum DemoExchangeSummary
	plan, err := planDemoExchange(opts)
	if err != nil {
		return sum, fmt.Errorf("demo exchange: %w", err)
	}
	err = store.InTx(ctx, func(tx pgx.Tx) error {
		if err := deleteDemoExchange(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM entity_records WHERE synthetic AND notes = $1`, demoExchangeNote)
		return data.MapErr(err)
	})
	if err != nil {
		return sum, fmt.Errorf("demo exchange: %w", err)
	}
	refs, err := demoExchangeRefs(ctx, store)
	if err != nil {
		return sum, fmt.Errorf("demo exchange: %w", err)
	}
	ids, err := writeDemoExchange(ctx, store, plan, refs, opts.Seed)
	if err != nil {
		return sum, fmt.Errorf("demo exchange: %w", err)
	}
	sum = plan.summary(opts.Now)
	if sum.Hits, err = demoHit(ctx, store, ids[demoHitLookout]); err != nil {
		return sum, fmt.Errorf("demo exchange: %w", err)
	}
	sum.Replies++
	return sum, nil
}

// deleteDemoExchange removes the demo's messages (every thread a demo
// message is in), the hits on them or on synthetic entities, and their
// stream entries.
func deleteDemoExchange(ctx context.Context, tx pgx.Tx) error {
	for _, q := range []string{
		`CREATE TEMP TABLE demo_threads ON COMMIT DROP AS
			SELECT id FROM messages WHERE thread_id IN (SELECT thread_id FROM messages WHERE author LIKE 'synthetic:%')`,
		`WITH gone AS (DELETE FROM hits WHERE message_id IN (SELECT id FROM demo_threads)
			OR entity_id IN (SELECT id FROM entity_records WHERE synthetic)
			OR subject_id IN (SELECT id FROM entity_records WHERE synthetic) RETURNING id)
		DELETE FROM stream_entries WHERE (type = 'hit' AND (payload->>'hit_id')::bigint IN (SELECT id FROM gone))
			OR (type IN ('message', 'message_state') AND (payload->>'message_id')::bigint IN (SELECT id FROM demo_threads))`,
		`DELETE FROM messages WHERE id IN (SELECT id FROM demo_threads)`,
		`DROP TABLE demo_threads`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return data.MapErr(err)
		}
	}
	return nil
}

// demoPlanned is a message of the plan with its times.
type demoPlanned struct {
	demoMsg
	sent       time.Time
	read, ack  *time.Time
	replyIndex int // index of the message answered, -1 for none
}

// demoStep is one change of the exchange at a moment: a message sent, or
// a delivery read or acknowledged.
type demoStep struct {
	at   time.Time
	msg  int
	what string // send, read, ack
}

type demoExchangePlan struct {
	msgs  []demoPlanned
	steps []demoStep
}

// planDemoExchange gives demoMessages their times from opts, and orders
// the steps by time. Every step lies before opts.Now.
func planDemoExchange(opts DemoExchangeOptions) (*demoExchangePlan, error) {
	rng := rand.New(rand.NewSource(opts.Seed))
	jitter := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * (0.8 + 0.4*rng.Float64())).Round(time.Second)
	}
	pl := &demoExchangePlan{}
	index := map[string]int{}
	for i, m := range demoMessages {
		p := demoPlanned{demoMsg: m, replyIndex: -1}
		if m.replyTo == "" {
			p.sent = opts.Now.Add(-jitter(m.at))
		} else {
			j, ok := index[m.replyTo]
			if !ok {
				return nil, fmt.Errorf("message %s answers %s, which comes later or not at all", m.ref, m.replyTo)
			}
			p.replyIndex = j
			p.sent = pl.msgs[j].sent.Add(jitter(m.at))
			p.to, p.toDesk = pl.msgs[j].from, pl.msgs[j].desk
		}
		pl.steps = append(pl.steps, demoStep{p.sent, i, "send"})
		if m.read > 0 {
			t := p.sent.Add(jitter(m.read))
			p.read = &t
			pl.steps = append(pl.steps, demoStep{t, i, "read"})
		}
		if m.ack > 0 {
			t := p.sent.Add(jitter(m.ack))
			if p.read != nil && t.Before(*p.read) {
				t = *p.read
			}
			p.ack = &t
			pl.steps = append(pl.steps, demoStep{t, i, "ack"})
		}
		index[m.ref] = i
		pl.msgs = append(pl.msgs, p)
	}
	sort.SliceStable(pl.steps, func(a, b int) bool { return pl.steps[a].at.Before(pl.steps[b].at) })
	for _, st := range pl.steps {
		if !st.at.Before(opts.Now) {
			return nil, fmt.Errorf("message %s: %s at %s is not in the past", pl.msgs[st.msg].ref, st.what, st.at.Format(time.RFC3339))
		}
	}
	return pl, nil
}

// deadline is when m is due to be acknowledged, or nil.
func (m *demoPlanned) deadline() *time.Time {
	var d time.Duration
	switch dl := data.DefaultAckDeadlines(); m.urgency {
	case "urgent":
		d = dl.Urgent
	case "flash":
		d = dl.Flash
	}
	if d == 0 {
		return nil
	}
	t := m.sent.Add(d)
	return &t
}

// summary counts the plan's messages as they stand at now.
func (pl *demoExchangePlan) summary(now time.Time) DemoExchangeSummary {
	var s DemoExchangeSummary
	for i := range pl.msgs {
		m := &pl.msgs[i]
		switch m.kind {
		case "lookout":
			s.Lookouts++
			if m.sent.Add(m.valid).After(now) {
				s.ActiveLookouts++
			}
		case "rfi":
			s.RFIs++
		case "reply":
			s.Replies++
		case "notice":
			s.Notices++
		}
		if due := m.deadline(); due != nil && !due.After(now) && m.ack == nil {
			s.Overdue++
		}
	}
	return s
}

// demoRefs are the ids of the demo entities by ref and of the reference
// crossings by the start of their names.
type demoRefs struct {
	entities  map[string]uuid.UUID
	crossings map[string]int
}

// demoExchangeRefs maps the refs of the demo entities to their ids and
// the crossings' name prefixes to theirs, and records the entity of the
// exchange itself: Sher Khan Bandar's record of the truck, plate in Latin
// letters.
func demoExchangeRefs(ctx context.Context, store *data.Store) (demoRefs, error) {
	refs := demoRefs{entities: map[string]uuid.UUID{}, crossings: map[string]int{}}
	err := store.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, agency_id, coalesce(name, plate, container_no, '') FROM entity_records WHERE synthetic`)
		if err != nil {
			return data.MapErr(err)
		}
		found := map[string]uuid.UUID{}
		var (
			id          uuid.UUID
			agency, key string
		)
		if _, err := pgx.ForEachRow(rows, []any{&id, &agency, &key}, func() error {
			found[agency+"\x00"+key] = id
			return nil
		}); err != nil {
			return data.MapErr(err)
		}
		for _, d := range demoEntities {
			id, ok := found[d.e.AgencyID+"\x00"+demoEntityKey(d.e)]
			if !ok {
				return fmt.Errorf("demo entity %s not found: run the demo entities first", d.ref)
			}
			refs.entities[d.ref] = id
		}
		rows, err = tx.Query(ctx, `SELECT id, name FROM crossings`)
		if err != nil {
			return data.MapErr(err)
		}
		var (
			cid  int
			name string
		)
		_, err = pgx.ForEachRow(rows, []any{&cid, &name}, func() error {
			for _, prefix := range []string{crossPanj, crossTermez, crossIshk, crossKyzyl} {
				if strings.HasPrefix(name, prefix) {
					refs.crossings[prefix] = cid
				}
			}
			return nil
		})
		return data.MapErr(err)
	})
	if err != nil {
		return refs, err
	}
	for _, prefix := range []string{crossPanj, crossTermez, crossIshk, crossKyzyl} {
		if _, ok := refs.crossings[prefix]; !ok {
			return refs, fmt.Errorf("no reference crossing named %q…: load the reference data first", prefix)
		}
	}
	truck, err := store.CreateEntity(ctx, record.Entity{Kind: record.EntityVehicle, AgencyID: "af-border", Sharing: "bilateral",
		Synthetic: true, Notes: demoExchangeNote, Vehicle: &record.Vehicle{Plate: "4521 AB 03", PlateCountry: "TJK",
			Kind: "truck", Make: "KAMAZ", Model: "5320", Colour: "grey"}})
	if err != nil {
		return refs, fmt.Errorf("Sher Khan Bandar's truck: %w", err)
	}
	refs.entities["kamaz-af"] = truck.ID
	return refs, nil
}

// demoEntityKey is what demoExchangeRefs finds a demo entity by.
func demoEntityKey(e record.Entity) string {
	switch {
	case e.Person != nil:
		return e.Person.Name
	case e.Vehicle != nil:
		return e.Vehicle.Plate
	case e.Group != nil:
		return e.Group.Name
	case e.Consignment != nil:
		return e.Consignment.ContainerNo
	}
	return ""
}

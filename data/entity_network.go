package data

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/record"
)

// MaxNetworkDepth is the deepest network EntityNetwork walks.
const MaxNetworkDepth = 3

// maxNetworkNodes caps the nodes of one network; beyond it the walk stops
// and the network is marked truncated.
const maxNetworkNodes = 500

// Network is an entity's neighbourhood: the entities and events reachable
// from it through links the caller sees, and those links.
type Network struct {
	Root uuid.UUID
	// Entities and Events are the nodes, each with its distance from the
	// root (in links).
	Entities []NetworkEntity
	Events   []NetworkEvent
	// Links are the links between entities, EventLinks those of events to
	// entities, among the nodes.
	Links      []EntityLink
	EventLinks []EventEntityLink
	// Truncated is true when the walk stopped at maxNetworkNodes nodes.
	Truncated bool
}

// NetworkEntity is an entity node of a Network.
type NetworkEntity struct {
	Depth  int
	Entity record.Entity
}

// NetworkEvent is an event node of a Network.
type NetworkEvent struct {
	Depth int
	Event record.Event
}

// EntityNetwork walks depth links (1 to MaxNetworkDepth) out from entity
// id, through links between entities and links of events to entities,
// seeing only what the caller sees: the views entity_links and
// event_entities hold only links whose two ends the caller sees, so a
// hidden entity or event is never reached and no walk passes through it.
// Reads of persons' personal data are audited.
func (s *Store) EntityNetwork(ctx context.Context, id uuid.UUID, depth int) (Network, error) {
	if depth < 1 || depth > MaxNetworkDepth {
		return Network{}, &record.FieldError{Field: "depth", Reason: fmt.Sprintf("must be from 1 to %d", MaxNetworkDepth)}
	}
	n := Network{Root: id}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		w := &networkWalk{entityDepth: map[uuid.UUID]int{id: 0}, eventDepth: map[uuid.UUID]int{},
			links: map[int64]EntityLink{}, eventLinks: map[int64]EventEntityLink{}}
		frontEntities, frontEvents := []uuid.UUID{id}, []uuid.UUID{}
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM entities WHERE id = $1`, id).Scan(&one); err != nil {
			return mapErr(err)
		}
		for d := 1; d <= depth && (len(frontEntities) > 0 || len(frontEvents) > 0); d++ {
			var err error
			frontEntities, frontEvents, err = w.step(ctx, tx, d, frontEntities, frontEvents)
			if err != nil {
				return err
			}
			if len(w.entityDepth)+len(w.eventDepth) >= maxNetworkNodes {
				n.Truncated = true
				break
			}
		}
		if err := w.load(ctx, tx, &n); err != nil {
			return err
		}
		es := make([]record.Entity, len(n.Entities))
		for i, e := range n.Entities {
			es[i] = e.Entity
		}
		return s.auditPersonalReads(ctx, tx, "network:"+id.String(), es)
	})
	if err != nil {
		return Network{}, fmt.Errorf("network of entity %s: %w", id, err)
	}
	return n, nil
}

// networkWalk is the state of a breadth-first walk.
type networkWalk struct {
	entityDepth, eventDepth map[uuid.UUID]int
	links                   map[int64]EntityLink
	eventLinks              map[int64]EventEntityLink
}

// step follows every visible link of the frontier and returns the nodes
// first reached, at depth d.
func (w *networkWalk) step(ctx context.Context, tx pgx.Tx, d int, entities, events []uuid.UUID) (nextEntities, nextEvents []uuid.UUID, err error) {
	reach := func(seen map[uuid.UUID]int, id uuid.UUID, next *[]uuid.UUID) {
		if _, ok := seen[id]; !ok && len(w.entityDepth)+len(w.eventDepth) < maxNetworkNodes {
			seen[id] = d
			*next = append(*next, id)
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, from_id, to_id, role, agency_id, created_at FROM entity_links
		WHERE from_id = ANY ($1) OR to_id = ANY ($1)`, entities)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	links, err := pgx.CollectRows(rows, scanEntityLink)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	for _, l := range links {
		w.links[l.ID] = l
		reach(w.entityDepth, l.From, &nextEntities)
		reach(w.entityDepth, l.To, &nextEntities)
	}
	rows, err = tx.Query(ctx, `SELECT id, event_id, entity_id, role, agency_id, created_at FROM event_entities
		WHERE entity_id = ANY ($1) OR event_id = ANY ($2)`, entities, events)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	evLinks, err := pgx.CollectRows(rows, scanEventEntityLink)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	for _, l := range evLinks {
		w.eventLinks[l.ID] = l
		reach(w.eventDepth, l.EventID, &nextEvents)
		reach(w.entityDepth, l.EntityID, &nextEntities)
	}
	return nextEntities, nextEvents, nil
}

// load reads the nodes reached and keeps the links among them.
func (w *networkWalk) load(ctx context.Context, tx pgx.Tx, n *Network) error {
	ids := make([]uuid.UUID, 0, len(w.entityDepth))
	for id := range w.entityDepth {
		ids = append(ids, id)
	}
	rows, err := tx.Query(ctx, `SELECT `+entityReadColumns+` FROM entities n WHERE n.id = ANY ($1) ORDER BY n.id`, ids)
	if err != nil {
		return mapErr(err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (record.Entity, error) { return scanEntity(r) })
	if err != nil {
		return mapErr(err)
	}
	have := map[uuid.UUID]bool{}
	for _, e := range es {
		have[e.ID] = true
		n.Entities = append(n.Entities, NetworkEntity{Depth: w.entityDepth[e.ID], Entity: e})
	}
	ids = ids[:0]
	for id := range w.eventDepth {
		ids = append(ids, id)
	}
	rows, err = tx.Query(ctx, `SELECT `+eventReadColumns+` FROM events e WHERE e.id = ANY ($1) ORDER BY e.id`, ids)
	if err != nil {
		return mapErr(err)
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (record.Event, error) { return scanEvent(r) })
	if err != nil {
		return mapErr(err)
	}
	for _, e := range evs {
		have[e.ID] = true
		n.Events = append(n.Events, NetworkEvent{Depth: w.eventDepth[e.ID], Event: e})
	}
	// A link is kept only when both its ends were loaded (a node the walk
	// did not keep, past the cap, leaves its links out).
	for _, l := range w.links {
		if have[l.From] && have[l.To] {
			n.Links = append(n.Links, l)
		}
	}
	for _, l := range w.eventLinks {
		if have[l.EventID] && have[l.EntityID] {
			n.EventLinks = append(n.EventLinks, l)
		}
	}
	sortLinks(n)
	return nil
}

func sortLinks(n *Network) {
	slices.SortFunc(n.Links, func(a, b EntityLink) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(n.EventLinks, func(a, b EventEntityLink) int { return cmp.Compare(a.ID, b.ID) })
}

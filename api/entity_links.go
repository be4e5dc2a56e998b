package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/record"
)

// entityLinkRequest links the entity of the URL to another: it has role
// to "to" (member_of, owner_of, …).
type entityLinkRequest struct {
	To   string `json:"to"`
	Role string `json:"role"`
}

// eventEntityRequest links an entity to the event of the URL with its
// role in it (driver, vehicle, consignment, group, …).
type eventEntityRequest struct {
	Entity string `json:"entity"`
	Role   string `json:"role"`
}

func bodyUUID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.UUID{}, newBadRequest(field, "required: the id of an entity")
	}
	return id, nil
}

// pathUUID reads the UUID path parameter name (urlUUID).
func pathUUID(name string) func(*http.Request) (uuid.UUID, error) {
	return func(r *http.Request) (uuid.UUID, error) { return urlUUID(r, name) }
}

// linkRef is what an unlink names: the entity or event of the URL (owner)
// and the id of its link.
type linkRef struct {
	owner uuid.UUID
	link  int64
}

// linkTarget reads an unlink's owner ({id}) and link ({linkId}).
func linkTarget(r *http.Request) (linkRef, error) {
	owner, err := urlUUID(r, "id")
	if err != nil {
		return linkRef{}, err
	}
	link, err := linkID(r)
	return linkRef{owner: owner, link: link}, err
}

func linkID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "linkId"), 10, 64)
	if err != nil || id <= 0 {
		return 0, data.ErrNotFound
	}
	return id, nil
}

func handleLinkEntities(logger *slog.Logger, store *data.Store) http.Handler {
	return handleWrite(logger, 4096, pathUUID("id"),
		func(_ http.ResponseWriter, r *http.Request, id uuid.UUID, req entityLinkRequest) (data.EntityLink, error) {
			to, err := bodyUUID("to", req.To)
			if err != nil {
				return data.EntityLink{}, err
			}
			l, err := store.LinkEntities(r.Context(), id, to, req.Role)
			return l, linkConflict(err)
		}, respondJSON[data.EntityLink](http.StatusCreated))
}

func handleUnlinkEntities(logger *slog.Logger, store *data.Store) http.Handler {
	return handleAct(logger, linkTarget, func(r *http.Request, l linkRef) (struct{}, error) {
		return struct{}{}, store.UnlinkEntities(r.Context(), l.owner, l.link)
	}, respondNoContent)
}

func handleLinkEventEntity(logger *slog.Logger, store *data.Store) http.Handler {
	return handleWrite(logger, 4096, pathUUID("id"),
		func(_ http.ResponseWriter, r *http.Request, id uuid.UUID, req eventEntityRequest) (data.EventEntityLink, error) {
			entity, err := bodyUUID("entity", req.Entity)
			if err != nil {
				return data.EventEntityLink{}, err
			}
			l, err := store.LinkEventEntity(r.Context(), id, entity, req.Role)
			return l, linkConflict(err)
		}, respondJSON[data.EventEntityLink](http.StatusCreated))
}

func handleEventEntities(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := urlUUID(r, "id")
		if err != nil {
			return err
		}
		ls, err := store.EventEntities(r.Context(), id)
		if err != nil {
			return err
		}
		if ls == nil {
			ls = []data.EventEntityLink{}
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"event": id, "entities": ls})
	})
}

func handleUnlinkEventEntity(logger *slog.Logger, store *data.Store) http.Handler {
	return handleAct(logger, linkTarget, func(r *http.Request, l linkRef) (struct{}, error) {
		return struct{}{}, store.UnlinkEventEntity(r.Context(), l.owner, l.link)
	}, respondNoContent)
}

// networkNode is an entity or event of a network. An event node carries a
// summary as the caller may see it (coarsened where an agreement says so).
type networkNode struct {
	ID     string           `json:"id"`
	Type   string           `json:"type"`
	Depth  int              `json:"depth"`
	Entity *entityJSON      `json:"entity,omitempty"`
	Event  *networkEventSum `json:"event,omitempty"`
}

type networkEventSum struct {
	Kind          string   `json:"kind"`
	OccurredAt    string   `json:"occurred_at"`
	TimePrecision string   `json:"time_precision"`
	Agency        string   `json:"agency"`
	Sharing       string   `json:"sharing"`
	TotalKG       *float64 `json:"total_kg,omitempty"`
	Coarsened     bool     `json:"coarsened"`
}

// networkEdge is a link: an entity link (type "entity_link", from has role
// to to) or an event's link to an entity (type "event_entity", from the
// event to the entity).
type networkEdge struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	From string `json:"from"`
	To   string `json:"to"`
	Role string `json:"role"`
}

func handleEntityNetwork(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := urlUUID(r, "id")
		if err != nil {
			return err
		}
		q := r.URL.Query()
		if err := checkParams(q, "depth"); err != nil {
			return err
		}
		depth := 2
		if s := q.Get("depth"); s != "" {
			if depth, err = strconv.Atoi(s); err != nil {
				return newBadRequest("depth", "must be an integer from 1 to "+strconv.Itoa(data.MaxNetworkDepth))
			}
		}
		n, err := store.EntityNetwork(r.Context(), id, depth)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, networkToJSON(n))
	})
}

func networkToJSON(n data.Network) map[string]any {
	nodes := make([]networkNode, 0, len(n.Entities)+len(n.Events))
	for _, e := range n.Entities {
		j := entityToJSON(e.Entity)
		nodes = append(nodes, networkNode{ID: e.Entity.ID.String(), Type: "entity", Depth: e.Depth, Entity: &j})
	}
	for _, e := range n.Events {
		ev := e.Event
		sum := &networkEventSum{Kind: ev.Kind, OccurredAt: ev.OccurredAt.UTC().Format(time.RFC3339),
			TimePrecision: ev.TimePrecision, Agency: ev.AgencyID, Sharing: ev.Sharing, Coarsened: ev.Coarsened}
		if ev.Kind == record.KindSeizure {
			kg := ev.TotalKG
			sum.TotalKG = &kg
		}
		nodes = append(nodes, networkNode{ID: ev.ID.String(), Type: "event", Depth: e.Depth, Event: sum})
	}
	edges := make([]networkEdge, 0, len(n.Links)+len(n.EventLinks))
	for _, l := range n.Links {
		edges = append(edges, networkEdge{ID: "entity_link:" + strconv.FormatInt(l.ID, 10), Type: "entity_link",
			From: l.From.String(), To: l.To.String(), Role: l.Role})
	}
	for _, l := range n.EventLinks {
		edges = append(edges, networkEdge{ID: "event_entity:" + strconv.FormatInt(l.ID, 10), Type: "event_entity",
			From: l.EventID.String(), To: l.EntityID.String(), Role: l.Role})
	}
	return map[string]any{"root": n.Root, "nodes": nodes, "edges": edges, "truncated": n.Truncated}
}

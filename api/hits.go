package api

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/data"
)

// hitList is the answer of GET /api/hits.
type hitList struct {
	Hits []data.Hit `json:"hits"`
	// Next is the before cursor of the next page; absent after the last.
	Next *int64 `json:"next,omitempty"`
}

// handleListHits serves GET /api/hits?limit=N&before=ID: the hits the
// caller's agency recorded and those of its lookouts released to it or
// whose record it sees, newest first.
func handleListHits(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		limit, err := intParam(q.Get("limit"), "limit", 50)
		if err != nil {
			return err
		}
		before, err := intParam(q.Get("before"), "before", 0)
		if err != nil {
			return err
		}
		hits, err := store.ListHits(r.Context(), data.HitQuery{Limit: limit, Before: int64(before)})
		if err != nil {
			return err
		}
		out := hitList{Hits: hits}
		if out.Hits == nil {
			out.Hits = []data.Hit{}
		}
		if len(hits) == limit && limit > 0 {
			next := hits[len(hits)-1].ID
			out.Next = &next
		}
		return encode(w, http.StatusOK, mediaJSON, out)
	})
}

// hitID reads the {id} of a hit's path.
func hitID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, newBadRequest("id", "must be a positive integer")
	}
	return id, nil
}

// handleGetHit serves GET /api/hits/{id}.
func handleGetHit(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := hitID(r)
		if err != nil {
			return err
		}
		h, err := store.GetHit(r.Context(), id)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, h)
	})
}

// handleReleaseHit serves POST /api/hits/{id}/release: the recording
// agency tells the lookout's author of the hit.
func handleReleaseHit(logger *slog.Logger, store *data.Store) http.Handler {
	return handleAct(logger, hitID, func(r *http.Request, id int64) (data.Hit, error) {
		return store.ReleaseHit(r.Context(), id)
	}, respondJSON[data.Hit](http.StatusOK))
}

// matchItem is one entity of GET /api/match.
type matchItem struct {
	ID     string     `json:"id"`
	Score  float64    `json:"score"`
	Entity entityJSON `json:"entity"`
}

// handleMatch serves GET /api/match?kind=person&name=TEXT (kind=vehicle
// with plate, kind=document with number; limit): the entities the caller
// sees that match, best first, each with its score in [0,1] and its
// visible fields.
func handleMatch(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		limit, err := intParam(q.Get("limit"), "limit", 20)
		if err != nil {
			return err
		}
		mq := data.MatchQuery{Kind: q.Get("kind"), Limit: limit}
		switch mq.Kind {
		case data.MatchPerson:
			mq.Text = q.Get("name")
		case data.MatchVehicle:
			mq.Text = q.Get("plate")
		case data.MatchDocument:
			mq.Text = q.Get("number")
		}
		res, err := store.MatchEntities(r.Context(), mq)
		if err != nil {
			return err
		}
		out := struct {
			Matches []matchItem `json:"matches"`
		}{Matches: make([]matchItem, len(res))}
		for i, m := range res {
			out.Matches[i] = matchItem{ID: m.Entity.ID.String(), Score: m.Score, Entity: entityToJSON(m.Entity)}
		}
		return encode(w, http.StatusOK, mediaJSON, out)
	})
}

package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
)

// messageRequest is the body of POST /api/messages.
type messageRequest struct {
	Kind       string            `json:"kind"`
	Urgency    string            `json:"urgency"`
	Text       string            `json:"text"`
	Recipients []string          `json:"recipients"`
	Subjects   []uuid.UUID       `json:"subjects"`
	Where      data.MessageWhere `json:"where"`
	ValidFrom  *time.Time        `json:"valid_from"`
	ValidUntil *time.Time        `json:"valid_until"`
	InReplyTo  *int64            `json:"in_reply_to"`
}

// draft is the message the request asks to send (the store validates it).
func (req messageRequest) draft() data.MessageDraft {
	return data.MessageDraft{Kind: req.Kind, Urgency: req.Urgency, Text: req.Text, Recipients: req.Recipients,
		Subjects: req.Subjects, Where: req.Where, ValidFrom: req.ValidFrom, ValidUntil: req.ValidUntil, InReplyTo: req.InReplyTo}
}

// messageList is the answer of GET /api/messages.
type messageList struct {
	Box      string             `json:"box"`
	Messages []data.Message     `json:"messages"`
	Counts   data.MessageCounts `json:"counts"`
	// Next is the before cursor of the next page; absent after the last.
	Next *int64 `json:"next,omitempty"`
	// Links are the self link and the next page's, as on every list.
	Links []link `json:"links"`
}

// handleSendMessage stores a message from the caller's agency and answers
// 201 with it once committed. With an Idempotency-Key header, a retried
// request returns the first attempt's message (Idempotent-Replayed: true).
func handleSendMessage(logger *slog.Logger, cfg Config, store *data.Store) http.Handler {
	return handleWrite(logger, cfg.MaxBodyBytes, noTarget,
		func(w http.ResponseWriter, r *http.Request, _ struct{}, req messageRequest) (data.Message, error) {
			d := req.draft()
			return idempotent(w, r, req, func() (data.Message, error) {
				m, _, err := store.SendMessage(r.Context(), d, cfg.AckDeadlines, "", nil)
				return m, err
			}, func(key string, hash []byte) (data.Message, bool, error) {
				return store.SendMessage(r.Context(), d, cfg.AckDeadlines, key, hash)
			})
		}, func(w http.ResponseWriter, _ *http.Request, m data.Message) error {
			w.Header().Set("Location", fmt.Sprintf("/api/messages/%d", m.ID))
			return encode(w, http.StatusCreated, mediaJSON, m)
		})
}

// handleListMessages serves GET /api/messages?box=inbox|outbox&limit=N&before=ID:
// the box newest first without texts, and the unread and overdue counts.
func handleListMessages(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if err := checkParams(q, "box", "limit", "before", "bbox", "bbox-crs", "datetime"); err != nil {
			return err
		}
		box := q.Get("box")
		if box == "" {
			box = "inbox"
		}
		limit, err := parseLimitIn(q, 50, 500)
		if err != nil {
			return err
		}
		before, err := intParam(q.Get("before"), "before", 0)
		if err != nil {
			return err
		}
		var f data.MessageFilter
		if f.BBox, err = parseBBoxParam(r); err != nil {
			return err
		}
		if dt := q.Get("datetime"); dt != "" {
			if f.Interval, err = geo.ParseInterval("datetime", dt); err != nil {
				return err
			}
		}
		msgs, counts, next, err := store.ListMessagesIn(r.Context(), box, int64(before), limit, f)
		if err != nil {
			return err
		}
		out := messageList{Box: box, Messages: msgs, Counts: counts}
		if out.Messages == nil {
			out.Messages = []data.Message{}
		}
		cursor := ""
		if next != 0 {
			out.Next = &next
			cursor = strconv.FormatInt(next, 10)
		}
		out.Links = pageLinksBy(r, "before", cursor, mediaJSON)
		w.Header().Set("Cache-Control", "no-store")
		return encode(w, http.StatusOK, "application/json", out)
	})
}

// handleGetMessage serves a message with its text; the read is audited and
// marks it read for the caller's agency.
func handleGetMessage(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := messageID(r)
		if err != nil {
			return err
		}
		m, err := store.GetMessage(r.Context(), id)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return encode(w, http.StatusOK, "application/json", m)
	})
}

// handleThread serves every message of a message's thread the caller may
// see, oldest first (audited, marked read).
func handleThread(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := messageID(r)
		if err != nil {
			return err
		}
		msgs, err := store.Thread(r.Context(), id)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return encode(w, http.StatusOK, "application/json", map[string]any{"thread_id": msgs[0].ThreadID, "messages": msgs})
	})
}

// handleAckMessage acknowledges a message for the caller's agency.
func handleAckMessage(logger *slog.Logger, store *data.Store) http.Handler {
	return handleAct(logger, messageID, func(r *http.Request, id int64) (data.Message, error) {
		return store.AckMessage(r.Context(), id)
	}, respondJSON[data.Message](http.StatusOK))
}

func messageID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, newBadRequest("id", "not a message id")
	}
	return id, nil
}

// intParam parses a non-negative integer query parameter, def when absent.
func intParam(v, name string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, newBadRequest(name, "must be a non-negative integer")
	}
	return n, nil
}

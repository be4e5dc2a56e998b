package api

import (
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
)

// The writes of events, entities, entity links, messages and hits share
// one shape: read what the URL names (a path id, an If-Match version),
// decode the JSON body (bounded, unknown fields refused), let the store
// validate and write it, and answer; every error leaves as problem+json
// naming the field (serveErrors, writeError). handleWrite and handleAct
// are that shape, once; the handlers give only what differs.

// noTarget is the target of a write whose URL names nothing (a creation).
func noTarget(*http.Request) (struct{}, error) { return struct{}{}, nil }

// handleWrite serves a write with a JSON body: target reads the URL
// first, then the body of at most maxBytes is decoded into a B, store
// validates and stores it, and respond writes the answer.
func handleWrite[T, B, O any](logger *slog.Logger, maxBytes int64, target func(*http.Request) (T, error),
	store func(w http.ResponseWriter, r *http.Request, t T, body B) (O, error),
	respond func(w http.ResponseWriter, r *http.Request, out O) error) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		t, err := target(r)
		if err != nil {
			return err
		}
		body, err := decode[B](w, r, maxBytes)
		if err != nil {
			return err
		}
		out, err := store(w, r, t, body)
		if err != nil {
			return err
		}
		return respond(w, r, out)
	})
}

// handleAct serves a write without a body (acknowledge, release, unlink,
// delete): target reads the URL, act does the write and respond answers.
func handleAct[T, O any](logger *slog.Logger, target func(*http.Request) (T, error),
	act func(r *http.Request, t T) (O, error), respond func(w http.ResponseWriter, r *http.Request, out O) error) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		t, err := target(r)
		if err != nil {
			return err
		}
		out, err := act(r, t)
		if err != nil {
			return err
		}
		return respond(w, r, out)
	})
}

// respondJSON answers out as JSON with status.
func respondJSON[O any](status int) func(w http.ResponseWriter, r *http.Request, out O) error {
	return func(w http.ResponseWriter, _ *http.Request, out O) error {
		return encode(w, status, mediaJSON, out)
	}
}

// respondNoContent answers 204 without a body.
func respondNoContent(w http.ResponseWriter, _ *http.Request, _ struct{}) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// idempotent runs a creation under the request's Idempotency-Key: without
// the header, plain; with it, once with the key and the SHA-256 of canon's
// JSON (the decoded request, so a retry that differs only in whitespace
// counts as the same), marking a replayed answer Idempotent-Replayed.
func idempotent[O any](w http.ResponseWriter, r *http.Request, canon any, plain func() (O, error),
	once func(key string, hash []byte) (O, bool, error)) (O, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return plain()
	}
	var zero O
	b, err := json.Marshal(canon)
	if err != nil {
		return zero, err
	}
	sum := sha256.Sum256(b)
	out, replayed, err := once(key, sum[:])
	if err != nil {
		return zero, err
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	return out, nil
}

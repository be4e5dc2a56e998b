package api

import (
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/data"
)

// handleListAgencies lists every agency of the reference data, so that
// filters and forms can offer each one, not only those with an office or
// a team.
func handleListAgencies(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		as, err := store.ListAgencies(r.Context())
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"agencies": as})
	})
}

// handleListUsers lists the users of the admin's agency.
func handleListUsers(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		us, err := store.ListUsers(r.Context())
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"users": us})
	})
}

type userRequest struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// handleCreateUser creates a user of the admin's own agency.
func handleCreateUser(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[userRequest](w, r, 4096)
		if err != nil {
			return err
		}
		p, _ := data.PrincipalFrom(r.Context())
		u, err := store.AddUser(r.Context(), req.Username, p.AgencyID, req.Role, req.Password)
		if err != nil {
			return err
		}
		return encode(w, http.StatusCreated, mediaJSON, u)
	})
}

type userPatch struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
}

// handleUpdateUser changes a user's role, password or whether it may sign in.
func handleUpdateUser(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.Atoi(chi.URLParam(r, "id"))
		if err != nil {
			return data.ErrNotFound
		}
		req, err := decode[userPatch](w, r, 4096)
		if err != nil {
			return err
		}
		if req.Role == nil && req.Disabled == nil && req.Password == nil {
			return newBadRequest("role", "give role, disabled or password")
		}
		p, _ := data.PrincipalFrom(r.Context())
		if id == p.UserID && (req.Disabled != nil && *req.Disabled || req.Role != nil && *req.Role != "admin") {
			// An admin who locks themselves out may leave the agency without one.
			return newBadRequest("disabled", "an admin cannot disable or demote their own account")
		}
		u, err := store.UpdateUser(r.Context(), id, data.UserChange{Role: req.Role, Disabled: req.Disabled, Password: req.Password})
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, u)
	})
}

// parseAuditPage reads ?before= (an entry id, entries older than it) and
// ?limit= (1–500, default 100) of the audit log's pages.
func parseAuditPage(q url.Values) (before int64, limit int, err error) {
	if err := checkParams(q, "before", "limit"); err != nil {
		return 0, 0, err
	}
	if v := q.Get("before"); v != "" {
		before, err = strconv.ParseInt(v, 10, 64)
		if err != nil || before < 1 {
			return 0, 0, newBadRequest("before", "must be the id of an entry (a positive integer)")
		}
	}
	limit, err = parseLimitIn(q, 100, 500)
	return before, limit, err
}

// handleListAudit pages through the audit entries of the admin's agency,
// newest first.
func handleListAudit(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		before, limit, err := parseAuditPage(r.URL.Query())
		if err != nil {
			return err
		}
		es, err := store.AuditEntries(r.Context(), before, limit)
		if err != nil {
			return err
		}
		// A full page may be followed by more: its last entry is the cursor.
		next := ""
		if len(es) == limit {
			next = strconv.FormatInt(es[len(es)-1].ID, 10)
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"entries": es, "links": pageLinksBy(r, "before", next, mediaJSON)})
	})
}

// handleVerifyAudit verifies the whole audit log's hash chain and, when the
// service signs entries, every signature with its key (data.VerifyAudit).
func handleVerifyAudit(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		opt := data.AuditVerify{}
		keyID := ""
		if k := store.AuditPublicKey(); k != nil {
			opt.Keys = []ed25519.PublicKey{k}
			keyID = data.AuditKeyID(k)
		}
		rep, err := store.VerifyAuditAsAdmin(r.Context(), opt)
		if err != nil {
			return err
		}
		problems := rep.Problems
		if problems == nil {
			problems = []string{}
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{
			"intact": len(rep.Problems) == 0, "entries": rep.Entries, "signed": rep.Signed, "unsigned": rep.Unsigned,
			"problems": problems, "key_id": keyID, "checked_at": time.Now().UTC().Format(time.RFC3339),
		})
	})
}

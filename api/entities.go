package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/match"
	"github.com/borderwatch/borderwatch/record"
)

// Entities (persons, vehicles, consignments, groups) under /api/entities:
// the same conventions as events (ETag and If-Match on changes,
// Idempotency-Key on creation, problem+json naming the field). What the
// caller sees, and whether a person's personal data is among it, is
// decided by PostgreSQL (migration 0016); the store audits every write and
// every read of personal data.

// entityJSON is an entity as served and as accepted. The read-only fields
// (id, version, times, personal_data, withheld) are accepted and ignored
// on writes, so that an entity read with GET can be edited and sent back.
type entityJSON struct {
	ID          *string             `json:"id,omitempty"`
	Kind        string              `json:"kind"`
	Agency      string              `json:"agency,omitempty"`
	Sharing     string              `json:"sharing,omitempty"`
	Synthetic   bool                `json:"synthetic"`
	Person      *record.Person      `json:"person,omitempty"`
	Vehicle     *record.Vehicle     `json:"vehicle,omitempty"`
	Consignment *record.Consignment `json:"consignment,omitempty"`
	Group       *record.Group       `json:"group,omitempty"`
	Notes       string              `json:"notes,omitempty"`
	// PersonalData says whether the caller is shown the personal data;
	// Withheld names the fields it is not shown.
	PersonalData *bool    `json:"personal_data,omitempty"`
	Withheld     []string `json:"withheld,omitempty"`
	// NameLatin and NameCyrillic are the entity's name (a person's or a
	// group's name, a vehicle's plate) written in Latin and in Cyrillic
	// letters (match.ToLatin, match.ToCyrillic), for readers of an
	// interface in either script; absent where the name is withheld.
	NameLatin    string  `json:"name_latin,omitempty"`
	NameCyrillic string  `json:"name_cyrillic,omitempty"`
	Version      *int64  `json:"version,omitempty"`
	CreatedAt    *string `json:"created_at,omitempty"`
	UpdatedAt    *string `json:"updated_at,omitempty"`
}

// withheldFields are the fields a caller without the personal data is not
// shown, per kind.
var withheldFields = map[string][]string{
	record.EntityPerson: {"person.name", "person.script", "person.other_names", "person.birth_year",
		"person.birth_date", "person.documents", "notes"},
}

func entityToJSON(e record.Entity) entityJSON {
	id := e.ID.String()
	version := e.Version
	created := e.CreatedAt.UTC().Format(time.RFC3339Nano)
	updated := e.UpdatedAt.UTC().Format(time.RFC3339Nano)
	personal := e.Personal
	out := entityJSON{ID: &id, Kind: e.Kind, Agency: e.AgencyID, Sharing: e.Sharing, Synthetic: e.Synthetic,
		Person: e.Person, Vehicle: e.Vehicle, Consignment: e.Consignment, Group: e.Group, Notes: e.Notes,
		PersonalData: &personal, Version: &version, CreatedAt: &created, UpdatedAt: &updated}
	if !personal {
		out.Withheld = withheldFields[e.Kind]
		if out.Withheld == nil {
			out.Withheld = []string{"notes"}
		}
	}
	if name := entityName(e); name != "" {
		out.NameLatin, out.NameCyrillic = match.ToLatin(name), match.ToCyrillic(name)
	}
	return out
}

// entityName is the name an entity is known by as written: a person's or
// a group's name, a vehicle's plate ("" for consignments and withheld
// names).
func entityName(e record.Entity) string {
	switch {
	case e.Person != nil && e.Personal:
		return e.Person.Name
	case e.Group != nil:
		return e.Group.Name
	case e.Vehicle != nil:
		return e.Vehicle.Plate
	}
	return ""
}

// jsonToEntity converts a decoded entity; the agency defaults to, and
// must be, the caller's.
func jsonToEntity(j entityJSON, callerAgency string) (record.Entity, error) {
	e := record.Entity{Kind: j.Kind, AgencyID: j.Agency, Sharing: j.Sharing, Synthetic: j.Synthetic,
		Person: j.Person, Vehicle: j.Vehicle, Consignment: j.Consignment, Group: j.Group, Notes: j.Notes}
	if e.AgencyID == "" {
		e.AgencyID = callerAgency
	}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return e, err
	}
	if callerAgency != "" && e.AgencyID != callerAgency {
		return e, &badRequest{status: http.StatusForbidden, title: "Forbidden",
			params: []invalidParam{{Name: "agency", Reason: "you can record entities only for your own agency (" + callerAgency + ")"}}}
	}
	return e, nil
}

func writeEntity(w http.ResponseWriter, r *http.Request, status int, e record.Entity) error {
	w.Header().Set("ETag", etag(e.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", baseURL(r)+"/api/entities/"+e.ID.String())
	}
	return encode(w, status, mediaJSON, entityToJSON(e))
}

// urlUUID reads a UUID path parameter; a malformed one names nothing that
// exists.
func urlUUID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, name))
	if err != nil {
		return uuid.UUID{}, data.ErrNotFound
	}
	return id, nil
}

// parseEntityQuery reads kind (comma-separated), limit (1 to 1000,
// default 100) and cursor.
func parseEntityQuery(r *http.Request) (data.EntityQuery, error) {
	q := r.URL.Query()
	if err := checkParams(q, "kind", "limit", "cursor"); err != nil {
		return data.EntityQuery{}, err
	}
	eq := data.EntityQuery{Kinds: geo.SplitParam(q, "kind"), Limit: 100}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return eq, newBadRequest("limit", "must be an integer from 1 to 1000")
		}
		eq.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		id, err := uuid.Parse(c)
		if err != nil {
			return eq, newBadRequest("cursor", "malformed; use the next link as given")
		}
		eq.After = &id
	}
	return eq, eq.Validate()
}

func handleListEntities(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		eq, err := parseEntityQuery(r)
		if err != nil {
			return err
		}
		page, err := store.ListEntities(r.Context(), eq)
		if err != nil {
			return err
		}
		out := struct {
			Entities []entityJSON `json:"entities"`
			Links    []link       `json:"links"`
		}{Entities: make([]entityJSON, len(page.Entities))}
		for i, e := range page.Entities {
			out.Entities[i] = entityToJSON(e)
		}
		next := ""
		if page.Next != nil {
			next = page.Next.String()
		}
		out.Links = jsonPageLinks(r, next)
		return encode(w, http.StatusOK, mediaJSON, out)
	})
}

func handleGetEntity(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := urlUUID(r, "id")
		if err != nil {
			return err
		}
		e, err := store.GetEntity(r.Context(), id)
		if err != nil {
			return err
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag(e.Version)) {
			w.Header().Set("ETag", etag(e.Version))
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		return writeEntity(w, r, http.StatusOK, e)
	})
}

func handleCreateEntity(logger *slog.Logger, cfg Config, store *data.Store) http.Handler {
	return handleWrite(logger, cfg.MaxBodyBytes, noTarget,
		func(w http.ResponseWriter, r *http.Request, _ struct{}, j entityJSON) (record.Entity, error) {
			e, err := jsonToEntity(j, callerAgency(r))
			if err != nil {
				return e, err
			}
			return idempotent(w, r, e, func() (record.Entity, error) { return store.CreateEntity(r.Context(), e) },
				func(key string, hash []byte) (record.Entity, bool, error) {
					return store.CreateEntityOnce(r.Context(), e, key, hash)
				})
		}, entityAnswer(http.StatusCreated))
}

// entityAnswer writes an entity with status.
func entityAnswer(status int) func(w http.ResponseWriter, r *http.Request, e record.Entity) error {
	return func(w http.ResponseWriter, r *http.Request, e record.Entity) error {
		return writeEntity(w, r, status, e)
	}
}

// entityChange reads the change of an entity the URL names.
func entityChange(r *http.Request) (change, error) {
	id, err := urlUUID(r, "id")
	if err != nil {
		return change{}, err
	}
	version, err := ifMatchVersion(r)
	return change{id: id, version: version}, err
}

func handleReplaceEntity(logger *slog.Logger, cfg Config, store *data.Store) http.Handler {
	return handleWrite(logger, cfg.MaxBodyBytes, entityChange,
		func(_ http.ResponseWriter, r *http.Request, c change, j entityJSON) (record.Entity, error) {
			if j.ID != nil && *j.ID != c.id.String() {
				return record.Entity{}, newBadRequest("id", "does not match the URL")
			}
			e, err := jsonToEntity(j, callerAgency(r))
			if err != nil {
				return e, err
			}
			return store.ReplaceEntity(r.Context(), c.id, e, c.version)
		}, entityAnswer(http.StatusOK))
}

func handleDeleteEntity(logger *slog.Logger, store *data.Store) http.Handler {
	return handleAct(logger, entityChange, func(r *http.Request, c change) (struct{}, error) {
		return struct{}{}, store.DeleteEntity(r.Context(), c.id, c.version)
	}, respondNoContent)
}

// linkConflict names the field of a link that exists already.
func linkConflict(err error) error {
	if errors.Is(err, data.ErrConflict) {
		return &badRequest{status: http.StatusConflict, title: "Conflict",
			params: []invalidParam{{Name: "role", Reason: "this link exists already"}}}
	}
	return err
}

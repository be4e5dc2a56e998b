package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// pointJSON is a GeoJSON Point.
type pointJSON struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
}

// eventProps are the properties of an event feature, as served and as
// accepted. Read-only fields (total_kg, drugs, version, created_at,
// updated_at) are accepted and ignored on writes, so that a feature read
// with GET can be edited and sent back with PUT.
type eventProps struct {
	Kind            string        `json:"kind"`
	OccurredAt      string        `json:"occurred_at"`
	TimePrecision   string        `json:"time_precision,omitempty"`
	AccuracyM       *float64      `json:"accuracy_m"`
	Place           string        `json:"place,omitempty"`
	Agency          string        `json:"agency"`
	Sharing         string        `json:"sharing,omitempty"`
	SourceRef       string        `json:"source_ref,omitempty"`
	SourceURL       string        `json:"source_url,omitempty"`
	Synthetic       bool          `json:"synthetic"`
	JointOperation  *string       `json:"joint_operation"`
	Items           []record.Item `json:"items"`
	TotalKG         *float64      `json:"total_kg,omitempty"`
	Drugs           *string       `json:"drugs,omitempty"`
	Category        string        `json:"category,omitempty"`
	Severity        *int          `json:"severity,omitempty"`
	PersonsDetained *int          `json:"persons_detained,omitempty"`
	Notes           string        `json:"notes,omitempty"`
	Version         *int64        `json:"version,omitempty"`
	Coarsened       *bool         `json:"coarsened,omitempty"`
	CreatedAt       *string       `json:"created_at,omitempty"`
	UpdatedAt       *string       `json:"updated_at,omitempty"`
}

// eventFeature is an event as a GeoJSON Feature.
type eventFeature struct {
	Type       string      `json:"type"`
	ID         *string     `json:"id,omitempty"`
	Geometry   *pointJSON  `json:"geometry"`
	Properties *eventProps `json:"properties"`
	Links      []link      `json:"links,omitempty"`
}

func eventToFeature(e record.Event) eventFeature {
	id := e.ID.String()
	total := e.TotalKG
	version := e.Version
	created := e.CreatedAt.UTC().Format(time.RFC3339Nano)
	updated := e.UpdatedAt.UTC().Format(time.RFC3339Nano)
	p := &eventProps{
		Kind: e.Kind, OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339), TimePrecision: e.TimePrecision,
		AccuracyM: e.AccuracyM, Place: e.Place, Agency: e.AgencyID, Sharing: e.Sharing, SourceRef: e.SourceRef,
		SourceURL: e.SourceURL, Synthetic: e.Synthetic, Items: e.Items, Category: e.Category,
		PersonsDetained: e.PersonsDetained, Notes: e.Notes, Version: &version, CreatedAt: &created, UpdatedAt: &updated,
	}
	if p.Items == nil {
		p.Items = []record.Item{}
	}
	if e.Kind == record.KindSeizure {
		p.TotalKG = &total
		drugs := make([]string, len(e.Items))
		for i, it := range e.Items {
			drugs[i] = it.Drug
		}
		joined := strings.Join(drugs, ",")
		p.Drugs = &joined
	}
	if e.Coarsened {
		c := true
		p.Coarsened = &c
	}
	if e.Severity != 0 {
		s := e.Severity
		p.Severity = &s
	}
	if e.JointOperationID != nil {
		s := e.JointOperationID.String()
		p.JointOperation = &s
	}
	return eventFeature{Type: "Feature", ID: &id,
		Geometry:   &pointJSON{Type: "Point", Coordinates: []float64{e.Location[0], e.Location[1]}},
		Properties: p}
}

// featureToEvent converts a decoded feature into an event, naming each
// offending field it cannot convert.
func featureToEvent(f eventFeature, defaultAgency string) (record.Event, error) {
	var fe []invalidParam
	bad := func(name, reason string) { fe = append(fe, invalidParam{Name: name, Reason: reason}) }
	if f.Type != "Feature" {
		bad("type", `must be "Feature"`)
	}
	var e record.Event
	switch {
	case f.Geometry == nil:
		bad("geometry", "required: a GeoJSON Point")
	case f.Geometry.Type != "Point":
		bad("geometry.type", `must be "Point"`)
	case len(f.Geometry.Coordinates) < 2 || len(f.Geometry.Coordinates) > 3:
		bad("geometry.coordinates", "must be [lon, lat]")
	default:
		e.Location = orb.Point{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}
	}
	if f.Properties == nil {
		bad("properties", "required")
		return e, &badRequest{status: http.StatusBadRequest, title: "Invalid request", params: fe}
	}
	p := f.Properties
	e.Kind, e.TimePrecision, e.AccuracyM, e.Place = p.Kind, p.TimePrecision, p.AccuracyM, p.Place
	e.AgencyID, e.Sharing, e.SourceRef, e.SourceURL = p.Agency, p.Sharing, p.SourceRef, p.SourceURL
	if e.AgencyID == "" {
		e.AgencyID = defaultAgency
	}
	e.Synthetic, e.Items, e.Category, e.PersonsDetained, e.Notes = p.Synthetic, p.Items, p.Category, p.PersonsDetained, p.Notes
	if p.Severity != nil {
		e.Severity = *p.Severity
		if e.Severity == 0 {
			bad("severity", "must be an integer from 1 to 5")
		}
	}
	if p.OccurredAt != "" {
		t, err := parseTime(p.OccurredAt)
		if err != nil {
			bad("occurred_at", "not an RFC 3339 date-time or date")
		}
		e.OccurredAt = t
	}
	if p.JointOperation != nil {
		id, err := uuid.Parse(*p.JointOperation)
		if err != nil {
			bad("joint_operation", "not a UUID")
		} else {
			e.JointOperationID = &id
		}
	}
	e.Normalize()
	if err := e.Validate(); err != nil {
		var verr *record.ValidationError
		if errors.As(err, &verr) {
			for _, f := range verr.Fields {
				if f.Field == "occurred_at" && hasParam(fe, "occurred_at") {
					continue
				}
				bad(paramName(f.Field), f.Reason)
			}
		}
		// A refused record names every offending field at once: the date's
		// admission too, which the store checks again with the area.
		if f := e.Future(time.Now()); f != nil && !hasParam(fe, "occurred_at") {
			bad("occurred_at", f.Reason)
		}
	}
	if len(fe) > 0 {
		return e, &badRequest{status: http.StatusBadRequest, title: "Invalid request", params: fe}
	}
	if defaultAgency != "" && e.AgencyID != defaultAgency {
		return e, &badRequest{status: http.StatusForbidden, title: "Forbidden",
			params: []invalidParam{{Name: "agency", Reason: "you can record events only for your own agency (" + defaultAgency + ")"}}}
	}
	return e, nil
}

// callerAgency is the agency of the request's principal.
func callerAgency(r *http.Request) string {
	p, _ := data.PrincipalFrom(r.Context())
	return p.AgencyID
}

func hasParam(ps []invalidParam, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

// etag is the entity tag of an event version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatchVersion reads the If-Match header that every change of an event
// must carry: the ETag the client last read (or * for any version).
func ifMatchVersion(r *http.Request) (*int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return nil, &badRequest{status: http.StatusPreconditionRequired, title: "Precondition required",
			params: []invalidParam{{Name: "If-Match", Reason: "send the ETag of the version you edited, so that no one else's change is overwritten"}}}
	}
	if h == "*" {
		return nil, nil
	}
	h = strings.TrimPrefix(h, "W/")
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil {
		return nil, newBadRequest("If-Match", "not an ETag of this service")
	}
	return &v, nil
}

func eventID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "featureId"))
	if err != nil {
		return uuid.UUID{}, data.ErrNotFound
	}
	return id, nil
}

func writeEvent(w http.ResponseWriter, r *http.Request, status int, e record.Event) {
	f := eventToFeature(e)
	self := baseURL(r) + "/collections/events/items/" + e.ID.String()
	f.Links = []link{{Href: self, Rel: "self", Type: mediaGeoJSON}, {Href: baseURL(r) + "/collections/events", Rel: "collection", Type: mediaJSON}}
	w.Header().Set("ETag", etag(e.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", self)
	}
	_ = encode(w, status, mediaGeoJSON, f)
}

// parseEventQuery reads the items parameters of the events collection.
func parseEventQuery(r *http.Request) (data.EventQuery, error) {
	q := r.URL.Query()
	if err := checkParams(q, "bbox", "bbox-crs", "datetime", "limit", "cursor", "kind", "drug", "agency", "category", "synthetic", "filter", "filter-lang", "filter-crs", "f"); err != nil {
		return data.EventQuery{}, err
	}
	var eq data.EventQuery
	var err error
	if eq.Limit, err = parseLimit(r); err != nil {
		return eq, err
	}
	if eq.BBox, err = parseBBoxParam(r); err != nil {
		return eq, err
	}
	if c := q.Get("cursor"); c != "" {
		id, err := uuid.Parse(c)
		if err != nil {
			return eq, newBadRequest("cursor", "malformed; use the next link as given")
		}
		eq.After = &id
	} else {
		eq.Count = true
	}
	if err := parseEventFilter(q, &eq); err != nil {
		return eq, err
	}
	return eq, data.ValidateEventQuery(&eq)
}

// eventFilterParams are the filters of the events collection beyond bbox:
// what the items and the tiles of the collection both accept.
var eventFilterParams = []string{"datetime", "kind", "drug", "agency", "category", "synthetic", "filter", "filter-lang", "filter-crs"}

// parseEventFilter reads the parameters eventFilterParams into eq.
func parseEventFilter(q url.Values, eq *data.EventQuery) error {
	var err error
	if dt := q.Get("datetime"); dt != "" {
		if eq.Interval, err = geo.ParseInterval("datetime", dt); err != nil {
			return err
		}
	}
	eq.Kinds, eq.Drugs = geo.SplitParam(q, "kind"), geo.SplitParam(q, "drug")
	eq.Agencies, eq.Categories = geo.SplitParam(q, "agency"), geo.SplitParam(q, "category")
	if s := q.Get("synthetic"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return newBadRequest("synthetic", "must be true or false")
		}
		eq.Synthetic = &b
	}
	eq.Where, err = geo.ParseWhere(q.Get("filter"), q.Get("filter-lang"), q.Get("filter-crs"), data.EventQueryables)
	return err
}

// eventCollection is an items response of the events collection.
type eventCollection struct {
	Type           string         `json:"type"`
	Features       []eventFeature `json:"features"`
	NumberMatched  *int64         `json:"numberMatched,omitempty"`
	NumberReturned int            `json:"numberReturned"`
	TimeStamp      string         `json:"timeStamp"`
	Links          []link         `json:"links"`
}

// handleListEvents serves a page chosen in the live index where it can
// (pages, see eventPages; nil never), else reads it from the database;
// there the numberMatched of a bbox-only first page that does not hold
// every match comes from the live index (see data.Store.ListEventsCounted),
// so that a map panned over thousands of events costs a page, not a sort
// of them all.
func handleListEvents(logger *slog.Logger, store *data.Store, live *data.Live, pages *eventPages) http.Handler {
	var count data.EventCounter
	if live != nil {
		count = live.CountEvents
	}
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		eq, err := parseEventQuery(r)
		if err != nil {
			return err
		}
		if pages != nil {
			served, err := pages.serve(w, r, eq)
			if err != nil {
				return err
			}
			pages.m.eventPage(served)
			if served {
				return nil
			}
		}
		page, err := store.ListEventsCounted(r.Context(), eq, count)
		if err != nil {
			return err
		}
		next := ""
		if page.Next != nil {
			next = page.Next.String()
		}
		out := eventCollection{Type: "FeatureCollection", Features: make([]eventFeature, len(page.Events)),
			NumberReturned: len(page.Events), TimeStamp: time.Now().UTC().Format(time.RFC3339), Links: pageLinks(r, next)}
		if page.NumberMatched >= 0 {
			out.NumberMatched = &page.NumberMatched
		}
		for i, e := range page.Events {
			out.Features[i] = eventToFeature(e)
		}
		return encode(w, http.StatusOK, mediaGeoJSON, out)
	})
}

func handleGetEvent(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := eventID(r)
		if err != nil {
			return err
		}
		e, err := store.GetEvent(r.Context(), id)
		if err != nil {
			return err
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag(e.Version)) {
			w.Header().Set("ETag", etag(e.Version))
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		writeEvent(w, r, http.StatusOK, e)
		return nil
	})
}

func handleCreateEvent(logger *slog.Logger, cfg Config, store *data.Store) http.Handler {
	return handleWrite(logger, cfg.MaxBodyBytes, noTarget,
		func(w http.ResponseWriter, r *http.Request, _ struct{}, f eventFeature) (record.Event, error) {
			e, err := featureToEvent(f, callerAgency(r))
			if err != nil {
				return e, err
			}
			return idempotent(w, r, e, func() (record.Event, error) { return store.CreateEvent(r.Context(), e) },
				func(key string, hash []byte) (record.Event, bool, error) {
					return store.CreateEventOnce(r.Context(), e, key, hash)
				})
		}, eventAnswer(http.StatusCreated))
}

// eventAnswer writes an event as a feature with status.
func eventAnswer(status int) func(w http.ResponseWriter, r *http.Request, e record.Event) error {
	return func(w http.ResponseWriter, r *http.Request, e record.Event) error {
		writeEvent(w, r, status, e)
		return nil
	}
}

// changeTarget reads what every change of an event names: the event id
// from the URL and the version from If-Match.
func changeTarget(r *http.Request) (uuid.UUID, *int64, error) {
	id, err := eventID(r)
	if err != nil {
		return uuid.UUID{}, nil, err
	}
	version, err := ifMatchVersion(r)
	return id, version, err
}

// change is what a change of an event or an entity names: its id (the
// URL) and the version it edits (If-Match).
type change struct {
	id      uuid.UUID
	version *int64
}

// eventChange reads the change of an event the URL names.
func eventChange(r *http.Request) (change, error) {
	id, version, err := changeTarget(r)
	return change{id: id, version: version}, err
}

func handleReplaceEvent(logger *slog.Logger, cfg Config, store *data.Store) http.Handler {
	return handleWrite(logger, cfg.MaxBodyBytes, eventChange,
		func(_ http.ResponseWriter, r *http.Request, c change, f eventFeature) (record.Event, error) {
			if f.ID != nil && *f.ID != c.id.String() {
				return record.Event{}, newBadRequest("id", "does not match the URL")
			}
			e, err := featureToEvent(f, callerAgency(r))
			if err != nil {
				return e, err
			}
			return store.ReplaceEvent(r.Context(), c.id, e, c.version)
		}, eventAnswer(http.StatusOK))
}

// handlePatchEvent applies a JSON Merge Patch (RFC 7396) to the event's
// feature representation, then validates and stores the result.
func handlePatchEvent(logger *slog.Logger, cfg Config, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, version, err := changeTarget(r)
		if err != nil {
			return err
		}
		body, err := readBody(w, r, cfg.MaxBodyBytes)
		if err != nil {
			return err
		}
		var patch any
		if err := json.Unmarshal(body, &patch); err != nil {
			return jsonError(err)
		}
		if _, ok := patch.(map[string]any); !ok {
			return newBadRequest("body", "a merge patch must be a JSON object")
		}
		cur, err := store.GetEvent(r.Context(), id)
		if err != nil {
			return err
		}
		if version != nil && *version != cur.Version {
			return data.ErrStale
		}
		curJSON, err := json.Marshal(eventToFeature(cur))
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(curJSON, &doc); err != nil {
			return err
		}
		merged, err := json.Marshal(mergePatch(doc, patch))
		if err != nil {
			return err
		}
		var f eventFeature
		if err := decodeBytes(merged, &f); err != nil {
			return err
		}
		if f.ID == nil || *f.ID != id.String() {
			return newBadRequest("id", "cannot be changed")
		}
		e, err := featureToEvent(f, callerAgency(r))
		if err != nil {
			return err
		}
		v := cur.Version
		updated, err := store.ReplaceEvent(r.Context(), id, e, &v)
		if err != nil {
			return err
		}
		writeEvent(w, r, http.StatusOK, updated)
		return nil
	})
}

// mergePatch applies RFC 7396 JSON Merge Patch semantics.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

func handleDeleteEvent(logger *slog.Logger, store *data.Store) http.Handler {
	return handleAct(logger, eventChange, func(r *http.Request, c change) (struct{}, error) {
		return struct{}{}, store.DeleteEvent(r.Context(), c.id, c.version)
	}, respondNoContent)
}

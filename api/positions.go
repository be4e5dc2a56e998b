package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// positionsMaxBody bounds a position upload: a buffered batch or a GPX
// track of parse.MaxPositions points fits.
const positionsMaxBody = 8 << 20

// errDeviceKeyMismatch rejects a batch item that names another device.
var errDeviceKeyMismatch = &record.ValidationError{Fields: []record.FieldError{{Field: "device_id",
	Reason: "names another device than the request's id; send one device's positions per request"}}}

// readPositions reads the positions of a request to /api/positions in
// whichever form it comes: OsmAnd query parameters (lat or location in the
// query), an OsmAnd form body, Traccar Client's JSON (one object, or an
// array: a batch), newline-delimited lines of either (a batch), or a GPX
// track. It returns the items and the device secret the request names.
func readPositions(w http.ResponseWriter, r *http.Request, now time.Time) ([]parse.PositionItem, string, error) {
	q := r.URL.Query()
	key := q.Get("id")
	if key == "" {
		key = q.Get("deviceid")
	}
	if q.Has("lat") || q.Has("location") {
		it := parse.PositionFromValues(q, now)
		return []parse.PositionItem{it}, key, nil
	}
	body, err := readUpload(w, r)
	if err != nil {
		return nil, "", err
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, "", newBadRequest("lat", "required: send lat and lon as query or form parameters, or a JSON, line or GPX body")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var items []parse.PositionItem
	switch {
	case ct == "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", newBadRequest("body", "not a form: "+err.Error())
		}
		items = []parse.PositionItem{parse.PositionFromValues(v, now)}
	case ct == "application/x-ndjson" || ct == "text/plain":
		items, err = parse.PositionsFromLines(body, now)
		if err != nil {
			return nil, "", newBadRequest("body", err.Error())
		}
	case body[0] == '<':
		items, err = parse.GPX(bytes.NewReader(body))
		if err != nil {
			return nil, "", newBadRequest("body", err.Error())
		}
	case (body[0] == '{' || body[0] == '[') && !bytes.Contains(body, []byte("}\n{")):
		items, err = parse.PositionsFromJSON(body)
		if err != nil {
			return nil, "", newBadRequest("body", err.Error())
		}
	default:
		items, err = parse.PositionsFromLines(body, now)
		if err != nil {
			return nil, "", newBadRequest("body", err.Error())
		}
	}
	if len(items) == 0 {
		return nil, "", newBadRequest("body", "holds no positions")
	}
	if key == "" {
		for _, it := range items {
			if it.DeviceKey != "" {
				key = it.DeviceKey
				break
			}
		}
	}
	// One device per request: an item naming another is rejected.
	for i := range items {
		if items[i].Err == nil && items[i].DeviceKey != "" && items[i].DeviceKey != key {
			items[i].Err = errDeviceKeyMismatch
		}
	}
	return items, key, nil
}

// readUpload reads the body of a position upload, at most
// positionsMaxBody bytes: a larger one is a 413.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, positionsMaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &badRequest{status: http.StatusRequestEntityTooLarge, title: "Request body too large",
				params: []invalidParam{{Name: "body", Reason: fmt.Sprintf("larger than %d bytes", int64(positionsMaxBody))}}}
		}
		return nil, newBadRequest("body", "could not be read")
	}
	return body, nil
}

// deviceAuth resolves a device secret, refusing (and logging, with the
// client's address and never the secret) an unknown or revoked device.
// Failures count against the address's budget of failed authentications.
func deviceAuth(logger *slog.Logger, store *data.Store, failures *limiter, r *http.Request, key string) (data.Device, error) {
	addr := clientAddr(r)
	if key == "" {
		return data.Device{}, &badRequest{status: http.StatusUnauthorized, title: "Unauthorized",
			params: []invalidParam{{Name: "id", Reason: "required: the device's id (its secret from borderwatch device create)"}}}
	}
	d, err := store.AuthenticateDevice(r.Context(), key)
	switch {
	case errors.Is(err, data.ErrUnauthenticated):
		failures.allow("auth-fail:" + addr)
		logger.WarnContext(r.Context(), "unknown device refused", "remote_addr", addr, "route", r.URL.Path)
		return d, &badRequest{status: http.StatusUnauthorized, title: "Unauthorized",
			params: []invalidParam{{Name: "id", Reason: "no registered device has this id"}}}
	case errors.Is(err, data.ErrDeviceRevoked):
		failures.allow("auth-fail:" + addr)
		logger.WarnContext(r.Context(), "revoked device refused", "remote_addr", addr, "device_id", d.ID, "team_id", d.TeamID,
			"route", r.URL.Path)
		return d, &badRequest{status: http.StatusForbidden, title: "Forbidden",
			params: []invalidParam{{Name: "id", Reason: "this device was revoked; nothing it sends is stored"}}}
	case err != nil:
		return d, err
	}
	return d, nil
}

// handlePositions receives positions from devices over the OsmAnd/Traccar
// HTTP location protocol (any method, as Traccar serves it). It answers 200
// with what became of each position once they are committed, including
// positions it rejected (with the reason), so that a client does not
// resend them forever; a request it cannot read is a 400 naming the field,
// an unknown device a 401, a revoked one a 403.
func handlePositions(logger *slog.Logger, store *data.Store, failures *limiter) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if failures.exhausted("auth-fail:" + clientAddr(r)) {
			return errRateLimited
		}
		now := time.Now()
		items, key, err := readPositions(w, r, now)
		if err != nil {
			return err
		}
		d, err := deviceAuth(logger, store, failures, r, key)
		if err != nil {
			return err
		}
		if len(items) == 1 && items[0].Err != nil {
			return items[0].Err
		}
		ctx := data.WithPrincipal(r.Context(), d.Principal(clientAddr(r)))
		sum, err := store.IngestPositions(ctx, data.IngestTarget{TeamID: d.TeamID, DeviceID: d.ID}, items, now)
		if err != nil {
			return err
		}
		logIngest(logger, r, data.IngestTarget{TeamID: d.TeamID, DeviceID: d.ID}, sum)
		return encode(w, http.StatusOK, mediaJSON, sum)
	})
}

// logIngest logs an ingest, and each rejected or flagged position with
// its reason.
func logIngest(logger *slog.Logger, r *http.Request, target data.IngestTarget, sum data.IngestSummary) {
	logger.InfoContext(r.Context(), "positions received", "target", target.String(), "stored", sum.Stored,
		"flagged", sum.Flagged, "duplicates", sum.Duplicates, "rejected", sum.Rejected)
	for _, res := range sum.Results {
		if res.Status == data.PositionRejected || res.Status == data.PositionFlagged {
			logger.WarnContext(r.Context(), "position "+res.Status, "target", target.String(), "index", res.Index,
				"reason", res.Reason, "detail", res.Detail, "remote_addr", clientAddr(r))
		}
	}
}

// handleUploadTrack stores a driven track (GPX) of team {id}: uploaded with
// a planner's or admin's token, or by one of the team's devices naming
// itself with id (or deviceid) in the query.
func handleUploadTrack(logger *slog.Logger, store *data.Store, auth func(http.Handler) http.Handler, failures *limiter) http.Handler {
	upload := func(w http.ResponseWriter, r *http.Request, target data.IngestTarget) error {
		body, err := readUpload(w, r)
		if err != nil {
			return err
		}
		items, err := parse.GPX(bytes.NewReader(body))
		if err != nil {
			return newBadRequest("body", err.Error())
		}
		sum, err := store.IngestPositions(r.Context(), target, items, time.Now())
		if err != nil {
			return err
		}
		logIngest(logger, r, target, sum)
		return encode(w, http.StatusOK, mediaJSON, sum)
	}
	teamOf := func(r *http.Request) (int, error) {
		id, err := strconv.Atoi(chi.URLParam(r, "id"))
		if err != nil || id <= 0 {
			return 0, data.ErrNotFound
		}
		return id, nil
	}
	byToken := auth(requireRole(logger, "plan")(serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		team, err := teamOf(r)
		if err != nil {
			return err
		}
		return upload(w, r, data.IngestTarget{TeamID: team})
	})))
	byDevice := serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		team, err := teamOf(r)
		if err != nil {
			return err
		}
		if failures.exhausted("auth-fail:" + clientAddr(r)) {
			return errRateLimited
		}
		key := r.URL.Query().Get("id")
		if key == "" {
			key = r.URL.Query().Get("deviceid")
		}
		d, err := deviceAuth(logger, store, failures, r, key)
		if err != nil {
			return err
		}
		if d.TeamID != team {
			return &badRequest{status: http.StatusForbidden, title: "Forbidden",
				params: []invalidParam{{Name: "id", Reason: fmt.Sprintf("the device belongs to team %d, not %d", d.TeamID, team)}}}
		}
		ctx := data.WithPrincipal(r.Context(), d.Principal(clientAddr(r)))
		return upload(w, r.WithContext(ctx), data.IngestTarget{TeamID: team, DeviceID: d.ID})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bearer(r) != "" {
			byToken.ServeHTTP(w, r)
			return
		}
		byDevice.ServeHTTP(w, r)
	})
}

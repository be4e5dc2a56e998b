package data

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// EventKey names what the events view shows one caller of one record: the
// record's id, its version and the form the caller sees it in (exactly,
// or coarsened by an agreement's terms). Every caller who sees a record
// at the same key sees the same values, so the feature written for one of
// them serves the others.
type EventKey struct {
	ID      uuid.UUID
	Version int64
	Form    geo.Form
}

// IndexPage is a page of an event query chosen in the live index: the
// keys of its events in id order, with what ListEvents would answer
// besides.
type IndexPage struct {
	Keys []EventKey
	// NumberMatched is the number of matches of a first page, -1 on
	// later pages (as ListEvents).
	NumberMatched int64
	// Next is the cursor of the next page, nil on the last page.
	Next *uuid.UUID
}

// covered records what the pull that just succeeded holds: every change
// notified (notified) and written through the store (writes) before its
// snapshot.
func (l *Live) covered(notified, writes int64) {
	l.coveredNotified.Store(notified)
	l.coveredWrites.Store(writes)
}

// CatchUp pulls into the index every change it knew of when it was
// called: each write acknowledged through this replica's store (read
// your writes) and each change whose notification had arrived. Requests
// arriving together wait for one pull, not one each, and a request never
// waits for writes that began after it. Changes committed by other
// replicas whose notification has not arrived yet are not waited for:
// the answer is then that of a read just before their commit. It does
// nothing when the index is not loaded.
func (l *Live) CatchUp(ctx context.Context) error {
	if !l.Ready() {
		return nil
	}
	notified, writes := l.notified.Load(), l.store.eventWrites.Load()
	behind := func() bool {
		return l.coveredNotified.Load() < notified || l.coveredWrites.Load() < writes
	}
	if !behind() {
		return nil
	}
	return l.pullIf(ctx, behind)
}

// EventPage chooses the page of q in the live index, for the context's
// principal: the same events, in the same order, with the same
// numberMatched and next cursor as ListEventsCounted finds through the
// events view. ok is false when the index cannot answer q and the caller
// reads the page from the database: q filters by more than a bbox and a
// datetime (or has no bbox), the index is not loaded or could not pull
// the changes it knows of (see CatchUp), or a coarsened point lies too
// close to an edge of the bbox for the index to decide as PostGIS does (geo.Page.Uncertain).
// The page says which records and versions to show; EventsByKey reads
// them through the view, which decides again what the caller may see.
func (l *Live) EventPage(ctx context.Context, q EventQuery) (page IndexPage, ok bool, err error) {
	if q.BBox == nil || !bboxAndTimeOnly(&q) || !l.Ready() {
		return IndexPage{}, false, nil
	}
	if err := l.CatchUp(ctx); err != nil {
		return IndexPage{}, false, nil // the database answers
	}
	if err := ValidateEventQuery(&q); err != nil {
		return IndexPage{}, false, err
	}
	vis, err := l.Visibility(ctx)
	if err != nil {
		return IndexPage{}, false, err
	}
	// The database compares with the bounds as pgx sends them: whole
	// microseconds, rounded down.
	iv := geo.Interval{Start: q.Interval.Start.Truncate(time.Microsecond), End: q.Interval.End.Truncate(time.Microsecond)}
	if !iv.Start.IsZero() && !iv.End.IsZero() && iv.End.Before(iv.Start) {
		return IndexPage{}, false, nil
	}
	pq := geo.PageQuery{BBox: *q.BBox, Filter: geo.Filter{Time: iv, Visibility: vis}, Limit: q.Limit, Count: q.Count}
	if q.After != nil {
		after := [16]byte(*q.After)
		pq.After = &after
	}
	p, err := l.ix.Page(pq)
	if err != nil || p.Uncertain {
		return IndexPage{}, false, err
	}
	page = IndexPage{Keys: make([]EventKey, len(p.Entries)), NumberMatched: -1}
	for i, e := range p.Entries {
		page.Keys[i] = EventKey{ID: e.ID, Version: e.Version, Form: e.Form}
	}
	if q.Count {
		page.NumberMatched = int64(p.Matched)
	}
	if len(page.Keys) > q.Limit {
		page.Keys = page.Keys[:q.Limit]
		next := page.Keys[q.Limit-1].ID
		page.Next = &next
	}
	return page, true, nil
}

// bboxAndTimeOnly reports whether q filters by its bbox, its datetime and
// nothing else.
func bboxAndTimeOnly(q *EventQuery) bool {
	t := *q
	t.Interval = geo.Interval{}
	return bboxOnly(&t)
}

// sqlEventsByID reads records through the caller's events view, with the
// terms of the caller's agreement with the record's agency where the view
// shows it coarsened. The terms come from bw_live_agreements, which the
// live index reads too: a key is confirmed only when the view shows the
// record in the form the index expects.
const sqlEventsByID = `SELECT ` + eventReadColumns + `, a.coarsen_m, a.coarsen_time
	FROM events e
	LEFT JOIN bw_live_agreements a ON e.coarsened
	  AND ((a.agency_a = bw_agency() AND a.agency_b = e.agency_id) OR (a.agency_b = bw_agency() AND a.agency_a = e.agency_id))
	WHERE e.id = ANY($1)`

// EventsByKey reads the events of keys through the events view, as the
// context's principal, and returns them in the order of keys. ok is false
// unless the view shows every one of them at its key: a record the view
// does not return (deleted, or hidden from the caller), another version,
// or another form (exact, coarsened, other terms) fails the whole read,
// and the caller reads its page from the database instead.
func (s *Store) EventsByKey(ctx context.Context, keys []EventKey) (events []record.Event, ok bool, err error) {
	if len(keys) == 0 {
		return nil, true, nil
	}
	ids := make([]uuid.UUID, len(keys))
	at := make(map[uuid.UUID]int, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
		at[k.ID] = i
	}
	rows, err := s.pool.Query(ctx, sqlEventsByID, ids)
	if err != nil {
		return nil, false, fmt.Errorf("events by id: %w", mapErr(err))
	}
	defer rows.Close()
	events = make([]record.Event, len(keys))
	found := 0
	for rows.Next() {
		var (
			coarsenM    *float64
			coarsenTime *string
		)
		e, err := scanEvent(extraColumns{rows, []any{&coarsenM, &coarsenTime}})
		if err != nil {
			return nil, false, fmt.Errorf("events by id: %w", err)
		}
		i, known := at[e.ID]
		if !known || e.Version != keys[i].Version || !formIs(keys[i].Form, e.Coarsened, coarsenM, coarsenTime) {
			return nil, false, nil
		}
		events[i] = e
		delete(at, e.ID)
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("events by id: %w", mapErr(err))
	}
	return events, found == len(keys), nil
}

// formIs reports whether a row of the events view, coarsened or not and
// with the terms of the caller's agreement with its agency, is in form f.
func formIs(f geo.Form, coarsened bool, coarsenM *float64, coarsenTime *string) bool {
	if !coarsened || !f.Coarse {
		return coarsened == f.Coarse
	}
	m := 0.0
	if coarsenM != nil {
		m = *coarsenM
	}
	t := ""
	if coarsenTime != nil {
		t = *coarsenTime
	}
	ct, ok := geo.ParseCoarseTime(t)
	return ok && m == f.CoarsenM && ct == f.CoarsenTime
}

// extraColumns scans a row whose last columns, after those a scanner
// reads, go to dest.
type extraColumns struct {
	row  interface{ Scan(...any) error }
	dest []any
}

func (x extraColumns) Scan(dest ...any) error { return x.row.Scan(append(dest, x.dest...)...) }

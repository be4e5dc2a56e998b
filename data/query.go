package data

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/cql2"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// MaxLimit is the largest page a feature query returns.
const MaxLimit = 10000

// EventQuery selects events. Empty slices and zero values do not filter.
type EventQuery struct {
	BBox       *orb.Bound
	Interval   geo.Interval
	Kinds      []string
	Drugs      []string
	Agencies   []string
	Categories []string
	Synthetic  *bool
	// Where is a CQL2 filter checked against EventQueryables.
	Where *cql2.Expr
	// Limit is the page size (1..MaxLimit).
	Limit int
	// After is the keyset cursor: only events whose id sorts after it.
	After *uuid.UUID
	// Count asks for the number of matching events over all pages.
	Count bool
}

// EventPage is one page of an event query.
type EventPage struct {
	Events []record.Event
	// NumberMatched is the number of matching events, or -1 when not counted.
	NumberMatched int64
	// Next is the cursor of the next page, nil on the last page.
	Next *uuid.UUID
}

// sqlBuilder assembles a WHERE clause from constant fragments and numbered
// parameters; no value is ever formatted into the SQL text.
type sqlBuilder struct {
	conds []string
	args  []any
}

func (b *sqlBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *sqlBuilder) where(cond string) { b.conds = append(b.conds, cond) }

func (b *sqlBuilder) clause() string {
	if len(b.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.conds, " AND ")
}

// eventFilter adds q's filters (not the cursor) to b.
func eventFilter(b *sqlBuilder, q *EventQuery) {
	if q.BBox != nil {
		b.where("e.geom && ST_MakeEnvelope(" + b.arg(q.BBox.Min[0]) + ", " + b.arg(q.BBox.Min[1]) + ", " +
			b.arg(q.BBox.Max[0]) + ", " + b.arg(q.BBox.Max[1]) + ", 4326)")
	}
	if !q.Interval.Start.IsZero() {
		b.where("e.occurred_at >= " + b.arg(q.Interval.Start))
	}
	if !q.Interval.End.IsZero() {
		b.where("e.occurred_at <= " + b.arg(q.Interval.End))
	}
	if len(q.Kinds) > 0 {
		b.where("e.kind = ANY(" + b.arg(q.Kinds) + "::text[])")
	}
	if len(q.Agencies) > 0 {
		b.where("e.agency_id = ANY(" + b.arg(q.Agencies) + "::text[])")
	}
	if len(q.Categories) > 0 {
		b.where("e.category = ANY(" + b.arg(q.Categories) + "::text[])")
	}
	if len(q.Drugs) > 0 {
		b.where("e.items @> ANY(ARRAY(SELECT jsonb_build_array(jsonb_build_object('drug', d)) FROM unnest(" +
			b.arg(q.Drugs) + "::text[]) AS d))")
	}
	if q.Synthetic != nil {
		b.where("e.synthetic = " + b.arg(*q.Synthetic))
	}
	if q.Where != nil {
		b.where(whereSQL(b, q.Where))
	}
}

// ValidateEventQuery checks the enumerated filter values and the limit.
func ValidateEventQuery(q *EventQuery) error {
	fe := eventFilterErrors(q)
	if q.Limit < 1 || q.Limit > MaxLimit {
		fe.Add("page_size", "must be between 1 and %d", MaxLimit)
	}
	return fe.Err()
}

// eventFilterErrors checks the enumerated filter values of q.
func eventFilterErrors(q *EventQuery) record.Fields {
	var fe record.Fields
	record.CheckEnum(&fe, "kind", q.Kinds, record.Kinds())
	record.CheckEnum(&fe, "drug", q.Drugs, record.Drugs())
	record.CheckEnum(&fe, "category", q.Categories, record.Categories())
	for _, a := range q.Agencies {
		if !record.ValidSlug(a) {
			fe.Add("agency_id", "%q is not an agency id", record.Truncate(a, 40))
		}
	}
	return fe
}

// EventCounter counts the events matching q that the context's principal
// sees; ok is false when it cannot, and the database counts them.
type EventCounter func(ctx context.Context, q *EventQuery) (n int64, ok bool, err error)

// ListEvents returns one page of events ordered by id, with keyset paging
// so that deep pages cost the same as the first.
func (s *Store) ListEvents(ctx context.Context, q EventQuery) (EventPage, error) {
	return s.ListEventsCounted(ctx, q, nil)
}

// ListEventsCounted is ListEvents with count, when not nil, counting the
// matches of a first page that has a bbox and no other filter and does not
// hold every match.
//
// How numberMatched is found decides what the page costs. A window count
// (count(*) OVER ()) makes PostgreSQL fetch and sort every matching row
// however few it returns: cheap for a bbox and datetime, which the
// (geom, occurred_at) index narrows, but for a bbox alone, as a map pans,
// the cost grows with the thousands of rows the bbox holds. So a bbox-only
// page is read without it and counted by count (the live index), which
// visits the points in the bbox without reading any record. A query with
// other filters keeps the window count: the live index is not indexed by
// time and would visit every event in the bbox whatever its time.
func (s *Store) ListEventsCounted(ctx context.Context, q EventQuery, count EventCounter) (EventPage, error) {
	if err := ValidateEventQuery(&q); err != nil {
		return EventPage{}, err
	}
	var b sqlBuilder
	eventFilter(&b, &q)
	filter, nFilterArgs := b.clause(), len(b.args)
	page := EventPage{NumberMatched: -1}
	// A bbox-only first page with a counter counts after the page; another
	// selective query counts its matches in the same scan (a window count);
	// an unselective one counts separately, so that its page can still be
	// read in id order from the primary key without a full sort.
	countAfter := q.Count && count != nil && bboxOnly(&q)
	windowCount := q.Count && q.BBox != nil && !countAfter
	if q.Count && q.BBox == nil {
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM events e"+filter, b.args...).Scan(&page.NumberMatched); err != nil {
			return EventPage{}, fmt.Errorf("count events: %w", mapErr(err))
		}
	}
	if q.After != nil {
		b.where("e.id > " + b.arg(*q.After))
	}
	cols := eventReadColumns
	if windowCount {
		cols += ", count(*) OVER ()"
		page.NumberMatched = 0
	}
	sql := "SELECT " + cols + " FROM events e" + b.clause() + " ORDER BY e.id LIMIT " + b.arg(q.Limit+1)
	if err := s.readPage(ctx, &page, sql, b.args, windowCount); err != nil {
		return EventPage{}, err
	}
	if len(page.Events) > q.Limit {
		page.Events = page.Events[:q.Limit]
		next := page.Events[q.Limit-1].ID
		page.Next = &next
	}
	if !countAfter {
		return page, nil
	}
	if page.Next == nil {
		// The first page holds every match: it is its own count.
		page.NumberMatched = int64(len(page.Events))
		return page, nil
	}
	n, ok, err := count(ctx, &q)
	if err != nil {
		return EventPage{}, fmt.Errorf("count events: %w", err)
	}
	// The page has a next one, so a count not above its length is an index
	// that has not caught up with a write yet: the database answers.
	if ok && n > int64(len(page.Events)) {
		page.NumberMatched = n
		return page, nil
	}
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM events e"+filter, b.args[:nFilterArgs]...).Scan(&page.NumberMatched); err != nil {
		return EventPage{}, fmt.Errorf("count events: %w", mapErr(err))
	}
	return page, nil
}

// bboxOnly reports whether q filters by its bbox and nothing else.
func bboxOnly(q *EventQuery) bool {
	return q.BBox != nil && q.Interval.Start.IsZero() && q.Interval.End.IsZero() && len(q.Kinds) == 0 &&
		len(q.Drugs) == 0 && len(q.Agencies) == 0 && len(q.Categories) == 0 && q.Synthetic == nil && q.Where == nil
}

// readPage appends the events sql returns to page; with windowCount each
// row's last column is the window count, stored in page.NumberMatched.
func (s *Store) readPage(ctx context.Context, page *EventPage, sql string, args []any, windowCount bool) error {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("list events: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e   record.Event
			err error
		)
		if windowCount {
			e, err = scanEvent(extraColumns{rows, []any{&page.NumberMatched}})
		} else {
			e, err = scanEvent(rows)
		}
		if err != nil {
			return fmt.Errorf("list events: %w", err)
		}
		page.Events = append(page.Events, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list events: %w", mapErr(err))
	}
	return nil
}

// EventExtent returns the bounding box and time span of all events; ok is
// false when there are none.
func (s *Store) EventExtent(ctx context.Context) (bbox orb.Bound, start, end *string, ok bool, err error) {
	var minx, miny, maxx, maxy *float64
	err = s.pool.QueryRow(ctx, `SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x),
		to_char(t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(t1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
		FROM (SELECT ST_Extent(geom)::geometry AS x, min(occurred_at) AS t0, max(occurred_at) AS t1 FROM events) s`).
		Scan(&minx, &miny, &maxx, &maxy, &start, &end)
	if err != nil {
		return orb.Bound{}, nil, nil, false, fmt.Errorf("event extent: %w", mapErr(err))
	}
	if minx == nil {
		return orb.Bound{}, nil, nil, false, nil
	}
	return orb.Bound{Min: orb.Point{*minx, *miny}, Max: orb.Point{*maxx, *maxy}}, start, end, true, nil
}

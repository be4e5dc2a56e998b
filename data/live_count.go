package data

import (
	"context"

	"github.com/borderwatch/borderwatch/geo"
)

// CountEvents counts in the index the events in q's bbox that the
// context's principal sees, as the events view shows them (at the
// coarsened point where an agreement says so, in the bbox by PostGIS's
// &&). ok is false when the index cannot answer q: a query with more than
// a bbox, or an index that is not ready or could not pull the changes
// it knows of (see CatchUp: a page just read from the database may hold
// them); the caller then counts in the database.
func (l *Live) CountEvents(ctx context.Context, q *EventQuery) (n int64, ok bool, err error) {
	if !bboxOnly(q) || !l.Ready() {
		return 0, false, nil
	}
	if err := l.CatchUp(ctx); err != nil {
		return 0, false, nil // the database counts
	}
	vis, err := l.Visibility(ctx)
	if err != nil {
		return 0, false, err
	}
	c, err := l.ix.CountBox(*q.BBox, geo.Filter{Visibility: vis})
	if err != nil {
		return 0, false, err
	}
	return int64(c), true, nil
}

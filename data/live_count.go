package data

import (
	"context"

	"github.com/borderwatch/borderwatch/geo"
)

// CountEvents counts in the index the events matching q that the context's
// principal sees, as the events view shows them (coarsened where an
// agreement says so, bbox by PostGIS's &&). ok is false when the index
// cannot answer q: no bbox, a synthetic filter, an agency it does not know,
// or an index that is not ready; the caller then counts in the database.
// The count is the index's, which follows committed writes within
// milliseconds.
func (l *Live) CountEvents(ctx context.Context, q *EventQuery) (n int64, ok bool, err error) {
	if q.BBox == nil || q.Synthetic != nil || !l.Ready() {
		return 0, false, nil
	}
	f := geo.Filter{Time: q.Interval}
	for _, s := range q.Kinds {
		k, ok := geo.ParseKind(s)
		if !ok {
			return 0, false, nil
		}
		f.Kinds = append(f.Kinds, k)
	}
	for _, s := range q.Drugs {
		d, ok := geo.ParseDrug(s)
		if !ok {
			return 0, false, nil
		}
		f.Drugs = append(f.Drugs, d)
	}
	for _, s := range q.Categories {
		c, ok := geo.ParseCategory(s)
		if !ok {
			return 0, false, nil
		}
		f.Categories = append(f.Categories, c)
	}
	if len(q.Agencies) > 0 {
		if f.Agencies, err = l.AgencyIndex(q.Agencies); err != nil {
			return 0, false, nil
		}
	}
	if f.Visibility, err = l.Visibility(ctx); err != nil {
		return 0, false, err
	}
	c, err := l.ix.CountBox(*q.BBox, f)
	if err != nil {
		return 0, false, err
	}
	return int64(c), true, nil
}

package data

import (
	"context"
	"errors"
	"slices"

	"github.com/borderwatch/borderwatch/geo"
)

// ErrNoBorderLines means that an analysis asked for the default area, the
// corridor around the border lines, while none are loaded.
var ErrNoBorderLines = errors.New("no border lines are loaded")

// Scope is what one caller's analysis of the live index runs on: the
// events the caller may see, of the agencies it asked for, in the area it
// asked for.
type Scope struct {
	// Visibility is what the caller may see (its own events, regional
	// ones, and its partners' bilateral events, coarsened as their
	// agreements say).
	Visibility *geo.Visibility
	// Agencies are the index numbers of the agencies the caller asked
	// for; nil keeps every agency.
	Agencies []uint16
	// Area is the analysis area: a lon/lat box, a sector's outline, or the
	// corridor around the border lines.
	Area geo.Area
	// AgencyNames names the index's agency numbers, for a CQL2 filter's
	// agency queryable (nil without a filter).
	AgencyNames []string
}

// Restrict completes f with the scope's visibility and agencies.
func (s Scope) Restrict(f *geo.Filter) {
	f.Visibility = s.Visibility
	f.Agencies = s.Agencies
	f.WhereAgencies = s.AgencyNames
}

// Scope resolves the scope of an analysis with the common parameters c for
// the context's principal: the one place that says what a caller may see,
// in which area, for the hotspot, KDE, cluster and emerging hot spot
// analyses and the patrol plans' hot spots. (Sector risk reads the events
// view, which applies the same visibility in the database.)
//
// vis is the caller's visibility as Visibility returned it, or nil to look
// it up here. An analysis whose answer is cached under the caller's
// visibility must pass the one it looked up for the cache key, so that the
// answer is computed with exactly the visibility it is stored under even
// when the agreements change in between.
//
// The area is c's bbox, the outline of c's sector (read as the caller), or
// the corridor of c.CorridorKM around the border lines; the last fails
// with ErrNoBorderLines when none are loaded. Unknown agencies and sectors
// fail with errors naming the parameter.
func (l *Live) Scope(ctx context.Context, vis *geo.Visibility, c geo.CommonParams) (Scope, error) {
	if vis == nil {
		var err error
		if vis, err = l.Visibility(ctx); err != nil {
			return Scope{}, err
		}
	}
	return l.scope(ctx, vis, c)
}

// UnrestrictedScope is Scope for the command-line tools, which run as the
// database's owner: every event, unchanged (a nil Visibility).
func (l *Live) UnrestrictedScope(ctx context.Context, c geo.CommonParams) (Scope, error) {
	return l.scope(ctx, nil, c)
}

// scope resolves c's agencies and area for a caller who sees vis.
func (l *Live) scope(ctx context.Context, vis *geo.Visibility, c geo.CommonParams) (Scope, error) {
	s := Scope{Visibility: vis}
	if c.Filter.Where != nil {
		l.agMu.RLock()
		s.AgencyNames = slices.Clone(l.agencies)
		l.agMu.RUnlock()
	}
	if len(c.Agencies) > 0 {
		ids, err := l.AgencyIndex(c.Agencies)
		if err != nil {
			return Scope{}, err
		}
		s.Agencies = ids
	}
	switch {
	case c.BBox != nil:
		s.Area = geo.Area{BBox: c.BBox}
	case c.Sector != "":
		mp, err := l.SectorPolygon(ctx, c.Sector)
		if err != nil {
			return Scope{}, err
		}
		s.Area = geo.Area{Polygon: mp}
	default:
		lines := l.BorderLines()
		if len(lines) == 0 {
			return Scope{}, ErrNoBorderLines
		}
		s.Area = geo.Area{Lines: lines, CorridorKM: c.CorridorKM}
	}
	return s, nil
}

package data

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// Live is the service's in-memory index of every event, kept in step with
// the database, and the per-request visibility rules that make what it
// answers equal to what the events view shows the caller.
//
// Load reads every event through the unrestricted pool in one snapshot;
// Run listens on the bw_events channel on a dedicated connection and, after
// each burst of notifications (and at least every second), pulls the rows
// of event_records and event_tombstones that the previous read could not
// see: those whose change_xid is at or above that snapshot's xmax, or is
// one of the transactions it saw in flight (pg_snapshot_xip). A row that
// becomes visible later was necessarily written by one of those, so
// nothing is missed, and a long transaction elsewhere in the cluster does
// not make every pull read everything since it began. After a lost
// connection Run reconnects with backoff and catches up from the last
// snapshot. Sharing agreements are reread on every pull.
//
// The methods taking a context apply the visibility of the context's
// Principal: its own events, regional ones, and the bilateral events of its
// partners, coarsened as their agreement says.
type Live struct {
	store  *Store
	logger *slog.Logger
	ix     geo.Index

	agMu     sync.RWMutex
	agencyID map[string]uint16
	agencies []string
	// known is the set of agencies in the database, reread when their
	// generation moves; only these are ever given an index number, so no
	// request can grow the table.
	known       atomic.Pointer[map[string]bool]
	agenciesGen atomic.Int64

	agreements atomic.Pointer[[]Agreement]
	borders    atomic.Pointer[[]orb.LineString]
	// sectorsGen and bordersGen are the generations (bw_generations) of
	// the sectors and the border lines last read.
	sectorsGen atomic.Int64
	bordersGen atomic.Int64

	syncMu    sync.Mutex // one pull at a time; guards watermark
	watermark string     // xid8: rows with change_xid ≥ watermark are pulled …
	inflight  []string   // … and rows written by these transactions (xid8)
	loaded    atomic.Bool
	listening atomic.Bool
	lastSync  atomic.Int64 // Unix nanoseconds of the last successful pull
	lagNanos  atomic.Int64 // write-to-index delay of the last change applied

	// notified counts the notifications of the change feed; the last
	// successful pull covers every change notified up to coveredNotified
	// and every write of the store up to coveredWrites (see CatchUp).
	notified        atomic.Int64
	coveredNotified atomic.Int64
	coveredWrites   atomic.Int64
}

// NewLive returns an empty live index over store; call Load, then Run.
func NewLive(store *Store, logger *slog.Logger) *Live {
	return &Live{store: store, logger: logger, agencyID: map[string]uint16{}}
}

// Index returns the underlying index. Queries on it directly see every
// event, unrestricted: use the Live methods for callers' requests.
func (l *Live) Index() *geo.Index { return &l.ix }

// Len returns the number of events in the index.
func (l *Live) Len() int { return l.ix.Len() }

// Version returns the index's version, which changes with its contents.
func (l *Live) Version() uint64 { return l.ix.Version() }

// VisibleVersion returns the version of what vis may see of the index: it
// changes when, and only when, something vis sees changed (see
// geo.Index.VisibleVersion). Answers shown to a caller carry this one, so
// that nobody learns from a version or an ETag that another agency
// recorded something hidden from them.
func (l *Live) VisibleVersion(vis *geo.Visibility) uint64 { return l.ix.VisibleVersion(vis) }

// Ready reports whether the index is loaded and its change feed connected.
func (l *Live) Ready() bool { return l.loaded.Load() && l.listening.Load() }

// LastSync returns when the index last pulled changes successfully.
func (l *Live) LastSync() time.Time {
	n := l.lastSync.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Lag returns the delay between the commit-side time of the newest change
// last applied (its updated_at or deleted_at, set when its transaction
// began) and its arrival in the index.
func (l *Live) Lag() time.Duration { return time.Duration(l.lagNanos.Load()) }

// BorderLines returns the border lines loaded at start, the default
// analysis area's axis.
func (l *Live) BorderLines() []orb.LineString {
	if b := l.borders.Load(); b != nil {
		return *b
	}
	return nil
}

// agency returns the index number of an agency slug, registering it.
func (l *Live) agency(slug string) (uint16, error) {
	l.agMu.RLock()
	id, ok := l.agencyID[slug]
	l.agMu.RUnlock()
	if ok {
		return id, nil
	}
	l.agMu.Lock()
	defer l.agMu.Unlock()
	if id, ok := l.agencyID[slug]; ok {
		return id, nil
	}
	if len(l.agencies) > math.MaxUint16 {
		return 0, fmt.Errorf("live index: more than %d agencies", math.MaxUint16+1)
	}
	id = uint16(len(l.agencies))
	l.agencies = append(l.agencies, slug)
	l.agencyID[slug] = id
	return id, nil
}

// NumAgencies is the number of agencies the index has numbered: those of
// its events and of the callers' agreements, never more than the agencies
// table holds.
func (l *Live) NumAgencies() int {
	l.agMu.RLock()
	defer l.agMu.RUnlock()
	return len(l.agencies)
}

// AgencyIndex returns the index numbers of agency slugs, for
// geo.Filter.Agencies. A malformed slug is a *record.FieldError naming
// agency_id.
func (l *Live) AgencyIndex(slugs []string) ([]uint16, error) {
	out := make([]uint16, 0, len(slugs))
	for _, s := range slugs {
		if !record.ValidSlug(s) {
			return nil, &record.FieldError{Field: "agency_id", Reason: fmt.Sprintf("%q is not an agency id", record.Truncate(s, 40))}
		}
		if known := l.known.Load(); known == nil || !(*known)[s] {
			return nil, &record.FieldError{Field: "agency_id", Reason: fmt.Sprintf("no agency %q", s)}
		}
		id, err := l.agency(s)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// Visibility returns what the context's principal may see, from the
// sharing agreements of its agency. Without a principal it fails with
// ErrUnauthenticated.
func (l *Live) Visibility(ctx context.Context) (*geo.Visibility, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.AgencyID == "" {
		return nil, ErrUnauthenticated
	}
	own, err := l.agency(p.AgencyID)
	if err != nil {
		return nil, err
	}
	v := &geo.Visibility{Agency: own}
	ags := l.agreements.Load()
	if ags == nil {
		return nil, fmt.Errorf("%w: live index not loaded", ErrUnavailable)
	}
	for _, a := range *ags {
		other := ""
		switch p.AgencyID {
		case a.AgencyA:
			other = a.AgencyB
		case a.AgencyB:
			other = a.AgencyA
		default:
			continue
		}
		id, err := l.agency(other)
		if err != nil {
			return nil, err
		}
		pt := geo.Partner{Agency: id}
		if a.CoarsenM != nil {
			pt.CoarsenM = *a.CoarsenM
		}
		if a.CoarsenTime != nil {
			ct, ok := geo.ParseCoarseTime(*a.CoarsenTime)
			if !ok {
				return nil, fmt.Errorf("agreement %d: unknown coarsen_time %q", a.ID, *a.CoarsenTime)
			}
			pt.CoarsenTime = ct
		}
		v.Partners = append(v.Partners, pt)
	}
	return v, nil
}

// SectorPolygon returns the outline of sector id, read as the caller. An
// unknown id is a *record.FieldError naming sector_id.
func (l *Live) SectorPolygon(ctx context.Context, id string) (orb.MultiPolygon, error) {
	var b []byte
	if err := l.store.pool.QueryRow(ctx, `SELECT ST_AsEWKB(geom) FROM sectors WHERE id = $1`, id).Scan(&b); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &record.FieldError{Field: "sector_id", Reason: fmt.Sprintf("no sector %q", record.Truncate(id, 100))}
		}
		return nil, fmt.Errorf("sector %q: %w", record.Truncate(id, 100), mapErr(err))
	}
	g, err := decodeEWKB(b)
	if err != nil {
		return nil, fmt.Errorf("sector %q: %w", record.Truncate(id, 100), err)
	}
	switch v := g.(type) {
	case orb.MultiPolygon:
		return v, nil
	case orb.Polygon:
		return orb.MultiPolygon{v}, nil
	}
	return nil, fmt.Errorf("sector %q: geometry is a %T", record.Truncate(id, 100), g)
}

// RefGeneration counts the changes of the sectors and the border lines,
// as of the last pull: answers derived from them (sector risk, the
// analyses of a sector area or of the default corridor) are stale once it
// moves.
func (l *Live) RefGeneration() int64 { return l.sectorsGen.Load() + l.bordersGen.Load() }

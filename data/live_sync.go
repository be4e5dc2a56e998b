package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
)

// Timing of the live index's change feed.
const (
	// liveDebounce is how long a notification waits for more before the
	// changes are pulled, so that a burst of writes costs one pull.
	liveDebounce = 50 * time.Millisecond
	// livePoll is how often the feed pulls (and rereads the agreements)
	// when no notification arrives.
	livePoll = time.Second
	// liveBackoffMax bounds the wait between reconnection attempts.
	liveBackoffMax = 5 * time.Second
)

const sqlLiveChanged = sqlLiveEvents + ` WHERE change_xid >= $1::text::xid8 OR change_xid = ANY($2::text[]::xid8[])`

const sqlLiveDeleted = `SELECT t.id, t.deleted_at FROM event_tombstones t
	WHERE (t.change_xid >= $1::text::xid8 OR t.change_xid = ANY($2::text[]::xid8[]))
	  AND NOT EXISTS (SELECT 1 FROM bw_live_events r WHERE r.id = t.id)`

const sqlLiveAgreements = `SELECT id, agency_a, agency_b, coarsen_m, coarsen_time FROM bw_live_agreements ORDER BY id`

const sqlLiveBorders = `SELECT ST_AsEWKB(geom) FROM borders ORDER BY id`

// sqlSnapshot returns the bounds of the transaction's snapshot: its xmax
// and the transactions in flight when it was taken.
const sqlSnapshot = `SELECT pg_snapshot_xmax(s)::text, ARRAY(SELECT pg_snapshot_xip(s)::text) FROM pg_current_snapshot() AS s`

// Load replaces the index's contents with every event in the database and
// reads the agencies' sharing agreements and the border lines, all in one
// snapshot, and remembers that snapshot's bounds for the next pull.
func (l *Live) Load(ctx context.Context) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	notified, writes := l.notified.Load(), l.store.eventWrites.Load()
	tx, err := l.store.sys.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("live index: load: %w", mapErr(err))
	}
	defer func() { _ = tx.Rollback(ctx) }()
	wm, inflight, err := snapshotBounds(ctx, tx)
	if err != nil {
		return fmt.Errorf("live index: load: %w", err)
	}
	if err := l.loadAgreements(ctx, tx); err != nil {
		return fmt.Errorf("live index: load: %w", err)
	}
	if err := l.loadGenerations(ctx, tx, true); err != nil {
		return fmt.Errorf("live index: load: %w", err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM bw_live_events`).Scan(&n); err != nil {
		return fmt.Errorf("live index: load: %w", mapErr(err))
	}
	rows, err := tx.Query(ctx, sqlLiveEvents)
	if err != nil {
		return fmt.Errorf("live index: load: %w", mapErr(err))
	}
	events := make([]geo.Event, 0, n+n/16)
	// The items of all events share a few large arrays (the index copies
	// them into its own storage).
	arena := make([]geo.Item, 0, max(n, 1024))
	var (
		items []liveItem
		e     geo.Event
	)
	for rows.Next() {
		if _, err := l.scanLiveEvent(rows, &e, &items); err != nil {
			rows.Close()
			return fmt.Errorf("live index: load: %w", err)
		}
		ev := e
		if k := len(e.Items); k > 0 {
			if cap(arena)-len(arena) < k {
				arena = make([]geo.Item, 0, max(n/4, 1024, k))
			}
			start := len(arena)
			arena = append(arena, e.Items...)
			ev.Items = arena[start:len(arena):len(arena)]
		} else {
			ev.Items = nil
		}
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("live index: load: %w", mapErr(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("live index: load: %w", mapErr(err))
	}
	if err := l.ix.Load(events); err != nil {
		return fmt.Errorf("live index: load: %w", err)
	}
	l.watermark, l.inflight = wm, inflight
	l.covered(notified, writes)
	l.loaded.Store(true)
	l.lastSync.Store(time.Now().UnixNano())
	return nil
}

// snapshotBounds returns the xmax and the in-flight transactions of tx's
// snapshot; it must be tx's first statement, so that it names the snapshot
// the following reads use.
func snapshotBounds(ctx context.Context, tx pgx.Tx) (xmax string, inflight []string, err error) {
	if err := tx.QueryRow(ctx, sqlSnapshot).Scan(&xmax, &inflight); err != nil {
		return "", nil, mapErr(err)
	}
	return xmax, inflight, nil
}

// loadGenerations reads the generations and reloads the border lines when
// theirs moved (always when reload is set).
func (l *Live) loadGenerations(ctx context.Context, tx pgx.Tx, reload bool) error {
	var sectors, borders, agencies int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(n) FILTER (WHERE name = 'sectors'), 0),
		coalesce(max(n) FILTER (WHERE name = 'borders'), 0),
		coalesce(max(n) FILTER (WHERE name = 'agencies'), 0) FROM bw_generations`).Scan(&sectors, &borders, &agencies); err != nil {
		return fmt.Errorf("generations: %w", mapErr(err))
	}
	if reload || borders != l.bordersGen.Load() {
		if err := l.loadBorders(ctx, tx); err != nil {
			return err
		}
	}
	if reload || agencies != l.agenciesGen.Load() || l.known.Load() == nil {
		if err := l.loadKnownAgencies(ctx, tx); err != nil {
			return err
		}
	}
	l.sectorsGen.Store(sectors)
	l.bordersGen.Store(borders)
	l.agenciesGen.Store(agencies)
	return nil
}

// loadKnownAgencies rereads the set of agencies an analysis may name.
func (l *Live) loadKnownAgencies(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT id FROM agencies`)
	if err != nil {
		return fmt.Errorf("agencies: %w", mapErr(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("agencies: %w", mapErr(err))
	}
	known := make(map[string]bool, len(ids))
	for _, id := range ids {
		known[id] = true
	}
	l.known.Store(&known)
	return nil
}

func (l *Live) loadAgreements(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, sqlLiveAgreements)
	if err != nil {
		return fmt.Errorf("agreements: %w", mapErr(err))
	}
	ags, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Agreement, error) {
		var a Agreement
		err := r.Scan(&a.ID, &a.AgencyA, &a.AgencyB, &a.CoarsenM, &a.CoarsenTime)
		return a, err
	})
	if err != nil {
		return fmt.Errorf("agreements: %w", mapErr(err))
	}
	l.agreements.Store(&ags)
	return nil
}

func (l *Live) loadBorders(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, sqlLiveBorders)
	if err != nil {
		return fmt.Errorf("borders: %w", mapErr(err))
	}
	defer rows.Close()
	var lines []orb.LineString
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return fmt.Errorf("borders: %w", err)
		}
		g, err := decodeEWKB(b)
		if err != nil {
			return fmt.Errorf("borders: %w", err)
		}
		switch v := g.(type) {
		case orb.MultiLineString:
			lines = append(lines, v...)
		case orb.LineString:
			lines = append(lines, v)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("borders: %w", mapErr(err))
	}
	l.borders.Store(&lines)
	return nil
}

// Sync pulls into the index every change committed before it was called,
// and rereads the sharing agreements.
func (l *Live) Sync(ctx context.Context) error {
	return l.pull(ctx)
}

// pull applies the changes at or above the watermark and advances it.
func (l *Live) pull(ctx context.Context) error {
	return l.pullIf(ctx, func() bool { return true })
}

// pullIf pulls as pull does when need, asked once the pull's turn has
// come, says that it still must.
func (l *Live) pullIf(ctx context.Context, need func() bool) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if !need() {
		return nil
	}
	if !l.loaded.Load() {
		return errors.New("live index: pull before load")
	}
	// Read before the snapshot: every change notified or written by now
	// has committed before it, so the snapshot holds it.
	notified, writes := l.notified.Load(), l.store.eventWrites.Load()
	tx, err := l.store.sys.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("live index: pull: %w", mapErr(err))
	}
	defer func() { _ = tx.Rollback(ctx) }()
	wm, inflight, err := snapshotBounds(ctx, tx)
	if err != nil {
		return fmt.Errorf("live index: pull: %w", err)
	}
	rows, err := tx.Query(ctx, sqlLiveChanged, l.watermark, l.inflight)
	if err != nil {
		return fmt.Errorf("live index: pull: %w", mapErr(err))
	}
	var (
		upserts []geo.Event
		items   []liveItem
		newest  time.Time
	)
	for rows.Next() {
		var e geo.Event
		upd, err := l.scanLiveEvent(rows, &e, &items)
		if err != nil {
			rows.Close()
			return fmt.Errorf("live index: pull: %w", err)
		}
		if upd.After(newest) {
			newest = upd
		}
		upserts = append(upserts, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("live index: pull: %w", mapErr(err))
	}
	rows, err = tx.Query(ctx, sqlLiveDeleted, l.watermark, l.inflight)
	if err != nil {
		return fmt.Errorf("live index: pull: %w", mapErr(err))
	}
	var deletes [][16]byte
	for rows.Next() {
		var (
			id  [16]byte
			del time.Time
		)
		if err := rows.Scan(&id, &del); err != nil {
			rows.Close()
			return fmt.Errorf("live index: pull: %w", err)
		}
		if del.After(newest) {
			newest = del
		}
		deletes = append(deletes, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("live index: pull: %w", mapErr(err))
	}
	if err := l.loadAgreements(ctx, tx); err != nil {
		return fmt.Errorf("live index: pull: %w", err)
	}
	if err := l.loadGenerations(ctx, tx, false); err != nil {
		return fmt.Errorf("live index: pull: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("live index: pull: %w", mapErr(err))
	}
	changed := false
	for _, e := range upserts {
		if old, ok := l.ix.Get(e.ID); ok && sameEvent(&old, &e) {
			continue // read again because its transaction was in flight
		}
		if err := l.ix.Upsert(e); err != nil {
			return fmt.Errorf("live index: pull: %w", err)
		}
		changed = true
	}
	for _, id := range deletes {
		if l.ix.Delete(id) {
			changed = true
		}
	}
	l.watermark, l.inflight = wm, inflight
	l.covered(notified, writes)
	now := time.Now()
	l.lastSync.Store(now.UnixNano())
	if changed && !newest.IsZero() {
		l.lagNanos.Store(int64(now.Sub(newest)))
	}
	return nil
}

// sameEvent reports whether a and b hold the same values.
func sameEvent(a, b *geo.Event) bool {
	if a.ID != b.ID || a.Lon != b.Lon || a.Lat != b.Lat || !a.At.Equal(b.At) || a.Kind != b.Kind ||
		a.Category != b.Category || a.Severity != b.Severity || a.Agency != b.Agency || a.Sharing != b.Sharing ||
		a.Version != b.Version || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		if a.Items[i] != b.Items[i] {
			return false
		}
	}
	return true
}

// Run keeps the index in step with the database until ctx ends: it listens
// for notifications on a dedicated connection, pulls the changes after each
// burst (debounced by liveDebounce) and at least every livePoll, and after
// a lost connection reconnects with exponential backoff (up to
// liveBackoffMax) and catches up from the watermark. It returns nil when
// ctx ends. Load must have succeeded first.
func (l *Live) Run(ctx context.Context) error {
	if !l.loaded.Load() {
		return errors.New("live index: run before load")
	}
	return follower{pool: l.store.sys, logger: l.logger, name: "live", channel: "bw_events",
		debounce: liveDebounce, poll: livePoll, backoffMax: liveBackoffMax, pull: l.pull, listening: &l.listening,
		notified: &l.notified}.run(ctx)
}

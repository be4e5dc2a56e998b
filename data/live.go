package data

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
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

// AgencyIndex returns the index numbers of agency slugs, for
// geo.Filter.Agencies. A malformed slug is a *record.FieldError naming
// agency_id.
func (l *Live) AgencyIndex(slugs []string) ([]uint16, error) {
	out := make([]uint16, 0, len(slugs))
	for _, s := range slugs {
		if !record.ValidSlug(s) {
			return nil, &record.FieldError{Field: "agency_id", Reason: fmt.Sprintf("%q is not an agency id", record.Truncate(s, 40))}
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

// sqlLiveEvents reads event rows for the index: plain columns, decoded
// from PostgreSQL's binary format by decodeLiveRow (about twice as fast as
// converting them in SQL).
const sqlLiveEvents = `SELECT id, occurred_at, ST_X(geom), ST_Y(geom), agency_id, kind, sharing, category, severity,
	  CASE WHEN kind = 'seizure' THEN items END, updated_at
	FROM event_records`

const sqlLiveChanged = sqlLiveEvents + ` WHERE change_xid >= $1::text::xid8 OR change_xid = ANY($2::text[]::xid8[])`

const sqlLiveDeleted = `SELECT t.id, t.deleted_at FROM event_tombstones t
	WHERE (t.change_xid >= $1::text::xid8 OR t.change_xid = ANY($2::text[]::xid8[]))
	  AND NOT EXISTS (SELECT 1 FROM event_records r WHERE r.id = t.id)`

const sqlLiveAgreements = `SELECT id, agency_a, agency_b, coarsen_m, coarsen_time FROM sharing_agreements ORDER BY id`

const sqlLiveBorders = `SELECT ST_AsEWKB(geom) FROM borders ORDER BY id`

// sqlSnapshot returns the bounds of the transaction's snapshot: its xmax
// and the transactions in flight when it was taken.
const sqlSnapshot = `SELECT pg_snapshot_xmax(s)::text, ARRAY(SELECT pg_snapshot_xip(s)::text) FROM pg_current_snapshot() AS s`

// liveItem is an item of the items column.
type liveItem struct {
	Drug     string  `json:"drug"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
}

// scanLiveEvent decodes the current row of sqlLiveEvents into e (reusing
// e.Items) and returns the row's updated_at. Every column must come in
// binary format (pgx asks for it for these types), but the text
// columns and the items, which may come as text.
func (l *Live) scanLiveEvent(rows pgx.Rows, e *geo.Event, items *[]liveItem) (updated time.Time, err error) {
	fds := rows.FieldDescriptions()
	raw := rows.RawValues()
	if len(raw) != 11 || len(fds) != 11 {
		return time.Time{}, fmt.Errorf("live row: %d columns", len(raw))
	}
	for i, fd := range fds {
		if fd.Format != pgx.BinaryFormatCode && raw[i] != nil && (i < 4 || i == 8 || i == 10) {
			return time.Time{}, fmt.Errorf("live row: column %s not in binary format", fd.Name)
		}
	}
	if len(raw[0]) != 16 || len(raw[1]) != 8 || len(raw[2]) != 8 || len(raw[3]) != 8 || len(raw[10]) != 8 {
		return time.Time{}, errors.New("live row: malformed id, time or point")
	}
	copy(e.ID[:], raw[0])
	e.At = pgTime(raw[1])
	e.Lon = math.Float64frombits(binary.BigEndian.Uint64(raw[2]))
	e.Lat = math.Float64frombits(binary.BigEndian.Uint64(raw[3]))
	if e.Agency, err = l.agency(string(raw[4])); err != nil {
		return time.Time{}, err
	}
	var ok bool
	if e.Kind, ok = geo.ParseKind(string(raw[5])); !ok {
		return time.Time{}, fmt.Errorf("event %x: kind %q", e.ID, raw[5])
	}
	if e.Sharing, ok = geo.ParseSharing(string(raw[6])); !ok {
		return time.Time{}, fmt.Errorf("event %x: sharing %q", e.ID, raw[6])
	}
	e.Category = 0
	if raw[7] != nil {
		if e.Category, ok = geo.ParseCategory(string(raw[7])); !ok {
			return time.Time{}, fmt.Errorf("event %x: category %q", e.ID, raw[7])
		}
	}
	e.Severity = 0
	if len(raw[8]) == 2 {
		e.Severity = uint8(binary.BigEndian.Uint16(raw[8]))
	}
	e.Items = e.Items[:0]
	if j := raw[9]; len(j) > 1 {
		if fds[9].Format == pgx.BinaryFormatCode {
			if j[0] != 1 {
				return time.Time{}, fmt.Errorf("event %x: jsonb version %d", e.ID, j[0])
			}
			j = j[1:]
		}
		if *items, err = parseItems(j, (*items)[:0]); err != nil {
			return time.Time{}, fmt.Errorf("event %x: items: %w", e.ID, err)
		}
		for _, it := range *items {
			d, ok := geo.ParseDrug(it.Drug)
			if !ok {
				d = geo.DrugOther
			}
			// Quantities in litres count for drug filters but not for
			// masses, as total_kg does.
			var kg float32
			if it.Unit == "kg" {
				kg = float32(it.Quantity)
			}
			e.Items = append(e.Items, geo.Item{Drug: d, KG: kg})
		}
	}
	return pgTime(raw[10]), nil
}

// pgTime decodes a binary timestamptz (microseconds since 2000-01-01 UTC).
func pgTime(b []byte) time.Time {
	us := int64(binary.BigEndian.Uint64(b)) + pgEpochUnixMicros
	return time.UnixMicro(us).UTC()
}

// parseItems reads an items array. PostgreSQL prints jsonb as flat objects
// of strings and numbers, which a small scanner reads several times faster
// than encoding/json; anything else goes to encoding/json.
func parseItems(j []byte, out []liveItem) ([]liveItem, error) {
	if items, ok := scanItems(j, out); ok {
		return items, nil
	}
	out = out[:0]
	if err := json.Unmarshal(j, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// scanItems reads `[{"k": "v" or number, ...}, ...]` without escapes in
// strings; ok is false for anything else.
func scanItems(j []byte, out []liveItem) (_ []liveItem, ok bool) {
	i := 0
	ws := func() {
		for i < len(j) && (j[i] == ' ' || j[i] == '\n' || j[i] == '\t' || j[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(j) || j[i] != '"' {
			return "", false
		}
		start := i + 1
		for i = start; i < len(j) && j[i] != '"'; i++ {
			if j[i] == '\\' {
				return "", false
			}
		}
		if i >= len(j) {
			return "", false
		}
		s := string(j[start:i])
		i++
		return s, true
	}
	ws()
	if i >= len(j) || j[i] != '[' {
		return out, false
	}
	i++
	ws()
	if i < len(j) && j[i] == ']' {
		return out, true
	}
	for {
		ws()
		if i >= len(j) || j[i] != '{' {
			return out, false
		}
		i++
		var it liveItem
		for {
			ws()
			key, ok := str()
			if !ok {
				return out, false
			}
			ws()
			if i >= len(j) || j[i] != ':' {
				return out, false
			}
			i++
			ws()
			if i < len(j) && j[i] == '"' {
				v, ok := str()
				if !ok {
					return out, false
				}
				switch key {
				case "drug":
					it.Drug = v
				case "unit":
					it.Unit = v
				}
			} else {
				start := i
				for i < len(j) && j[i] != ',' && j[i] != '}' && j[i] != ' ' {
					i++
				}
				v, err := strconv.ParseFloat(string(j[start:i]), 64)
				if err != nil {
					return out, false
				}
				if key == "quantity" {
					it.Quantity = v
				}
			}
			ws()
			if i >= len(j) {
				return out, false
			}
			if j[i] == ',' {
				i++
				continue
			}
			if j[i] != '}' {
				return out, false
			}
			i++
			break
		}
		out = append(out, it)
		ws()
		if i >= len(j) {
			return out, false
		}
		if j[i] == ',' {
			i++
			continue
		}
		if j[i] != ']' {
			return out, false
		}
		return out, true
	}
}

// Load replaces the index's contents with every event in the database and
// reads the agencies' sharing agreements and the border lines, all in one
// snapshot, and remembers that snapshot's bounds for the next pull.
func (l *Live) Load(ctx context.Context) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
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
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM event_records`).Scan(&n); err != nil {
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

// RefGeneration counts the changes of the sectors and the border lines,
// as of the last pull: answers derived from them (sector risk, the
// analyses of a sector area or of the default corridor) are stale once it
// moves.
func (l *Live) RefGeneration() int64 { return l.sectorsGen.Load() + l.bordersGen.Load() }

// loadGenerations reads the generations and reloads the border lines when
// theirs moved (always when reload is set).
func (l *Live) loadGenerations(ctx context.Context, tx pgx.Tx, reload bool) error {
	var sectors, borders int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(n) FILTER (WHERE name = 'sectors'), 0),
		coalesce(max(n) FILTER (WHERE name = 'borders'), 0) FROM bw_generations`).Scan(&sectors, &borders); err != nil {
		return fmt.Errorf("generations: %w", mapErr(err))
	}
	if reload || borders != l.bordersGen.Load() {
		if err := l.loadBorders(ctx, tx); err != nil {
			return err
		}
	}
	l.sectorsGen.Store(sectors)
	l.bordersGen.Store(borders)
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
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if !l.loaded.Load() {
		return errors.New("live index: pull before load")
	}
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
		len(a.Items) != len(b.Items) {
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
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		err := l.listen(ctx)
		l.listening.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		l.logger.Warn("live index: change feed lost; reconnecting", "error", err.Error(), "retry_in_ms", backoff.Milliseconds())
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, liveBackoffMax)
	}
}

// listen runs one connection of the change feed until it fails.
func (l *Live) listen(ctx context.Context) error {
	cfg := l.store.sys.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "borderwatch-live"
	// Waiting for a notification ends with its context, at once (the
	// pools' handler lets queries run on after their context ends).
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN bw_events"); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Catch up on everything since the watermark, notified or not.
	if err := l.pull(ctx); err != nil {
		return err
	}
	l.listening.Store(true)
	for {
		err := wait(ctx, conn, livePoll)
		switch {
		case errors.Is(err, errWaitTimeout):
			// No notification: poll anyway (agreements, missed signals).
		case err != nil:
			return err
		default:
			// Coalesce the rest of the burst.
			until := time.Now().Add(liveDebounce)
			for {
				d := time.Until(until)
				if d <= 0 {
					break
				}
				if err := wait(ctx, conn, d); errors.Is(err, errWaitTimeout) {
					break
				} else if err != nil {
					return err
				}
			}
		}
		if err := l.pull(ctx); err != nil {
			return err
		}
	}
}

var errWaitTimeout = errors.New("no notification")

// wait waits up to d for a notification on conn; errWaitTimeout when none
// came (the connection stays usable).
func wait(ctx context.Context, conn *pgx.Conn, d time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_, err := conn.WaitForNotification(wctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if wctx.Err() != nil && !conn.IsClosed() {
		return errWaitTimeout
	}
	return fmt.Errorf("wait for notification: %w", err)
}

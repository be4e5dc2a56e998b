package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/record"
)

// StreamTypes are the kinds of entries the live stream carries.
var streamTypes = []string{"message", "message_state", "position", "alert", "hit"}

// StreamTypes returns the kinds of entries the live stream carries.
func StreamTypes() []string { return slices.Clone(streamTypes) }

// ErrTooManyStreams is returned when a token or an agency already has as
// many open streams on this replica as it may.
var ErrTooManyStreams = errors.New("too many open streams")

// StreamEntry is one entry of the live stream. Seq orders entries by
// commit and is the resumption point: resuming after Seq delivers exactly
// the entries the caller may see that committed with a higher Seq.
type StreamEntry struct {
	Seq       int64           `json:"seq"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
}

// ParseStreamTypes reads a types filter ("message,position"); empty means
// every type (nil).
func ParseStreamTypes(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	types := strings.Split(s, ",")
	var fe record.Fields
	record.CheckEnum(&fe, "types", types, streamTypes)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	slices.Sort(types)
	return slices.Compact(types), nil
}

// sqlReadStream reads the caller's entries after $1 up to the committed
// head, in one snapshot (bw_stream_head is STABLE: it sees the
// statement's snapshot). Row-level security leaves out what the caller may
// not see; the head is returned even when no row is.
const sqlReadStream = `SELECT h.head, e.seq, e.type, e.payload, e.created_at
FROM (SELECT bw_stream_head() AS head) h
LEFT JOIN LATERAL (
  SELECT s.seq, s.type, s.payload, s.created_at FROM stream_entries s
  WHERE s.seq > $1 AND s.seq <= h.head AND ($2::text[] IS NULL OR s.type = ANY ($2))
  ORDER BY s.seq LIMIT $3) e ON true`

// ReadStream returns up to limit of the caller's stream entries after the
// resumption point after, in commit order, and the point to resume from
// next: the last entry's seq when limit entries came back, otherwise the
// committed head (entries up to it that the caller may not see are
// skipped, so a later read does not scan them again). types restricts the
// kinds (nil: all).
func (s *Store) ReadStream(ctx context.Context, after int64, types []string, limit int) ([]StreamEntry, int64, error) {
	if after < 0 {
		return nil, 0, &record.FieldError{Field: "last_event_id", Reason: "must be a non-negative integer"}
	}
	var typesArg any
	if types != nil {
		typesArg = types
	}
	rows, err := s.pool.Query(ctx, sqlReadStream, after, typesArg, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("read stream: %w", mapErr(err))
	}
	defer rows.Close()
	var (
		out  []StreamEntry
		head int64
	)
	for rows.Next() {
		var (
			seq     *int64
			typ     *string
			payload []byte
			at      *time.Time
		)
		if err := rows.Scan(&head, &seq, &typ, &payload, &at); err != nil {
			return nil, 0, fmt.Errorf("read stream: %w", err)
		}
		if seq != nil {
			out = append(out, StreamEntry{Seq: *seq, Type: *typ, Payload: payload, CreatedAt: *at})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read stream: %w", mapErr(err))
	}
	next := max(after, head)
	if len(out) == limit && limit > 0 {
		next = out[len(out)-1].Seq
	}
	return out, next, nil
}

// StreamHead returns the highest committed seq: a new stream that starts
// from it follows what commits from now on.
func (s *Store) StreamHead(ctx context.Context) (int64, error) {
	var h int64
	if err := s.pool.QueryRow(ctx, `SELECT bw_stream_head()`).Scan(&h); err != nil {
		return 0, fmt.Errorf("stream head: %w", mapErr(err))
	}
	return h, nil
}

// StreamConfig bounds the streams one replica serves.
type StreamConfig struct {
	// PerToken and PerAgency cap the open streams of one token and of one
	// agency on this replica (0: 4 and 64).
	PerToken, PerAgency int
	// OverdueEvery is how often deliveries past their acknowledgement
	// deadline are marked overdue (0: 5 s).
	OverdueEvery time.Duration
}

// streamPoll is how often the stream's feed looks for entries when no
// notification arrives; streamBackoffMax bounds its reconnection wait.
const (
	streamPoll       = time.Second
	streamBackoffMax = 5 * time.Second
)

// Stream is a replica's side of the live stream: it follows the committed
// head of stream_entries (LISTEN bw_stream on a dedicated connection, as
// the live index follows events, with a poll as a safety net) and wakes the
// replica's open streams when it moves. Each stream then reads its own
// entries with ReadStream, as its caller, from its own resumption point:
// the Stream holds no entries, only the head and the count of open
// streams per token and agency.
type Stream struct {
	store  *Store
	logger *slog.Logger
	cfg    StreamConfig

	head      atomic.Int64
	listening atomic.Bool
	lastSweep time.Time // guarded by being used only from pull

	done chan struct{} // closed when Run returns

	mu       sync.Mutex
	changed  chan struct{} // closed when the head moves, then replaced
	byToken  map[string]int
	byAgency map[string]int
}

// NewStream returns the stream side of a replica over store; call Run.
func NewStream(store *Store, logger *slog.Logger, cfg StreamConfig) *Stream {
	if cfg.PerToken <= 0 {
		cfg.PerToken = 4
	}
	if cfg.PerAgency <= 0 {
		cfg.PerAgency = 64
	}
	if cfg.OverdueEvery <= 0 {
		cfg.OverdueEvery = 5 * time.Second
	}
	return &Stream{store: store, logger: logger, cfg: cfg, changed: make(chan struct{}), done: make(chan struct{}),
		byToken: map[string]int{}, byAgency: map[string]int{}}
}

// Run follows the stream's head until ctx ends (then it returns nil),
// reconnecting after a lost connection, and marks overdue deliveries every
// OverdueEvery.
// Open streams should end when Done is closed, which Run does as it returns.
func (st *Stream) Run(ctx context.Context) error {
	defer close(st.done)
	return follower{pool: st.store.sys, logger: st.logger, name: "stream", channel: "bw_stream",
		poll: streamPoll, backoffMax: streamBackoffMax, pull: st.pull, listening: &st.listening}.run(ctx)
}

// Done is closed when Run has returned: the replica is shutting down.
func (st *Stream) Done() <-chan struct{} { return st.done }

// Ready reports whether the feed listens.
func (st *Stream) Ready() bool { return st.listening.Load() }

// Head returns the highest committed seq this replica knows of.
func (st *Stream) Head() int64 { return st.head.Load() }

func (st *Stream) pull(ctx context.Context) error {
	if time.Since(st.lastSweep) >= st.cfg.OverdueEvery {
		var n int
		if err := st.store.sys.QueryRow(ctx, `SELECT bw_messages_overdue()`).Scan(&n); err != nil {
			return fmt.Errorf("mark overdue messages: %w", mapErr(err))
		}
		st.lastSweep = time.Now()
		if n > 0 {
			st.logger.Info("messages overdue", "deliveries", n)
		}
	}
	var head int64
	if err := st.store.sys.QueryRow(ctx, `SELECT bw_stream_head()`).Scan(&head); err != nil {
		return fmt.Errorf("stream head: %w", mapErr(err))
	}
	if head != st.head.Swap(head) {
		st.mu.Lock()
		close(st.changed)
		st.changed = make(chan struct{})
		st.mu.Unlock()
	}
	return nil
}

// Changed returns a channel that is closed when the head next moves.
func (st *Stream) Changed() <-chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.changed
}

// Open counts a new stream of p (its token and agency) against the limits,
// or returns ErrTooManyStreams. The returned function ends it.
func (st *Stream) Open(p Principal) (func(), error) {
	tok := p.Actor
	if p.TokenID != 0 {
		tok = fmt.Sprintf("token:%d", p.TokenID)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.byToken[tok] >= st.cfg.PerToken || st.byAgency[p.AgencyID] >= st.cfg.PerAgency {
		return nil, ErrTooManyStreams
	}
	st.byToken[tok]++
	st.byAgency[p.AgencyID]++
	var once sync.Once
	return func() {
		once.Do(func() {
			st.mu.Lock()
			defer st.mu.Unlock()
			if st.byToken[tok]--; st.byToken[tok] == 0 {
				delete(st.byToken, tok)
			}
			if st.byAgency[p.AgencyID]--; st.byAgency[p.AgencyID] == 0 {
				delete(st.byAgency, p.AgencyID)
			}
		})
	}, nil
}

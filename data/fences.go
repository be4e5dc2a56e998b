package data

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
)

// fenceSnapshot is a fence index and the generation of the alert rules it
// was built from (migration 0023's bw_generations 'alert_rules').
type fenceSnapshot struct {
	gen int64
	idx *geo.FenceIndex
}

// fenceCache holds a replica's fence index. Every replica rebuilds it when
// the rules change (LISTEN bw_fences, WatchFences), and an ingest that
// finds, inside its transaction, a newer generation than the index's
// rebuilds it before it evaluates, so that no fix is evaluated against
// rules older than those committed when its ingest began.
type fenceCache struct {
	mu      sync.Mutex // serialises rebuilds
	cur     atomic.Pointer[fenceSnapshot]
	listens atomic.Bool
}

// querier is what a rebuild reads through: the replica's own pool or the
// ingest's transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// fenceIndex returns an index at least as new as generation gen, rebuilt
// through q when the cached one is older.
func (s *Store) fenceIndex(ctx context.Context, q querier, gen int64) (*fenceSnapshot, error) {
	if cur := s.fences.cur.Load(); cur != nil && cur.gen >= gen {
		return cur, nil
	}
	s.fences.mu.Lock()
	defer s.fences.mu.Unlock()
	if cur := s.fences.cur.Load(); cur != nil && cur.gen >= gen {
		return cur, nil
	}
	snap, err := loadFences(ctx, q)
	if err != nil {
		return nil, err
	}
	if cur := s.fences.cur.Load(); cur == nil || snap.gen > cur.gen {
		s.fences.cur.Store(snap)
	}
	return snap, nil
}

// loadFences reads every enabled zone rule (bw_live_fences) and builds the
// index.
func loadFences(ctx context.Context, q querier) (*fenceSnapshot, error) {
	rows, err := q.Query(ctx, `SELECT generation, rule_id, agency_id, team_id, geom FROM bw_live_fences()`)
	if err != nil {
		return nil, fmt.Errorf("load fences: %w", mapErr(err))
	}
	defer rows.Close()
	snap := &fenceSnapshot{}
	var fences []geo.Fence
	for rows.Next() {
		var (
			gen    *int64
			id     *int64
			agency *string
			team   *int
			wkb    []byte
		)
		if err := rows.Scan(&gen, &id, &agency, &team, &wkb); err != nil {
			return nil, fmt.Errorf("load fences: %w", mapErr(err))
		}
		if gen != nil {
			snap.gen = *gen
			continue
		}
		g, err := decodeEWKB(wkb)
		if err != nil {
			return nil, fmt.Errorf("load fence %d: %w", *id, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return nil, fmt.Errorf("load fence %d: zone is %T", *id, g)
		}
		f := geo.Fence{RuleID: *id, Agency: *agency, Zone: mp}
		if team != nil {
			f.Team = *team
		}
		fences = append(fences, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load fences: %w", mapErr(err))
	}
	snap.idx = geo.NewFenceIndex(fences)
	return snap, nil
}

// fencePull rebuilds the index when the rules' generation moved.
func (s *Store) fencePull(ctx context.Context) error {
	var gen int64
	if err := s.sys.QueryRow(ctx, `SELECT n FROM bw_generations WHERE name = 'alert_rules'`).Scan(&gen); err != nil {
		return fmt.Errorf("fence generation: %w", mapErr(err))
	}
	_, err := s.fenceIndex(ctx, s.sys, gen)
	return err
}

// Fence feed timings: a rebuild follows a notification after fenceDebounce
// (a burst of rule changes rebuilds once), and runs at least every
// fencePoll without one.
const (
	fenceDebounce   = 20 * time.Millisecond
	fencePoll       = 5 * time.Second
	fenceBackoffMax = 5 * time.Second
)

// WatchFences keeps the replica's fence index in step with the alert
// rules until ctx ends: LISTEN bw_fences on its own connection, rebuild
// after each notification, and poll as a safety net.
func (s *Store) WatchFences(ctx context.Context, logger *slog.Logger) error {
	return follower{pool: s.sys, logger: logger, name: "fences", channel: "bw_fences", debounce: fenceDebounce,
		poll: fencePoll, backoffMax: fenceBackoffMax, pull: s.fencePull, listening: &s.fences.listens}.run(ctx)
}

// FenceGeneration returns the generation of the rules the replica's fence
// index was built from (-1 before the first build) and its number of
// fences.
func (s *Store) FenceGeneration() (gen int64, fences int) {
	cur := s.fences.cur.Load()
	if cur == nil {
		return -1, 0
	}
	return cur.gen, cur.idx.Len()
}

// fixAt is a stored position's id and point, for the fence index.
type fixAt struct {
	id int64
	pt orb.Point
}

// zoneHits finds, for each fix, the zone rules of agency that apply to
// team and contain it: the evaluated rules and the (position, rule) pairs.
func zoneHits(snap *fenceSnapshot, agency string, team int, fixes []fixAt) (rules, hitPos, hitRule []int64) {
	rules = snap.idx.Rules(agency)
	if len(rules) == 0 {
		return nil, nil, nil
	}
	for _, f := range fixes {
		snap.idx.Containing(agency, team, f.pt, func(fc geo.Fence) bool {
			hitPos, hitRule = append(hitPos, f.id), append(hitRule, fc.RuleID)
			return true
		})
	}
	return rules, hitPos, hitRule
}

package data

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// EffortMaxGap is the longest time between two fixes of a team that still
// counts as presence: a longer gap (the phone off, no coverage) counts
// neither hours nor kilometres.
const EffortMaxGap = 15 * time.Minute

// SectorEffort is the patrol effort spent in one sector over a period.
type SectorEffort struct {
	SectorID string  `json:"sector"`
	Name     string  `json:"name"`
	Hours    float64 `json:"hours"`
	KM       float64 `json:"km"`
	Teams    int     `json:"teams"`
	Fixes    int     `json:"fixes"`
}

// sqlEffortSegments: the caller's visible, uncoarsened, plausible fixes
// of the period [$1, $2), paired per team with the next one; a pair at
// most $3 apart is a segment of dt_s seconds and len_m metres counted at
// its first fix (geom, fix_time).
const sqlEffortSegments = `
WITH fixes AS (
  SELECT p.team_id, p.fix_time, p.geom,
         lead(p.fix_time) OVER w AS next_time, lead(p.geom) OVER w AS next_geom
  FROM positions p
  WHERE NOT p.coarsened AND NOT ('implausible_jump' = ANY (p.flags)) AND p.fix_time >= $1 AND p.fix_time < $2
  WINDOW w AS (PARTITION BY p.team_id ORDER BY p.fix_time)
), segs AS (
  SELECT team_id, fix_time, geom,
         CASE WHEN next_time - fix_time <= $3 THEN extract(epoch FROM next_time - fix_time) ELSE 0 END AS dt_s,
         CASE WHEN next_time - fix_time <= $3 THEN ST_Distance(geom::geography, next_geom::geography) ELSE 0 END AS len_m
  FROM fixes
)`

// sqlSectorEffort: the segments' duration and length count for every
// sector of set $4 that contains their first fix.
const sqlSectorEffort = sqlEffortSegments + `
SELECT s.id, s.name, coalesce(sum(g.dt_s), 0) / 3600.0, coalesce(sum(g.len_m), 0) / 1000.0,
       count(DISTINCT g.team_id), count(g.team_id)
FROM sectors s LEFT JOIN segs g ON ST_Intersects(s.geom, g.geom)
WHERE s.sector_set = $4
GROUP BY s.id, s.name
ORDER BY s.id`

// sqlEffortSamples: the segments of positive duration, each with its
// first fix's time and place.
const sqlEffortSamples = sqlEffortSegments + `
SELECT fix_time, ST_X(geom), ST_Y(geom), dt_s / 3600.0 FROM segs WHERE dt_s > 0`

// EffortSamples returns the patrol effort over [from, to) as the caller
// sees it, one sample per segment of a team's track (consecutive fixes
// at most EffortMaxGap apart, as SectorEffort counts them) at its first
// fix, for the effort-adjusted forecast.
func (s *Store) EffortSamples(ctx context.Context, from, to time.Time) ([]geo.EffortSample, error) {
	rows, err := s.pool.Query(ctx, sqlEffortSamples, from, to, EffortMaxGap)
	if err != nil {
		return nil, fmt.Errorf("effort samples: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (geo.EffortSample, error) {
		var e geo.EffortSample
		err := r.Scan(&e.At, &e.Lon, &e.Lat, &e.Hours)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("effort samples: %w", mapErr(err))
	}
	return out, nil
}

// SectorEffort returns, for every sector of set (default the generated
// set), the hours of presence and the kilometres driven by the teams whose
// positions the caller sees in full, over [from, to): consecutive fixes of
// a team at most EffortMaxGap apart form a segment, and its duration and
// geodesic length count for the sector that contains its first fix.
// Coarsened positions and implausible jumps count nothing. Fixes counts
// the fixes in the sector, Teams the distinct teams.
func (s *Store) SectorEffort(ctx context.Context, set string, from, to time.Time) ([]SectorEffort, error) {
	if set == "" {
		set = SetGenerated
	}
	if !record.ValidSectorSet(set) {
		return nil, &record.FieldError{Field: "set", Reason: "not a sector set name"}
	}
	if !from.Before(to) {
		return nil, &record.FieldError{Field: "datetime", Reason: "must be an interval with its start before its end"}
	}
	rows, err := s.pool.Query(ctx, sqlSectorEffort, from, to, EffortMaxGap, set)
	if err != nil {
		return nil, fmt.Errorf("sector effort: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SectorEffort, error) {
		var e SectorEffort
		err := r.Scan(&e.SectorID, &e.Name, &e.Hours, &e.KM, &e.Teams, &e.Fixes)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("sector effort: %w", mapErr(err))
	}
	return out, nil
}

// EffortFilter narrows the tracks of an effort computation: the period
// [From, To), and optionally one agency's teams or one team.
type EffortFilter struct {
	From, To time.Time
	Agency   string
	TeamID   int
}

// MaxEffortSegments is the most track segments one effort computation
// reads; a longer period or a wider filter is refused.
const MaxEffortSegments = 1_000_000

// sqlTrackSegments: the caller's visible, uncoarsened, plausible fixes of
// [$1, $2) of agency $4 (empty: any) and team $5 (0: any), paired per team with
// the next one; a pair at most $3 apart is a segment.
const sqlTrackSegments = `
WITH fixes AS (
  SELECT p.team_id, p.fix_time, p.geom,
         lead(p.fix_time) OVER w AS next_time, lead(p.geom) OVER w AS next_geom
  FROM positions p
  WHERE NOT p.coarsened AND NOT ('implausible_jump' = ANY (p.flags)) AND p.fix_time >= $1 AND p.fix_time < $2
    AND ($4 = '' OR p.agency_id = $4) AND ($5 = 0 OR p.team_id = $5)
  WINDOW w AS (PARTITION BY p.team_id ORDER BY p.fix_time)
)
SELECT team_id, ST_X(geom), ST_Y(geom), ST_X(next_geom), ST_Y(next_geom),
       extract(epoch FROM next_time - fix_time) / 3600.0
FROM fixes WHERE next_time - fix_time <= $3
LIMIT $6`

// TrackSegments returns the segments of the tracks the caller sees in full
// (positions' sharing rules, enforced by the positions view) that f
// selects, as SectorEffort forms them: consecutive fixes of a team at most
// EffortMaxGap apart, neither coarsened nor an implausible jump. A gap
// longer than EffortMaxGap counts nothing.
func (s *Store) TrackSegments(ctx context.Context, f EffortFilter) ([]geo.TrackSegment, error) {
	if !f.From.Before(f.To) {
		return nil, &record.FieldError{Field: "to", Reason: "the period must end after it starts"}
	}
	rows, err := s.pool.Query(ctx, sqlTrackSegments, f.From, f.To, EffortMaxGap, f.Agency, f.TeamID, MaxEffortSegments+1)
	if err != nil {
		return nil, fmt.Errorf("track segments: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (geo.TrackSegment, error) {
		var g geo.TrackSegment
		err := r.Scan(&g.TeamID, &g.From[0], &g.From[1], &g.To[0], &g.To[1], &g.Hours)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("track segments: %w", mapErr(err))
	}
	if len(out) > MaxEffortSegments {
		return nil, &record.FieldError{Field: "from", Reason: fmt.Sprintf("the period and filters select more than %d track segments; narrow them", MaxEffortSegments)}
	}
	return out, nil
}

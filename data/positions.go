package data

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

// Statuses of a position in an ingest's answer.
const (
	PositionStored    = "stored"    // stored, no flags
	PositionFlagged   = "flagged"   // stored with flags; Reason says why
	PositionDuplicate = "duplicate" // stored before (same device and fix time): a success
	PositionRejected  = "rejected"  // not stored; Reason and Detail say why
)

// RejectInvalid is the reason of a position that could not be read.
const RejectInvalid = "invalid"

// IngestTarget is whose positions an ingest writes: a device's (DeviceID
// set), or a team's track uploaded with a token (DeviceID 0).
type IngestTarget struct {
	TeamID   int
	DeviceID int
}

func (t IngestTarget) String() string {
	if t.DeviceID != 0 {
		return fmt.Sprintf("device:%d", t.DeviceID)
	}
	return fmt.Sprintf("team:%d", t.TeamID)
}

// PositionResult is what became of one position of a request.
type PositionResult struct {
	Index  int      `json:"index"`
	Status string   `json:"status"`
	ID     *int64   `json:"id,omitempty"`
	Flags  []string `json:"flags,omitempty"`
	Reason string   `json:"reason,omitempty"`
	Detail string   `json:"detail,omitempty"`
}

// IngestSummary counts the results of an ingest and lists them in request
// order.
type IngestSummary struct {
	Stored     int              `json:"stored"`
	Flagged    int              `json:"flagged"`
	Duplicates int              `json:"duplicates"`
	Rejected   int              `json:"rejected"`
	Results    []PositionResult `json:"results"`
}

// IngestPositions stores the positions of one device (or one team's
// uploaded track) in one transaction, and says for each what became of
// it: items that could not be read, fixes in the future or outside the
// service area are rejected (record.Position.Reject); a fix already stored
// for the device and time is a duplicate, stored once; the others are
// stored, flagged where record.Position.Flags or record.CheckJumps find
// something, against the device's stored fixes around them. Ingests of one
// device are serialised, so that two concurrent requests check against
// each other's fixes. The batch is audited as one entry. Every stored
// position becomes a stream entry (a trigger, migration 0019), and the
// alert rules run over the live ones (bw_alerts_evaluate), each raised
// alert audited. Nothing is written unless everything is.
func (s *Store) IngestPositions(ctx context.Context, target IngestTarget, items []parse.PositionItem, now time.Time) (IngestSummary, error) {
	sum := IngestSummary{Results: make([]PositionResult, len(items))}
	area := s.Area()
	var fresh []int // indexes of items to store
	seen := map[int64]int{}
	for i := range items {
		r := &sum.Results[i]
		r.Index = i
		if items[i].Err != nil {
			r.Status, r.Reason, r.Detail = PositionRejected, RejectInvalid, items[i].Err.Error()
			continue
		}
		p := &items[i].Position
		if reason, detail := p.Reject(now, area); reason != "" {
			r.Status, r.Reason, r.Detail = PositionRejected, reason, detail
			continue
		}
		key := p.FixTime.UnixMicro()
		if j, ok := seen[key]; ok {
			r.Status, r.Detail = PositionDuplicate, fmt.Sprintf("same fix time as position %d of this request", j)
			continue
		}
		seen[key] = i
		fresh = append(fresh, i)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var fc fenceContext
		if len(fresh) > 0 {
			var err error
			if fc, err = s.storePositions(ctx, tx, target, items, fresh, sum.Results); err != nil {
				return err
			}
		}
		var fixes []fixAt
		for _, r := range sum.Results {
			if r.ID != nil {
				fixes = append(fixes, fixAt{id: *r.ID, pt: items[r.Index].Position.Location})
			}
		}
		if err := s.evaluateAlerts(ctx, tx, target.TeamID, fc, fixes); err != nil {
			return err
		}
		for _, r := range sum.Results {
			switch r.Status {
			case PositionStored:
				sum.Stored++
			case PositionFlagged:
				sum.Flagged++
			case PositionDuplicate:
				sum.Duplicates++
			case PositionRejected:
				sum.Rejected++
			}
		}
		return s.audit(ctx, tx, "position.ingest", target.String(), map[string]any{
			"team": target.TeamID, "stored": sum.Stored, "flagged": sum.Flagged,
			"duplicates": sum.Duplicates, "rejected": sum.Rejected})
	})
	if err != nil {
		return IngestSummary{}, fmt.Errorf("ingest positions of %s: %w", target, err)
	}
	return sum, nil
}

// sqlDeviceNeighbours selects device $1's stored fixes between $2 and $3,
// and the last plausible one before and the first after: the neighbours
// of new fixes in that span. Each part walks the index on (device_id,
// fix_time), so the cost does not grow with the device's history.
const sqlDeviceNeighbours = `
(SELECT fix_time, ST_X(geom), ST_Y(geom), 'implausible_jump' = ANY (flags) FROM position_records
 WHERE device_id = $1 AND fix_time BETWEEN $2 AND $3)
UNION ALL
(SELECT fix_time, ST_X(geom), ST_Y(geom), false FROM position_records
 WHERE device_id = $1 AND fix_time < $2 AND NOT ('implausible_jump' = ANY (flags)) ORDER BY fix_time DESC LIMIT 1)
UNION ALL
(SELECT fix_time, ST_X(geom), ST_Y(geom), false FROM position_records
 WHERE device_id = $1 AND fix_time > $3 AND NOT ('implausible_jump' = ANY (flags)) ORDER BY fix_time LIMIT 1)`

// sqlUploadNeighbours is sqlDeviceNeighbours for team $1's uploaded
// tracks (no device), on the index on (team_id, fix_time) of uploads.
const sqlUploadNeighbours = `
(SELECT fix_time, ST_X(geom), ST_Y(geom), 'implausible_jump' = ANY (flags) FROM position_records
 WHERE team_id = $1 AND device_id IS NULL AND fix_time BETWEEN $2 AND $3)
UNION ALL
(SELECT fix_time, ST_X(geom), ST_Y(geom), false FROM position_records
 WHERE team_id = $1 AND device_id IS NULL AND fix_time < $2 AND NOT ('implausible_jump' = ANY (flags))
 ORDER BY fix_time DESC LIMIT 1)
UNION ALL
(SELECT fix_time, ST_X(geom), ST_Y(geom), false FROM position_records
 WHERE team_id = $1 AND device_id IS NULL AND fix_time > $3 AND NOT ('implausible_jump' = ANY (flags))
 ORDER BY fix_time LIMIT 1)`

// sqlInsertPositions inserts positions given as parallel arrays; a fix the
// device (or the team's uploads) already has is skipped.
const sqlInsertPositions = `
INSERT INTO position_records (team_id, device_id, fix_time, geom, speed_mps, bearing_deg, altitude_m,
  accuracy_m, hdop, battery_pct, source, flags, flag_reason)
SELECT $1, $2, u.t, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), u.speed, u.bearing, u.alt, u.acc, u.hdop,
  u.batt, u.src, coalesce(string_to_array(nullif(u.flags, ''), ','), '{}'), nullif(u.reason, '')
FROM unnest($3::timestamptz[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[],
  $9::float8[], $10::float8[], $11::float8[], $12::text[], $13::text[], $14::text[])
  AS u (t, lon, lat, speed, bearing, alt, acc, hdop, batt, src, flags, reason)
ON CONFLICT DO NOTHING
RETURNING id, fix_time`

// fenceContext is what an ingest's transaction read for the fence index:
// the alert rules' generation and the team's agency.
type fenceContext struct {
	gen    int64
	agency string
}

// storePositions checks the fresh items against the stored fixes and
// inserts them, filling their results.
func (s *Store) storePositions(ctx context.Context, tx pgx.Tx, target IngestTarget, items []parse.PositionItem,
	fresh []int, results []PositionResult) (fenceContext, error) {
	var fc fenceContext
	var device *int
	if target.DeviceID != 0 {
		device = &target.DeviceID
	}
	// One ingest per device (or team upload) at a time.
	lockKey := int32(target.TeamID)
	lockSpace := int32(727281)
	if device != nil {
		lockKey, lockSpace = int32(target.DeviceID), 727280
	}
	// The rules' generation is read after the lock: a rule committed
	// before this ingest could evaluate is in the index it uses.
	if err := tx.QueryRow(ctx, `SELECT (SELECT n FROM bw_generations WHERE name = 'alert_rules'),
		(SELECT agency_id FROM teams WHERE id = $3) FROM pg_advisory_xact_lock($1, $2)`,
		lockSpace, lockKey, target.TeamID).Scan(&fc.gen, &fc.agency); err != nil {
		return fc, mapErr(err)
	}
	lo, hi := items[fresh[0]].Position.FixTime, items[fresh[0]].Position.FixTime
	for _, i := range fresh {
		t := items[i].Position.FixTime
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	sqlNeighbours, owner := sqlUploadNeighbours, target.TeamID
	if device != nil {
		sqlNeighbours, owner = sqlDeviceNeighbours, *device
	}
	rows, err := tx.Query(ctx, sqlNeighbours, owner, lo, hi)
	if err != nil {
		return fc, mapErr(err)
	}
	var stored []record.Fix
	had := map[int64]bool{}
	for rows.Next() {
		var (
			f           record.Fix
			implausible bool
		)
		if err := rows.Scan(&f.Time, &f.Point[0], &f.Point[1], &implausible); err != nil {
			rows.Close()
			return fc, mapErr(err)
		}
		had[f.Time.UnixMicro()] = true
		if !implausible {
			stored = append(stored, f)
		}
	}
	if err := rows.Err(); err != nil {
		return fc, mapErr(err)
	}
	var todo []int
	var fixes []record.Fix
	for _, i := range fresh {
		p := &items[i].Position
		if had[p.FixTime.UnixMicro()] {
			results[i].Status, results[i].Detail = PositionDuplicate, "already stored"
			continue
		}
		todo = append(todo, i)
		fixes = append(fixes, record.Fix{Time: p.FixTime, Point: p.Location})
	}
	jumps := record.CheckJumps(stored, fixes)
	return fc, s.insertPositions(ctx, tx, target, device, items, todo, jumps, results)
}

func (s *Store) insertPositions(ctx context.Context, tx pgx.Tx, target IngestTarget, device *int,
	items []parse.PositionItem, todo []int, jumps []string, results []PositionResult) error {
	n := len(todo)
	if n == 0 {
		return nil
	}
	var (
		ts                                 = make([]time.Time, n)
		lon, lat                           = make([]float64, n), make([]float64, n)
		speed, bearing, alt, acc, hdop, bt = make([]*float64, n), make([]*float64, n), make([]*float64, n), make([]*float64, n), make([]*float64, n), make([]*float64, n)
		src, flags, reasons                = make([]string, n), make([]string, n), make([]string, n)
	)
	byTime := make(map[int64]int, n)
	for k, i := range todo {
		p := &items[i].Position
		ts[k], lon[k], lat[k] = p.FixTime, p.Location[0], p.Location[1]
		speed[k], bearing[k], alt[k], acc[k], hdop[k], bt[k] = p.SpeedMPS, p.BearingDeg, p.AltitudeM, p.AccuracyM, p.HDOP, p.BatteryPct
		if bearing[k] != nil && *bearing[k] == 360 {
			zero := 0.0
			bearing[k] = &zero
		}
		src[k] = p.Source
		f, why := p.Flags()
		if jumps[k] != "" {
			f, why = append(f, record.FlagImplausibleJump), append(why, jumps[k])
		}
		flags[k], reasons[k] = strings.Join(f, ","), strings.Join(why, "; ")
		results[i].Flags, results[i].Reason = f, reasons[k]
		byTime[p.FixTime.UnixMicro()] = i
		// Until the insert says otherwise, the fix was there already
		// (another request of the device won the race).
		results[i].Status, results[i].Detail = PositionDuplicate, "already stored"
	}
	rows, err := tx.Query(ctx, sqlInsertPositions, target.TeamID, device, ts, lon, lat, speed, bearing, alt, acc, hdop, bt,
		src, flags, reasons)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			t  time.Time
		)
		if err := rows.Scan(&id, &t); err != nil {
			return mapErr(err)
		}
		i, ok := byTime[t.UnixMicro()]
		if !ok {
			return fmt.Errorf("insert returned fix time %s that was not sent", t)
		}
		r := &results[i]
		r.ID, r.Status, r.Detail = &id, PositionStored, ""
		if len(r.Flags) > 0 {
			r.Status = PositionFlagged
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	for _, i := range todo {
		if results[i].Status == PositionDuplicate {
			results[i].Flags, results[i].Reason = nil, ""
		}
	}
	return nil
}

// TeamPosition is a stored position as the caller may see it. A coarsened
// one (a partner's agreement coarsens) has no id, device, speed, bearing,
// altitude or battery, and its point and times are coarsened.
type TeamPosition struct {
	ID         *int64
	TeamID     int
	TeamName   string // the caller's own teams only
	DeviceID   *int
	AgencyID   string
	Sharing    string
	FixTime    time.Time
	ReceivedAt time.Time
	Location   orb.Point
	SpeedMPS   *float64
	BearingDeg *float64
	AltitudeM  *float64
	AccuracyM  *float64
	BatteryPct *float64
	Source     string
	Flags      []string
	FlagReason *string
	Coarsened  bool
}

const positionColumns = `p.id, p.team_id, coalesce(tm.name, ''), p.device_id, p.agency_id, p.sharing, p.fix_time,
  p.received_at, ST_AsEWKB(p.geom), p.speed_mps, p.bearing_deg, p.altitude_m, p.accuracy_m, p.battery_pct, p.source,
  p.flags, p.flag_reason, p.coarsened`

func scanPosition(r pgx.CollectableRow) (TeamPosition, error) {
	var (
		p  TeamPosition
		wk []byte
	)
	if err := r.Scan(&p.ID, &p.TeamID, &p.TeamName, &p.DeviceID, &p.AgencyID, &p.Sharing, &p.FixTime, &p.ReceivedAt, &wk,
		&p.SpeedMPS, &p.BearingDeg, &p.AltitudeM, &p.AccuracyM, &p.BatteryPct, &p.Source, &p.Flags, &p.FlagReason,
		&p.Coarsened); err != nil {
		return p, err
	}
	g, err := decodeEWKB(wk)
	if err != nil {
		return p, err
	}
	pt, ok := g.(orb.Point)
	if !ok {
		return p, fmt.Errorf("position geometry is %T, not a point", g)
	}
	p.Location = pt
	return p, nil
}

// MaxPositionsRead is the most positions one read returns.
const MaxPositionsRead = 50000

// TeamPositions returns the positions of team the caller may see, with fix
// times in [from, to] (a zero end is open), oldest first, at most limit
// (1 to MaxPositionsRead).
func (s *Store) TeamPositions(ctx context.Context, teamID int, from, to time.Time, limit int) ([]TeamPosition, error) {
	return s.TeamPositionsIn(ctx, teamID, from, to, nil, limit)
}

// TeamPositionsIn is TeamPositions of the positions in bbox (nil: all).
func (s *Store) TeamPositionsIn(ctx context.Context, teamID int, from, to time.Time, bbox *orb.Bound, limit int) ([]TeamPosition, error) {
	if limit <= 0 || limit > MaxPositionsRead {
		return nil, &record.FieldError{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d", MaxPositionsRead)}
	}
	var bb [4]*float64
	if bbox != nil {
		bb = [4]*float64{&bbox.Min[0], &bbox.Min[1], &bbox.Max[0], &bbox.Max[1]}
	}
	var lo, hi *time.Time
	if !from.IsZero() {
		lo = &from
	}
	if !to.IsZero() {
		hi = &to
	}
	rows, err := s.pool.Query(ctx, `SELECT `+positionColumns+` FROM positions p LEFT JOIN teams tm ON tm.id = p.team_id
		WHERE p.team_id = $1 AND ($2::timestamptz IS NULL OR p.fix_time >= $2) AND ($3::timestamptz IS NULL OR p.fix_time <= $3)
		  AND ($5::float8 IS NULL OR p.geom && ST_MakeEnvelope($5, $6, $7, $8, 4326))
		ORDER BY p.fix_time, p.id LIMIT $4`, teamID, lo, hi, limit, bb[0], bb[1], bb[2], bb[3])
	if err != nil {
		return nil, fmt.Errorf("team %d positions: %w", teamID, mapErr(err))
	}
	out, err := pgx.CollectRows(rows, scanPosition)
	if err != nil {
		return nil, fmt.Errorf("team %d positions: %w", teamID, mapErr(err))
	}
	return out, nil
}

// LatestPositions returns, for every team whose positions the caller may
// see, its latest visible position that is not an implausible jump, by
// team id.
func (s *Store) LatestPositions(ctx context.Context) ([]TeamPosition, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+positionColumns+` FROM bw_position_team_ids() t (id)
		CROSS JOIN LATERAL (SELECT * FROM positions q WHERE q.team_id = t.id AND NOT ('implausible_jump' = ANY (q.flags))
		                    ORDER BY q.fix_time DESC LIMIT 1) p
		LEFT JOIN teams tm ON tm.id = p.team_id
		ORDER BY p.team_id`)
	if err != nil {
		return nil, fmt.Errorf("latest positions: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, scanPosition)
	if err != nil {
		return nil, fmt.Errorf("latest positions: %w", mapErr(err))
	}
	return out, nil
}

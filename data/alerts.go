package data

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/borderwatch/borderwatch/record"
)

// Kinds of alerts (migrations 0019 and 0023 hold their CHECK constraint to
// them): the kinds of alert rules.
const (
	AlertBorderNear = record.RuleBorderNear // a live fix within the team's distance of a border line
	AlertSilent     = record.RuleSilent     // no fix for too long while on shift
)

// AlertKinds returns the kinds of alerts.
func AlertKinds() []string { return record.RuleKinds() }

// Defaults of the alert rules, used for a team whose border_alert_m or
// silence_alert_min is not set (migration 0019 applies them).
const (
	DefaultBorderAlertM    = 2000
	DefaultSilenceAlertMin = 30
	// BorderClearFactor: a border_near episode ends at the first live fix
	// farther than this times the team's distance from every border line.
	BorderClearFactor = 1.2
)

// Alert is one episode of a condition of a team.
type Alert struct {
	ID        int64           `json:"id"`
	TeamID    int             `json:"team"`
	TeamName  string          `json:"team_name"`
	AgencyID  string          `json:"agency"`
	Kind      string          `json:"kind"`
	RaisedAt  time.Time       `json:"raised_at"`
	FixTime   *time.Time      `json:"fix_time"`
	Lon       *float64        `json:"lon"`
	Lat       *float64        `json:"lat"`
	Detail    json.RawMessage `json:"detail"`
	ClearedAt *time.Time      `json:"cleared_at"`
	AckedAt   *time.Time      `json:"acked_at"`
	AckedBy   *string         `json:"acked_by"`
	// Rule is the rule that raised it (nil: a team's default of 0019).
	Rule *int64 `json:"rule"`
}

// raisedAlert is an alert a rule evaluation raised, for the audit log.
type raisedAlert struct {
	id     int64
	team   int
	kind   string
	detail json.RawMessage
}

// auditRaised evaluates with query (bw_alerts_evaluate or
// bw_alerts_silence) inside tx and audits every alert it raised.
func (s *Store) auditRaised(ctx context.Context, tx pgx.Tx, query string, args ...any) (int, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	raised, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (raisedAlert, error) {
		var (
			a  raisedAlert
			at *time.Time
		)
		err := r.Scan(&a.id, &a.team, &a.kind, &at, &a.detail)
		return a, err
	})
	if err != nil {
		return 0, mapErr(err)
	}
	for _, a := range raised {
		if err := s.audit(ctx, tx, "alert.raise", fmt.Sprintf("alert:%d", a.id), map[string]any{
			"team": a.team, "kind": a.kind, "detail": a.detail}); err != nil {
			return 0, err
		}
	}
	return len(raised), nil
}

// evaluateAlerts runs the alert rules over newly stored positions of team
// inside the ingest's transaction: the zones through the fence index (at
// least as new as fc.gen), every other kind in bw_alerts_evaluate.
func (s *Store) evaluateAlerts(ctx context.Context, tx pgx.Tx, team int, fc fenceContext, fixes []fixAt) error {
	if len(fixes) == 0 {
		return nil
	}
	snap, err := s.fenceIndex(ctx, tx, fc.gen)
	if err != nil {
		return err
	}
	ids := make([]int64, len(fixes))
	for i, f := range fixes {
		ids[i] = f.id
	}
	rules, hitPos, hitRule := zoneHits(snap, fc.agency, team, fixes)
	_, err = s.auditRaised(ctx, tx, `SELECT alert_id, team_id, kind, fix_time, detail FROM bw_alerts_evaluate($1, $2, $3, $4)`,
		ids, rules, hitPos, hitRule)
	return err
}

// silenceLock is the advisory lock (two-key space 727290) that lets one
// replica at a time check silences.
const silenceLockSpace, silenceLockKey = 727290, 1

// CheckSilences raises a 'silent' alert for every team on shift that sent
// nothing for longer than its limit, and ends the silences of teams off
// shift, as of now. It runs on the replica's own connection, for every
// agency, and only when no other replica is checking (a transaction-level
// advisory lock, tried, not waited for): ran reports whether it checked.
func (s *Store) CheckSilences(ctx context.Context, now time.Time) (raised int, ran bool, err error) {
	tx, err := s.sys.Begin(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("check silences: %w", mapErr(err))
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, $2)`, silenceLockSpace, silenceLockKey).Scan(&ran); err != nil {
		return 0, false, fmt.Errorf("check silences: %w", mapErr(err))
	}
	if !ran {
		return 0, false, nil
	}
	n, err := s.auditRaised(ctx, tx, `SELECT alert_id, team_id, kind, fix_time, detail FROM bw_alerts_silence($1)`, now)
	if err != nil {
		return 0, true, fmt.Errorf("check silences: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, true, fmt.Errorf("check silences: %w", mapErr(err))
	}
	return n, true, nil
}

// WatchSilences calls CheckSilences every interval until ctx ends; serve
// runs it on every replica, and the advisory lock lets one check at a
// time. Errors are logged and the next tick tries again.
func (s *Store) WatchSilences(ctx context.Context, logger *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, _, err := s.CheckSilences(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("check silences", "error", err.Error())
		case n > 0:
			logger.Info("silence alerts raised", "alerts", n)
		}
	}
}

// AlertFilter selects alerts: Open only those whose episode goes on,
// Unacked only those not acknowledged; at most Limit (1 to 1000).
type AlertFilter struct {
	Open, Unacked bool
	Limit         int
}

// Alerts lists the alerts of the caller's agency, newest first.
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	if f.Limit < 1 || f.Limit > 1000 {
		return nil, &record.FieldError{Field: "limit", Reason: "must be between 1 and 1000"}
	}
	rows, err := s.pool.Query(ctx, `SELECT a.id, a.team_id, coalesce(t.name, ''), a.agency_id, a.kind, a.raised_at,
		a.fix_time, ST_X(a.geom), ST_Y(a.geom), a.detail, a.cleared_at, a.acked_at, a.acked_by, a.rule_id
		FROM alerts a LEFT JOIN teams t ON t.id = a.team_id
		WHERE (NOT $1 OR a.cleared_at IS NULL) AND (NOT $2 OR a.acked_at IS NULL)
		ORDER BY a.raised_at DESC, a.id DESC LIMIT $3`, f.Open, f.Unacked, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Alert, error) {
		var a Alert
		err := r.Scan(&a.ID, &a.TeamID, &a.TeamName, &a.AgencyID, &a.Kind, &a.RaisedAt, &a.FixTime, &a.Lon, &a.Lat,
			&a.Detail, &a.ClearedAt, &a.AckedAt, &a.AckedBy, &a.Rule)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", mapErr(err))
	}
	return out, nil
}

// AckAlert acknowledges an alert of the caller's agency as the caller and
// audits it; acknowledged is false when it had been acknowledged before
// (nothing changes then). Viewers and devices may not; another agency's
// alert is not found.
func (s *Store) AckAlert(ctx context.Context, id int64) (acknowledged bool, err error) {
	by := actorName(ctx)
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT bw_alert_ack($1, $2)`, id, by).Scan(&acknowledged); err != nil {
			return mapErr(err)
		}
		if !acknowledged {
			return nil
		}
		return s.audit(ctx, tx, "alert.ack", fmt.Sprintf("alert:%d", id), nil)
	})
	if err != nil {
		return false, fmt.Errorf("acknowledge alert %d: %w", id, err)
	}
	return acknowledged, nil
}

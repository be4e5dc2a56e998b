package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/record"
)

// AlertRule is a stored alert rule (migration 0023) as its agency reads
// it.
type AlertRule struct {
	record.AlertRule
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const alertRuleColumns = `r.id, r.agency_id, coalesce(r.team_id, 0), r.name, r.kind, coalesce(r.zone_source, ''),
  coalesce(r.sector_id, ''), ST_AsEWKB(r.geom), r.distance_m, r.minutes, r.battery_pct, r.base_m, r.enabled,
  r.created_by, r.created_at, r.updated_at`

func scanAlertRule(row pgx.CollectableRow) (AlertRule, error) {
	var (
		r  AlertRule
		wk []byte
	)
	if err := row.Scan(&r.ID, &r.AgencyID, &r.TeamID, &r.Name, &r.Kind, &r.ZoneSource, &r.SectorID, &wk, &r.DistanceM,
		&r.Minutes, &r.BatteryPct, &r.BaseM, &r.Enabled, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	g, err := decodeEWKB(wk)
	if err != nil {
		return r, err
	}
	if mp, ok := g.(orb.MultiPolygon); ok {
		r.Zone = mp
	}
	return r, nil
}

// AlertRules lists the rules of the caller's agency, by id.
func (s *Store) AlertRules(ctx context.Context) ([]AlertRule, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules r ORDER BY r.id`)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, scanAlertRule)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", mapErr(err))
	}
	return out, nil
}

// GetAlertRule returns one rule of the caller's agency.
func (s *Store) GetAlertRule(ctx context.Context, id int64) (AlertRule, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules r WHERE r.id = $1`, id)
	if err != nil {
		return AlertRule{}, fmt.Errorf("alert rule %d: %w", id, mapErr(err))
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanAlertRule)
	if err != nil {
		return AlertRule{}, fmt.Errorf("alert rule %d: %w", id, mapErr(err))
	}
	return r, nil
}

// zoneJSON is the rule's zone as GeoJSON for ST_GeomFromGeoJSON (nil
// without a zone, or for a sector zone, which the database copies).
func zoneJSON(r *record.AlertRule) ([]byte, error) {
	if r.Zone == nil || r.ZoneSource == record.ZoneSector {
		return nil, nil
	}
	return geojson.NewGeometry(r.Zone).MarshalJSON()
}

// ruleArgs are the values of the rule's columns $2..$12.
func ruleArgs(r *record.AlertRule) ([]any, error) {
	z, err := zoneJSON(r)
	if err != nil {
		return nil, err
	}
	var team *int
	if r.TeamID > 0 {
		team = &r.TeamID
	}
	return []any{team, r.Name, r.Kind, nullIfEmpty(r.ZoneSource), nullIfEmpty(r.SectorID), z, r.DistanceM, r.Minutes,
		r.BatteryPct, r.BaseM, r.Enabled}, nil
}

// sqlZone is the stored zone of argument $7: valid, multi, lon/lat.
const sqlZone = `ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($7::text), 4326))`

// CreateAlertRule stores a rule for agency (the caller's, as the service
// runs: only its admins may) and audits it.
func (s *Store) CreateAlertRule(ctx context.Context, agency string, r record.AlertRule) (AlertRule, error) {
	if err := r.Validate(); err != nil {
		return AlertRule{}, err
	}
	args, err := ruleArgs(&r)
	if err != nil {
		return AlertRule{}, err
	}
	by := actorName(ctx)
	var out AlertRule
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO alert_rules (agency_id, team_id, name, kind, zone_source, sector_id, geom,
			distance_m, minutes, battery_pct, base_m, enabled, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, `+sqlZone+`, $8, $9, $10, $11, $12, $13) RETURNING id`,
			append(append([]any{agency}, args...), by)...).Scan(&id)
		if err != nil {
			return ruleErr(err)
		}
		if out, err = readRuleTx(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "alert_rule.create", fmt.Sprintf("alert_rule:%d", id), ruleAudit(&out))
	})
	if err != nil {
		return AlertRule{}, fmt.Errorf("create alert rule: %w", err)
	}
	return out, nil
}

// UpdateAlertRule replaces a rule of the caller's agency and audits it.
func (s *Store) UpdateAlertRule(ctx context.Context, id int64, r record.AlertRule) (AlertRule, error) {
	if err := r.Validate(); err != nil {
		return AlertRule{}, err
	}
	args, err := ruleArgs(&r)
	if err != nil {
		return AlertRule{}, err
	}
	var out AlertRule
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE alert_rules SET team_id = $2, name = $3, kind = $4, zone_source = $5,
			sector_id = $6, geom = `+sqlZone+`, distance_m = $8, minutes = $9, battery_pct = $10, base_m = $11,
			enabled = $12 WHERE id = $1`, append([]any{id}, args...)...)
		if err != nil {
			return ruleErr(err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if out, err = readRuleTx(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "alert_rule.update", fmt.Sprintf("alert_rule:%d", id), ruleAudit(&out))
	})
	if err != nil {
		return AlertRule{}, fmt.Errorf("update alert rule %d: %w", id, err)
	}
	return out, nil
}

// DeleteAlertRule deletes a rule of the caller's agency, ends its open
// episodes (migration 0023's trigger) and audits it.
func (s *Store) DeleteAlertRule(ctx context.Context, id int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var name, kind string
		err := tx.QueryRow(ctx, `DELETE FROM alert_rules WHERE id = $1 RETURNING name, kind`, id).Scan(&name, &kind)
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "alert_rule.delete", fmt.Sprintf("alert_rule:%d", id),
			map[string]any{"name": name, "kind": kind})
	})
	if err != nil {
		return fmt.Errorf("delete alert rule %d: %w", id, err)
	}
	return nil
}

func readRuleTx(ctx context.Context, tx pgx.Tx, id int64) (AlertRule, error) {
	rows, err := tx.Query(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules r WHERE r.id = $1`, id)
	if err != nil {
		return AlertRule{}, mapErr(err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanAlertRule)
	return r, mapErr(err)
}

func ruleAudit(r *AlertRule) map[string]any {
	return map[string]any{"name": r.Name, "kind": r.Kind, "team": r.TeamID, "zone_source": r.ZoneSource,
		"sector": r.SectorID, "distance_m": r.DistanceM, "minutes": r.Minutes, "battery_pct": r.BatteryPct,
		"base_m": r.BaseM, "enabled": r.Enabled}
}

// ruleErr names the field a refused rule write is about.
func ruleErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.ConstraintName {
		case "alert_rules_geom_check":
			return &record.ValidationError{Fields: []record.FieldError{{Field: "zone",
				Reason: "is not a valid polygon (rings must not cross themselves or each other)"}}}
		case "alert_rules_team_id_fkey":
			return &record.ValidationError{Fields: []record.FieldError{{Field: "team", Reason: "is not a team of your agency"}}}
		case "alert_rules_sector_id_fkey":
			return &record.ValidationError{Fields: []record.FieldError{{Field: "sector", Reason: "no such sector"}}}
		}
		if pgErr.Code == "XX000" || pgErr.Code == "22023" {
			return &record.ValidationError{Fields: []record.FieldError{{Field: "zone", Reason: "is not a valid polygon"}}}
		}
	}
	return mapErr(err)
}

// actorName names the caller for a record's created_by: the signed-in
// user's name, else the token or device, else "system".
func actorName(ctx context.Context) string {
	p, _ := PrincipalFrom(ctx)
	switch {
	case p.Username != "":
		return p.Username
	case p.Actor != "":
		return p.Actor
	}
	return "system"
}

package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// PlanTeam is a Mobile Interdiction Team as the planner needs it.
type PlanTeam struct {
	ID         int
	Name       string
	AgencyID   string
	Country    string
	Base       orb.Point
	SpeedKPH   float64
	OffroadKPH float64
	ShiftH     float64
	Crew       int
}

const sqlPlanTeams = `SELECT id, name, agency_id, country, ST_X(geom), ST_Y(geom), speed_kph, offroad_kph, shift_h, crew
	FROM teams WHERE id = ANY($1) ORDER BY id`

// PlanTeams returns the teams with the given ids in the order asked. On a
// restricted store only the caller's agency's teams are visible; any other
// id is reported as an unknown team in a *record.ValidationError on field
// "teams", the same way as an id that does not exist.
func (s *Store) PlanTeams(ctx context.Context, ids []int) ([]PlanTeam, error) {
	rows, err := s.pool.Query(ctx, sqlPlanTeams, ids)
	if err != nil {
		return nil, fmt.Errorf("plan teams: %w", mapErr(err))
	}
	byID := map[int]PlanTeam{}
	for rows.Next() {
		var t PlanTeam
		if err := rows.Scan(&t.ID, &t.Name, &t.AgencyID, &t.Country, &t.Base[0], &t.Base[1], &t.SpeedKPH, &t.OffroadKPH, &t.ShiftH, &t.Crew); err != nil {
			rows.Close()
			return nil, fmt.Errorf("plan teams: %w", err)
		}
		byID[t.ID] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("plan teams: %w", mapErr(err))
	}
	var fe record.Fields
	out := make([]PlanTeam, 0, len(ids))
	for _, id := range ids {
		t, ok := byID[id]
		if !ok {
			fe.Add("teams", "unknown team %d", id)
			continue
		}
		out = append(out, t)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// CountryPolygons returns the polygons of the given countries by ISO code.
func (s *Store) CountryPolygons(ctx context.Context, iso3 []string) (map[string]orb.MultiPolygon, error) {
	rows, err := s.pool.Query(ctx, `SELECT iso3, ST_AsEWKB(geom) FROM countries WHERE iso3 = ANY($1)`, iso3)
	if err != nil {
		return nil, fmt.Errorf("country polygons: %w", mapErr(err))
	}
	defer rows.Close()
	out := map[string]orb.MultiPolygon{}
	for rows.Next() {
		var (
			code string
			b    []byte
		)
		if err := rows.Scan(&code, &b); err != nil {
			return nil, fmt.Errorf("country polygons: %w", err)
		}
		g, err := decodeEWKB(b)
		if err != nil {
			return nil, fmt.Errorf("country %s: %w", code, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return nil, fmt.Errorf("country %s: geometry is %T", code, g)
		}
		out[code] = mp
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("country polygons: %w", mapErr(err))
	}
	return out, nil
}

// PlanCrossing is a border crossing as the planner needs it.
type PlanCrossing struct {
	ID                 int
	Name               string
	CountryA, CountryB string
	Point              orb.Point
}

// Crossings returns the crossings on the borders of the given countries.
func (s *Store) Crossings(ctx context.Context, iso3 []string) ([]PlanCrossing, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, country_a, country_b, ST_X(geom), ST_Y(geom)
		FROM crossings WHERE country_a = ANY($1) OR country_b = ANY($1) ORDER BY id`, iso3)
	if err != nil {
		return nil, fmt.Errorf("crossings: %w", mapErr(err))
	}
	defer rows.Close()
	var out []PlanCrossing
	for rows.Next() {
		var c PlanCrossing
		if err := rows.Scan(&c.ID, &c.Name, &c.CountryA, &c.CountryB, &c.Point[0], &c.Point[1]); err != nil {
			return nil, fmt.Errorf("crossings: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("crossings: %w", mapErr(err))
	}
	return out, nil
}

// StoredPlan is a patrol plan as stored.
type StoredPlan struct {
	ID        uuid.UUID
	AgencyID  string
	CreatedBy string
	// CreatedByName is the user's name, "" when a plain API token planned.
	CreatedByName string
	CreatedAt     time.Time
	// Request is the request body the plan answered.
	Request json.RawMessage
	// Result is the plan as a GeoJSON FeatureCollection.
	Result json.RawMessage
}

// SavePlan stores a plan for the caller's agency, made by the caller, and
// audits it in the same transaction. On a restricted store only planners
// and admins may store plans.
func (s *Store) SavePlan(ctx context.Context, id uuid.UUID, request, result json.RawMessage, detail map[string]any) (StoredPlan, error) {
	p, _ := PrincipalFrom(ctx)
	actor := p.Actor
	if actor == "" {
		actor = "system"
	}
	if p.AgencyID == "" {
		return StoredPlan{}, fmt.Errorf("save plan: %w: no agency", ErrForbidden)
	}
	sp := StoredPlan{ID: id, AgencyID: p.AgencyID, CreatedBy: actor, CreatedByName: p.Username, Request: request, Result: result}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO plans (id, agency_id, created_by, created_by_name, request, result)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING created_at`, id, p.AgencyID, actor, p.Username, []byte(request), []byte(result)).Scan(&sp.CreatedAt)
		if err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "plan.create", id.String(), detail)
	})
	if err != nil {
		return StoredPlan{}, fmt.Errorf("save plan: %w", err)
	}
	return sp, nil
}

// Plan returns a stored plan; plans of other agencies are not found.
func (s *Store) Plan(ctx context.Context, id uuid.UUID) (StoredPlan, error) {
	sp := StoredPlan{ID: id}
	var req, res []byte
	err := s.pool.QueryRow(ctx, `SELECT agency_id, created_by, created_by_name, created_at, request, result FROM plans WHERE id = $1`, id).
		Scan(&sp.AgencyID, &sp.CreatedBy, &sp.CreatedByName, &sp.CreatedAt, &req, &res)
	if errors.Is(err, pgx.ErrNoRows) {
		return StoredPlan{}, fmt.Errorf("plan %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return StoredPlan{}, fmt.Errorf("plan %s: %w", id, mapErr(err))
	}
	sp.Request, sp.Result = slices.Clip(req), slices.Clip(res)
	return sp, nil
}

// PlanSummary describes a stored plan without its routes.
type PlanSummary struct {
	ID        uuid.UUID `json:"id"`
	CreatedBy string    `json:"created_by"`
	// CreatedByName is the user's name, "" when a plain API token planned.
	CreatedByName string    `json:"created_by_name"`
	CreatedAt     time.Time `json:"created_at"`
	Teams         int       `json:"teams"`
	Score         float64   `json:"score"`
}

// PlanQuery selects stored plans of the caller's agency.
type PlanQuery struct {
	// Interval selects the plans made in it.
	Interval geo.Interval
	// Limit is the page size (1..MaxLimit).
	Limit int
	// After is the keyset cursor: only plans listed after this one
	// (newest first), nil for the first page.
	After *uuid.UUID
}

// Plans lists the stored plans of the caller's agency (others' plans are
// invisible) matching q, newest first (ties by id); next is the cursor of
// the following page, nil on the last.
func (s *Store) Plans(ctx context.Context, q PlanQuery) (plans []PlanSummary, next *uuid.UUID, err error) {
	if q.Limit < 1 || q.Limit > MaxLimit {
		return nil, nil, pageSizeError()
	}
	var b sqlBuilder
	if !q.Interval.Start.IsZero() {
		b.where("created_at >= " + b.arg(q.Interval.Start))
	}
	if !q.Interval.End.IsZero() {
		b.where("created_at <= " + b.arg(q.Interval.End))
	}
	if q.After != nil {
		// A cursor that is not one of the caller's plans lists nothing
		// rather than everything.
		b.where("(created_at, id) < (SELECT created_at, id FROM plans WHERE id = " + b.arg(*q.After) + ")")
	}
	rows, err := s.pool.Query(ctx, `SELECT id, created_by, created_by_name, created_at,
		coalesce(jsonb_array_length(request -> 'teams'), 0), coalesce((result ->> 'score')::double precision, 0)
		FROM plans`+b.clause()+` ORDER BY created_at DESC, id DESC LIMIT `+b.arg(q.Limit+1), b.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("plans: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlanSummary, error) {
		var p PlanSummary
		err := r.Scan(&p.ID, &p.CreatedBy, &p.CreatedByName, &p.CreatedAt, &p.Teams, &p.Score)
		return p, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("plans: %w", mapErr(err))
	}
	if len(out) > q.Limit {
		out = out[:q.Limit]
		id := out[q.Limit-1].ID
		next = &id
	}
	return out, next, nil
}

// sqlShiftPlan finds the newest plan of the caller's agency with a route
// for team $1 that departs in [$2, $3).
const sqlShiftPlan = `SELECT p.id FROM plans p
WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(p.result -> 'features') f
  WHERE f -> 'properties' ->> 'kind' = 'route' AND (f -> 'properties' ->> 'team')::integer = $1
    AND (f -> 'properties' ->> 'depart')::timestamptz >= $2 AND (f -> 'properties' ->> 'depart')::timestamptz < $3)
ORDER BY p.created_at DESC LIMIT 1`

// ShiftPlan returns the newest plan of the caller's agency with a route for
// team departing in [from, to); ErrNotFound when there is none.
func (s *Store) ShiftPlan(ctx context.Context, team int, from, to time.Time) (StoredPlan, error) {
	var id uuid.UUID
	err := s.pool.QueryRow(ctx, sqlShiftPlan, team, from, to).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return StoredPlan{}, fmt.Errorf("plan of team %d: %w", team, ErrNotFound)
	}
	if err != nil {
		return StoredPlan{}, fmt.Errorf("plan of team %d: %w", team, mapErr(err))
	}
	return s.Plan(ctx, id)
}

// PlannedRoute is one team's route of a stored plan, as `borderwatch
// simulate` drives it.
type PlannedRoute struct {
	PlanID   string
	TeamID   int
	TeamName string
	SpeedKPH float64
	Line     orb.LineString
}

// sqlPlannedRoutes selects the routes of plan $1 (the newest plan when
// NULL) with their teams' speeds.
const sqlPlannedRoutes = `
WITH p AS (SELECT id, result FROM plans WHERE $1::uuid IS NULL OR id = $1 ORDER BY created_at DESC LIMIT 1)
SELECT p.id::text, t.id, t.name, t.speed_kph, ST_AsEWKB(ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326))
FROM p, jsonb_array_elements(p.result -> 'features') f
JOIN teams t ON t.id = (f -> 'properties' ->> 'team')::integer
WHERE f -> 'properties' ->> 'kind' = 'route' AND f -> 'geometry' ->> 'type' = 'LineString'
ORDER BY t.id`

// PlannedRoutes returns the routes of plan (the newest plan when empty),
// one per team.
func (s *Store) PlannedRoutes(ctx context.Context, plan string) ([]PlannedRoute, error) {
	var id *string
	if plan != "" {
		id = &plan
	}
	rows, err := s.pool.Query(ctx, sqlPlannedRoutes, id)
	if err != nil {
		return nil, fmt.Errorf("planned routes: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlannedRoute, error) {
		var (
			pr PlannedRoute
			wk []byte
		)
		if err := r.Scan(&pr.PlanID, &pr.TeamID, &pr.TeamName, &pr.SpeedKPH, &wk); err != nil {
			return pr, err
		}
		g, err := decodeEWKB(wk)
		if err != nil {
			return pr, err
		}
		ls, ok := g.(orb.LineString)
		if !ok {
			return pr, fmt.Errorf("route of team %d is %T", pr.TeamID, g)
		}
		pr.Line = ls
		return pr, nil
	})
	if err != nil {
		return nil, fmt.Errorf("planned routes: %w", mapErr(err))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("planned routes: %w", ErrNotFound)
	}
	return out, nil
}

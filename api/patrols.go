package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/planner"
	"github.com/borderwatch/borderwatch/record"
)

// Patrol planning settings.
const (
	// planMaxTeams bounds the teams of one request.
	planMaxTeams = 20
	// planMaxPoints bounds the extra target points of one request.
	planMaxPoints = 200
	// planDefaultDays is the intelligence window when "from" is not given.
	planDefaultDays = 90
	// planHotspotDwellMin and planPointDwellMin are the default times
	// spent at a hot spot and at a requested point (planner sets the
	// crossings').
	planHotspotDwellMin = 20.0
	planPointDwellMin   = 15.0
	// planCrossingRadiusM is the radius within which an allowed crossing
	// lifts the country constraint.
	planCrossingRadiusM = 3000.0
	// planPieceM is the longest stretch of road without a graph node.
	planPieceM = 1000.0
	// planSnapM merges road vertices closer than this into one node.
	planSnapM = 1.0
	// planSolveLimit bounds the solver's search time.
	planSolveLimit = 8 * time.Second
)

// roadGraphs caches the stored roads and the road graphs built from them
// per set of team countries, keyed by the road network version, so that
// an import is picked up by the next plan without a restart.
type roadGraphs struct {
	mu      sync.Mutex
	loaded  bool
	version int64
	roads   []record.Road
	graphs  map[string]*planner.Graph
}

// roadGraphsMax bounds the number of cached graphs.
const roadGraphsMax = 16

// newRoadGraphs returns an empty cache; the roads are loaded on first use.
func newRoadGraphs() *roadGraphs { return &roadGraphs{graphs: map[string]*planner.Graph{}} }

// get returns the graph of the current road network for teams of the
// given countries: the roads tagged with one of them, and the untagged
// roads (crossing a border, or of unknown country) within their bounds.
// Roads of other countries never enter it. The roads are reloaded when
// they changed since they were read.
func (c *roadGraphs) get(ctx context.Context, store *data.Store, codes []string, polys map[string]orb.MultiPolygon) (*planner.Graph, int64, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := store.RoadsVersion(ctx)
	if err != nil {
		return nil, 0, 0, err
	}
	if !c.loaded || v != c.version {
		roads, v, err := store.LoadRoads(ctx)
		if err != nil {
			return nil, 0, 0, err
		}
		c.roads, c.version, c.loaded = roads, v, true
		clear(c.graphs)
	}
	sorted := slices.Sorted(slices.Values(codes))
	key := strings.Join(sorted, ",")
	if g, ok := c.graphs[key]; ok {
		return g, c.version, c.count(key), nil
	}
	var bound orb.Bound
	for i, code := range sorted {
		if i == 0 {
			bound = polys[code].Bound()
		} else {
			bound = bound.Union(polys[code].Bound())
		}
	}
	var pr []planner.Road
	for _, r := range c.roads {
		if r.Country != "" && !slices.Contains(sorted, r.Country) {
			continue
		}
		if r.Country == "" && !bound.Intersects(r.Line.Bound()) {
			continue
		}
		for _, piece := range splitRoad(r.Line, planPieceM) {
			pr = append(pr, planner.Road{Line: piece, SpeedKPH: r.SpeedKPH, Oneway: r.Oneway, Country: r.Country, Kind: r.Kind})
		}
	}
	g, err := planner.NewGraph(pr, planSnapM)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("road graph: %w", err)
	}
	if len(c.graphs) >= roadGraphsMax {
		clear(c.graphs)
	}
	c.graphs[key] = g
	return g, c.version, c.count(key), nil
}

// count returns the number of stored roads of the countries in key.
func (c *roadGraphs) count(key string) int {
	n := 0
	for _, r := range c.roads {
		if r.Country == "" || strings.Contains(key, r.Country) {
			n++
		}
	}
	return n
}

// splitRoad cuts line into pieces of about maxM metres, adding vertices
// on longer straight segments, so that the graph has a node at least every
// maxM metres: points off the network are linked to nearby nodes, and a
// long road without junctions would otherwise have none along its length.
func splitRoad(line orb.LineString, maxM float64) []orb.LineString {
	var (
		out   []orb.LineString
		cur   = orb.LineString{line[0]}
		accum float64
	)
	for k := 1; k < len(line); k++ {
		a, b := line[k-1], line[k]
		d := orbgeo.Distance(a, b)
		steps := int(math.Ceil(d / maxM))
		for s := 1; s <= steps; s++ {
			f := float64(s) / float64(steps)
			p := orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
			if s == steps {
				p = b
			}
			cur = append(cur, p)
			accum += d / float64(steps)
			if accum >= maxM-1e-6 && !(k == len(line)-1 && s == steps) {
				out = append(out, cur)
				cur, accum = orb.LineString{p}, 0
			}
		}
	}
	if len(cur) >= 2 {
		out = append(out, cur)
	}
	return out
}

// planRequest is the body of POST /api/patrols/plan.
type planRequest struct {
	Teams          refIDs   `json:"teams"`
	BudgetH        *float64 `json:"budget_h,omitempty"`
	From           string   `json:"from,omitempty"`
	To             string   `json:"to,omitempty"`
	AllowCrossings refIDs   `json:"allow_crossings,omitempty"`
	Variety        int64    `json:"variety,omitempty"`
	// Targets is "hotspots" (the default), "forecast" or an array of
	// extra points planned beside the hot spots (parsePlanTargets).
	Targets  json.RawMessage `json:"targets,omitempty"`
	Forecast *planForecast   `json:"forecast,omitempty"`
	// ShiftDate and ShiftStart are the shift the plan is for, in the local
	// time of the teams' country (shiftDeparture); without them it starts now.
	ShiftDate  string `json:"shift_date,omitempty"`
	ShiftStart string `json:"shift_start,omitempty"`
}

// planPoint is an extra target of a plan request.
type planPoint struct {
	Lon      *float64 `json:"lon"`
	Lat      *float64 `json:"lat"`
	Score    *float64 `json:"score,omitempty"`
	DwellMin *float64 `json:"dwell_min,omitempty"`
	Name     string   `json:"name,omitempty"`
}

// planInput is a validated plan request.
type planInput struct {
	req      planRequest
	from, to time.Time
	budgetH  float64 // 0: each team's shift
	shift    shiftInput
	// source is planOnHotspots or planOnForecast; points are the extra
	// target points; forecast is the forecast of planOnForecast.
	source   string
	points   []planPoint
	forecast forecastInput
}

// validatePlanRequest checks a request and names every offending field.
func validatePlanRequest(req planRequest, now time.Time) (planInput, error) {
	in := planInput{req: req}
	var bad []invalidParam
	add := func(name, format string, args ...any) {
		bad = append(bad, invalidParam{Name: name, Reason: fmt.Sprintf(format, args...)})
	}
	switch {
	case len(req.Teams) == 0:
		add("teams", "list at least one team id")
	case len(req.Teams) > planMaxTeams:
		add("teams", "at most %d teams per plan", planMaxTeams)
	}
	seen := map[int]bool{}
	for _, id := range req.Teams {
		if seen[id] {
			add("teams", "team %d is listed twice", id)
		}
		seen[id] = true
	}
	if req.BudgetH != nil {
		b := *req.BudgetH
		if !(b > 0) || b > 24 {
			add("budget_h", "must be a number of hours in (0, 24]")
		} else {
			in.budgetH = b
		}
	}
	in.to = now
	if req.To != "" {
		// A date means the whole day, as everywhere else in the API.
		iv, err := geo.ParseInterval("to", req.To)
		if err != nil {
			add("to", "must be an RFC 3339 time or a date YYYY-MM-DD")
		}
		in.to = iv.End
	}
	in.from = in.to.AddDate(0, 0, -planDefaultDays)
	if req.From != "" {
		iv, err := geo.ParseInterval("from", req.From)
		if err != nil {
			add("from", "must be an RFC 3339 time or a date YYYY-MM-DD")
		}
		in.from = iv.Start
	}
	if !in.from.Before(in.to) {
		add("from", "must be before to")
	}
	in.shift = parseShift(req, add)
	parsePlanTargets(req, &in, add)
	if len(in.points) > planMaxPoints {
		add("targets", "at most %d points", planMaxPoints)
	}
	for i, p := range in.points {
		name := fmt.Sprintf("targets[%d]", i)
		if p.Lon == nil || p.Lat == nil || !geo.ValidLonLat(orb.Point{*p.Lon, *p.Lat}) {
			add(name, "lon and lat must be a valid WGS84 position")
		}
		if p.Score != nil && (!(*p.Score >= 0) || *p.Score > 1e6) {
			add(name+".score", "must be a number in [0, 1000000]")
		}
		if p.DwellMin != nil && (!(*p.DwellMin >= 0) || *p.DwellMin > 600) {
			add(name+".dwell_min", "must be a number of minutes in [0, 600]")
		}
		if len(p.Name) > 200 {
			add(name+".name", "at most 200 characters")
		}
	}
	if len(bad) > 0 {
		return in, &badRequest{status: http.StatusBadRequest, title: "Invalid request", params: bad}
	}
	return in, nil
}

// unprocessable is a 422 problem naming a field.
func unprocessable(name, reason string) error {
	return &badRequest{status: http.StatusUnprocessableEntity, title: "Cannot plan", params: []invalidParam{{Name: name, Reason: reason}}}
}

// handlePlanPatrols plans routes for the caller's teams, stores the plan
// and answers 201 with its Location and the plan as GeoJSON.
func handlePlanPatrols(logger *slog.Logger, cfg Config, store *data.Store, live *data.Live, graphs *roadGraphs) http.Handler {
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[planRequest](w, r, cfg.MaxBodyBytes)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(req)
		if err != nil {
			return err
		}
		in, err := validatePlanRequest(req, time.Now().UTC())
		if err != nil {
			return err
		}
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		case <-r.Context().Done():
			return r.Context().Err()
		}
		start := time.Now()
		id := uuid.New()
		fc, detail, err := planPatrols(r.Context(), store, live, graphs, in, id)
		if err != nil {
			return err
		}
		body, err := json.Marshal(fc)
		if err != nil {
			return err
		}
		detail["duration_ms"] = time.Since(start).Milliseconds()
		saveStart := time.Now()
		if _, err := store.SavePlan(r.Context(), id, raw, body, detail); err != nil {
			return err
		}
		logger.InfoContext(r.Context(), "plan", "plan_id", id.String(), "teams", len(in.req.Teams),
			"phases_ms", detail["phases_ms"], "save_ms", float64(time.Since(saveStart).Microseconds())/1000)
		w.Header().Set("Location", "/api/plans/"+id.String())
		w.Header().Set("Content-Type", "application/geo+json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(append(body, '\n'))
		return nil
	})
}

// planSetting is what a plan request is planned on: the teams, their
// countries (codes, in the order of the teams) and outlines, the
// crossings on their borders and those the request allows, and the road
// graph with the version and number of the roads it was built from.
type planSetting struct {
	teams        []data.PlanTeam
	codes        []string
	polys        map[string]orb.MultiPolygon
	crossings    []planner.BorderCrossing
	allowed      map[int]bool
	graph        *planner.Graph
	roadsVersion int64
	nRoads       int
}

// loadPlanSetting reads the setting of a plan request.
func loadPlanSetting(ctx context.Context, store *data.Store, graphs *roadGraphs, in planInput) (planSetting, error) {
	var set planSetting
	var err error
	if set.teams, err = store.PlanTeams(ctx, []int(in.req.Teams)); err != nil {
		return set, err
	}
	for _, t := range set.teams {
		if !slices.Contains(set.codes, t.Country) {
			set.codes = append(set.codes, t.Country)
		}
	}
	if set.polys, err = store.CountryPolygons(ctx, set.codes); err != nil {
		return set, err
	}
	crossings, err := store.Crossings(ctx, set.codes)
	if err != nil {
		return set, err
	}
	for _, c := range crossings {
		set.crossings = append(set.crossings, planner.BorderCrossing{ID: c.ID, Name: c.Name,
			CountryA: c.CountryA, CountryB: c.CountryB, Point: c.Point})
	}
	set.allowed = map[int]bool{}
	for _, cid := range in.req.AllowCrossings {
		ok := false
		for _, c := range crossings {
			ok = ok || c.ID == cid
		}
		if !ok {
			return set, newBadRequest("allow_crossings", fmt.Sprintf("unknown crossing %d on the teams' borders", cid))
		}
		set.allowed[cid] = true
	}
	set.graph, set.roadsVersion, set.nRoads, err = graphs.get(ctx, store, set.codes, set.polys)
	return set, err
}

// planTargets returns the candidate targets of a plan: the hot spots and
// crossings of what the caller may see in the window, in the hotspot
// view's default area (the corridor around the border lines, or the teams'
// countries when no border lines are loaded), and the requested points.
// It also returns the number of events in the hot spot analysis's area.
func planTargets(ctx context.Context, store *data.Store, live *data.Live, in planInput, set planSetting, teams []planner.PatrolTeam) ([]planner.Candidate, int, map[string]any, error) {
	sc, err := live.Scope(ctx, nil, geo.CommonParams{CorridorKM: planner.HotspotCorridorKM})
	if errors.Is(err, data.ErrNoBorderLines) {
		b := planner.CountriesBound(set.polys)
		sc, err = live.Scope(ctx, nil, geo.CommonParams{BBox: &b})
	}
	if err != nil {
		return nil, 0, nil, err
	}
	filter := geo.Filter{Time: geo.Interval{Start: in.from, End: in.to}}
	sc.Restrict(&filter)
	days := in.to.Sub(in.from).Hours() / 24
	cross, err := planner.CrossingTargets(live.Index(), filter, set.crossings, set.allowed, set.codes, set.polys, days)
	if err != nil {
		return nil, 0, nil, err
	}
	var targets []planner.Candidate
	var nEvents int
	on := plannedOn(in)
	if in.source == planOnForecast {
		targets, on, nEvents, err = forecastTargets(ctx, store, live.Index(), in, sc.Area, filter, teams, cross)
	} else {
		targets, nEvents, err = planner.HotspotTargets(ctx, live.Index(), sc.Area, filter, teams, days)
	}
	if err != nil {
		return nil, 0, nil, err
	}
	targets = append(targets, cross...)
	return append(targets, pointTargets(in.points)...), nEvents, on, nil
}

// pointTargets returns the targets of the requested points.
func pointTargets(points []planPoint) []planner.Candidate {
	var out []planner.Candidate
	for i, p := range points {
		t := planner.Candidate{Kind: "point", Name: p.Name}
		if t.Name == "" {
			t.Name = fmt.Sprintf("point %d", i+1)
		}
		t.ID = fmt.Sprintf("point:%d", i)
		t.Point = orb.Point{*p.Lon, *p.Lat}
		t.Score = 1
		if p.Score != nil {
			t.Score = *p.Score
		}
		t.DwellMin = planPointDwellMin
		if p.DwellMin != nil {
			t.DwellMin = *p.DwellMin
		}
		t.Reason = "requested: " + t.Name
		out = append(out, t)
	}
	return out
}

// patrolRequest returns the planner's request for the teams of set, with
// their budgets and the allowed crossings, departing at dep.
func patrolRequest(in planInput, set planSetting, dep time.Time) planner.PatrolRequest {
	preq := planner.PatrolRequest{Now: dep}
	for _, t := range set.teams {
		budget := t.ShiftH
		if in.budgetH > 0 {
			budget = in.budgetH
		}
		preq.Teams = append(preq.Teams, planner.PatrolTeam{
			ID: strconv.Itoa(t.ID), Base: t.Base, Country: set.polys[t.Country], CountryCode: t.Country,
			SpeedKPH: t.SpeedKPH, OffroadKPH: t.OffroadKPH, ShiftH: budget, DwellMin: planHotspotDwellMin,
		})
	}
	for _, c := range set.crossings {
		if set.allowed[c.ID] {
			preq.Crossings = append(preq.Crossings, planner.Crossing{Point: c.Point, RadiusM: planCrossingRadiusM})
		}
	}
	return preq
}

// solverOptions bounds the search by planSolveLimit and half the time
// left to the request, and lets a request with a variety seed vary.
func solverOptions(ctx context.Context, in planInput) planner.Options {
	limit := planSolveLimit
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl)/2)
	}
	opt := planner.Options{TimeLimit: limit}
	if in.req.Variety != 0 {
		opt.Variety = 0.05
	}
	return opt
}

// planPatrols gathers teams, roads and targets, runs the planner and
// returns the plan as a FeatureCollection with the id at the top level,
// and the details for the audit log.
func planPatrols(ctx context.Context, store *data.Store, live *data.Live, graphs *roadGraphs, in planInput, id uuid.UUID) (*geojson.FeatureCollection, map[string]any, error) {
	clock := newPhaseClock()
	set, err := loadPlanSetting(ctx, store, graphs, in)
	if err != nil {
		return nil, nil, err
	}
	clock.mark("setting")
	dep, loc, err := shiftDeparture(in.shift, set.teams, time.Now())
	if err != nil {
		return nil, nil, err
	}
	preq := patrolRequest(in, set, dep)
	targets, nEvents, on, err := planTargets(ctx, store, live, in, set, preq.Teams)
	if err != nil {
		return nil, nil, err
	}
	unnamed := map[string]bool{}
	for i, p := range in.points {
		if p.Name == "" {
			unnamed[fmt.Sprintf("point:%d", i)] = true
		}
	}
	clock.mark("targets")
	if err := nameStops(ctx, store, targets, unnamed); err != nil {
		return nil, nil, err
	}
	clock.mark("names")
	if len(targets) == 0 {
		return nil, nil, unprocessable("targets", "there is nothing to visit: no hot spot, crossing or requested point near the teams; widen from/to or add targets")
	}
	byID := map[string]*planner.Candidate{}
	for i := range targets {
		preq.Targets = append(preq.Targets, targets[i].Target)
		byID[targets[i].ID] = &targets[i]
	}
	preq.Solver = solverOptions(ctx, in)
	seed := uint64(in.req.Variety)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	plan, err := planner.PlanPatrols(ctx, set.graph, preq, rng)
	if err != nil {
		return nil, nil, planError(err, in)
	}
	clock.mark("solve")
	if plan.Score <= 0 {
		return nil, nil, unprocessable("teams", "no team can reach a target and be back at its base within the budget; raise budget_h or add targets")
	}
	fc := planFeatures(plan, preq, set.teams, byID)
	fc.ExtraMembers = geojson.Properties{
		"id":           id.String(),
		"created_at":   time.Now().UTC().Format(time.RFC3339),
		"departure":    preq.Now.Format(time.RFC3339),
		"shift_date":   preq.Now.In(loc).Format(time.DateOnly),
		"shift_start":  preq.Now.In(loc).Format("15:04"),
		"time_zone":    loc.String(),
		"from":         in.from.UTC().Format(time.RFC3339),
		"to":           in.to.UTC().Format(time.RFC3339),
		"score":        round2(plan.Score),
		"targets":      len(targets),
		"unreachable":  orEmpty(plan.Unreachable),
		"events":       nEvents,
		"roads":        set.nRoads,
		"road_version": set.roadsVersion,
		"planned_on":   on,
	}
	detail := map[string]any{"teams": in.req.Teams, "score": round2(plan.Score), "targets": len(targets),
		"from": in.from.UTC().Format(time.RFC3339), "to": in.to.UTC().Format(time.RFC3339), "planned_on": on,
		"phases_ms": clock.ms}
	return fc, detail, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// planError maps the planner's typed errors to problems naming a field.
func planError(err error, in planInput) error {
	var te *planner.TeamError
	switch {
	case errors.As(err, &te) && errors.Is(err, planner.ErrBaseOutsideCountry):
		return unprocessable("teams", fmt.Sprintf("team %s: its base lies outside its own country", te.TeamID))
	case errors.As(err, &te) && errors.Is(err, planner.ErrBadTeam):
		field := "teams"
		if in.budgetH > 0 {
			field = "budget_h"
		}
		return unprocessable(field, fmt.Sprintf("team %s: %s", te.TeamID, te.Detail))
	case errors.Is(err, planner.ErrNoReachableTarget):
		return unprocessable("teams", "no target can be reached and the team be back at its base within the budget; raise budget_h, widen from/to or add targets")
	case errors.Is(err, planner.ErrBadTarget):
		var tge *planner.TargetError
		if errors.As(err, &tge) && strings.HasPrefix(tge.TargetID, "point:") {
			return newBadRequest("targets["+strings.TrimPrefix(tge.TargetID, "point:")+"]", tge.Detail)
		}
		return unprocessable("targets", err.Error())
	}
	return err
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// planFeatures turns a plan into GeoJSON: per team a LineString of the
// route along the roads and a Point per stop, in order.
func planFeatures(plan *planner.Plan, req planner.PatrolRequest, teams []data.PlanTeam, targets map[string]*planner.Candidate) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for i, tp := range plan.Teams {
		tm := teams[i]
		route := geojson.NewFeature(tp.Geometry)
		route.Properties = geojson.Properties{
			"kind": "route", "team": strconv.Itoa(tm.ID), "team_name": tm.Name, "country": tm.Country,
			"length_km": round2(tp.LengthKM), "offroad_km": round2(tp.OffroadKM), "duration_h": round2(tp.DurationH),
			"budget_h": req.Teams[i].ShiftH, "score": round2(tp.Score), "stops": len(tp.Stops),
			"depart": req.Now.Format(time.RFC3339), "return": tp.Return.UTC().Format(time.RFC3339),
			"base": []float64{tm.Base[0], tm.Base[1]},
		}
		if len(tp.Legs) > 0 {
			setLegProps(route.Properties, "return_", tp.Legs[len(tp.Legs)-1])
		}
		fc.Append(route)
		for k, st := range tp.Stops {
			f := geojson.NewFeature(st.Point)
			t := targets[st.TargetID]
			f.Properties = geojson.Properties{
				"kind": "stop", "team": strconv.Itoa(tm.ID), "team_name": tm.Name, "seq": st.Seq,
				"eta": st.ETA.UTC().Format(time.RFC3339), "depart": st.Depart.UTC().Format(time.RFC3339),
				"dwell_min": round2(st.DwellMin), "score": round2(st.Score), "reason": st.Reason,
				"target": st.TargetID, "target_kind": t.Kind, "name": t.Name,
			}
			for k, v := range t.Facts() {
				f.Properties[k] = v
			}
			if k < len(tp.Legs) {
				setLegProps(f.Properties, "leg_", tp.Legs[k])
			}
			fc.Append(f)
		}
	}
	return fc
}

// planFormats are the values of GET /api/plans/{id}?f=.
var planFormats = []string{"geojson", "json", "gpx", "kml"}

// handleListPlans lists the caller's agency's stored plans, newest first,
// each with the link to fetch it.
func handleListPlans(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if err := checkParams(q, "limit", "cursor", "datetime"); err != nil {
			return err
		}
		limit, err := parseLimit(r)
		if err != nil {
			return err
		}
		pq := data.PlanQuery{Limit: limit}
		if dt := q.Get("datetime"); dt != "" {
			if pq.Interval, err = geo.ParseInterval("datetime", dt); err != nil {
				return err
			}
		}
		if c := q.Get("cursor"); c != "" {
			id, err := uuid.Parse(c)
			if err != nil {
				return newBadRequest("cursor", "malformed; use the next link as given")
			}
			pq.After = &id
		}
		plans, next, err := store.Plans(r.Context(), pq)
		if err != nil {
			return err
		}
		type planLink struct {
			data.PlanSummary
			Href string `json:"href"`
		}
		out := make([]planLink, len(plans))
		for i, p := range plans {
			out[i] = planLink{PlanSummary: p, Href: baseURL(r) + "/api/plans/" + p.ID.String()}
		}
		cursor := ""
		if next != nil {
			cursor = next.String()
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"plans": out, "links": jsonPageLinks(r, cursor)})
	})
}

// handleGetPlan returns a stored plan of the caller's agency as GeoJSON,
// GPX 1.1 (?f=gpx) or KML (?f=kml); other agencies' plans are not found.
// Every read is audited as an export.
func handleGetPlan(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		if err := checkParams(r.URL.Query(), "f"); err != nil {
			return err
		}
		f := r.URL.Query().Get("f")
		if f == "" {
			f = "geojson"
		}
		if !slices.Contains(planFormats, f) {
			return newBadRequest("f", "must be geojson, gpx or kml")
		}
		id, sp, fc, err := exportPlan(r, store, f)
		if err != nil {
			return err
		}
		name := "plan-" + id.String()
		switch f {
		case "gpx":
			w.Header().Set("Content-Type", "application/gpx+xml")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.gpx"`)
			err = writeGPX(w, name, fc)
		case "kml":
			w.Header().Set("Content-Type", "application/vnd.google-earth.kml+xml")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.kml"`)
			err = writeKML(w, name, fc)
		default:
			w.Header().Set("Content-Type", "application/geo+json")
			_, err = w.Write(append(sp.Result, '\n'))
		}
		if err != nil {
			logger.WarnContext(r.Context(), "write plan", "plan_id", id.String(), "error", err.Error())
		}
		return nil
	})
}

// planTeamRoutes groups a stored plan's features by team, in the plan's
// order: the route line and the stops sorted by seq.
type planTeamRoute struct {
	// team is the team's id as a string, whether the stored plan holds
	// it as a string or (plans stored before ids were strings) a number.
	team  string
	name  string
	route *geojson.Feature
	stops []*geojson.Feature
}

// teamKey is a stored plan feature's team id as a string: plans store it
// as a string, or (before ids were strings) as a JSON number.
func teamKey(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func planRoutes(fc *geojson.FeatureCollection) []*planTeamRoute {
	var out []*planTeamRoute
	byTeam := map[string]*planTeamRoute{}
	get := func(f *geojson.Feature) *planTeamRoute {
		key := teamKey(f.Properties["team"])
		tr := byTeam[key]
		if tr == nil {
			tr = &planTeamRoute{team: key, name: f.Properties.MustString("team_name", key)}
			byTeam[key] = tr
			out = append(out, tr)
		}
		return tr
	}
	for _, f := range fc.Features {
		switch f.Properties.MustString("kind", "") {
		case "route":
			get(f).route = f
		case "stop":
			tr := get(f)
			tr.stops = append(tr.stops, f)
		}
	}
	for _, tr := range out {
		sort.SliceStable(tr.stops, func(i, j int) bool {
			return tr.stops[i].Properties.MustFloat64("seq", 0) < tr.stops[j].Properties.MustFloat64("seq", 0)
		})
	}
	return out
}

// baseOf returns the base point stored in a route's properties, or the
// route's first point.
func baseOf(route *geojson.Feature) (orb.Point, bool) {
	if route == nil {
		return orb.Point{}, false
	}
	if b, ok := route.Properties["base"].([]any); ok && len(b) == 2 {
		x, ok1 := b[0].(float64)
		y, ok2 := b[1].(float64)
		if ok1 && ok2 {
			return orb.Point{x, y}, true
		}
	}
	if ls, ok := route.Geometry.(orb.LineString); ok && len(ls) > 0 {
		return ls[0], true
	}
	return orb.Point{}, false
}

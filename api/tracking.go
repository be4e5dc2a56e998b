package api

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/planner"
)

// handleListAlerts lists the caller's agency's alerts, newest first:
// open=true only episodes that go on, unacked=true only those not
// acknowledged, limit (default 100, at most 1000).
func handleListAlerts(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if err := checkParams(q, "open", "unacked", "limit"); err != nil {
			return err
		}
		f := data.AlertFilter{Limit: 100}
		var err error
		if f.Open, err = boolParam(q.Get("open"), "open"); err != nil {
			return err
		}
		if f.Unacked, err = boolParam(q.Get("unacked"), "unacked"); err != nil {
			return err
		}
		if s := q.Get("limit"); s != "" {
			if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > 1000 {
				return newBadRequest("limit", "must be an integer from 1 to 1000")
			}
		}
		alerts, err := store.Alerts(r.Context(), f)
		if err != nil {
			return err
		}
		if alerts == nil {
			alerts = []data.Alert{}
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"alerts": alerts})
	})
}

func boolParam(v, name string) (bool, error) {
	switch v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, newBadRequest(name, "must be true or false")
}

// handleAckAlert acknowledges an alert of the caller's agency (analysts,
// planners and admins); acknowledging it again changes nothing and
// answers acknowledged: false.
func handleAckAlert(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil || id <= 0 {
			return data.ErrNotFound
		}
		ok, err := store.AckAlert(r.Context(), id)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"id": id, "acknowledged": ok})
	})
}

// shiftStop is a planned stop beside the track.
type shiftStop struct {
	Seq       int        `json:"seq"`
	Name      string     `json:"name"`
	Lon       float64    `json:"lon"`
	Lat       float64    `json:"lat"`
	ETA       time.Time  `json:"eta"`
	Depart    time.Time  `json:"depart"`
	Status    string     `json:"status"`
	VisitedAt *time.Time `json:"visited_at"`
	NearestM  *float64   `json:"nearest_m"`
}

// shiftAnswer is GET /api/teams/{id}/shift.
type shiftAnswer struct {
	Team       int         `json:"team"`
	Date       string      `json:"date"`
	Plan       *string     `json:"plan"`
	From       time.Time   `json:"from"`
	To         time.Time   `json:"to"`
	RadiusM    float64     `json:"radius_m"`
	DistanceKM float64     `json:"distance_km"`
	Positions  int         `json:"positions"`
	Visited    int         `json:"visited"`
	Skipped    int         `json:"skipped"`
	Track      [][]float64 `json:"track"`
	Times      []time.Time `json:"times"`
	Stops      []shiftStop `json:"stops"`
}

// handleTeamShift answers a team's shift on date (YYYY-MM-DD, UTC; default
// today): its track from the newest plan's departure to its return (the
// whole day without a plan), the plan's stops visited (a fix within
// radius_m, default planner.DefaultVisitRadiusM), skipped or pending, and
// the distance driven. Implausible jumps and coarsened positions are left
// out of the track.
func handleTeamShift(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		team, err := strconv.Atoi(chi.URLParam(r, "id"))
		if err != nil || team <= 0 {
			return data.ErrNotFound
		}
		q := r.URL.Query()
		if err := checkParams(q, "date", "radius_m"); err != nil {
			return err
		}
		now := time.Now()
		day := now.UTC().Truncate(24 * time.Hour)
		if s := q.Get("date"); s != "" {
			if day, err = time.Parse(time.DateOnly, s); err != nil {
				return newBadRequest("date", "must be a date YYYY-MM-DD")
			}
		}
		radius := float64(planner.DefaultVisitRadiusM)
		if s := q.Get("radius_m"); s != "" {
			if radius, err = strconv.ParseFloat(s, 64); err != nil || !(radius >= 10 && radius <= 10000) {
				return newBadRequest("radius_m", "must be a number of metres from 10 to 10000")
			}
		}
		ans := shiftAnswer{Team: team, Date: day.Format(time.DateOnly), RadiusM: radius, From: day, To: day.Add(24 * time.Hour),
			Track: [][]float64{}, Times: []time.Time{}, Stops: []shiftStop{}}
		var stops []planner.PlannedStop
		sp, err := store.ShiftPlan(r.Context(), team, ans.From, ans.To)
		switch {
		case err == nil:
			fc, err := geojson.UnmarshalFeatureCollection(sp.Result)
			if err != nil {
				return err
			}
			id := sp.ID.String()
			ans.Plan = &id
			stops = shiftStops(fc, team, &ans.From, &ans.To)
		case !errors.Is(err, data.ErrNotFound):
			return err
		}
		ps, err := store.TeamPositions(r.Context(), team, ans.From, ans.To, data.MaxPositionsRead)
		if err != nil {
			return err
		}
		var track []planner.TrackFix
		for _, p := range ps {
			if p.Coarsened || slices.Contains(p.Flags, "implausible_jump") {
				continue
			}
			track = append(track, planner.TrackFix{Time: p.FixTime, Point: p.Location})
			ans.Track = append(ans.Track, []float64{p.Location[0], p.Location[1]})
			ans.Times = append(ans.Times, p.FixTime)
		}
		visits, km := planner.CompareShift(track, stops, radius, now)
		ans.DistanceKM, ans.Positions = round2(km), len(track)
		for _, v := range visits {
			st := shiftStop{Seq: v.Seq, Name: v.Name, Lon: v.Point[0], Lat: v.Point[1], ETA: v.ETA, Depart: v.Depart,
				Status: v.Status, VisitedAt: v.VisitedAt}
			if v.NearestM >= 0 {
				m := round2(v.NearestM)
				st.NearestM = &m
			}
			switch v.Status {
			case planner.StopVisited:
				ans.Visited++
			case planner.StopSkipped:
				ans.Skipped++
			}
			ans.Stops = append(ans.Stops, st)
		}
		return encode(w, http.StatusOK, mediaJSON, ans)
	})
}

// shiftStops reads team's stops from a stored plan, in order, and narrows
// [from, to) to the route's departure and return.
func shiftStops(fc *geojson.FeatureCollection, team int, from, to *time.Time) []planner.PlannedStop {
	var out []planner.PlannedStop
	for _, tr := range planRoutes(fc) {
		if tr.team != strconv.Itoa(team) {
			continue
		}
		if tr.route != nil {
			if t, err := time.Parse(time.RFC3339, tr.route.Properties.MustString("depart", "")); err == nil {
				*from = t
			}
			if t, err := time.Parse(time.RFC3339, tr.route.Properties.MustString("return", "")); err == nil && t.After(*from) {
				*to = t
			}
		}
		for _, f := range tr.stops {
			pt, ok := f.Geometry.(orb.Point)
			if !ok {
				continue
			}
			st := planner.PlannedStop{Seq: int(f.Properties.MustFloat64("seq", 0)), Name: f.Properties.MustString("name", ""), Point: pt}
			st.ETA, _ = time.Parse(time.RFC3339, f.Properties.MustString("eta", ""))
			st.Depart, _ = time.Parse(time.RFC3339, f.Properties.MustString("depart", ""))
			out = append(out, st)
		}
	}
	return out
}

// handleSectorEffort answers the patrol effort per sector of set over
// datetime (an OGC API interval; default the last 30 days): hours of
// presence and kilometres driven from the positions the caller sees (see
// data.Store.SectorEffort), so that a sector without seizures can be told
// from a sector nobody patrolled.
func handleSectorEffort(logger *slog.Logger, store *data.Store) http.Handler {
	return serveErrors(logger, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if err := checkParams(q, "datetime", "set"); err != nil {
			return err
		}
		to := time.Now()
		from := to.AddDate(0, 0, -30)
		if s := q.Get("datetime"); s != "" {
			iv, err := geo.ParseInterval("datetime", s)
			if err != nil {
				return err
			}
			if !iv.Start.IsZero() {
				from = iv.Start
			}
			if !iv.End.IsZero() {
				to = iv.End
			}
		}
		eff, err := store.SectorEffort(r.Context(), q.Get("set"), from, to)
		if err != nil {
			return err
		}
		for i := range eff {
			eff[i].Hours, eff[i].KM = round2(eff[i].Hours), round2(eff[i].KM)
		}
		if eff == nil {
			eff = []data.SectorEffort{}
		}
		return encode(w, http.StatusOK, mediaJSON, map[string]any{"from": from, "to": to,
			"max_gap_min": data.EffortMaxGap.Minutes(), "sectors": eff})
	})
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"time"
	// The shift's local time needs the zones of the teams' countries on
	// any machine, with or without the system's zone database.
	_ "time/tzdata"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/planner"
	"github.com/borderwatch/borderwatch/record"
)

// Limits of a plan's shift: a plan is for a shift to come (or one that
// began up to planShiftPastMax ago), at most planShiftAheadMax ahead.
const (
	planShiftPastMax  = 24 * time.Hour
	planShiftAheadMax = 90 * 24 * time.Hour
	// planLabelMaxM is how far a stop may lie from the nearest named
	// place or crossing to be named after it.
	planLabelMaxM = 50000
)

// shiftInput is the validated shift of a plan request: a date and a
// local start time, or neither (the shift starts now).
type shiftInput struct {
	set      bool
	date     time.Time // midnight of the date, UTC fields
	startMin int       // minutes after midnight, local time
}

// parseShift checks shift_date (YYYY-MM-DD) and shift_start (HH:MM, local
// time of the teams' country; default 08:00), adding each bad one to bad.
func parseShift(req planRequest, add func(name, format string, args ...any)) shiftInput {
	var s shiftInput
	if req.ShiftDate == "" {
		if req.ShiftStart != "" {
			add("shift_date", "required with shift_start")
		}
		return s
	}
	d, err := time.Parse(time.DateOnly, req.ShiftDate)
	if err != nil {
		add("shift_date", "must be a date YYYY-MM-DD")
		return s
	}
	s.set, s.date, s.startMin = true, d, 8*60
	if req.ShiftStart != "" {
		t, err := time.Parse("15:04", req.ShiftStart)
		if err != nil {
			add("shift_start", "must be a local time HH:MM")
			return s
		}
		s.startMin = t.Hour()*60 + t.Minute()
	}
	return s
}

// shiftDeparture is when the plan's teams leave their bases: the shift's
// date and start time in the time zone of the first team's country (or
// now, to the minute, without a shift), and that zone. A shift more than
// planShiftPastMax ago or planShiftAheadMax ahead is refused naming
// shift_date.
func shiftDeparture(s shiftInput, teams []data.PlanTeam, now time.Time) (time.Time, *time.Location, error) {
	zone := "UTC"
	if len(teams) > 0 {
		zone = record.TimeZone(teams[0].Country)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("time zone %s: %w", zone, err)
	}
	if !s.set {
		return now.UTC().Truncate(time.Minute), loc, nil
	}
	dep := time.Date(s.date.Year(), s.date.Month(), s.date.Day(), s.startMin/60, s.startMin%60, 0, 0, loc)
	if dep.Before(now.Add(-planShiftPastMax)) || dep.After(now.Add(planShiftAheadMax)) {
		return time.Time{}, nil, &badRequest{status: http.StatusBadRequest, title: "Invalid request", params: []invalidParam{{
			Name: "shift_date", Reason: fmt.Sprintf("the shift starts %s (%s); a plan is for a shift from %s ago to %.0f days ahead",
				dep.Format(time.RFC3339), zone, planShiftPastMax, planShiftAheadMax.Hours()/24)}}}
	}
	return dep.UTC(), loc, nil
}

// nameStops names the hot-spot targets and the unnamed requested points
// after the nearest named place or crossing ("Panji Poyon bridge 2.3 km
// NE", planner.PlaceLabel), or by their coordinates where none lies within
// planLabelMaxM, instead of the grid cell they were found in.
func nameStops(ctx context.Context, store *data.Store, targets []planner.Candidate, unnamed map[string]bool) error {
	var idx []int
	var pts []orb.Point
	for i, t := range targets {
		if t.Kind == "hotspot" || unnamed[t.ID] {
			idx, pts = append(idx, i), append(pts, t.Point)
		}
	}
	places, ok, err := store.NearestPlaces(ctx, pts, planLabelMaxM)
	if err != nil {
		return err
	}
	for k, i := range idx {
		p := targets[i].Point
		if ok[k] {
			targets[i].Name = planner.PlaceLabel(places[k].Name, places[k].Point, p)
		} else {
			targets[i].Name = fmt.Sprintf("%.4f N %.4f E", p[1], p[0])
		}
	}
	return nil
}

// phaseClock records how long each phase of a request took, in
// milliseconds, for the audit detail and the log.
type phaseClock struct {
	last time.Time
	ms   map[string]float64
}

func newPhaseClock() *phaseClock { return &phaseClock{last: time.Now(), ms: map[string]float64{}} }

// mark ends the phase name, which began when the previous one ended.
func (c *phaseClock) mark(name string) {
	now := time.Now()
	c.ms[name] = float64(now.Sub(c.last).Microseconds()) / 1000
	c.last = now
}

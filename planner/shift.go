package planner

import (
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// DefaultVisitRadiusM is the distance within which a fix counts as a
// visit of a planned stop: a team parks near, not on, the point planned
// (a crossing's gate, a hot spot's centre), and phones' fixes are good to
// some tens of metres.
const DefaultVisitRadiusM = 300

// Statuses of a planned stop beside the track.
const (
	StopVisited = "visited" // a fix came within the radius
	StopSkipped = "skipped" // none did, and the planned departure is past
	StopPending = "pending" // none did yet, and the planned departure is to come
)

// TrackFix is one fix of a driven track.
type TrackFix struct {
	Time  time.Time
	Point orb.Point
}

// PlannedStop is a stop of a plan: where, and when the team was to leave.
type PlannedStop struct {
	Seq    int
	Name   string
	Point  orb.Point
	ETA    time.Time
	Depart time.Time
}

// StopVisit is what became of a planned stop.
type StopVisit struct {
	PlannedStop
	Status string
	// VisitedAt is the first fix within the radius; NearestM the closest
	// any fix came (-1 without fixes).
	VisitedAt *time.Time
	NearestM  float64
}

// CompareShift holds a driven track (oldest first) beside the planned
// stops: a stop is visited when a fix came within radiusM of it (geodesic
// distance, orb/geo), skipped when none did and its planned departure is
// before now, pending otherwise. distanceKM is the length of the track,
// the sum of the geodesic distances between consecutive fixes.
func CompareShift(track []TrackFix, stops []PlannedStop, radiusM float64, now time.Time) (visits []StopVisit, distanceKM float64) {
	for i := 1; i < len(track); i++ {
		distanceKM += orbgeo.Distance(track[i-1].Point, track[i].Point) / 1000
	}
	visits = make([]StopVisit, len(stops))
	for i, st := range stops {
		v := StopVisit{PlannedStop: st, NearestM: -1}
		for _, f := range track {
			d := orbgeo.Distance(f.Point, st.Point)
			if v.NearestM < 0 || d < v.NearestM {
				v.NearestM = d
			}
			if d <= radiusM && v.VisitedAt == nil {
				at := f.Time
				v.VisitedAt = &at
			}
		}
		switch {
		case v.VisitedAt != nil:
			v.Status = StopVisited
		case now.After(st.Depart):
			v.Status = StopSkipped
		default:
			v.Status = StopPending
		}
		visits[i] = v
	}
	return visits, distanceKM
}

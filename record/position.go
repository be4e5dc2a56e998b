package record

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/geo"
)

// Position is one fix of a team's device: where and when, with what the
// device knew about it. Optional values are nil when the device did not
// send them (or sent the protocol's "unknown", such as a speed of -1).
type Position struct {
	FixTime    time.Time
	Location   orb.Point
	SpeedMPS   *float64
	BearingDeg *float64
	AltitudeM  *float64
	AccuracyM  *float64
	HDOP       *float64
	BatteryPct *float64
	// Invalid is set when the device itself marked the fix not valid
	// (the OsmAnd protocol's valid=false).
	Invalid bool
	// Source is the protocol it came in: "osmand", "traccar_json" or "gpx".
	Source string
}

// Position sources.
const (
	SourceOsmAnd      = "osmand"
	SourceTraccarJSON = "traccar_json"
	SourceGPX         = "gpx"
)

// Position flags: a flagged position is stored and shown with its flags
// and their reasons. An implausible jump is not a team's latest position
// and not a neighbour in later plausibility checks.
const (
	FlagImplausibleJump = "implausible_jump"
	FlagPoorAccuracy    = "poor_accuracy"
	FlagDeviceInvalid   = "device_invalid"
)

// Reasons a position is rejected (answered, logged, never stored).
const (
	RejectFuture        = "future"
	RejectOutsideRegion = "outside_region"
)

// Limits of the plausibility checks.
const (
	// MaxClockSkew is how far a fix may lie after the server's clock: a
	// phone's clock may run a little ahead; a fix further ahead is
	// rejected as "future".
	MaxClockSkew = 5 * time.Minute
	// MaxVehicleSpeedMPS is the fastest any patrol vehicle moves: 300 km/h
	// (83.3 m/s), above the teams' 200 km/h road limit and below a
	// helicopter's cruise. A jump between two fixes faster than this (after
	// JumpSlackM) is implausible.
	MaxVehicleSpeedMPS = 300 / 3.6
	// JumpSlackM is added to the distance a vehicle could cover, for the
	// error of two fixes (a phone's network fix is off by up to a
	// kilometre).
	JumpSlackM = 1000
	// PoorAccuracyM is the accuracy beyond which a fix is flagged
	// poor_accuracy.
	PoorAccuracyM = 500
)

// ServiceArea is the area Borderwatch serves: the extent of Afghanistan,
// Kyrgyzstan, Tajikistan, Turkmenistan and Uzbekistan (Natural Earth
// 1:10m, lon 52.44–80.26, lat 29.39–45.56) with a margin of one degree
// (about 90 to 110 km). A position outside it is rejected as
// "outside_region": a device reporting from far away is misconfigured or
// not a team's.
var ServiceArea = orb.Bound{Min: orb.Point{51.4, 28.4}, Max: orb.Point{81.3, 46.6}}

// Validate checks the values a device sent and returns a *ValidationError
// naming each offending field (lat, lon, timestamp, speed, bearing,
// altitude, accuracy, hdop, batt).
func (p *Position) Validate() error {
	var fe Fields
	if math.IsNaN(p.Location[1]) || p.Location[1] < -90 || p.Location[1] > 90 {
		fe.Add("lat", "must be a latitude in [-90, 90]")
	}
	if math.IsNaN(p.Location[0]) || p.Location[0] < -180 || p.Location[0] > 180 {
		fe.Add("lon", "must be a longitude in [-180, 180]")
	}
	if p.FixTime.IsZero() {
		fe.Add("timestamp", "required")
	} else if p.FixTime.Year() < 2000 || p.FixTime.Year() >= 2200 {
		fe.Add("timestamp", "year must lie in 2000-2199 (is the device's clock set?)")
	}
	checkRange(&fe, "speed", p.SpeedMPS, 0, 1000)
	checkRange(&fe, "bearing", p.BearingDeg, 0, 360)
	checkRange(&fe, "altitude", p.AltitudeM, -1000, 20000)
	checkRange(&fe, "accuracy", p.AccuracyM, 0, 1e6)
	checkRange(&fe, "hdop", p.HDOP, 0, 100)
	checkRange(&fe, "batt", p.BatteryPct, 0, 100)
	switch p.Source {
	case SourceOsmAnd, SourceTraccarJSON, SourceGPX:
	default:
		fe.Add("source", "unknown protocol %q", Truncate(p.Source, 40))
	}
	return fe.Err()
}

func checkRange(fe *Fields, field string, v *float64, lo, hi float64) {
	if v != nil && (math.IsNaN(*v) || *v < lo || *v > hi) {
		fe.Add(field, "must be between %g and %g", lo, hi)
	}
}

// Reject says why a valid position must not be stored ("" if it may):
// RejectFuture for a fix more than MaxClockSkew after now, RejectOutsideRegion
// for one outside area (the same Area events are held to).
func (p *Position) Reject(now time.Time, area Area) (reason, detail string) {
	if p.FixTime.After(now.Add(MaxClockSkew)) {
		return RejectFuture, fmt.Sprintf("fix time %s is more than %s after the server's clock %s",
			p.FixTime.UTC().Format(time.RFC3339), MaxClockSkew, now.UTC().Format(time.RFC3339))
	}
	if !area.Contains(p.Location) || !geo.ValidLonLat(p.Location) {
		return RejectOutsideRegion, fmt.Sprintf("lon %.5f, lat %.5f lies outside the area this deployment covers: %s",
			p.Location[0], p.Location[1], area.Name)
	}
	return "", ""
}

// Flags returns the flags of a position from its own values, with their
// reasons: device_invalid when the device said so, poor_accuracy beyond
// PoorAccuracyM.
func (p *Position) Flags() (flags, reasons []string) {
	if p.Invalid {
		flags = append(flags, FlagDeviceInvalid)
		reasons = append(reasons, "the device marked the fix not valid")
	}
	if p.AccuracyM != nil && *p.AccuracyM > PoorAccuracyM {
		flags = append(flags, FlagPoorAccuracy)
		reasons = append(reasons, fmt.Sprintf("accuracy %.0f m is worse than %d m", *p.AccuracyM, PoorAccuracyM))
	}
	return flags, reasons
}

// Fix is a device's position at a time, for the plausibility checks.
type Fix struct {
	Time  time.Time
	Point orb.Point
}

// jump describes a move from a to b that no vehicle makes, or "".
func jump(a, b Fix) string {
	d := orbgeo.DistanceHaversine(a.Point, b.Point)
	dt := math.Abs(b.Time.Sub(a.Time).Seconds())
	if d <= MaxVehicleSpeedMPS*dt+JumpSlackM {
		return ""
	}
	return fmt.Sprintf("%.1f km in %.0f s from the fix of %s (%.0f km/h; no vehicle exceeds %.0f km/h)",
		d/1000, dt, a.Time.UTC().Format(time.RFC3339), d/math.Max(dt, 1)*3.6, MaxVehicleSpeedMPS*3.6)
}

// CheckJumps tells which of a device's new fixes are implausible jumps.
// stored are the device's stored fixes that were not flagged implausible,
// around and between the new ones; fresh are the new fixes (in any order).
// Walking all of them in time order, a new fix is implausible when it is
// further from the last plausible fix before it than a vehicle at
// MaxVehicleSpeedMPS covers in the time between (plus JumpSlackM), or,
// having no such fix before it, further in that sense from the next stored
// fix after it. An implausible fix is not the neighbour of later ones. The
// result holds a reason for each implausible fresh fix, "" for the others.
func CheckJumps(stored, fresh []Fix) []string {
	type node struct {
		Fix
		fresh int // index into fresh, or -1
	}
	all := make([]node, 0, len(stored)+len(fresh))
	for _, f := range stored {
		all = append(all, node{f, -1})
	}
	for i, f := range fresh {
		all = append(all, node{f, i})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	out := make([]string, len(fresh))
	var prev *Fix
	for i := range all {
		n := all[i]
		if n.fresh < 0 {
			f := n.Fix
			prev = &f
			continue
		}
		if prev != nil {
			out[n.fresh] = jump(*prev, n.Fix)
		} else {
			for j := i + 1; j < len(all); j++ {
				if all[j].fresh < 0 {
					out[n.fresh] = jump(all[j].Fix, n.Fix)
					break
				}
			}
		}
		if out[n.fresh] == "" {
			f := n.Fix
			prev = &f
		}
	}
	return out
}

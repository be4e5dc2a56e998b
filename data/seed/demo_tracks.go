package seed

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/data"
)

// Synthetic patrol tracks of the demo teams, for the patrol effort and the
// effort-adjusted forecast: DemoTrackDays days before the end of the
// history, each team drives a shift every demoShiftEvery days.
const (
	// DemoTrackDays is how many days before the end of the history the
	// synthetic tracks cover.
	DemoTrackDays   = 60
	demoShiftEvery  = 3
	demoFixEvery    = 2 * time.Minute
	demoStopMinutes = 20
	demoStopRadiusM = 40_000.0 // stops are anchors this close to the base
	demoStops       = 3
	// demoRoadFactor slows the straight legs to the team's speed on the
	// winding border roads: a leg takes as long as 1.4 times its length
	// at the team's speed.
	demoRoadFactor = 1.4
)

// demoFix is one synthetic fix of the team of bases[base].
type demoFix struct {
	base int
	at   time.Time
	p    orb.Point
}

// planTracks draws the synthetic tracks: on its shift days a team leaves
// its base at 03:00 UTC (08:00 in Tajikistan), drives to up to
// demoStops anchors of the history (crossings, fords, towns: where its
// events happen) within demoStopRadiusM of its base, stays
// demoStopMinutes at each, and drives back, reporting every demoFixEvery
// until its shift ends. Legs are straight lines driven at the team's
// speed over demoRoadFactor.
func (g *generator) planTracks(bases []demoBase) []demoFix {
	var out []demoFix
	end := g.opts.To.UTC().Truncate(24 * time.Hour)
	for bi, b := range bases {
		var near []orb.Point
		for _, a := range g.anchors {
			if orbgeo.Distance(b.p, a.p) <= demoStopRadiusM {
				near = append(near, a.p)
			}
		}
		if len(near) == 0 {
			continue
		}
		for d := DemoTrackDays - bi%demoShiftEvery; d > 0; d -= demoShiftEvery {
			start := end.AddDate(0, 0, -d).Add(3 * time.Hour)
			if start.Before(g.opts.From) {
				continue
			}
			route := []orb.Point{b.p}
			for range demoStops {
				route = append(route, near[g.rng.IntN(len(near))])
			}
			route = append(route, b.p)
			out = append(out, drive(bi, start, b.team, route)...)
		}
	}
	return out
}

// drive follows route from start at the team's speed (over
// demoRoadFactor), stopping demoStopMinutes at every inner point, one
// fix every demoFixEvery until the route or the shift ends.
func drive(base int, start time.Time, t demoTeam, route []orb.Point) []demoFix {
	mps := t.speedKPH / 3.6 / demoRoadFactor
	shiftEnd := start.Add(time.Duration(t.shiftH * float64(time.Hour)))
	var out []demoFix
	at := start
	for i := 0; i+1 < len(route) && at.Before(shiftEnd); i++ {
		a, b := route[i], route[i+1]
		legS := orbgeo.Distance(a, b) / mps
		steps := int(math.Ceil(legS / demoFixEvery.Seconds()))
		for k := 0; k < steps && at.Before(shiftEnd); k++ {
			f := float64(k) * demoFixEvery.Seconds() / legS
			out = append(out, demoFix{base, at, orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}})
			at = at.Add(demoFixEvery)
		}
		if i+2 < len(route) { // a stop, not the way home
			for k := 0; k < demoStopMinutes/int(demoFixEvery.Minutes()) && at.Before(shiftEnd); k++ {
				out = append(out, demoFix{base, at, b})
				at = at.Add(demoFixEvery)
			}
		}
	}
	if at.Before(shiftEnd) && len(route) > 0 {
		out = append(out, demoFix{base, at, route[len(route)-1]})
	}
	return out
}

// writeDemoTracks inserts the fixes as uploaded tracks (source gpx, no
// device: they are history, not live reports, and raise no alerts) of the
// teams, marked synthetic, 10,000 rows a statement.
func writeDemoTracks(ctx context.Context, tx pgx.Tx, teams []int, fixes []demoFix) error {
	const chunk = 10_000
	for lo := 0; lo < len(fixes); lo += chunk {
		part := fixes[lo:min(lo+chunk, len(fixes))]
		team, at := make([]int32, len(part)), make([]time.Time, len(part))
		lon, lat := make([]float64, len(part)), make([]float64, len(part))
		for i, f := range part {
			team[i], at[i], lon[i], lat[i] = int32(teams[f.base]), f.at, f.p[0], f.p[1]
		}
		if _, err := tx.Exec(ctx, `INSERT INTO position_records (team_id, fix_time, geom, source, synthetic)
			SELECT u.team, u.t, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), 'gpx', true
			FROM unnest($1::integer[], $2::timestamptz[], $3::float8[], $4::float8[]) AS u (team, t, lon, lat)
			ON CONFLICT DO NOTHING`, team, at, lon, lat); err != nil {
			return data.MapErr(err)
		}
	}
	return nil
}

package planner

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"github.com/borderwatch/borderwatch/geo"
)

// Target selection settings of patrol plans.
const (
	// HotspotCellM and HotspotRadiusM are the Gi* grid of the hot spot
	// targets, the web client's defaults.
	HotspotCellM   = 5000.0
	HotspotRadiusM = 12000.0
	// HotspotCorridorKM is the width of the hot spot analysis corridor
	// around the border lines.
	HotspotCorridorKM = geo.DefaultCorridorKM
	// maxHotspotTargets is the number of hottest reachable cells offered
	// to the solver.
	maxHotspotTargets = 60
	// crossingNearM is the distance within which events count for a
	// crossing's score.
	crossingNearM = 5000.0
	// crossingDwellMin is the time spent at a crossing.
	crossingDwellMin = 30.0
)

// Candidate is a candidate target with what the plan shows about it: the
// sentence of its reason (Target.Reason) and, for clients that word it
// themselves, the facts the sentence states.
type Candidate struct {
	Target
	// Kind is "hotspot", "forecast", "crossing" or "point".
	Kind string
	Name string
	// GiBin is a hot spot's confidence bin (1, 2, 3: 90, 95, 99 %).
	GiBin int8
	// Seizures and Incidents are a hot spot's events in the window, KG
	// the seized kilograms among them.
	Seizures, Incidents int
	KG                  float64
	// Events counts the events within NearKM of a crossing.
	Events int
	NearKM float64
	// Country and Other are a crossing's two sides, the team's first;
	// InsideKM is how far inside Country the crossing is checked (0: at
	// the crossing itself).
	Country, Other string
	InsideKM       float64
	// Days is the length of the intelligence window.
	Days float64
	// Risk is the expected number of events of a forecast cell, or of the
	// forecast cells near a crossing, in the forecast's period of
	// PeriodDays days, by Method.
	Risk       float64
	Method     string
	PeriodDays float64
}

// Facts returns the structured fields of the candidate's reason, by their
// names in a plan's stops.
func (c *Candidate) Facts() map[string]any {
	p := map[string]any{}
	switch c.Kind {
	case "hotspot":
		p["gi_bin"] = c.GiBin
		p["confidence"] = map[int8]float64{1: 0.90, 2: 0.95, 3: 0.99}[c.GiBin]
		p["seizures"] = c.Seizures
		p["incidents"] = c.Incidents
		p["events"] = c.Seizures + c.Incidents
		p["kg"] = round2(c.KG)
		p["days"] = math.Round(c.Days)
	case "forecast":
		p["risk"] = round3(c.Risk)
		p["method"] = c.Method
		p["period_days"] = round2(c.PeriodDays)
	case "crossing":
		if c.Method != "" {
			p["risk"] = round3(c.Risk)
			p["method"] = c.Method
			p["period_days"] = round2(c.PeriodDays)
		}
		p["events"] = c.Events
		p["near_km"] = c.NearKM
		p["country"] = c.Country
		p["other_country"] = c.Other
		p["inside_km"] = math.Round(c.InsideKM*10) / 10
		p["days"] = math.Round(c.Days)
	}
	return p
}

// BorderCrossing is a crossing point on the border of two countries.
type BorderCrossing struct {
	ID                 int
	Name               string
	CountryA, CountryB string
	Point              orb.Point
}

// CountriesBound returns the lon/lat box of the countries, padded by half
// a degree and clipped to the globe: the hot spot area of a plan when no
// border lines are known.
func CountriesBound(polys map[string]orb.MultiPolygon) orb.Bound {
	var b orb.Bound
	first := true
	for _, mp := range polys {
		if first {
			b, first = mp.Bound(), false
		} else {
			b = b.Union(mp.Bound())
		}
	}
	b = b.Pad(0.5)
	b.Min[0], b.Min[1] = max(b.Min[0], -180), max(b.Min[1], -90)
	b.Max[0], b.Max[1] = min(b.Max[0], 180), min(b.Max[1], 90)
	return b
}

// HotspotTargets runs Gi* (HotspotCellM, HotspotRadiusM) on ix over the
// events filter keeps in area, and returns the significant hot cells that
// lie in a team's country within its reach, hottest first, at most
// maxHotspotTargets, each with the reason ("99 % hot spot: 14 seizures,
// 230 kg in 90 days"). It also returns the number of events in the
// analysis area. days is the length of the filter's time window.
func HotspotTargets(ctx context.Context, ix *geo.Index, area geo.Area, filter geo.Filter, teams []PatrolTeam, days float64) ([]Candidate, int, error) {
	q := geo.HotspotQuery{Method: geo.MethodGiStar, Value: geo.ValueCount, CellM: HotspotCellM, RadiusM: HotspotRadiusM,
		MinBin: 1, Filter: filter, Area: area}
	res, err := geo.HotSpots(ctx, ix, q)
	if err != nil {
		return nil, 0, fmt.Errorf("hotspots: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	grid, err := geo.NewHexGrid(HotspotCellM)
	if err != nil {
		return nil, 0, err
	}
	cand := reachableHotCells(res.Cells, teams)
	out := make([]Candidate, 0, len(cand))
	for _, c := range cand {
		t, err := hotspotCandidate(ix, grid, filter, c, days)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	return out, res.Events, nil
}

// hotspotScore is the score of a hot cell: its confidence bin, weighted
// by the logarithm of its value.
func hotspotScore(c geo.HotspotCell) float64 { return float64(c.GiBin) * math.Log2(2+c.Value) }

// reachableHotCells returns the hot cells (gi_bin ≥ 1, with events) that
// lie in a team's country within half its shift at its speed (at most
// 80 km/h) from its base, hottest first, at most maxHotspotTargets.
func reachableHotCells(cells []geo.HotspotCell, teams []PatrolTeam) []geo.HotspotCell {
	var cand []geo.HotspotCell
	for _, c := range cells {
		if c.GiBin < 1 || c.Count == 0 {
			continue
		}
		if reachable(orb.Point{c.Lon, c.Lat}, teams) {
			cand = append(cand, c)
		}
	}
	sort.SliceStable(cand, func(i, j int) bool { return hotspotScore(cand[i]) > hotspotScore(cand[j]) })
	if len(cand) > maxHotspotTargets {
		cand = cand[:maxHotspotTargets]
	}
	return cand
}

// reachable reports whether p lies in a team's country within half its
// shift at its speed (at most 80 km/h) from its base.
func reachable(p orb.Point, teams []PatrolTeam) bool {
	for _, t := range teams {
		if !planar.MultiPolygonContains(t.Country, p) {
			continue
		}
		speed := t.SpeedKPH
		if speed <= 0 || speed > 80 {
			speed = 80
		}
		if orbgeo.Distance(t.Base, p) <= speed*1000*t.ShiftH/2 {
			return true
		}
	}
	return false
}

// hotspotCandidate counts what hot cell c holds, as filter sees it, and
// words the reason for visiting it.
func hotspotCandidate(ix *geo.Index, grid geo.HexGrid, filter geo.Filter, c geo.HotspotCell, days float64) (Candidate, error) {
	var seizures, incidents int
	var kg float64
	err := ix.Search(c.Ring.Bound(), filter, func(e *geo.Event, p orb.Point) bool {
		if grid.Cell(p[0], p[1]) != c.Hex {
			return true
		}
		if e.Kind == geo.KindSeizure {
			seizures++
			kg += e.KG()
		} else {
			incidents++
		}
		return true
	})
	if err != nil {
		return Candidate{}, fmt.Errorf("hot spot %v: %w", c.Hex, err)
	}
	conf := map[int8]string{1: "90 %", 2: "95 %", 3: "99 %"}[c.GiBin]
	var parts []string
	if seizures > 0 {
		parts = append(parts, plural(seizures, "seizure"))
		if kg > 0 {
			parts = append(parts, fmt.Sprintf("%.0f kg", kg))
		}
	}
	if incidents > 0 {
		parts = append(parts, plural(incidents, "incident"))
	}
	t := Candidate{Kind: "hotspot", Name: fmt.Sprintf("hot spot %d,%d", c.Hex.Q, c.Hex.R),
		GiBin: c.GiBin, Seizures: seizures, Incidents: incidents, KG: kg, Days: days}
	t.ID = fmt.Sprintf("hotspot:%d,%d", c.Hex.Q, c.Hex.R)
	t.Point = orb.Point{c.Lon, c.Lat}
	t.Score = round2(hotspotScore(c))
	t.Reason = fmt.Sprintf("%s hot spot: %s in %.0f days", conf, strings.Join(parts, ", "), days)
	return t, nil
}

// CrossingTargets returns a target per crossing and team country (codes):
// the crossing itself when it is allowed or lies inside the country, else
// the nearest point a little inside the country, scored by the events
// filter keeps near it. days is the length of the filter's time window.
func CrossingTargets(ix *geo.Index, filter geo.Filter, crossings []BorderCrossing, allowed map[int]bool, codes []string, polys map[string]orb.MultiPolygon, days float64) ([]Candidate, error) {
	var out []Candidate
	for _, c := range crossings {
		near := 0
		box := orb.Bound{Min: c.Point, Max: c.Point}.Pad(crossingNearM / 111000 * 2)
		err := ix.Search(box, filter, func(e *geo.Event, _ orb.Point) bool {
			if orbgeo.Distance(c.Point, orb.Point{e.Lon, e.Lat}) <= crossingNearM {
				near++
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("crossing %d: %w", c.ID, err)
		}
		for _, code := range codes {
			if code != c.CountryA && code != c.CountryB {
				continue
			}
			p, ok := c.Point, true
			if !allowed[c.ID] {
				p, ok = ownSide(polys[code], c.Point)
			}
			if !ok {
				continue
			}
			out = append(out, crossingCandidate(c, code, p, near, allowed[c.ID], days))
		}
	}
	return out, nil
}

// crossingCandidate is the target of crossing c for a team of country
// code, checked at p, with near events around it.
func crossingCandidate(c BorderCrossing, code string, p orb.Point, near int, allowed bool, days float64) Candidate {
	other := c.CountryB
	if other == code {
		other = c.CountryA
	}
	t := Candidate{Kind: "crossing", Name: c.Name, Events: near, NearKM: crossingNearM / 1000,
		Country: code, Other: other, Days: days}
	t.ID = fmt.Sprintf("crossing:%d:%s", c.ID, code)
	t.Point = p
	t.Score = round2(1 + math.Log2(1+float64(near)))
	t.DwellMin = crossingDwellMin
	t.Reason = fmt.Sprintf("border crossing %s (%s–%s): %s within %.0f km in %.0f days",
		c.Name, code, other, plural(near, "event"), crossingNearM/1000, days)
	if !allowed && p != c.Point {
		t.InsideKM = orbgeo.Distance(p, c.Point) / 1000
		t.Reason += fmt.Sprintf(", checked %.1f km inside %s", t.InsideKM, code)
	}
	return t
}

// ownSide returns p if it lies clearly inside mp, else the nearest of a
// few points around p within 5 km that does.
func ownSide(mp orb.MultiPolygon, p orb.Point) (orb.Point, bool) {
	clear := func(q orb.Point) bool {
		const d = 0.002 // about 200 m
		for _, o := range []orb.Point{{0, 0}, {d, 0}, {-d, 0}, {0, d}, {0, -d}} {
			if !planar.MultiPolygonContains(mp, orb.Point{q[0] + o[0], q[1] + o[1]}) {
				return false
			}
		}
		return true
	}
	if clear(p) {
		return p, true
	}
	for _, rM := range []float64{500, 1000, 2000, 3000, 5000} {
		for k := range 16 {
			q := orbgeo.PointAtBearingAndDistance(p, float64(k)*22.5, rM)
			if clear(q) {
				return q, true
			}
		}
	}
	return orb.Point{}, false
}

// plural writes n and the word, in the plural unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// round3 rounds to three decimals for display.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// round2 rounds to two decimals for display.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

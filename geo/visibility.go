package geo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// CoarseTime is how far a sharing agreement rounds down a partner's view of
// an event's time.
type CoarseTime uint8

// Time coarsenings. The zero CoarseTime keeps the exact time.
const (
	CoarseTimeNone CoarseTime = iota
	// CoarseTimeDay truncates to the start of the UTC day.
	CoarseTimeDay
	// CoarseTimeMonth truncates to the start of the UTC month.
	CoarseTimeMonth
)

var coarseTimeNames = [...]string{CoarseTimeNone: "", CoarseTimeDay: "day", CoarseTimeMonth: "month"}

// String returns "day", "month", or "" for CoarseTimeNone.
func (c CoarseTime) String() string { return enumName(coarseTimeNames[:], uint8(c)) }

// ParseCoarseTime returns the CoarseTime named s ("day", "month"; "" is
// CoarseTimeNone).
func ParseCoarseTime(s string) (CoarseTime, bool) {
	if s == "" {
		return CoarseTimeNone, true
	}
	v, ok := enumParse(coarseTimeNames[:], s)
	return CoarseTime(v), ok
}

// Partner is an agency that has a sharing agreement with the viewer: the
// viewer sees the partner's bilateral events, coarsened when CoarsenM or
// CoarsenTime is set.
type Partner struct {
	Agency uint16
	// CoarsenM, when positive, snaps the partner's bilateral events to the
	// centre of their cell of a square grid of CoarsenM metres in the LAEA
	// plane (see CoarsenXY).
	CoarsenM float64
	// CoarsenTime rounds their time down (see CoarsenUnixNano).
	CoarsenTime CoarseTime
}

// Coarsened reports whether the agreement coarsens anything.
func (p Partner) Coarsened() bool { return p.CoarsenM > 0 || p.CoarsenTime != CoarseTimeNone }

// Visibility is what one agency may see of the index, by the rules of the
// database's events view (migrations/0002_access.sql):
//
//   - its own events, at every sharing level;
//   - every agency's regional events;
//   - the bilateral events of each Partner, exactly when the agreement
//     coarsens nothing, else only coarsened: the point snapped to the centre
//     of its CoarsenM grid cell and the time truncated to the UTC day or
//     month, everywhere (filters, bins, clusters, time steps);
//   - nothing else.
//
// A nil *Visibility in a Filter means every event, unchanged (the
// unrestricted view of command-line tools).
type Visibility struct {
	Agency   uint16
	Partners []Partner
}

// Key returns a text that is equal for equal visibilities (partners in
// any order) and different for different ones, for keying results per
// viewer. It is the visibility itself, not a hash of it, so that no choice
// of agreements can make two viewers share a cached answer; "" is the
// unrestricted view.
func (v *Visibility) Key() string {
	if v == nil {
		return ""
	}
	ps := slices.Clone(v.Partners)
	slices.SortFunc(ps, func(a, b Partner) int { return int(a.Agency) - int(b.Agency) })
	b := make([]byte, 0, 8+len(ps)*24)
	b = append(b, 'V')
	b = strconv.AppendUint(b, uint64(v.Agency), 10)
	for _, p := range ps {
		b = append(b, ';')
		b = strconv.AppendUint(b, uint64(p.Agency), 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, math.Float64bits(p.CoarsenM), 16)
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(p.CoarsenTime), 10)
	}
	return string(b)
}

// CoarsenXY returns the centre of the cell of a square grid of sizeM metres,
// aligned on the projection origin, that contains the projected point (x, y):
// (⌊x/sizeM⌋·sizeM + sizeM/2, ⌊y/sizeM⌋·sizeM + sizeM/2), the formula of the
// SQL function bw_coarsen_point. sizeM ≤ 0 returns the point unchanged.
func CoarsenXY(x, y, sizeM float64) (float64, float64) {
	if !(sizeM > 0) {
		return x, y
	}
	return math.Floor(x/sizeM)*sizeM + sizeM/2, math.Floor(y/sizeM)*sizeM + sizeM/2
}

// CoarsenUnixNano truncates the instant t (Unix nanoseconds) to the start of
// its UTC day or month, like date_trunc(unit, t AT TIME ZONE 'UTC') in the
// SQL function bw_coarsen_time.
func CoarsenUnixNano(t int64, c CoarseTime) int64 {
	switch c {
	case CoarseTimeDay:
		const day = int64(24 * time.Hour)
		q := t / day
		if t%day < 0 {
			q--
		}
		return q * day
	case CoarseTimeMonth:
		u := time.Unix(0, t).UTC()
		return time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC).UnixNano()
	}
	return t
}

// Visibility classes of an agency for one viewer.
const (
	visNone   uint8 = iota // regional events only
	visOwn                 // every event
	visFull                // regional and bilateral, exact
	visCoarse              // visCoarse+k: bilateral coarsened by rule k
)

// compiledVis is a Visibility as a class per agency.
type compiledVis struct {
	class []uint8 // by agency; agencies beyond the end are visNone
	rules []Partner
	// padM is how far coarsening can move a point: half the diagonal of
	// the largest coarsening cell.
	padM float64
}

func (v *Visibility) compile() (*compiledVis, error) {
	if v == nil {
		return nil, nil
	}
	maxAg := int(v.Agency)
	for _, p := range v.Partners {
		maxAg = max(maxAg, int(p.Agency))
	}
	cv := &compiledVis{class: make([]uint8, maxAg+1)}
	cv.class[v.Agency] = visOwn
	for _, p := range v.Partners {
		switch {
		case p.Agency == v.Agency:
			return nil, fmt.Errorf("visibility: agency %d is its own partner", p.Agency)
		case p.CoarsenM < 0 || math.IsNaN(p.CoarsenM) || math.IsInf(p.CoarsenM, 0):
			return nil, fmt.Errorf("visibility: partner %d: invalid coarsen_m %v", p.Agency, p.CoarsenM)
		case p.CoarsenTime.String() == "" && p.CoarsenTime != CoarseTimeNone:
			return nil, fmt.Errorf("visibility: partner %d: invalid time coarsening %d", p.Agency, p.CoarsenTime)
		case cv.class[p.Agency] != visNone:
			return nil, fmt.Errorf("visibility: partner %d listed twice", p.Agency)
		}
		if !p.Coarsened() {
			cv.class[p.Agency] = visFull
			continue
		}
		if len(cv.rules) >= 255-int(visCoarse) {
			return nil, fmt.Errorf("visibility: too many coarsening partners")
		}
		cv.class[p.Agency] = visCoarse + uint8(len(cv.rules))
		cv.rules = append(cv.rules, p)
		cv.padM = math.Max(cv.padM, p.CoarsenM*math.Sqrt2/2+1)
	}
	return cv, nil
}

// classify returns whether the viewer sees an event of agency ag at sharing
// level sh, and the index of its coarsening rule (−1: exact).
func (cv *compiledVis) classify(ag uint16, sh Sharing) (bool, int) {
	var cl uint8
	if int(ag) < len(cv.class) {
		cl = cv.class[ag]
	}
	switch {
	case cl == visOwn || sh == SharingRegional:
		return true, -1
	case sh != SharingBilateral || cl == visNone:
		return false, -1
	case cl == visFull:
		return true, -1
	}
	return true, int(cl - visCoarse)
}

// coarseXY returns slot's projected point as the viewer sees it under rule.
func (cv *compiledVis) coarseXY(st *store, slot int, rule int) [2]float64 {
	p := st.xy[slot]
	if m := cv.rules[rule].CoarsenM; m > 0 {
		p[0], p[1] = CoarsenXY(p[0], p[1], m)
	}
	return p
}

// coarseLL returns slot's lon/lat as the viewer sees it under rule.
func (cv *compiledVis) coarseLL(st *store, slot int, rule int) [2]float64 {
	if cv.rules[rule].CoarsenM > 0 {
		p := cv.coarseXY(st, slot, rule)
		lon, lat := UnprojectXY(p[0], p[1])
		return [2]float64{lon, lat}
	}
	return st.ll[slot]
}

// coarseAt returns slot's time as the viewer sees it under rule.
func (cv *compiledVis) coarseAt(st *store, slot int, rule int) int64 {
	return CoarsenUnixNano(st.at[slot], cv.rules[rule].CoarsenTime)
}

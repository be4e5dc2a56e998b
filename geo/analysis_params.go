package geo

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Defaults of the hotspot query parameters.
const (
	// DefaultCellM is the default cell_m.
	DefaultCellM = 5000.0
	// DefaultRadiusCells is the default radius_m in cells: 2.4 × cell_m
	// (12 km at 5 km cells, the two rings of neighbours and part of the
	// third).
	DefaultRadiusCells = 2.4
	// DefaultBandwidthCells is the default bandwidth_m in cells.
	DefaultBandwidthCells = 3.0
	// DefaultEpsM and DefaultMinPoints are the DBSCAN defaults.
	DefaultEpsM      = 2000.0
	DefaultMinPoints = 5
)

// CommonParams are the query parameters every hotspot endpoint shares that
// the caller must resolve against its data: agency slugs and the area.
type CommonParams struct {
	// Filter holds the time window, kinds, drugs and categories.
	Filter Filter
	// Agencies are the agency parameter's slugs, not yet numbered.
	Agencies []string
	// Exactly one of BBox, Sector and CorridorKM is set; CorridorKM is
	// DefaultCorridorKM when neither bbox nor sector is given.
	BBox       *orb.Bound
	Sector     string
	CorridorKM float64
}

// ParseCommonParams reads datetime (or from and to), kind, drug, category,
// agency (comma-separated lists), and one of bbox, sector and corridor_km.
// Errors are *ParamError naming the parameter.
func ParseCommonParams(v url.Values) (CommonParams, error) {
	var c CommonParams
	dt, from, to := v.Get("datetime"), v.Get("from"), v.Get("to")
	switch {
	case dt != "" && (from != "" || to != ""):
		return c, &ParamError{Param: "datetime", Reason: "give datetime or from/to, not both"}
	case dt != "":
		iv, err := ParseInterval("datetime", dt)
		if err != nil {
			return c, err
		}
		c.Filter.Time = iv
	case from != "" || to != "":
		if from != "" {
			iv, err := ParseInterval("from", from)
			if err != nil {
				return c, err
			}
			if strings.Contains(from, "/") {
				return c, &ParamError{Param: "from", Reason: "must be one date or date-time"}
			}
			c.Filter.Time.Start = iv.Start
		}
		if to != "" {
			iv, err := ParseInterval("to", to)
			if err != nil {
				return c, err
			}
			if strings.Contains(to, "/") {
				return c, &ParamError{Param: "to", Reason: "must be one date or date-time"}
			}
			c.Filter.Time.End = iv.End
		}
		if !c.Filter.Time.Start.IsZero() && !c.Filter.Time.End.IsZero() && c.Filter.Time.End.Before(c.Filter.Time.Start) {
			return c, &ParamError{Param: "to", Reason: "the interval ends before it starts"}
		}
	}
	for _, s := range SplitParam(v, "kind") {
		k, ok := ParseKind(s)
		if !ok {
			return c, &ParamError{Param: "kind", Reason: "must be seizure or incident"}
		}
		c.Filter.Kinds = append(c.Filter.Kinds, k)
	}
	for _, s := range SplitParam(v, "drug") {
		d, ok := ParseDrug(s)
		if !ok {
			return c, &ParamError{Param: "drug", Reason: fmt.Sprintf("unknown drug %q", truncate(s, 40))}
		}
		c.Filter.Drugs = append(c.Filter.Drugs, d)
	}
	for _, s := range SplitParam(v, "category") {
		k, ok := ParseCategory(s)
		if !ok {
			return c, &ParamError{Param: "category", Reason: fmt.Sprintf("unknown category %q", truncate(s, 40))}
		}
		c.Filter.Categories = append(c.Filter.Categories, k)
	}
	c.Agencies = SplitParam(v, "agency")
	if len(c.Agencies) > 100 {
		return c, &ParamError{Param: "agency", Reason: "at most 100 agencies"}
	}
	set := 0
	if s := v.Get("bbox"); s != "" {
		b, err := ParseBBox(s)
		if err != nil {
			return c, err
		}
		c.BBox = &b
		set++
	}
	if s := v.Get("sector"); s != "" {
		if len(s) > 100 {
			return c, &ParamError{Param: "sector", Reason: "not a sector id"}
		}
		c.Sector = s
		set++
	}
	if s := v.Get("corridor_km"); s != "" {
		km, err := parsePositive("corridor_km", s, 1000)
		if err != nil {
			return c, err
		}
		c.CorridorKM = km
		set++
	}
	if set > 1 {
		return c, &ParamError{Param: "area", Reason: "give only one of bbox, sector and corridor_km"}
	}
	if set == 0 {
		c.CorridorKM = DefaultCorridorKM
	}
	return c, nil
}

// ParseHotspotParams reads the parameters of a hotspot surface: method
// (gistar, kde), value (count, kg), cell_m (default DefaultCellM), radius_m
// (default DefaultRadiusCells × cell_m), bandwidth_m (default
// DefaultBandwidthCells × cell_m), min_bin (gistar), min_density (kde,
// default DefaultMinDensity: leave out the cells of density 0; 0 keeps
// every cell), max_cells and the common
// parameters. The returned query's Area and Filter.Agencies are left for the
// caller to fill in from the CommonParams.
func ParseHotspotParams(v url.Values) (HotspotQuery, CommonParams, error) {
	var q HotspotQuery
	c, err := ParseCommonParams(v)
	if err != nil {
		return q, c, err
	}
	q.Filter = c.Filter
	q.Method = MethodGiStar
	if s := v.Get("method"); s != "" {
		m, ok := ParseMethod(s)
		if !ok {
			return q, c, &ParamError{Param: "method", Reason: "must be gistar or kde"}
		}
		q.Method = m
	}
	q.Value = ValueCount
	if s := v.Get("value"); s != "" {
		k, ok := ParseValueKind(s)
		if !ok {
			return q, c, &ParamError{Param: "value", Reason: "must be count or kg"}
		}
		q.Value = k
	}
	if q.CellM, err = parseFloatDefault(v, "cell_m", DefaultCellM); err != nil {
		return q, c, err
	}
	if err := checkCellM(q.CellM); err != nil {
		return q, c, err
	}
	if q.RadiusM, err = parseFloatDefault(v, "radius_m", DefaultRadiusCells*q.CellM); err != nil {
		return q, c, err
	}
	if q.BandwidthM, err = parseFloatDefault(v, "bandwidth_m", DefaultBandwidthCells*q.CellM); err != nil {
		return q, c, err
	}
	if q.Method == MethodKDE && v.Has("radius_m") {
		return q, c, &ParamError{Param: "radius_m", Reason: "applies to method=gistar; kde takes bandwidth_m"}
	}
	if q.Method == MethodGiStar && v.Has("bandwidth_m") {
		return q, c, &ParamError{Param: "bandwidth_m", Reason: "applies to method=kde; gistar takes radius_m"}
	}
	if q.MinBin, err = parseIntDefault(v, "min_bin", 0); err != nil {
		return q, c, err
	}
	if q.Method == MethodKDE {
		if q.MinDensity, err = parseFloatDefault(v, "min_density", DefaultMinDensity); err != nil {
			return q, c, err
		}
	} else if v.Has("min_density") {
		return q, c, &ParamError{Param: "min_density", Reason: "applies to method=kde; gistar takes min_bin"}
	}
	if q.MaxCells, err = parseIntDefault(v, "max_cells", DefaultMaxCells); err != nil {
		return q, c, err
	}
	err = q.normalize()
	return q, c, err
}

// ParseClusterParams reads eps_m (default DefaultEpsM), min_points (default
// DefaultMinPoints) and the common parameters.
func ParseClusterParams(v url.Values) (ClusterQuery, CommonParams, error) {
	var q ClusterQuery
	c, err := ParseCommonParams(v)
	if err != nil {
		return q, c, err
	}
	q.Filter = c.Filter
	if q.EpsM, err = parseFloatDefault(v, "eps_m", DefaultEpsM); err != nil {
		return q, c, err
	}
	if !(q.EpsM > 0) || q.EpsM > 1e6 {
		return q, c, &ParamError{Param: "eps_m", Reason: "must be a positive number of metres, at most 1e6"}
	}
	if q.MinPoints, err = parseIntDefault(v, "min_points", DefaultMinPoints); err != nil {
		return q, c, err
	}
	if q.MinPoints < 1 || q.MinPoints > 1_000_000 {
		return q, c, &ParamError{Param: "min_points", Reason: "must be in [1, 1000000]"}
	}
	return q, c, nil
}

// ParseEmergingParams reads step (week, month, quarter; required), value,
// cell_m, radius_m (default cell_m), time_step, global_window, all_cells,
// max_cells and the common parameters; the time window (datetime or
// from/to) must have both ends.
func ParseEmergingParams(v url.Values) (EmergingQuery, CommonParams, error) {
	var q EmergingQuery
	c, err := ParseCommonParams(v)
	if err != nil {
		return q, c, err
	}
	q.Filter = c.Filter
	if q.Filter.Time.Start.IsZero() || q.Filter.Time.End.IsZero() {
		return q, c, &ParamError{Param: "datetime", Reason: "emerging hot spots need a closed time window (datetime=start/end or from and to)"}
	}
	s := v.Get("step")
	if s == "" {
		return q, c, &ParamError{Param: "step", Reason: "required: week, month or quarter"}
	}
	st, ok := ParseStep(s)
	if !ok {
		return q, c, &ParamError{Param: "step", Reason: "must be week, month or quarter"}
	}
	q.Step = st
	q.Value = ValueCount
	if s := v.Get("value"); s != "" {
		k, ok := ParseValueKind(s)
		if !ok {
			return q, c, &ParamError{Param: "value", Reason: "must be count or kg"}
		}
		q.Value = k
	}
	if q.CellM, err = parseFloatDefault(v, "cell_m", DefaultCellM); err != nil {
		return q, c, err
	}
	if err := checkCellM(q.CellM); err != nil {
		return q, c, err
	}
	if q.RadiusM, err = parseFloatDefault(v, "radius_m", q.CellM); err != nil {
		return q, c, err
	}
	if err := checkRadius("radius_m", q.RadiusM, q.CellM); err != nil {
		return q, c, err
	}
	if q.TimeStepK, err = parseIntDefault(v, "time_step", 1); err != nil {
		return q, c, err
	}
	if q.TimeStepK < 1 || q.TimeStepK > MaxSteps {
		return q, c, &ParamError{Param: "time_step", Reason: fmt.Sprintf("must be in [1, %d]", MaxSteps)}
	}
	if s := v.Get("global_window"); s != "" {
		w, ok := ParseGlobalWindow(s)
		if !ok {
			return q, c, &ParamError{Param: "global_window", Reason: "must be entire_cube or neighborhood_time_step"}
		}
		q.Window = w
	}
	if s := v.Get("all_cells"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, c, &ParamError{Param: "all_cells", Reason: "must be true or false"}
		}
		q.AllCells = b
	}
	if q.MaxCells, err = parseIntDefault(v, "max_cells", DefaultMaxCells); err != nil {
		return q, c, err
	}
	err = checkMaxCells(&q.MaxCells)
	return q, c, err
}

// SplitParam returns the non-empty comma-separated values of v's key,
// over all its occurrences.
func SplitParam(v url.Values, key string) []string {
	var out []string
	for _, s := range v[key] {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func parseFloatDefault(v url.Values, key string, def float64) (float64, error) {
	s := v.Get(key)
	if s == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &ParamError{Param: key, Reason: "must be a number"}
	}
	return f, nil
}

func parseIntDefault(v url.Values, key string, def int) (int, error) {
	s := v.Get(key)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &ParamError{Param: key, Reason: "must be an integer"}
	}
	return n, nil
}

func parsePositive(key, s string, maxV float64) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) || f > maxV {
		return 0, &ParamError{Param: key, Reason: fmt.Sprintf("must be a number in (0, %g]", maxV)}
	}
	return f, nil
}

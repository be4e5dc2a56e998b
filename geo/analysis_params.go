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

// param is one query parameter of an analysis: its name and the step that
// reads it into the query T being built. A table's steps run in its order
// whether or not the parameter is given, so that a step fills in its
// default (which may depend on an earlier parameter, as radius_m on
// cell_m) and checks its rules against the parameters before it. Errors
// are *ParamError naming the parameter.
type param[T any] struct {
	name  string
	parse func(name string, v url.Values, q *T) error
}

// parseParams runs the steps of params over v into q.
func parseParams[T any](params []param[T], v url.Values, q *T) error {
	for _, p := range params {
		if err := p.parse(p.name, v, q); err != nil {
			return err
		}
	}
	return nil
}

// ParamTable is the one list of the query parameters of an analysis
// endpoint: its own parameters, then the common ones. Names, which the
// caller checks a request's parameters against, and Parse read the same
// table, so no parameter is accepted by one and rejected by the other.
type ParamTable[Q any] struct {
	own    []param[Q]
	filter func(q *Q) *Filter // where the common filters go
	finish func(q *Q) error   // checks of the whole query, after every step
}

// Names returns the parameters the endpoint accepts: its own, in the order
// they are read, then the common ones.
func (t ParamTable[Q]) Names() []string {
	names := make([]string, 0, len(t.own)+len(commonParams))
	for _, p := range t.own {
		names = append(names, p.name)
	}
	for _, p := range commonParams {
		names = append(names, p.name)
	}
	return names
}

// Parse reads the common parameters, then the endpoint's own. The returned
// query's Area and Filter.Agencies are left for the caller to fill in from
// the CommonParams.
func (t ParamTable[Q]) Parse(v url.Values) (Q, CommonParams, error) {
	var q Q
	c, err := ParseCommonParams(v)
	if err != nil {
		return q, c, err
	}
	*t.filter(&q) = c.Filter
	if err := parseParams(t.own, v, &q); err != nil {
		return q, c, err
	}
	if t.finish != nil {
		err = t.finish(&q)
	}
	return q, c, err
}

// commonParams are the parameters every analysis endpoint shares: datetime
// (or from and to), kind, drug, category, agency (comma-separated lists),
// one of bbox, sector and corridor_km, and f.
var commonParams = []param[CommonParams]{
	{"datetime", func(name string, v url.Values, c *CommonParams) error {
		dt := v.Get(name)
		if dt == "" {
			return nil
		}
		if v.Get("from") != "" || v.Get("to") != "" {
			return &ParamError{Param: name, Reason: "give datetime or from/to, not both"}
		}
		iv, err := ParseInterval(name, dt)
		c.Filter.Time = iv
		return err
	}},
	{"from", func(name string, v url.Values, c *CommonParams) error {
		s := v.Get(name)
		if s == "" {
			return nil
		}
		iv, err := parseOneDate(name, s)
		if err != nil {
			return err
		}
		c.Filter.Time.Start = iv.Start
		return nil
	}},
	{"to", func(name string, v url.Values, c *CommonParams) error {
		s := v.Get(name)
		if s == "" {
			return nil
		}
		iv, err := parseOneDate(name, s)
		if err != nil {
			return err
		}
		c.Filter.Time.End = iv.End
		if t := c.Filter.Time; !t.Start.IsZero() && !t.End.IsZero() && t.End.Before(t.Start) {
			return &ParamError{Param: name, Reason: "the interval ends before it starts"}
		}
		return nil
	}},
	{"kind", func(name string, v url.Values, c *CommonParams) error {
		for _, s := range SplitParam(v, name) {
			k, ok := ParseKind(s)
			if !ok {
				return &ParamError{Param: name, Reason: "must be seizure or incident"}
			}
			c.Filter.Kinds = append(c.Filter.Kinds, k)
		}
		return nil
	}},
	{"drug", func(name string, v url.Values, c *CommonParams) error {
		for _, s := range SplitParam(v, name) {
			d, ok := ParseDrug(s)
			if !ok {
				return &ParamError{Param: name, Reason: fmt.Sprintf("unknown drug %q", truncate(s, 40))}
			}
			c.Filter.Drugs = append(c.Filter.Drugs, d)
		}
		return nil
	}},
	{"category", func(name string, v url.Values, c *CommonParams) error {
		for _, s := range SplitParam(v, name) {
			k, ok := ParseCategory(s)
			if !ok {
				return &ParamError{Param: name, Reason: fmt.Sprintf("unknown category %q", truncate(s, 40))}
			}
			c.Filter.Categories = append(c.Filter.Categories, k)
		}
		return nil
	}},
	{"agency", func(name string, v url.Values, c *CommonParams) error {
		c.Agencies = SplitParam(v, name)
		if len(c.Agencies) > 100 {
			return &ParamError{Param: name, Reason: "at most 100 agencies"}
		}
		return nil
	}},
	{"bbox", func(name string, v url.Values, c *CommonParams) error {
		if s := v.Get(name); s != "" {
			b, err := ParseBBox(s)
			if err != nil {
				return err
			}
			c.BBox = &b
		}
		return nil
	}},
	{"sector", func(name string, v url.Values, c *CommonParams) error {
		if s := v.Get(name); s != "" {
			if len(s) > 100 {
				return &ParamError{Param: name, Reason: "not a sector id"}
			}
			c.Sector = s
		}
		return nil
	}},
	// corridor_km is the last of the area parameters: its step also checks
	// that at most one is given and defaults to the corridor.
	{"corridor_km", func(name string, v url.Values, c *CommonParams) error {
		set := 0
		if c.BBox != nil {
			set++
		}
		if c.Sector != "" {
			set++
		}
		if s := v.Get(name); s != "" {
			km, err := parsePositive(name, s, 1000)
			if err != nil {
				return err
			}
			c.CorridorKM = km
			set++
		}
		if set > 1 {
			return &ParamError{Param: "area", Reason: "give only one of bbox, sector and corridor_km"}
		}
		if set == 0 {
			c.CorridorKM = DefaultCorridorKM
		}
		return nil
	}},
	// f, the output format of OGC API clients, is accepted whatever it
	// says: analyses answer GeoJSON.
	{"filter", func(name string, v url.Values, c *CommonParams) error {
		w, err := ParseWhere(v.Get(name), v.Get("filter-lang"), v.Get("filter-crs"), IndexQueryables)
		c.Filter.Where = w
		return err
	}},
	{"filter-lang", func(name string, v url.Values, c *CommonParams) error { return nil }},
	{"filter-crs", func(name string, v url.Values, c *CommonParams) error { return nil }},
	{"f", func(string, url.Values, *CommonParams) error { return nil }},
}

// parseOneDate reads a from or to parameter: one date or date-time, as
// the interval it covers.
func parseOneDate(name, s string) (Interval, error) {
	iv, err := ParseInterval(name, s)
	if err != nil {
		return Interval{}, err
	}
	if strings.Contains(s, "/") {
		return Interval{}, &ParamError{Param: name, Reason: "must be one date or date-time"}
	}
	return iv, nil
}

// ParseCommonParams reads the parameters every analysis endpoint shares
// (see commonParams). Errors are *ParamError naming the parameter.
func ParseCommonParams(v url.Values) (CommonParams, error) {
	var c CommonParams
	err := parseParams(commonParams, v, &c)
	return c, err
}

// parseValue and parseCellM are steps that more than one table shares.
func parseValue(name string, v url.Values, value *ValueKind) error {
	*value = ValueCount
	if s := v.Get(name); s != "" {
		k, ok := ParseValueKind(s)
		if !ok {
			return &ParamError{Param: name, Reason: "must be count or kg"}
		}
		*value = k
	}
	return nil
}

func parseCellM(name string, v url.Values, cellM *float64) error {
	var err error
	if *cellM, err = parseFloatDefault(v, name, DefaultCellM); err != nil {
		return err
	}
	return checkCellM(*cellM)
}

// hotspotParams are the parameters of a hotspot surface: method (gistar,
// kde), value (count, kg), cell_m (default DefaultCellM), radius_m
// (default DefaultRadiusCells × cell_m), bandwidth_m (default
// DefaultBandwidthCells × cell_m), min_bin (gistar), min_density (kde,
// default DefaultMinDensity: leave out the cells of density 0; 0 keeps
// every cell) and max_cells.
var hotspotParams = ParamTable[HotspotQuery]{
	own: []param[HotspotQuery]{
		{"method", func(name string, v url.Values, q *HotspotQuery) error {
			q.Method = MethodGiStar
			if s := v.Get(name); s != "" {
				m, ok := ParseMethod(s)
				if !ok {
					return &ParamError{Param: name, Reason: "must be gistar or kde"}
				}
				q.Method = m
			}
			return nil
		}},
		{"value", func(name string, v url.Values, q *HotspotQuery) error { return parseValue(name, v, &q.Value) }},
		{"cell_m", func(name string, v url.Values, q *HotspotQuery) error { return parseCellM(name, v, &q.CellM) }},
		{"radius_m", func(name string, v url.Values, q *HotspotQuery) (err error) {
			q.RadiusM, err = parseFloatDefault(v, name, DefaultRadiusCells*q.CellM)
			return err
		}},
		// bandwidth_m's step also refuses the distance of the other method.
		{"bandwidth_m", func(name string, v url.Values, q *HotspotQuery) (err error) {
			if q.BandwidthM, err = parseFloatDefault(v, name, DefaultBandwidthCells*q.CellM); err != nil {
				return err
			}
			if q.Method == MethodKDE && v.Has("radius_m") {
				return &ParamError{Param: "radius_m", Reason: "applies to method=gistar; kde takes bandwidth_m"}
			}
			if q.Method == MethodGiStar && v.Has(name) {
				return &ParamError{Param: name, Reason: "applies to method=kde; gistar takes radius_m"}
			}
			return nil
		}},
		{"min_bin", func(name string, v url.Values, q *HotspotQuery) (err error) {
			q.MinBin, err = parseIntDefault(v, name, 0)
			return err
		}},
		{"min_density", func(name string, v url.Values, q *HotspotQuery) (err error) {
			if q.Method == MethodKDE {
				q.MinDensity, err = parseFloatDefault(v, name, DefaultMinDensity)
				return err
			}
			if v.Has(name) {
				return &ParamError{Param: name, Reason: "applies to method=kde; gistar takes min_bin"}
			}
			return nil
		}},
		{"max_cells", func(name string, v url.Values, q *HotspotQuery) (err error) {
			q.MaxCells, err = parseIntDefault(v, name, DefaultMaxCells)
			return err
		}},
	},
	filter: func(q *HotspotQuery) *Filter { return &q.Filter },
	finish: func(q *HotspotQuery) error { return q.normalize() },
}

// clusterParams are the parameters of DBSCAN clusters: eps_m (default
// DefaultEpsM) and min_points (default DefaultMinPoints).
var clusterParams = ParamTable[ClusterQuery]{
	own: []param[ClusterQuery]{
		{"eps_m", func(name string, v url.Values, q *ClusterQuery) (err error) {
			if q.EpsM, err = parseFloatDefault(v, name, DefaultEpsM); err != nil {
				return err
			}
			if !(q.EpsM > 0) || q.EpsM > 1e6 {
				return &ParamError{Param: name, Reason: "must be a positive number of metres, at most 1e6"}
			}
			return nil
		}},
		{"min_points", func(name string, v url.Values, q *ClusterQuery) (err error) {
			if q.MinPoints, err = parseIntDefault(v, name, DefaultMinPoints); err != nil {
				return err
			}
			if q.MinPoints < 1 || q.MinPoints > 1_000_000 {
				return &ParamError{Param: name, Reason: "must be in [1, 1000000]"}
			}
			return nil
		}},
	},
	filter: func(q *ClusterQuery) *Filter { return &q.Filter },
}

// emergingParams are the parameters of an Emerging Hot Spot Analysis: step
// (week, month, quarter; required), value, cell_m, radius_m (default
// cell_m), time_step, global_window, all_cells and max_cells; the time
// window (datetime or from/to) must have both ends.
var emergingParams = ParamTable[EmergingQuery]{
	own: []param[EmergingQuery]{
		// step's step first checks the time window, which every
		// emerging analysis needs closed.
		{"step", func(name string, v url.Values, q *EmergingQuery) error {
			if q.Filter.Time.Start.IsZero() || q.Filter.Time.End.IsZero() {
				return &ParamError{Param: "datetime", Reason: "emerging hot spots need a closed time window (datetime=start/end or from and to)"}
			}
			s := v.Get(name)
			if s == "" {
				return &ParamError{Param: name, Reason: "required: week, month or quarter"}
			}
			st, ok := ParseStep(s)
			if !ok {
				return &ParamError{Param: name, Reason: "must be week, month or quarter"}
			}
			q.Step = st
			return nil
		}},
		{"value", func(name string, v url.Values, q *EmergingQuery) error { return parseValue(name, v, &q.Value) }},
		{"cell_m", func(name string, v url.Values, q *EmergingQuery) error { return parseCellM(name, v, &q.CellM) }},
		{"radius_m", func(name string, v url.Values, q *EmergingQuery) (err error) {
			if q.RadiusM, err = parseFloatDefault(v, name, q.CellM); err != nil {
				return err
			}
			return checkRadius(name, q.RadiusM, q.CellM)
		}},
		{"time_step", func(name string, v url.Values, q *EmergingQuery) (err error) {
			if q.TimeStepK, err = parseIntDefault(v, name, 1); err != nil {
				return err
			}
			if q.TimeStepK < 1 || q.TimeStepK > MaxSteps {
				return &ParamError{Param: name, Reason: fmt.Sprintf("must be in [1, %d]", MaxSteps)}
			}
			return nil
		}},
		{"global_window", func(name string, v url.Values, q *EmergingQuery) error {
			if s := v.Get(name); s != "" {
				w, ok := ParseGlobalWindow(s)
				if !ok {
					return &ParamError{Param: name, Reason: "must be entire_cube or neighborhood_time_step"}
				}
				q.Window = w
			}
			return nil
		}},
		{"all_cells", func(name string, v url.Values, q *EmergingQuery) error {
			if s := v.Get(name); s != "" {
				b, err := strconv.ParseBool(s)
				if err != nil {
					return &ParamError{Param: name, Reason: "must be true or false"}
				}
				q.AllCells = b
			}
			return nil
		}},
		{"max_cells", func(name string, v url.Values, q *EmergingQuery) (err error) {
			if q.MaxCells, err = parseIntDefault(v, name, DefaultMaxCells); err != nil {
				return err
			}
			return checkMaxCells(&q.MaxCells)
		}},
	},
	filter: func(q *EmergingQuery) *Filter { return &q.Filter },
}

// HotspotParams returns the parameter table of a hotspot surface (see
// hotspotParams).
func HotspotParams() ParamTable[HotspotQuery] { return hotspotParams }

// ClusterParams returns the parameter table of DBSCAN clusters.
func ClusterParams() ParamTable[ClusterQuery] { return clusterParams }

// EmergingParams returns the parameter table of an Emerging Hot Spot
// Analysis.
func EmergingParams() ParamTable[EmergingQuery] { return emergingParams }

// ParseHotspotParams reads the parameters of a hotspot surface (see
// hotspotParams) and the common parameters. The returned query's Area and
// Filter.Agencies are left for the caller to fill in from the
// CommonParams.
func ParseHotspotParams(v url.Values) (HotspotQuery, CommonParams, error) {
	return hotspotParams.Parse(v)
}

// ParseClusterParams reads eps_m (default DefaultEpsM), min_points (default
// DefaultMinPoints) and the common parameters.
func ParseClusterParams(v url.Values) (ClusterQuery, CommonParams, error) {
	return clusterParams.Parse(v)
}

// ParseEmergingParams reads the parameters of an Emerging Hot Spot Analysis
// (see emergingParams) and the common parameters; the time window
// (datetime or from/to) must have both ends.
func ParseEmergingParams(v url.Values) (EmergingQuery, CommonParams, error) {
	return emergingParams.Parse(v)
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

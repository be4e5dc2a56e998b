package geo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paulmach/orb"
)

// Step is the length of one time step of a space-time cube.
type Step uint8

// Time steps. Steps are calendar periods in UTC: ISO weeks starting on
// Monday, calendar months and calendar quarters.
const (
	StepWeek Step = iota + 1
	StepMonth
	StepQuarter
)

var stepNames = [...]string{StepWeek: "week", StepMonth: "month", StepQuarter: "quarter"}

// String returns the query name of s ("week", "month", "quarter").
func (s Step) String() string { return enumName(stepNames[:], uint8(s)) }

// ParseStep returns the Step named s ("week", "month", "quarter").
func ParseStep(s string) (Step, bool) {
	v, ok := enumParse(stepNames[:], s)
	return Step(v), ok
}

// index returns the number of the calendar period that contains t, counted
// from an arbitrary origin, so consecutive periods have consecutive numbers.
func (s Step) index(t time.Time) int {
	t = t.UTC()
	switch s {
	case StepWeek:
		// 1970-01-05 was a Monday.
		days := floorDiv(int(t.Unix()-4*86400), 86400)
		return floorDiv(days, 7)
	case StepMonth:
		return t.Year()*12 + int(t.Month()) - 1
	default:
		return t.Year()*4 + (int(t.Month())-1)/3
	}
}

// start returns the first instant of period number i.
func (s Step) start(i int) time.Time {
	switch s {
	case StepWeek:
		return time.Date(1970, 1, 5+7*i, 0, 0, 0, 0, time.UTC)
	case StepMonth:
		return time.Date(floorDiv(i, 12), time.Month(i-12*floorDiv(i, 12)+1), 1, 0, 0, 0, 0, time.UTC)
	default:
		return time.Date(floorDiv(i, 4), time.Month(3*(i-4*floorDiv(i, 4))+1), 1, 0, 0, 0, 0, time.UTC)
	}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Limits of the emerging hot spot analysis.
const (
	// MaxSteps is the largest number of time steps of a cube.
	MaxSteps = 1000
	// MaxCubeBins is the largest number of bins (cells × steps) of a cube.
	MaxCubeBins = 50_000_000
	// MinCubeBins is the smallest cube ArcGIS analyses.
	MinCubeBins = 30
)

// EmergingQuery asks for an Emerging Hot Spot Analysis.
type EmergingQuery struct {
	Value ValueKind // zero means ValueCount
	CellM float64
	// RadiusM is the spatial neighbourhood: cells whose centres lie within
	// it, the cell itself included. Zero means CellM (the cell and its six
	// neighbours, the k = 1 ring).
	RadiusM float64
	// Step is the length of a time step; the steps are the calendar
	// periods from the one containing Filter.Time.Start to the one
	// containing Filter.Time.End, both of which must be set.
	Step Step
	// TimeStepK is the neighbourhood time step K (0 means 1; clamped by
	// ClampTimeStep).
	TimeStepK int
	Window    GlobalWindow
	// AllCells analyses every cell of the area, all-zero cells included;
	// by default only cells with at least one event are analysed (ArcGIS's
	// default without a study-area polygon).
	AllCells bool
	Filter   Filter
	Area     Area
	MaxCells int // limit on the area's cells (0: DefaultMaxCells)
}

// EmergingCell is the analysis of one cell.
type EmergingCell struct {
	Hex      Hex
	XM, YM   float64
	Lon, Lat float64
	Ring     orb.Ring // outline in lon/lat; shared, do not modify
	Values   []float64
	Total    float64
	Z, P     []float64
	Bins     []int8
	Trend    MKResult
	TrendBin int8
	Pattern  Pattern
}

// EmergingResult is the answer to an EmergingQuery.
type EmergingResult struct {
	Query      EmergingQuery
	Steps      []Interval // the time steps, oldest first
	K          int        // the neighbourhood time step after clamping
	NAreaCells int        // cells in the area
	NCells     int        // analysed cells (the mask)
	Mean, Std  float64    // of all bins of the cube
	Cells      []EmergingCell
	Version    uint64
}

// EmergingHotSpots runs the Emerging Hot Spot Analysis
// (docs/statistics.md, "Emerging hot spots") over the cells of q.Area and
// the time steps of q.Filter.Time: it bins the events into a cube of
// cells × steps, restricts it to the analysed cells, and runs
// EmergingHotSpotsCube. A cube of fewer than MinCubeBins bins is refused
// with a *ParamError; a cube whose bins are all equal gives
// ErrZeroVariance. It checks ctx every ctxCheckEvents events and every
// ctxCheckEvery cells and returns ctx's error once it is done.
func EmergingHotSpots(ctx context.Context, ix *Index, q EmergingQuery) (EmergingResult, error) {
	first, T, err := q.normalize()
	if err != nil {
		return EmergingResult{}, err
	}
	cf, err := q.Filter.compile()
	if err != nil {
		return EmergingResult{}, err
	}
	ag, err := ix.grid(ctx, &q.Area, q.CellM, q.RadiusM, q.MaxCells)
	if err != nil {
		return EmergingResult{}, err
	}
	if len(ag.cells)*T > MaxCubeBins {
		return EmergingResult{}, &ParamError{Param: "max_cells", Reason: fmt.Sprintf("the cube would have %d bins, at most %d", len(ag.cells)*T, MaxCubeBins)}
	}
	res := EmergingResult{Query: q, NAreaCells: len(ag.cells), K: ClampTimeStep(q.TimeStepK, T)}
	for t := 0; t < T; t++ {
		res.Steps = append(res.Steps, Interval{Start: q.Step.start(first + t), End: q.Step.start(first + t + 1).Add(-time.Nanosecond)})
	}
	cube, counts, version, err := ix.binCube(ctx, ag, &cf, &q, first, T)
	if err != nil {
		return EmergingResult{}, err
	}
	res.Version = version
	x, cells, nb := maskCube(ag, cube, counts, T, q.AllCells)
	res.NCells = len(cells)
	if len(cells)*T < MinCubeBins {
		return res, &ParamError{Param: "area", Reason: fmt.Sprintf("the cube has %d analysed cells × %d steps = %d bins, at least %d needed", len(cells), T, len(cells)*T, MinCubeBins)}
	}
	res.Mean, res.Std = meanStd(x)
	out, err := emergingHotSpotsCube(x, T, nb, q.TimeStepK, q.Window, func() bool { return ctx.Err() != nil })
	if errors.Is(err, errStopped) {
		return EmergingResult{}, ctx.Err()
	}
	if err != nil {
		return res, err
	}
	lonLat, rings := ag.geometry()
	res.Cells = make([]EmergingCell, len(cells))
	for k, i := range cells {
		r := out[k]
		c := EmergingCell{Hex: ag.cells[i], XM: ag.xy[i][0], YM: ag.xy[i][1], Lon: lonLat[i][0], Lat: lonLat[i][1],
			Ring: rings[i], Values: x[k*T : (k+1)*T : (k+1)*T], Z: r.Z, P: r.P, Bins: r.Bins, Trend: r.Trend,
			TrendBin: TrendBin(r.Trend.Z, r.Trend.P), Pattern: r.Pattern}
		for _, v := range c.Values {
			c.Total += v
		}
		res.Cells[k] = c
	}
	return res, nil
}

// normalize fills q's defaults, validates it (errors are *ParamError) and
// returns the index of the first time step and the number of steps T.
func (q *EmergingQuery) normalize() (first, T int, err error) {
	if q.Value == 0 {
		q.Value = ValueCount
	}
	if q.Value.String() == "" {
		return 0, 0, &ParamError{Param: "value", Reason: "must be count or kg"}
	}
	if err := checkCellM(q.CellM); err != nil {
		return 0, 0, err
	}
	if q.RadiusM == 0 {
		q.RadiusM = q.CellM
	}
	if err := checkRadius("radius_m", q.RadiusM, q.CellM); err != nil {
		return 0, 0, err
	}
	if q.Step.String() == "" {
		return 0, 0, &ParamError{Param: "step", Reason: "must be week, month or quarter"}
	}
	if q.Window.String() == "" {
		return 0, 0, &ParamError{Param: "global_window", Reason: "must be entire_cube or neighborhood_time_step"}
	}
	if q.TimeStepK < 0 || q.TimeStepK > MaxSteps {
		return 0, 0, &ParamError{Param: "time_step", Reason: "must be a non-negative number of steps"}
	}
	if err := checkMaxCells(&q.MaxCells); err != nil {
		return 0, 0, err
	}
	iv := q.Filter.Time
	if iv.Start.IsZero() || iv.End.IsZero() {
		return 0, 0, &ParamError{Param: "datetime", Reason: "needs a start and an end"}
	}
	if iv.End.Before(iv.Start) {
		return 0, 0, &ParamError{Param: "datetime", Reason: "the interval ends before it starts"}
	}
	first, last := q.Step.index(iv.Start), q.Step.index(iv.End)
	T = last - first + 1
	if T > MaxSteps {
		return 0, 0, &ParamError{Param: "datetime", Reason: fmt.Sprintf("spans %d steps, at most %d", T, MaxSteps)}
	}
	return first, T, nil
}

// binCube bins the events that pass cf into the cube of all cells of ag ×
// the T steps from first (cube[i·T+t]) and counts each cell's events. It
// returns the index version it read, and ctx's error once ctx is done
// (checked every ctxCheckEvents events).
func (ix *Index) binCube(ctx context.Context, ag *areaGrid, cf *compiledFilter, q *EmergingQuery, first, T int) (cube []float64, counts []int32, version uint64, err error) {
	cube = make([]float64, len(ag.cells)*T)
	counts = make([]int32, len(ag.cells))
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	version = ix.changes.visible(q.Filter.Visibility)
	st := &ix.st
	coarse := cf.coarsens()
	assigned, err := ix.assigned(ctx, ag)
	if err != nil {
		return nil, nil, 0, err
	}
	for slot, i := range assigned {
		if slot%ctxCheckEvents == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, 0, err
			}
		}
		if i < 0 && !coarse {
			continue
		}
		i, rule, ok := st.viewCell(cf, ag, slot, i)
		if !ok {
			continue
		}
		t := q.Step.index(time.Unix(0, cf.at(st, slot, rule))) - first
		if t < 0 || t >= T {
			continue
		}
		counts[i]++
		if q.Value == ValueKG {
			cube[int(i)*T+t] += cf.kg(st, slot)
		} else {
			cube[int(i)*T+t]++
		}
	}
	return cube, counts, version, nil
}

// maskCube restricts the cube to the analysed cells (every cell when
// allCells, else those with an event): it returns their values x (cell by
// cell), their indices in ag and the neighbour lists restricted to them.
func maskCube(ag *areaGrid, cube []float64, counts []int32, T int, allCells bool) (x []float64, cells []int32, nb *Neighbors) {
	keep := make([]int32, len(ag.cells)) // area index → analysed index, −1 outside
	for i := range ag.cells {
		keep[i] = -1
		if allCells || counts[i] > 0 {
			keep[i] = int32(len(cells))
			cells = append(cells, int32(i))
		}
	}
	x = make([]float64, len(cells)*T)
	nb = &Neighbors{Start: make([]int32, len(cells)+1)}
	for k, i := range cells {
		copy(x[k*T:(k+1)*T], cube[int(i)*T:int(i+1)*T])
		for _, j := range ag.nb.Of(int(i)) {
			if keep[j] >= 0 {
				nb.Idx = append(nb.Idx, keep[j])
			}
		}
		nb.Start[k+1] = int32(len(nb.Idx))
	}
	return x, cells, nb
}

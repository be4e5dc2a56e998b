package geo

import "fmt"

// The smallest sample Gi* is reported significant on. Below either, the
// hotspot engine still computes every cell's z-score but puts every cell
// in confidence bin 0 and says why (SampleWarning).
//
// MinGiEvents follows the reference tools of the field: ArcGIS's Hot Spot
// Analysis (Getis-Ord Gi*) asks for at least 30 input features, and its
// Optimized Hot Spot Analysis for at least 30 incidents when the
// analysis area is bounded (60 when it is not), as Borderwatch's area
// always is (a bbox, a sector, a border corridor). MinGiNonZeroCells
// applies the same 30 to the cells that hold events (Optimized Hot Spot
// Analysis asks for at least 30 weighted features after aggregation):
// the zero cells of a bounded area are many, and with few non-zero cells
// the z-score says little but "there is an event here". One event in an
// area of n cells with w neighbours per band has Gi* ≈ √(n/w) in each of
// the w cells around it: with n = 1,000 and w = 7 that is z ≈ 12, far
// beyond the 99 % bin, for a single event (docs/statistics.md, "Small
// samples").
const (
	MinGiEvents       = 30
	MinGiNonZeroCells = 30
)

// SampleWarning says why a Gi* result reports no significance.
type SampleWarning struct {
	// Code is "too_few_events" or "too_few_nonzero_cells".
	Code            string
	Events          int
	NonZeroCells    int
	MinEvents       int
	MinNonZeroCells int
}

// Message is the warning in words, for the API and its clients.
func (w *SampleWarning) Message() string {
	if w.Code == "too_few_events" {
		return fmt.Sprintf("%d events in the area: Gi* needs at least %d before significance is reported; widen the area, the period or the filter, or use kde",
			w.Events, w.MinEvents)
	}
	return fmt.Sprintf("the events lie in %d cells: Gi* needs events in at least %d cells before significance is reported; use smaller cells, widen the area or the period, or use kde",
		w.NonZeroCells, w.MinNonZeroCells)
}

// SampleTooSmall returns the warning for a Gi* analysis of events events
// in nonZeroCells cells, or nil when the sample is large enough.
func SampleTooSmall(events, nonZeroCells int) *SampleWarning {
	w := &SampleWarning{Events: events, NonZeroCells: nonZeroCells, MinEvents: MinGiEvents, MinNonZeroCells: MinGiNonZeroCells}
	switch {
	case events < MinGiEvents:
		w.Code = "too_few_events"
	case nonZeroCells < MinGiNonZeroCells:
		w.Code = "too_few_nonzero_cells"
	default:
		return nil
	}
	return w
}

package geo

import (
	"net/url"
	"testing"
)

func FuzzParseAnalysisParams(f *testing.F) {
	for _, s := range []string{"method=kde&bandwidth_m=9000", "cell_m=5000&radius_m=12000&min_bin=1",
		"datetime=2024-01-01/2024-02-01&drug=heroin,opium", "bbox=68,37,69,38&kind=seizure", "from=2024-01-01&to=..",
		"corridor_km=1e400", "cell_m=NaN", "step=week&datetime=2023-01-01/2023-03-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		if q, _, err := ParseHotspotParams(v); err == nil {
			if !(q.CellM >= MinCellM) || q.RadiusM < q.CellM && q.Method == MethodGiStar {
				t.Fatalf("accepted invalid %+v", q)
			}
		}
		_, _, _ = ParseClusterParams(v)
		if q, _, err := ParseEmergingParams(v); err == nil && (q.Filter.Time.Start.IsZero() || q.Filter.Time.End.Before(q.Filter.Time.Start)) {
			t.Fatalf("accepted an open or reversed window: %+v", q.Filter.Time)
		}
	})
}

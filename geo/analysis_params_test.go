package geo

import (
	"errors"
	"math"
	"net/url"
	"testing"
)

func FuzzParseAnalysisParams(f *testing.F) {
	for _, s := range []string{"method=kde&bandwidth_m=9000", "cell_m=5000&radius_m=12000&min_bin=1",
		"datetime=2024-01-01/2024-02-01&drug=heroin,opium", "bbox=68,37,69,38&kind=seizure", "from=2024-01-01&to=..",
		"corridor_km=1e400", "cell_m=NaN", "step=week&datetime=2023-01-01/2023-03-01",
		"method=kde&min_density=0.5", "method=kde&min_density=-1", "min_density=0"} {
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
			if !(q.MinDensity >= 0) || math.IsInf(q.MinDensity, 0) || q.Method == MethodGiStar && q.MinDensity != 0 {
				t.Fatalf("accepted min_density %v with method %v", q.MinDensity, q.Method)
			}
		}
		_, _, _ = ParseClusterParams(v)
		if q, _, err := ParseEmergingParams(v); err == nil && (q.Filter.Time.Start.IsZero() || q.Filter.Time.End.Before(q.Filter.Time.Start)) {
			t.Fatalf("accepted an open or reversed window: %+v", q.Filter.Time)
		}
	})
}

func TestParseHotspotParamsMinDensity(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  float64
		param string // the parameter of the expected error
	}{
		{"kde default leaves out zeros", "method=kde", DefaultMinDensity, ""},
		{"kde zero keeps all", "method=kde&min_density=0", 0, ""},
		{"kde threshold", "method=kde&min_density=0.25", 0.25, ""},
		{"kde negative", "method=kde&min_density=-0.1", 0, "min_density"},
		{"kde not a number", "method=kde&min_density=abc", 0, "min_density"},
		{"kde infinite", "method=kde&min_density=Inf", 0, "min_density"},
		{"gistar", "method=gistar&min_density=0.1", 0, "min_density"},
		{"gistar default", "", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			q, _, err := ParseHotspotParams(v)
			if tc.param != "" {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != tc.param {
					t.Fatalf("error %v, want one naming %s", err, tc.param)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.MinDensity != tc.want {
				t.Errorf("min_density %v, want %v", q.MinDensity, tc.want)
			}
		})
	}
}

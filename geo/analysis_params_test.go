package geo

import (
	"errors"
	"math"
	"net/url"
	"slices"
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

// TestParamTables holds the parameter names of each analysis endpoint (the
// API lists them in its unknown-parameter answer) and checks that every
// error of a table's parser names one of them.
func TestParamTables(t *testing.T) {
	common := []string{"datetime", "from", "to", "kind", "drug", "category", "agency", "bbox", "sector", "corridor_km", "filter", "filter-lang", "filter-crs", "f"}
	tables := []struct {
		name  string
		names []string
		parse func(url.Values) error
		want  []string
	}{
		{"hotspots", HotspotParams().Names(), func(v url.Values) error { _, _, err := HotspotParams().Parse(v); return err },
			append([]string{"method", "value", "cell_m", "radius_m", "bandwidth_m", "min_bin", "min_density", "max_cells"}, common...)},
		{"clusters", ClusterParams().Names(), func(v url.Values) error { _, _, err := ClusterParams().Parse(v); return err },
			append([]string{"eps_m", "min_points"}, common...)},
		{"emerging", EmergingParams().Names(), func(v url.Values) error { _, _, err := EmergingParams().Parse(v); return err },
			append([]string{"step", "value", "cell_m", "radius_m", "time_step", "global_window", "all_cells", "max_cells"}, common...)},
	}
	bad := []string{"", "x", "-1", "0", "1e400", "2024-01-01/2023-01-01", "a,b,c", "kde", "gistar"}
	for _, tc := range tables {
		t.Run(tc.name, func(t *testing.T) {
			if !slices.Equal(tc.names, tc.want) {
				t.Fatalf("names %v\nwant  %v", tc.names, tc.want)
			}
			for _, name := range tc.names {
				for _, s := range bad {
					v := url.Values{name: {s}, "datetime": {"2024-01-01/2024-03-31"}, "step": {"month"}}
					err := tc.parse(v)
					var pe *ParamError
					if err == nil {
						continue
					}
					if !errors.As(err, &pe) {
						t.Fatalf("%s=%q: error %v is not a *ParamError", name, s, err)
					}
					if pe.Param != "area" && !slices.Contains(tc.names, pe.Param) {
						t.Errorf("%s=%q: error names %q, which the table does not list", name, s, pe.Param)
					}
				}
			}
		})
	}
}

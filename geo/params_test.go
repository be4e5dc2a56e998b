package geo_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/geo"
)

var bboxCases = []struct {
	name string
	in   string
	ok   bool
	want [4]float64
}{
	{"plain", "68,37,69.5,38", true, [4]float64{68, 37, 69.5, 38}},
	{"spaces", " 68 , 37 , 69.5 , 38 ", true, [4]float64{68, 37, 69.5, 38}},
	{"3d", "68,37,0,69.5,38,1000", true, [4]float64{68, 37, 69.5, 38}},
	{"whole world", "-180,-90,180,90", true, [4]float64{-180, -90, 180, 90}},
	{"degenerate point", "68,37,68,37", true, [4]float64{68, 37, 68, 37}},
	{"three numbers", "68,37,69", false, [4]float64{}},
	{"five numbers", "1,2,3,4,5", false, [4]float64{}},
	{"not numbers", "a,b,c,d", false, [4]float64{}},
	{"NaN", "NaN,37,69,38", false, [4]float64{}},
	{"infinite", "68,37,Inf,38", false, [4]float64{}},
	{"lon out of range", "-181,37,69,38", false, [4]float64{}},
	{"lat out of range", "68,-91,69,38", false, [4]float64{}},
	{"reversed lat", "68,38,69,37", false, [4]float64{}},
	{"antimeridian", "170,-10,-170,10", false, [4]float64{}},
	{"empty", "", false, [4]float64{}},
}

func TestParseBBox(t *testing.T) {
	for _, tc := range bboxCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := geo.ParseBBox(tc.in)
			if !tc.ok {
				var pe *geo.ParamError
				if !errors.As(err, &pe) || pe.Param != "bbox" {
					t.Fatalf("ParseBBox(%q) = %v, %v; want a bbox ParamError", tc.in, b, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseBBox(%q): %v", tc.in, err)
			}
			got := [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
			if got != tc.want {
				t.Errorf("ParseBBox(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzParseBBox(f *testing.F) {
	for _, tc := range bboxCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := geo.ParseBBox(s)
		if err != nil {
			var pe *geo.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParamError: %v", err)
			}
			return
		}
		for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("accepted a non-finite bbox %v from %q", b, s)
			}
		}
		if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] || b.Min[1] < -90 || b.Max[1] > 90 || b.Min[0] < -180 || b.Max[0] > 180 {
			t.Fatalf("accepted an invalid bbox %v from %q", b, s)
		}
	})
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

var intervalCases = []struct {
	name       string
	in         string
	ok         bool
	start, end string // RFC 3339; "" for an open end
}{
	{"instant", "2024-05-01T10:00:00Z", true, "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"},
	{"instant with offset", "2024-05-01T15:00:00+05:00", true, "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"},
	{"date is the whole day", "2024-05-01", true, "2024-05-01T00:00:00Z", "2024-05-01T23:59:59.999999999Z"},
	{"closed", "2024-01-01/2024-02-01T00:00:00Z", true, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"},
	{"open start dots", "../2024-02-01", true, "", "2024-02-01T23:59:59.999999999Z"},
	{"open end empty", "2024-01-01/", true, "2024-01-01T00:00:00Z", ""},
	{"GDAL's date, open end", "2021-03-05T/..", true, "2021-03-05T00:00:00Z", ""},
	{"GDAL's date, open start", "../2021-03-05T", true, "", "2021-03-05T00:00:00Z"},
	{"GDAL's date alone", "2021-03-05T", true, "2021-03-05T00:00:00Z", "2021-03-05T00:00:00Z"},
	{"GDAL's date out of range", "1899-12-31T/..", false, "", ""},
	{"a bare T after no date", "2021-03T", false, "", ""},
	{"a time without a zone", "2021-03-05T08:00:00", false, "", ""},
	{"both open", "../..", false, "", ""},
	{"reversed", "2024-05-01/2024-01-01", false, "", ""},
	{"garbage", "yesterday", false, "", ""},
	{"two slashes", "2024-01-01/2024-02-01/2024-03-01", false, "", ""},
	{"year out of range", "0099-01-01", false, "", ""},
	{"empty", "", false, "", ""},
}

func TestParseInterval(t *testing.T) {
	for _, tc := range intervalCases {
		t.Run(tc.name, func(t *testing.T) {
			iv, err := geo.ParseInterval("datetime", tc.in)
			if !tc.ok {
				var pe *geo.ParamError
				if !errors.As(err, &pe) || pe.Param != "datetime" {
					t.Fatalf("ParseInterval(%q) = %+v, %v; want a datetime ParamError", tc.in, iv, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.start == "" != iv.Start.IsZero() || tc.start != "" && !iv.Start.Equal(utc(tc.start)) {
				t.Errorf("start = %v, want %q", iv.Start, tc.start)
			}
			if tc.end == "" != iv.End.IsZero() || tc.end != "" && !iv.End.Equal(utc(tc.end)) {
				t.Errorf("end = %v, want %q", iv.End, tc.end)
			}
		})
	}
}

func TestIntervalContains(t *testing.T) {
	iv, err := geo.ParseInterval("datetime", "2024-05-01")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   string
		want bool
	}{
		{"2024-04-30T23:59:59Z", false},
		{"2024-05-01T00:00:00Z", true},
		{"2024-05-01T23:59:59Z", true},
		{"2024-05-02T00:00:00Z", false},
	} {
		if got := iv.Contains(utc(c.at)); got != c.want {
			t.Errorf("Contains(%s) = %v, want %v", c.at, got, c.want)
		}
	}
}

func FuzzParseInterval(f *testing.F) {
	for _, tc := range intervalCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := geo.ParseInterval("datetime", s)
		if err != nil {
			var pe *geo.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParamError: %v", err)
			}
			return
		}
		if iv.Open() {
			t.Fatalf("accepted an interval open at both ends from %q", s)
		}
		if !iv.Start.IsZero() && !iv.End.IsZero() && iv.End.Before(iv.Start) {
			t.Fatalf("accepted a reversed interval from %q", s)
		}
	})
}

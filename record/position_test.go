package record

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

var t0 = time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)

func at(min float64, lon, lat float64) Fix {
	return Fix{Time: t0.Add(time.Duration(min * float64(time.Minute))), Point: orb.Point{lon, lat}}
}

func TestCheckJumps(t *testing.T) {
	// 0.01° of latitude is about 1.11 km; at 300 km/h a vehicle covers
	// 5 km in a minute.
	cases := []struct {
		name   string
		stored []Fix
		fresh  []Fix
		want   []bool // implausible
	}{
		{name: "a drive", fresh: []Fix{at(0, 68, 37), at(1, 68, 37.02), at(2, 68, 37.04)}, want: []bool{false, false, false}},
		{name: "a spike between two good fixes", fresh: []Fix{at(0, 68, 37), at(1, 68, 38), at(2, 68, 37.01)},
			want: []bool{false, true, false}},
		{name: "out of order, checked in time order", fresh: []Fix{at(2, 68, 37.04), at(0, 68, 37), at(1, 68, 37.02)},
			want: []bool{false, false, false}},
		{name: "against the stored fix before", stored: []Fix{at(0, 68, 37)}, fresh: []Fix{at(1, 69, 37)}, want: []bool{true}},
		{name: "late fix against the stored fix after", stored: []Fix{at(10, 68, 37)}, fresh: []Fix{at(9, 70, 37)},
			want: []bool{true}},
		{name: "same place an hour later", stored: []Fix{at(0, 68, 37)}, fresh: []Fix{at(60, 68, 37)}, want: []bool{false}},
		{name: "within the slack at the same second", stored: []Fix{at(0, 68, 37)}, fresh: []Fix{at(0, 68, 37.005)},
			want: []bool{false}},
		{name: "300 km in an hour is just possible", stored: []Fix{at(0, 66, 37)}, fresh: []Fix{at(60, 66, 39.69)},
			want: []bool{false}},
		{name: "350 km in an hour is not", stored: []Fix{at(0, 66, 37)}, fresh: []Fix{at(60, 66, 40.15)}, want: []bool{true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckJumps(tc.stored, tc.fresh)
			for i, w := range tc.want {
				if (got[i] != "") != w {
					t.Errorf("fix %d: %q, want implausible %v", i, got[i], w)
				}
				if got[i] != "" && !strings.Contains(got[i], "km/h") {
					t.Errorf("fix %d: reason %q does not state the speed", i, got[i])
				}
			}
		})
	}
}

func TestPositionReject(t *testing.T) {
	now := t0
	ok := Position{FixTime: now.Add(-time.Hour), Location: orb.Point{68.6, 37.2}, Source: SourceOsmAnd}
	cases := []struct {
		name string
		p    Position
		want string
	}{
		{name: "a fix in the region", p: ok, want: ""},
		{name: "within the clock skew", p: func() Position { p := ok; p.FixTime = now.Add(4 * time.Minute); return p }(), want: ""},
		{name: "beyond the clock skew", p: func() Position { p := ok; p.FixTime = now.Add(6 * time.Minute); return p }(), want: RejectFuture},
		{name: "Null Island", p: func() Position { p := ok; p.Location = orb.Point{0, 0}; return p }(), want: RejectOutsideRegion},
		{name: "Moscow", p: func() Position { p := ok; p.Location = orb.Point{37.6, 55.75}; return p }(), want: RejectOutsideRegion},
		{name: "Kashgar, inside the margin", p: func() Position { p := ok; p.Location = orb.Point{75.99, 39.47}; return p }(), want: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, detail := tc.p.Reject(now, DefaultArea()); got != tc.want || (got != "" && detail == "") {
				t.Fatalf("%q (%s), want %q", got, detail, tc.want)
			}
		})
	}
}

func TestPositionFlags(t *testing.T) {
	acc := 800.0
	p := Position{Invalid: true, AccuracyM: &acc}
	flags, reasons := p.Flags()
	if strings.Join(flags, ",") != FlagDeviceInvalid+","+FlagPoorAccuracy || len(reasons) != 2 {
		t.Fatalf("%v %v", flags, reasons)
	}
	good := 20.0
	if f, _ := (&Position{AccuracyM: &good}).Flags(); len(f) != 0 {
		t.Fatalf("%v", f)
	}
}

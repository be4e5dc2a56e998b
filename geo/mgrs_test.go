package geo

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// TestMGRSPublishedExamples checks MGRS against references published with
// other implementations: Geotrans (as quoted by the coordconv port: 0°, 0°),
// the proj4js mgrs tests (33UXP, Austria) and the mgrs_dart tests (Nevada).
func TestMGRSPublishedExamples(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    orb.Point
		want string
	}{
		{"Geotrans, 0° 0°", orb.Point{0, 0}, "31NAA6602100000"},
		{"proj4js mgrs, 33UXP", orb.Point{16.41450, 48.24949}, "33UXP0500444997"},
		{"mgrs_dart, Nevada", orb.Point{-115.08209766323476, 36.236123461597515}, "11SPA7234911844"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MGRS(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.ReplaceAll(got, " ", "") != tc.want {
				t.Errorf("MGRS(%v) = %s, want %s", tc.p, got, tc.want)
			}
		})
	}
}

// TestUTMPublishedExamples: GeographicLib's MGRS tests give zone 33 north,
// E 472202 N 6487839 as 33VVE7220287839; the point there (about 58.5° N,
// 14.5° E) must project back onto those metres. The other case is the
// defining property of the projection: the central meridian maps to
// E 500000, and the equator to N 0 (north) or 10,000,000 (south).
func TestUTMPublishedExamples(t *testing.T) {
	u, err := ToUTM(orb.Point{15, 0})
	if err != nil || u.Zone != 33 || math.Abs(u.EastingM-500000) > 1e-6 || math.Abs(u.NorthingM) > 1e-6 {
		t.Errorf("central meridian on the equator: %+v %v", u, err)
	}
	u, err = ToUTM(orb.Point{15, -1e-9})
	if err != nil || u.North || math.Abs(u.NorthingM-10000000) > 1e-3 {
		t.Errorf("just south of the equator: %+v %v", u, err)
	}
	// The meridian arc from the equator to 45° N on WGS 84 is 4,984,944.378 m
	// (a standard value, e.g. Snyder 1987 table / GeographicLib); UTM's
	// northing there is 0.9996 of it.
	u, _ = ToUTM(orb.Point{15, 45})
	if want := 0.9996 * 4984944.378; math.Abs(u.NorthingM-want) > 0.01 {
		t.Errorf("northing at 45° N on the central meridian: %.3f, want %.3f", u.NorthingM, want)
	}
}

func TestUTMZones(t *testing.T) {
	for _, tc := range []struct {
		p    orb.Point
		zone int
		mgrs string // grid zone designation and 100 km square
	}{
		{orb.Point{68.6053, 37.1946}, 42, "42S"}, // Panji Poyon bridge
		{orb.Point{67.2700, 37.2300}, 42, "42S"}, // Termez
		{orb.Point{62.99, 35.0}, 41, "41S"},
		{orb.Point{5, 60}, 32, "32V"},  // Norway exception (Bergen)
		{orb.Point{20, 78}, 33, "33X"}, // Svalbard
		{orb.Point{-179.9, -79.9}, 1, "01C"},
		// An even zone, whose row letters are offset by five: the US
		// National Grid's example, the Washington Monument, is 18S UJ
		// 23487 06483 (to 10 m: 18SUJ 2348 0648).
		{orb.Point{-77.03524, 38.88949}, 18, "18SUJ 2348"},
	} {
		u, err := ToUTM(tc.p)
		if err != nil || u.Zone != tc.zone {
			t.Errorf("%v: zone %d (%v), want %d", tc.p, u.Zone, err, tc.zone)
		}
		if m, err := MGRS(tc.p); err != nil || !strings.HasPrefix(m, tc.mgrs) {
			t.Errorf("%v: MGRS %q (%v), want prefix %s", tc.p, m, err, tc.mgrs)
		}
	}
	for _, p := range []orb.Point{{0, 84.5}, {0, -80.5}, {181, 0}, {math.NaN(), 0}} {
		if _, err := MGRS(p); err == nil {
			t.Errorf("%v: no error outside the UTM zones", p)
		}
	}
}

func TestDMS(t *testing.T) {
	for _, tc := range []struct {
		p    orb.Point
		want string
	}{
		// Panji Poyon bridge: 37°11′41″N 68°36′19″E in the crossings' source.
		{orb.Point{68.6053, 37.1946}, "37°11′40.6″N 68°36′19.1″E"},
		{orb.Point{-0.5, -0.25}, "0°15′00.0″S 0°30′00.0″W"},
		{orb.Point{69.99999999, 10}, "10°00′00.0″N 70°00′00.0″E"},
	} {
		if got := DMS(tc.p); got != tc.want {
			t.Errorf("DMS(%v) = %s, want %s", tc.p, got, tc.want)
		}
	}
	if got := DecimalDegrees(orb.Point{68.6053, 37.1946}); got != "37.19460, 68.60530" {
		t.Errorf("DecimalDegrees = %s", got)
	}
}

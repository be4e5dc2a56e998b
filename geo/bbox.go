package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParamError reports a malformed query parameter or field; Param names it.
type ParamError struct {
	Param  string
	Reason string
}

// Error implements error.
func (e *ParamError) Error() string { return e.Param + ": " + e.Reason }

// ParseBBox parses an OGC API bbox parameter "minLon,minLat,maxLon,maxLat"
// (or the six-number 3D form, whose heights are ignored) in WGS84 degrees.
// A box may cross the antimeridian (minLon > maxLon) as OGC API – Features
// allows; such boxes are rejected here because the study area never does.
func ParseBBox(s string) (orb.Bound, error) {
	perr := func(reason string) (orb.Bound, error) {
		return orb.Bound{}, &ParamError{Param: "bbox", Reason: reason}
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return perr("want 4 comma-separated numbers minLon,minLat,maxLon,maxLat")
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return perr(fmt.Sprintf("value %d (%q) is not a finite number", i+1, p))
		}
		v[i] = f
	}
	minLon, minLat, maxLon, maxLat := v[0], v[1], v[2], v[3]
	if len(v) == 6 {
		minLon, minLat, maxLon, maxLat = v[0], v[1], v[3], v[4]
	}
	switch {
	case minLon < -180 || maxLon > 180 || minLon > 180 || maxLon < -180:
		return perr("longitudes must lie in [-180, 180]")
	case minLat < -90 || maxLat > 90 || minLat > 90 || maxLat < -90:
		return perr("latitudes must lie in [-90, 90]")
	case minLat > maxLat:
		return perr("minLat is greater than maxLat")
	case minLon > maxLon:
		return perr("minLon is greater than maxLon (boxes across the antimeridian are not supported)")
	}
	return orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}, nil
}

// ValidLonLat reports whether p is a finite WGS84 coordinate.
func ValidLonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) &&
		p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

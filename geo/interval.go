package geo

import (
	"strings"
	"time"
)

// Interval is a closed time interval; a zero Start or End is an open end.
type Interval struct {
	Start time.Time
	End   time.Time
}

// Open reports whether neither end is set.
func (iv Interval) Open() bool { return iv.Start.IsZero() && iv.End.IsZero() }

// Contains reports whether t lies in the interval, ends included.
func (iv Interval) Contains(t time.Time) bool {
	if !iv.Start.IsZero() && t.Before(iv.Start) {
		return false
	}
	if !iv.End.IsZero() && t.After(iv.End) {
		return false
	}
	return true
}

// ParseInterval parses the OGC API – Features datetime parameter (RFC 3339
// date-times or full dates): an instant "2024-05-01T10:00:00Z", a date
// "2024-05-01" (the whole UTC day), GDAL's "2024-05-01T" (midnight UTC), or an interval "start/end" where either end may be ".." or empty
// for an open end. param names the parameter in errors.
func ParseInterval(param, s string) (Interval, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Interval{}, &ParamError{Param: param, Reason: "empty"}
	}
	if !strings.Contains(s, "/") {
		start, end, err := parseInstant(param, s)
		if err != nil {
			return Interval{}, err
		}
		return Interval{Start: start, End: end}, nil
	}
	parts := strings.Split(s, "/")
	if len(parts) != 2 {
		return Interval{}, &ParamError{Param: param, Reason: "an interval has exactly one '/'"}
	}
	var iv Interval
	if p := parts[0]; p != "" && p != ".." {
		start, _, err := parseInstant(param, p)
		if err != nil {
			return Interval{}, err
		}
		iv.Start = start
	}
	if p := parts[1]; p != "" && p != ".." {
		_, end, err := parseInstant(param, p)
		if err != nil {
			return Interval{}, err
		}
		iv.End = end
	}
	if iv.Open() {
		return Interval{}, &ParamError{Param: param, Reason: "both ends of the interval are open"}
	}
	if !iv.Start.IsZero() && !iv.End.IsZero() && iv.End.Before(iv.Start) {
		return Interval{}, &ParamError{Param: param, Reason: "the interval ends before it starts"}
	}
	return iv, nil
}

// parseInstant returns the first and last instant that s denotes: the
// instant itself for a date-time, the whole UTC day for a date.
func parseInstant(param, s string) (time.Time, time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if t.Year() < 1900 || t.Year() > 2200 {
			return time.Time{}, time.Time{}, &ParamError{Param: param, Reason: "year out of range 1900-2200"}
		}
		return t.UTC(), t.UTC(), nil
	}
	// A date followed by a bare "T" is that date's midnight, UTC: GDAL
	// 3.6's OAPIF driver sends it for a -where comparison of a date-time
	// field with a date ("occurred_at >= '2021-03-05'" becomes
	// datetime=2021-03-05T/..), meaning the instant OGR compares with,
	// and trusts the server's answer without evaluating the comparison
	// again. RFC 3339 and the datetime grammar of OGC API – Features have
	// no such form; it is read here as what GDAL means.
	if len(s) == len("2006-01-02T") && s[len(s)-1] == 'T' {
		if d, err := time.Parse("2006-01-02", s[:len(s)-1]); err == nil && d.Year() >= 1900 && d.Year() <= 2200 {
			return d, d, nil
		}
	}
	if d, err := time.Parse("2006-01-02", s); err == nil {
		if d.Year() < 1900 || d.Year() > 2200 {
			return time.Time{}, time.Time{}, &ParamError{Param: param, Reason: "year out of range 1900-2200"}
		}
		return d, d.Add(24*time.Hour - time.Nanosecond), nil
	}
	return time.Time{}, time.Time{}, &ParamError{Param: param, Reason: "not an RFC 3339 date-time or date: " + truncate(s, 40)}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

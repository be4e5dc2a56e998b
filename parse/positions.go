package parse

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// This file reads the OsmAnd/Traccar HTTP location protocol, as Traccar's
// OsmAndProtocolDecoder does (traccar/traccar, src/main/java/org/traccar/
// protocol/OsmAndProtocolDecoder.java, and https://www.traccar.org/osmand/):
//
//   - query or form parameters: id or deviceid (the device's secret here),
//     lat, lon (or location=lat,lon), timestamp, speed in knots (the decoder
//     converts from "kn"), bearing or heading in degrees, altitude in
//     metres, accuracy in metres, hdop, batt in percent, valid;
//   - timestamp: an integer below 2^31-1 is unix seconds, a larger one unix
//     milliseconds; a value with a "T" is ISO 8601; otherwise
//     "yyyy-MM-dd HH:mm:ss" (UTC here);
//   - Traccar Client's JSON body (version 9 and later, whose background
//     location SDK posts {"location": {...}, "device_id": "..."}): timestamp
//     ISO 8601, coords.latitude/longitude in degrees, coords.speed in m/s,
//     coords.heading in degrees, coords.altitude and coords.accuracy in
//     metres, battery.level from 0 to 1; negative speed, heading, accuracy
//     or battery level mean unknown (iOS reports -1). With batch sync the
//     SDK sends "location" as an array.
//
// A position without a timestamp gets the time it was received, as
// Traccar's decoder does; such a position cannot be told from a resent one.

// MaxPositions is the most positions one request may carry.
const MaxPositions = 10000

// PositionItem is one position read from a request: the device secret it
// names (empty when it names none) and the position, or why it could not
// be read (a *record.ValidationError naming the protocol's field).
type PositionItem struct {
	DeviceKey string
	Position  record.Position
	Err       error
}

// knotMPS is one knot in metres per second.
const knotMPS = 1852.0 / 3600

// PositionFromValues reads one OsmAnd position from query or form values;
// received is the time given to a position without a timestamp.
func PositionFromValues(v url.Values, received time.Time) PositionItem {
	it := PositionItem{DeviceKey: firstOf(v, "id", "deviceid")}
	p := &it.Position
	p.Source = record.SourceOsmAnd
	var fe record.Fields
	lat, lon := v.Get("lat"), v.Get("lon")
	if loc := v.Get("location"); loc != "" && lat == "" && lon == "" {
		if a, b, ok := strings.Cut(loc, ","); ok {
			lat, lon = a, b
		} else {
			fe.Add("location", "must be lat,lon")
		}
	}
	p.Location[1] = requiredFloat(&fe, "lat", lat)
	p.Location[0] = requiredFloat(&fe, "lon", lon)
	if ts := v.Get("timestamp"); ts != "" {
		t, err := ParseFixTime(ts)
		if err != nil {
			fe.Add("timestamp", "%v", err)
		}
		p.FixTime = t
	} else {
		p.FixTime = received.UTC()
	}
	if s := optionalFloat(&fe, "speed", v.Get("speed")); s != nil {
		kn := *s * knotMPS
		p.SpeedMPS = &kn
	}
	p.BearingDeg = optionalFloat(&fe, "bearing", firstOf(v, "bearing", "heading"))
	p.AltitudeM = optionalFloat(&fe, "altitude", v.Get("altitude"))
	p.AccuracyM = optionalFloat(&fe, "accuracy", v.Get("accuracy"))
	p.HDOP = optionalFloat(&fe, "hdop", v.Get("hdop"))
	p.BatteryPct = optionalFloat(&fe, "batt", v.Get("batt"))
	if s := v.Get("valid"); s != "" {
		switch strings.ToLower(s) {
		case "true", "1":
		case "false", "0":
			p.Invalid = true
		default:
			fe.Add("valid", "must be true, false, 1 or 0")
		}
	}
	it.Err = finish(&fe, p)
	return it
}

// finish validates p unless fe already holds errors, and returns them.
func finish(fe *record.Fields, p *record.Position) error {
	if err := fe.Err(); err != nil {
		return err
	}
	return p.Validate()
}

func firstOf(v url.Values, keys ...string) string {
	for _, k := range keys {
		if s := v.Get(k); s != "" {
			return s
		}
	}
	return ""
}

func requiredFloat(fe *record.Fields, field, s string) float64 {
	if s == "" {
		fe.Add(field, "required")
		return 0
	}
	f := optionalFloat(fe, field, s)
	if f == nil {
		return 0
	}
	return *f
}

func optionalFloat(fe *record.Fields, field, s string) *float64 {
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		fe.Add(field, "not a number")
		return nil
	}
	return &f
}

// ParseFixTime reads a fix time as Traccar's OsmAnd decoder does: unix
// seconds (below 2^31-1) or milliseconds, ISO 8601 (RFC 3339, with or
// without fractional seconds or zone; no zone means UTC), or
// "2006-01-02 15:04:05" in UTC.
func ParseFixTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > 1e14 {
			return time.Time{}, errors.New("unix time out of range")
		}
		if n < math.MaxInt32 {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	}
	layouts := []string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05"}
	if !strings.Contains(s, "T") {
		layouts = layouts[3:]
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not unix seconds or milliseconds, ISO 8601 or yyyy-MM-dd HH:mm:ss", record.Truncate(s, 40))
}

// traccarBody is Traccar Client's JSON body; location is one object, or an
// array with batch sync.
type traccarBody struct {
	Location json.RawMessage `json:"location"`
	DeviceID json.RawMessage `json:"device_id"`
}

type traccarLocation struct {
	Timestamp json.RawMessage `json:"timestamp"`
	Coords    *struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
		Accuracy  *float64 `json:"accuracy"`
		Speed     *float64 `json:"speed"`
		Heading   *float64 `json:"heading"`
		Altitude  *float64 `json:"altitude"`
	} `json:"coords"`
	Battery *struct {
		Level *float64 `json:"level"`
	} `json:"battery"`
}

// PositionsFromJSON reads a JSON body: one Traccar Client object, one with
// an array of locations, or an array of such objects (a batch). It fails
// only when the body is not such JSON at all; a position that cannot be
// read is an item with Err.
func PositionsFromJSON(b []byte) ([]PositionItem, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var bodies []json.RawMessage
		if err := json.Unmarshal(b, &bodies); err != nil {
			return nil, fmt.Errorf("not a JSON array of positions: %w", err)
		}
		var out []PositionItem
		for _, raw := range bodies {
			items, err := positionsFromObject(raw)
			if err != nil {
				items = []PositionItem{{Err: invalid("location", err.Error())}}
			}
			out = append(out, items...)
			if len(out) > MaxPositions {
				return nil, fmt.Errorf("more than %d positions", MaxPositions)
			}
		}
		return out, nil
	}
	return positionsFromObject(b)
}

func invalid(field, reason string) error {
	return &record.ValidationError{Fields: []record.FieldError{{Field: field, Reason: reason}}}
}

func positionsFromObject(raw []byte) ([]PositionItem, error) {
	var body traccarBody
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("not a Traccar Client JSON object: %w", err)
	}
	key, err := jsonText(body.DeviceID)
	if err != nil {
		return nil, fmt.Errorf("device_id: %w", err)
	}
	loc := bytes.TrimSpace(body.Location)
	if len(loc) == 0 || bytes.Equal(loc, []byte("null")) {
		return []PositionItem{{DeviceKey: key, Err: invalid("location", "required")}}, nil
	}
	var locs []json.RawMessage
	if loc[0] == '[' {
		if err := json.Unmarshal(loc, &locs); err != nil {
			return nil, fmt.Errorf("location: %w", err)
		}
		if len(locs) > MaxPositions {
			return nil, fmt.Errorf("more than %d positions", MaxPositions)
		}
	} else {
		locs = []json.RawMessage{loc}
	}
	out := make([]PositionItem, len(locs))
	for i, l := range locs {
		out[i] = positionFromLocation(l)
		out[i].DeviceKey = key
	}
	return out, nil
}

// jsonText reads a device id given as a JSON string or number.
func jsonText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var s string
	if raw[0] == '"' {
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", errors.New("must be a string or a number")
	}
	return n.String(), nil
}

// known returns v unless it is nil or negative (the SDK's "unknown").
func known(v *float64) *float64 {
	if v == nil || *v < 0 {
		return nil
	}
	return v
}

func positionFromLocation(raw []byte) PositionItem {
	var it PositionItem
	p := &it.Position
	p.Source = record.SourceTraccarJSON
	var l traccarLocation
	if err := json.Unmarshal(raw, &l); err != nil {
		it.Err = invalid("location", "not a location object: "+err.Error())
		return it
	}
	var fe record.Fields
	ts, err := jsonText(l.Timestamp)
	switch {
	case err != nil:
		fe.Add("timestamp", "%v", err)
	case ts == "":
		fe.Add("timestamp", "required")
	default:
		if p.FixTime, err = ParseFixTime(ts); err != nil {
			fe.Add("timestamp", "%v", err)
		}
	}
	if l.Coords == nil || l.Coords.Latitude == nil || l.Coords.Longitude == nil {
		fe.Add("coords", "latitude and longitude are required")
	} else {
		c := l.Coords
		p.Location = orb.Point{*c.Longitude, *c.Latitude}
		p.AccuracyM, p.SpeedMPS, p.BearingDeg = known(c.Accuracy), known(c.Speed), known(c.Heading)
		p.AltitudeM = c.Altitude
	}
	if l.Battery != nil {
		if lv := known(l.Battery.Level); lv != nil {
			pct := *lv * 100
			p.BatteryPct = &pct
		}
	}
	it.Err = finish(&fe, p)
	return it
}

// PositionsFromLines reads a newline-delimited batch: each non-empty line
// is a Traccar Client JSON object or an OsmAnd query string (as OsmAnd
// buffers its requests while offline, with or without the leading "?").
func PositionsFromLines(b []byte, received time.Time) ([]PositionItem, error) {
	var out []PositionItem
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(out) >= MaxPositions {
			return nil, fmt.Errorf("more than %d positions", MaxPositions)
		}
		if line[0] == '{' {
			items, err := positionsFromObject(line)
			if err != nil {
				items = []PositionItem{{Err: invalid("location", err.Error())}}
			}
			out = append(out, items...)
			continue
		}
		q := string(line)
		if i := strings.IndexByte(q, '?'); i >= 0 {
			q = q[i+1:]
		}
		v, err := url.ParseQuery(q)
		if err != nil {
			out = append(out, PositionItem{Err: invalid("line", "not a query string: "+err.Error())})
			continue
		}
		out = append(out, PositionFromValues(v, received))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read lines: %w", err)
	}
	return out, nil
}

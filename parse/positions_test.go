package parse

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/record"
)

var received = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fieldsOf returns the field names of a *record.ValidationError.
func fieldsOf(err error) []string {
	var ve *record.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// osmandCases are OsmAnd query strings with what they must read as.
var osmandCases = []struct {
	name      string
	query     string
	key       string
	lat, lon  float64
	fix       time.Time
	speedMPS  float64 // -1: none
	battPct   float64 // -1: none
	invalid   bool
	badFields string
}{
	{name: "OsmAnd app default", query: "id=bwd_abc&lat=37.1946&lon=68.6053&timestamp=1740830400&hdop=4&altitude=420&speed=10",
		key: "bwd_abc", lat: 37.1946, lon: 68.6053, fix: time.Unix(1740830400, 0), speedMPS: 10 * 1852.0 / 3600, battPct: -1},
	{name: "Traccar Client query form", query: "deviceid=bwd_x&lat=37.5&lon=69&timestamp=1740830400000&speed=0&bearing=90&altitude=500&accuracy=12&batt=73",
		key: "bwd_x", lat: 37.5, lon: 69, fix: time.Unix(1740830400, 0), speedMPS: 0, battPct: 73},
	{name: "ISO timestamp and location", query: "id=k&location=37.1,68.2&timestamp=2025-03-01T11:59:00.500Z&valid=false",
		key: "k", lat: 37.1, lon: 68.2, fix: time.Date(2025, 3, 1, 11, 59, 0, 5e8, time.UTC), speedMPS: -1, battPct: -1, invalid: true},
	{name: "space-separated timestamp", query: "id=k&lat=37&lon=68&timestamp=2025-03-01+10:00:00",
		key: "k", lat: 37, lon: 68, fix: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), speedMPS: -1, battPct: -1},
	{name: "no timestamp: received time", query: "id=k&lat=37&lon=68", key: "k", lat: 37, lon: 68, fix: received, speedMPS: -1, battPct: -1},
	{name: "missing lon", query: "id=k&lat=37", badFields: "lon"},
	{name: "bad numbers", query: "id=k&lat=north&lon=68&speed=fast", badFields: "lat,speed"},
	{name: "latitude out of range", query: "id=k&lat=97&lon=68&timestamp=1740830400", badFields: "lat"},
	{name: "battery over 100", query: "id=k&lat=37&lon=68&batt=140", badFields: "batt"},
	{name: "clock at 1970", query: "id=k&lat=37&lon=68&timestamp=5", badFields: "timestamp"},
	{name: "bad valid", query: "id=k&lat=37&lon=68&valid=maybe", badFields: "valid"},
}

func TestPositionFromValues(t *testing.T) {
	for _, tc := range osmandCases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			it := PositionFromValues(v, received)
			if tc.badFields != "" {
				if got := strings.Join(fieldsOf(it.Err), ","); got != tc.badFields {
					t.Fatalf("fields %q (err %v), want %q", got, it.Err, tc.badFields)
				}
				return
			}
			if it.Err != nil {
				t.Fatal(it.Err)
			}
			p := it.Position
			if it.DeviceKey != tc.key || !near(p.Location[1], tc.lat) || !near(p.Location[0], tc.lon) || !p.FixTime.Equal(tc.fix) {
				t.Fatalf("read %q %v at %s", it.DeviceKey, p.Location, p.FixTime)
			}
			if (tc.speedMPS < 0) != (p.SpeedMPS == nil) || (p.SpeedMPS != nil && !near(*p.SpeedMPS, tc.speedMPS)) {
				t.Errorf("speed %v, want %v m/s", p.SpeedMPS, tc.speedMPS)
			}
			if (tc.battPct < 0) != (p.BatteryPct == nil) || (p.BatteryPct != nil && *p.BatteryPct != tc.battPct) {
				t.Errorf("battery %v, want %v", p.BatteryPct, tc.battPct)
			}
			if p.Invalid != tc.invalid || p.Source != record.SourceOsmAnd {
				t.Errorf("invalid %v source %q", p.Invalid, p.Source)
			}
		})
	}
}

// traccarClientBody is a body as Traccar Client 9 posts it: the location
// template of its preferences.dart filled in by the background location
// SDK, with device_id from its params.
const traccarClientBody = `{"location":{"timestamp":"2025-03-01T11:58:30.123Z","coords":{"latitude":37.19461,"longitude":68.60531,"accuracy":8.5,"speed":12.4,"heading":271.3,"altitude":418.2},"is_moving":true,"odometer":1532.4,"event":"motionchange","battery":{"level":0.61,"is_charging":false},"activity":{"type":"in_vehicle"},"extras":{},"_":"&id=bwd_abc&lat=37.19461&lon=68.60531&timestamp=2025-03-01T11:58:30.123Z&"},"device_id":"bwd_abc"}`

var jsonCases = []struct {
	name      string
	body      string
	n         int
	badFields string // of the first item
	fails     bool
}{
	{name: "Traccar Client", body: traccarClientBody, n: 1},
	{name: "batch sync array of locations", body: `{"location":[{"timestamp":"2025-03-01T11:00:00Z","coords":{"latitude":37,"longitude":68}},{"timestamp":"2025-03-01T11:01:00Z","coords":{"latitude":37.01,"longitude":68}}],"device_id":"bwd_abc"}`, n: 2},
	{name: "array of bodies", body: `[` + traccarClientBody + `,` + traccarClientBody + `]`, n: 2},
	{name: "iOS unknowns", body: `{"location":{"timestamp":"2025-03-01T11:00:00Z","coords":{"latitude":37,"longitude":68,"speed":-1,"heading":-1,"accuracy":-1},"battery":{"level":-1}},"device_id":12345678}`, n: 1},
	{name: "no coords", body: `{"location":{"timestamp":"2025-03-01T11:00:00Z"},"device_id":"x"}`, n: 1, badFields: "coords"},
	{name: "no timestamp", body: `{"location":{"coords":{"latitude":37,"longitude":68}},"device_id":"x"}`, n: 1, badFields: "timestamp"},
	{name: "no location", body: `{"device_id":"x"}`, n: 1, badFields: "location"},
	{name: "not JSON", body: `{"location":`, fails: true},
	{name: "device id object", body: `{"location":{},"device_id":{}}`, fails: true},
}

func TestPositionsFromJSON(t *testing.T) {
	for _, tc := range jsonCases {
		t.Run(tc.name, func(t *testing.T) {
			items, err := PositionsFromJSON([]byte(tc.body))
			if tc.fails {
				if err == nil {
					t.Fatalf("read %d items, want an error", len(items))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tc.n {
				t.Fatalf("%d items, want %d", len(items), tc.n)
			}
			if got := strings.Join(fieldsOf(items[0].Err), ","); got != tc.badFields {
				t.Fatalf("fields %q (%v), want %q", got, items[0].Err, tc.badFields)
			}
		})
	}
}

func TestTraccarClientValues(t *testing.T) {
	items, err := PositionsFromJSON([]byte(traccarClientBody))
	if err != nil || len(items) != 1 || items[0].Err != nil {
		t.Fatalf("%v %v", items, err)
	}
	it := items[0]
	p := it.Position
	if it.DeviceKey != "bwd_abc" || p.Location[1] != 37.19461 || p.Location[0] != 68.60531 {
		t.Fatalf("%q %v", it.DeviceKey, p.Location)
	}
	if !p.FixTime.Equal(time.Date(2025, 3, 1, 11, 58, 30, 123e6, time.UTC)) {
		t.Errorf("fix time %s", p.FixTime)
	}
	// JSON speed is m/s already; battery level 0..1 becomes percent.
	if *p.SpeedMPS != 12.4 || *p.BearingDeg != 271.3 || *p.AltitudeM != 418.2 || *p.AccuracyM != 8.5 || !near(*p.BatteryPct, 61) {
		t.Errorf("speed %v bearing %v altitude %v accuracy %v battery %v", *p.SpeedMPS, *p.BearingDeg, *p.AltitudeM, *p.AccuracyM, *p.BatteryPct)
	}
	if p.Source != record.SourceTraccarJSON {
		t.Errorf("source %q", p.Source)
	}
	unknown, _ := PositionsFromJSON([]byte(jsonCases[3].body))
	q := unknown[0].Position
	if unknown[0].DeviceKey != "12345678" || q.SpeedMPS != nil || q.BearingDeg != nil || q.AccuracyM != nil || q.BatteryPct != nil {
		t.Errorf("iOS -1 values must read as unknown: %+v %q", q, unknown[0].DeviceKey)
	}
}

var linesCases = []struct {
	name  string
	body  string
	n     int
	bad   int
	fails bool
}{
	{name: "OsmAnd buffered requests", body: "/?id=k&lat=37&lon=68&timestamp=1740830400\n?id=k&lat=37.001&lon=68&timestamp=1740830410\n\nid=k&lat=37.002&lon=68&timestamp=1740830420\n", n: 3},
	{name: "JSON lines", body: traccarClientBody + "\n" + traccarClientBody + "\n", n: 2},
	{name: "mixed with a bad line", body: "id=k&lat=37&lon=68&timestamp=1740830400\nid=k&lat=x&lon=68\n%zz\n", n: 3, bad: 2},
}

func TestPositionsFromLines(t *testing.T) {
	for _, tc := range linesCases {
		t.Run(tc.name, func(t *testing.T) {
			items, err := PositionsFromLines([]byte(tc.body), received)
			if err != nil {
				t.Fatal(err)
			}
			bad := 0
			for _, it := range items {
				if it.Err != nil {
					bad++
				}
			}
			if len(items) != tc.n || bad != tc.bad {
				t.Fatalf("%d items, %d bad; want %d, %d", len(items), bad, tc.n, tc.bad)
			}
		})
	}
}

func TestParseFixTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"1740830400":                     time.Unix(1740830400, 0),
		"1740830400123":                  time.UnixMilli(1740830400123),
		"2025-03-01T12:00:00Z":           time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		"2025-03-01T15:00:00+03:00":      time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		"2025-03-01T15:00:00+0300":       time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		"2025-03-01T12:00:00.250":        time.Date(2025, 3, 1, 12, 0, 0, 25e7, time.UTC),
		"2025-03-01 12:00:00":            time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		"2025-03-01T12:00:00.123456789Z": time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC),
	} {
		got, err := ParseFixTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %s %v, want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "-5", "2025-13-01T00:00:00Z", "99999999999999999"} {
		if _, err := ParseFixTime(in); err == nil {
			t.Errorf("%q read without error", in)
		}
	}
}

func FuzzPositionFromValues(f *testing.F) {
	for _, tc := range osmandCases {
		f.Add(tc.query)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		it := PositionFromValues(v, received)
		if it.Err == nil {
			if err := it.Position.Validate(); err != nil {
				t.Fatalf("read without error but invalid: %v", err)
			}
		}
	})
}

func FuzzPositionsFromJSON(f *testing.F) {
	for _, tc := range jsonCases {
		f.Add(tc.body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		items, err := PositionsFromJSON([]byte(body))
		if err != nil {
			return
		}
		for _, it := range items {
			if it.Err == nil {
				if err := it.Position.Validate(); err != nil {
					t.Fatalf("read without error but invalid: %v", err)
				}
			}
		}
	})
}

func FuzzPositionsFromLines(f *testing.F) {
	for _, tc := range linesCases {
		f.Add(tc.body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		items, err := PositionsFromLines([]byte(body), received)
		if err != nil {
			return
		}
		if len(items) > MaxPositions {
			t.Fatalf("%d items", len(items))
		}
		for _, it := range items {
			if it.Err == nil {
				if err := it.Position.Validate(); err != nil {
					t.Fatalf("read without error but invalid: %v", err)
				}
			}
		}
	})
}

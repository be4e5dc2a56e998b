package parse

import (
	"strings"
	"testing"
	"time"
)

// gpxTrack is a GPX 1.1 track as a Garmin handheld writes it, speed and
// course in its TrackPointExtension.
const gpxTrack = `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="eTrex 32x" xmlns="http://www.topografix.com/GPX/1/1"
  xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2">
  <metadata><time>2025-03-01T06:00:00Z</time></metadata>
  <wpt lat="37.3" lon="68.9"><name>base</name></wpt>
  <trk><name>Patrol 1 March</name>
    <trkseg>
      <trkpt lat="37.1946" lon="68.6053"><ele>418</ele><time>2025-03-01T06:00:00Z</time><hdop>1.2</hdop></trkpt>
      <trkpt lat="37.1990" lon="68.6100"><ele>420</ele><time>2025-03-01T06:01:00Z</time>
        <extensions><gpxtpx:TrackPointExtension><gpxtpx:speed>9.5</gpxtpx:speed><gpxtpx:course>41</gpxtpx:course></gpxtpx:TrackPointExtension></extensions>
      </trkpt>
    </trkseg>
    <trkseg>
      <trkpt lat="37.2050" lon="68.6180"><time>2025-03-01T06:03:00Z</time></trkpt>
    </trkseg>
  </trk>
</gpx>`

var gpxCases = []struct {
	name  string
	doc   string
	n     int
	bad   []string // fields of the bad items, in order
	fails bool
}{
	{name: "handheld track", doc: gpxTrack, n: 3},
	{name: "GPX 1.0 speed and course", doc: `<gpx version="1.0"><trk><trkseg><trkpt lat="37" lon="68"><time>2025-03-01T06:00:00Z</time><speed>3</speed><course>10</course></trkpt></trkseg></trk></gpx>`, n: 1},
	{name: "point without time", doc: `<gpx><trk><trkseg><trkpt lat="37" lon="68"></trkpt><trkpt lat="37" lon="68"><time>2025-03-01T06:00:00Z</time></trkpt></trkseg></trk></gpx>`, n: 2, bad: []string{"time"}},
	{name: "bad coordinates", doc: `<gpx><trk><trkseg><trkpt lat="137" lon="x"><time>2025-03-01T06:00:00Z</time></trkpt></trkseg></trk></gpx>`, n: 1, bad: []string{"lon"}},
	{name: "no track points", doc: `<gpx><wpt lat="1" lon="2"/></gpx>`, fails: true},
	{name: "not GPX", doc: `<kml></kml>`, fails: true},
	{name: "not XML", doc: `{"type":"FeatureCollection"}`, fails: true},
}

func TestGPX(t *testing.T) {
	for _, tc := range gpxCases {
		t.Run(tc.name, func(t *testing.T) {
			items, err := GPX(strings.NewReader(tc.doc))
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
			var bad []string
			for _, it := range items {
				if it.Err != nil {
					bad = append(bad, strings.Join(fieldsOf(it.Err), ","))
				}
			}
			if strings.Join(bad, ";") != strings.Join(tc.bad, ";") {
				t.Fatalf("bad fields %v, want %v", bad, tc.bad)
			}
		})
	}
}

func TestGPXValues(t *testing.T) {
	items, err := GPX(strings.NewReader(gpxTrack))
	if err != nil {
		t.Fatal(err)
	}
	a, b := items[0].Position, items[1].Position
	if a.Location[0] != 68.6053 || a.Location[1] != 37.1946 || *a.AltitudeM != 418 || *a.HDOP != 1.2 || a.SpeedMPS != nil {
		t.Errorf("first point %+v", a)
	}
	if !b.FixTime.Equal(time.Date(2025, 3, 1, 6, 1, 0, 0, time.UTC)) || *b.SpeedMPS != 9.5 || *b.BearingDeg != 41 {
		t.Errorf("second point %+v", b)
	}
	if a.Source != "gpx" {
		t.Errorf("source %q", a.Source)
	}
}

func FuzzGPX(f *testing.F) {
	for _, tc := range gpxCases {
		f.Add(tc.doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		items, err := GPX(strings.NewReader(doc))
		if err != nil {
			return
		}
		if len(items) == 0 || len(items) > MaxPositions {
			t.Fatalf("%d items without error", len(items))
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

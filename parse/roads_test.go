package parse_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/record"
)

func openFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestParseRoadsOSMXML(t *testing.T) {
	roads, st, err := parse.RoadsOSM(context.Background(), openFixture(t, "roads_small.osm"), parse.RoadFormatOSM, parse.DefaultRoadSpeeds())
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 5 || st.Skipped != 1 || st.MissingNodes != 1 || st.Roads != 5 || len(roads) != 5 {
		t.Fatalf("stats %+v, %d roads; want 5 read, 1 skipped, 1 missing node, 5 roads", st, len(roads))
	}
	byWay := map[int64][]record.Road{}
	for _, r := range roads {
		byWay[r.OSMID] = append(byWay[r.OSMID], r)
	}
	if r := byWay[100]; len(r) != 1 || r[0].Name != "Main road" || r[0].SpeedKPH != 60 || r[0].Oneway || len(r[0].Line) != 4 {
		t.Errorf("way 100: %+v", r)
	}
	if r := byWay[101]; len(r) != 1 || r[0].SpeedKPH != 10 {
		t.Errorf("way 101: maxspeed 10 should cap the track speed: %+v", r)
	}
	if r := byWay[102]; len(r) != 1 || !r[0].Oneway || r[0].Line[0] != (orb.Point{68.56, 37.53}) {
		t.Errorf("way 102: oneway=-1 should reverse the line: %+v", r)
	}
	if r := byWay[103]; len(r) != 0 {
		t.Errorf("footway imported: %+v", r)
	}
	if r := byWay[104]; len(r) != 2 || !r[0].Oneway || len(r[0].Line) != 2 || len(r[1].Line) != 2 {
		t.Errorf("way 104 should be split at the missing node: %+v", r)
	}
}

// TestParseRoadsOSMPBF reads testdata/roads_small.osm.pbf, the XML
// fixture converted by "osmium cat roads_small.osm -o roads_small.osm.pbf"
// (zlib-compressed blocks, dense nodes), and wants exactly the roads and
// counts of the XML: the same ways, names, classes, speeds, directions and
// coordinates.
func TestParseRoadsOSMPBF(t *testing.T) {
	ctx := context.Background()
	speeds := parse.DefaultRoadSpeeds()
	want, wantSt, err := parse.RoadsOSM(ctx, openFixture(t, "roads_small.osm"), parse.RoadFormatOSM, speeds)
	if err != nil {
		t.Fatal(err)
	}
	f := openFixture(t, "roads_small.osm.pbf")
	head := make([]byte, 64)
	if _, err := io.ReadFull(f, head); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"roads_small.osm.pbf", "roads"} {
		if format, err := parse.DetectRoadFormat(name, head); err != nil || format != parse.RoadFormatPBF {
			t.Errorf("DetectRoadFormat(%q): %q, %v; want pbf", name, format, err)
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, st, err := parse.RoadsOSM(ctx, f, parse.RoadFormatPBF, speeds)
	if err != nil {
		t.Fatal(err)
	}
	if st != wantSt {
		t.Errorf("stats %+v, the XML gives %+v", st, wantSt)
	}
	if len(got) != len(want) {
		t.Fatalf("%d roads, the XML gives %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("road %d:\n pbf %+v\n xml %+v", i, got[i], want[i])
		}
	}
}

func TestParseRoadsGeoJSON(t *testing.T) {
	roads, st, err := parse.RoadsGeoJSON(openFixture(t, "roads_small.geojson"), parse.DefaultRoadSpeeds())
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 5 || st.Skipped != 2 || len(roads) != 4 {
		t.Fatalf("stats %+v, %d roads; want 5 read, 2 skipped, 4 roads", st, len(roads))
	}
	if r := roads[0]; r.SpeedKPH != 55 || r.Name != "Dusti - Panji Poyon" || r.Highway != "primary" {
		t.Errorf("road 0: %+v", r)
	}
	if r := roads[1]; !r.Oneway || r.SpeedKPH != 20 || len(r.Line) != 2 {
		t.Errorf("road 1: want a one-way track at the class speed without the repeated point: %+v", r)
	}
	if roads[2].Highway != "unclassified" || roads[3].Highway != "unclassified" {
		t.Errorf("multilinestring parts: %+v %+v", roads[2], roads[3])
	}
}

func TestParseRoadsRejectsBadInput(t *testing.T) {
	speeds := parse.DefaultRoadSpeeds()
	for _, tc := range []struct{ name, geojson string }{
		{"not json", `nope`},
		{"wrong type", `{"type": "Point", "coordinates": [1, 2]}`},
		{"bad speed", `{"type": "Feature", "properties": {"speed_kph": -3}, "geometry": {"type": "LineString", "coordinates": [[1, 2], [2, 3]]}}`},
		{"bad oneway", `{"type": "Feature", "properties": {"oneway": "maybe"}, "geometry": {"type": "LineString", "coordinates": [[1, 2], [2, 3]]}}`},
		{"bad coordinate", `{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[1, 2], [200, 3]]}}`},
		{"bad country", `{"type": "Feature", "properties": {"country": "tj"}, "geometry": {"type": "LineString", "coordinates": [[1, 2], [2, 3]]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parse.RoadsGeoJSON(strings.NewReader(tc.geojson), speeds)
			if !errors.Is(err, parse.ErrRoadFile) {
				t.Fatalf("err = %v, want ErrRoadFile", err)
			}
		})
	}
	_, _, err := parse.RoadsOSM(context.Background(), strings.NewReader(`<osm><way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="track"/></way><node id="1" lat="95" lon="1"/><node id="2" lat="1" lon="1"/></osm>`), parse.RoadFormatOSM, speeds)
	if !errors.Is(err, parse.ErrRoadFile) {
		t.Errorf("invalid node position: err = %v", err)
	}
	if _, err := parse.ReadRoadSpeeds(strings.NewReader(`{"track": -1}`)); !errors.Is(err, parse.ErrRoadFile) {
		t.Errorf("negative speed accepted: %v", err)
	}
	sp, err := parse.ReadRoadSpeeds(strings.NewReader(`{"track": 0, "path": 5}`))
	if err != nil || sp["track"] != 0 || sp["path"] != 5 || sp["primary"] != 60 {
		t.Errorf("speeds %v, %v", sp, err)
	}
}

func TestDetectRoadFormat(t *testing.T) {
	for _, tc := range []struct{ name, file, head, want string }{
		{"pbf", "tajikistan-latest.osm.pbf", "", parse.RoadFormatPBF},
		{"osm", "x.osm", "", parse.RoadFormatOSM},
		{"geojson", "x.geojson", "", parse.RoadFormatGeoJSON},
		{"sniff xml", "roads", "  <?xml", parse.RoadFormatOSM},
		{"sniff json", "roads", "\n{", parse.RoadFormatGeoJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse.DetectRoadFormat(tc.file, []byte(tc.head))
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := parse.DetectRoadFormat("roads", []byte("???")); err == nil {
		t.Error("unknown content accepted")
	}
}

// FuzzParseRoadsGeoJSON checks that the GeoJSON road parser never panics
// and only returns valid roads.
func FuzzParseRoadsGeoJSON(f *testing.F) {
	b, err := os.ReadFile("testdata/roads_small.geojson")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"type": "Feature", "properties": {"oneway": "-1", "speed_kph": 40}, "geometry": {"type": "LineString", "coordinates": [[1, 2], [2, 3]]}}`))
	f.Add([]byte(`{"type": "FeatureCollection", "features": [null]}`))
	f.Add([]byte(`{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [1, 2]]}}`))
	speeds := parse.DefaultRoadSpeeds()
	f.Fuzz(func(t *testing.T, in []byte) {
		roads, _, err := parse.RoadsGeoJSON(bytes.NewReader(in), speeds)
		if err != nil {
			return
		}
		checkRoads(t, roads)
	})
}

// FuzzParseRoadsOSM checks the OpenStreetMap XML road parser likewise.
func FuzzParseRoadsOSM(f *testing.F) {
	b, err := os.ReadFile("testdata/roads_small.osm")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`<osm><way id="1"><nd ref="1"/><nd ref="1"/><tag k="highway" v="track"/></way><node id="1" lat="1" lon="1"/></osm>`))
	f.Add([]byte(`<osm><node id="1" lat="NaN" lon="1"/><way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="road"/><tag k="maxspeed" v="30 mph"/></way></osm>`))
	speeds := parse.DefaultRoadSpeeds()
	f.Fuzz(func(t *testing.T, in []byte) {
		roads, _, err := parse.RoadsOSM(context.Background(), bytes.NewReader(in), parse.RoadFormatOSM, speeds)
		if err != nil {
			return
		}
		checkRoads(t, roads)
	})
}

func checkRoads(t *testing.T, roads []record.Road) {
	t.Helper()
	for i, r := range roads {
		if len(r.Line) < 2 || !(r.SpeedKPH > 0) || r.SpeedKPH > 300 || r.Highway == "" {
			t.Fatalf("road %d invalid: %+v", i, r)
		}
		for k, p := range r.Line {
			if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
				t.Fatalf("road %d: invalid point %v", i, p)
			}
			if k > 0 && p == r.Line[k-1] {
				t.Fatalf("road %d: repeated point %v", i, p)
			}
		}
	}
}

// TestParseRoadsGeoJSONConnectorsAndRefs reads the junction fixture: the
// gap_fill connector is an inferred road named by its ref, the others are
// mapped, and a non-boolean gap_fill is refused.
func TestParseRoadsGeoJSONConnectorsAndRefs(t *testing.T) {
	roads, st, err := parse.RoadsGeoJSON(openFixture(t, "roads_junctions.geojson"), parse.DefaultRoadSpeeds())
	if err != nil {
		t.Fatal(err)
	}
	if len(roads) != 6 || st.Skipped != 1 {
		t.Fatalf("%d roads, %+v", len(roads), st)
	}
	for _, r := range roads {
		want := record.RoadMapped
		if r.Name == "E-04" {
			want = record.RoadInferred
		}
		if r.Kind != want {
			t.Errorf("road %q: kind %q, want %q", r.Name, r.Kind, want)
		}
	}
	if roads[0].Name != "A" || roads[4].Name != "E-04" || !roads[2].Oneway {
		t.Errorf("names or oneway: %+v", roads)
	}
	_, _, err = parse.RoadsGeoJSON(strings.NewReader(`{"type":"Feature","properties":{"gap_fill":"yes"},"geometry":{"type":"LineString","coordinates":[[68,37],[68.1,37]]}}`), parse.DefaultRoadSpeeds())
	if !errors.Is(err, parse.ErrRoadFile) || !strings.Contains(err.Error(), "gap_fill") {
		t.Errorf("gap_fill \"yes\": %v", err)
	}
}

// FuzzRoadsGeoJSON feeds the GeoJSON road parser arbitrary input: it
// returns roads or an ErrRoadFile, never panics, and every road it
// returns has at least two valid, distinct consecutive points, a positive
// speed and a known kind.
func FuzzRoadsGeoJSON(f *testing.F) {
	for _, name := range []string{"roads_junctions.geojson", "roads_small.geojson"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`{"type":"Feature","properties":{"oneway":"-1","speed_kph":30},"geometry":{"type":"MultiLineString","coordinates":[[[68,37],[68,37],[68.1,37]]]}}`)
	f.Add(`{"type":"FeatureCollection","features":[null,{"type":"Feature","geometry":null}]}`)
	f.Fuzz(func(t *testing.T, input string) {
		roads, _, err := parse.RoadsGeoJSON(strings.NewReader(input), parse.DefaultRoadSpeeds())
		if err != nil {
			if !errors.Is(err, parse.ErrRoadFile) {
				t.Fatalf("error not wrapping ErrRoadFile: %v", err)
			}
			return
		}
		for _, r := range roads {
			if len(r.Line) < 2 || !(r.SpeedKPH > 0) || (r.Kind != record.RoadMapped && r.Kind != record.RoadInferred) {
				t.Fatalf("bad road %+v", r)
			}
			for k, p := range r.Line {
				if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) || k > 0 && p == r.Line[k-1] {
					t.Fatalf("bad point %v in %+v", p, r)
				}
			}
		}
	})
}

package parse

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// ErrRoadFile is wrapped by the errors of the road file parsers.
var ErrRoadFile = errors.New("invalid road file")

// Road file formats.
const (
	RoadFormatPBF     = "pbf"     // OpenStreetMap protocol buffer (.osm.pbf)
	RoadFormatOSM     = "osm"     // OpenStreetMap XML (.osm)
	RoadFormatGeoJSON = "geojson" // GeoJSON LineStrings
)

// DefaultRoadClass is the highway class of GeoJSON roads without one.
const DefaultRoadClass = "road"

// RoadSpeeds maps highway classes (OpenStreetMap highway=* values) to the
// travel speed in km/h a patrol vehicle keeps on them. A class that is
// missing or has speed 0 is not imported.
type RoadSpeeds map[string]float64

// DefaultRoadSpeeds returns the speeds used when none are configured:
// cautious cross-country speeds for laden patrol vehicles on the region's
// roads, not the legal limits. Paths, footways, steps and roads under
// construction are left out.
func DefaultRoadSpeeds() RoadSpeeds {
	return RoadSpeeds{
		"motorway": 90, "motorway_link": 50, "trunk": 70, "trunk_link": 40,
		"primary": 60, "primary_link": 40, "secondary": 50, "secondary_link": 35,
		"tertiary": 40, "tertiary_link": 30, "unclassified": 30, "residential": 25,
		"living_street": 10, "service": 15, "track": 20, "road": 30,
	}
}

// ReadRoadSpeeds reads a JSON object of class → km/h and returns the
// default speeds overridden by it; a speed of 0 leaves a class out.
func ReadRoadSpeeds(r io.Reader) (RoadSpeeds, error) {
	var m map[string]float64
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: speeds: %v", ErrRoadFile, err)
	}
	speeds := DefaultRoadSpeeds()
	for k, v := range m {
		if k == "" || len(k) > 100 {
			return nil, fmt.Errorf("%w: speeds: bad class name %q", ErrRoadFile, k)
		}
		if !(v >= 0) || v > record.MaxRoadSpeedKPH {
			return nil, fmt.Errorf("%w: speeds: %s: %g km/h is not in [0, %d]", ErrRoadFile, k, v, record.MaxRoadSpeedKPH)
		}
		speeds[k] = v
	}
	return speeds, nil
}

// DetectRoadFormat returns the format of a road file from its name and its
// first bytes.
func DetectRoadFormat(name string, head []byte) (string, error) {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".pbf"):
		return RoadFormatPBF, nil
	case strings.HasSuffix(lower, ".osm"), strings.HasSuffix(lower, ".xml"):
		return RoadFormatOSM, nil
	case strings.HasSuffix(lower, ".geojson"), strings.HasSuffix(lower, ".json"):
		return RoadFormatGeoJSON, nil
	}
	h := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(h, []byte("<")):
		return RoadFormatOSM, nil
	case bytes.HasPrefix(h, []byte("{")):
		return RoadFormatGeoJSON, nil
	case bytes.Contains(head, []byte("OSMHeader")):
		return RoadFormatPBF, nil
	}
	return "", fmt.Errorf("%w: cannot tell the format of %s; name it .osm.pbf, .osm or .geojson", ErrRoadFile, filepath.Base(name))
}

// RoadStats counts what a road parser read and left out.
type RoadStats struct {
	// Ways or features read, and roads produced from them.
	Read, Roads int
	// Skipped are ways or features of other classes or geometry types.
	Skipped int
	// MissingNodes counts way nodes absent from an OpenStreetMap extract;
	// the ways are split there.
	MissingNodes int
}

// RoadsOSM reads the highways of an OpenStreetMap file (format
// RoadFormatPBF or RoadFormatOSM) whose class has a speed in speeds. It
// reads r twice, first the ways and then only the nodes they use, so that
// country extracts fit in memory. maxspeed tags lower the class speed;
// oneway, oneway=-1, roundabouts and motorways give one-way roads.
//
// Over 100 lines as a parser of a published format: its two passes (ways, then their nodes) read in order.
func RoadsOSM(ctx context.Context, r io.ReadSeeker, format string, speeds RoadSpeeds) ([]record.Road, RoadStats, error) {
	var st RoadStats
	if format != RoadFormatPBF && format != RoadFormatOSM {
		return nil, st, fmt.Errorf("%w: unknown OpenStreetMap format %q", ErrRoadFile, format)
	}
	type way struct {
		id      osm.WayID
		nodes   []osm.NodeID
		name    string
		class   string
		speed   float64
		oneway  bool
		reverse bool
	}
	var ways []way
	need := map[osm.NodeID]int32{}
	err := scanOSM(ctx, r, format, false, func(o osm.Object) {
		w, ok := o.(*osm.Way)
		if !ok {
			return
		}
		class := w.Tags.Find("highway")
		if class == "" {
			return
		}
		st.Read++
		speed := speeds[class]
		if speed <= 0 || w.Tags.Find("area") == "yes" || len(w.Nodes) < 2 {
			st.Skipped++
			return
		}
		if ms, ok := parseMaxSpeed(w.Tags.Find("maxspeed")); ok && ms < speed {
			speed = ms
		}
		ow := strings.ToLower(w.Tags.Find("oneway"))
		wy := way{id: w.ID, name: w.Tags.Find("name"), class: class, speed: speed}
		switch {
		case ow == "yes" || ow == "true" || ow == "1":
			wy.oneway = true
		case ow == "-1" || ow == "reverse":
			wy.oneway, wy.reverse = true, true
		case ow == "no" || ow == "false" || ow == "0":
		case class == "motorway" || w.Tags.Find("junction") == "roundabout":
			wy.oneway = true
		}
		wy.nodes = make([]osm.NodeID, len(w.Nodes))
		for i, n := range w.Nodes {
			wy.nodes[i] = n.ID
			if _, ok := need[n.ID]; !ok {
				need[n.ID] = -1
			}
		}
		ways = append(ways, wy)
	})
	if err != nil {
		return nil, st, err
	}
	if len(ways) == 0 {
		return nil, st, nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, st, fmt.Errorf("rewind: %w", err)
	}
	coords := make([]orb.Point, 0, len(need))
	var badNode error
	err = scanOSM(ctx, r, format, true, func(o osm.Object) {
		n, ok := o.(*osm.Node)
		if !ok {
			return
		}
		i, ok := need[n.ID]
		if !ok || i >= 0 {
			return
		}
		p := orb.Point{osmCoord(n.Lon), osmCoord(n.Lat)}
		if !geo.ValidLonLat(p) && badNode == nil {
			badNode = fmt.Errorf("%w: node %d has an invalid position %v", ErrRoadFile, n.ID, p)
		}
		need[n.ID] = int32(len(coords))
		coords = append(coords, p)
	})
	if err != nil {
		return nil, st, err
	}
	if badNode != nil {
		return nil, st, badNode
	}
	var roads []record.Road
	for _, w := range ways {
		var line orb.LineString
		flush := func() {
			if len(line) >= 2 {
				if w.reverse {
					for i, j := 0, len(line)-1; i < j; i, j = i+1, j-1 {
						line[i], line[j] = line[j], line[i]
					}
				}
				roads = append(roads, record.Road{OSMID: int64(w.id), Kind: record.RoadMapped, Name: w.name, Highway: w.class, SpeedKPH: w.speed, Oneway: w.oneway, Line: line})
			}
			line = nil
		}
		for _, id := range w.nodes {
			i := need[id]
			if i < 0 {
				st.MissingNodes++
				flush()
				continue
			}
			if p := coords[i]; len(line) == 0 || line[len(line)-1] != p {
				line = append(line, p)
			}
		}
		flush()
	}
	st.Roads = len(roads)
	return roads, st, nil
}

// scanOSM calls fn for every object of an OpenStreetMap file; nodesOnly
// skips ways and relations, otherwise nodes and relations are skipped
// where the format allows.
func scanOSM(ctx context.Context, r io.Reader, format string, nodesOnly bool, fn func(osm.Object)) error {
	type scanner interface {
		Scan() bool
		Object() osm.Object
		Err() error
		Close() error
	}
	var sc scanner
	if format == RoadFormatPBF {
		s := osmpbf.New(ctx, r, max(1, runtime.GOMAXPROCS(0)))
		s.SkipRelations = true
		s.SkipNodes = !nodesOnly
		s.SkipWays = nodesOnly
		sc = s
	} else {
		sc = osmxml.New(ctx, bufio.NewReaderSize(r, 1<<16))
	}
	defer sc.Close()
	for sc.Scan() {
		fn(sc.Object())
	}
	if err := sc.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %v", ErrRoadFile, err)
	}
	return ctx.Err()
}

// parseMaxSpeed reads an OpenStreetMap maxspeed value ("60", "60 km/h",
// "40 mph") in km/h.
func parseMaxSpeed(s string) (float64, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	factor := 1.0
	switch {
	case strings.HasSuffix(s, "mph"):
		factor = 1.609344
		s = strings.TrimSpace(strings.TrimSuffix(s, "mph"))
	case strings.HasSuffix(s, "km/h"):
		s = strings.TrimSpace(strings.TrimSuffix(s, "km/h"))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || v > record.MaxRoadSpeedKPH {
		return 0, false
	}
	return v * factor, true
}

// osmCoord rounds a coordinate to OpenStreetMap's precision of 1e-7°, so
// that a position read from .osm.pbf (an integer multiple of the block's
// granularity, scaled in floating point) is the same float64 as the decimal
// written in .osm XML.
func osmCoord(v float64) float64 {
	return math.Round(v*1e7) / 1e7
}

// maxRoadsGeoJSONBytes bounds a GeoJSON road file.
const maxRoadsGeoJSONBytes = 2 << 30

// RoadsGeoJSON reads the LineString and MultiLineString features of a
// GeoJSON FeatureCollection (or a single Feature) as roads. Properties are
// optional: speed_kph (number), oneway (boolean, or "yes"/"no"/"-1"),
// highway (class, default "road"), name, ref (the name when name is
// absent), country (ISO alpha-3), gap_fill (true marks a connector that is
// inferred, not mapped: Kind RoadInferred). A feature
// without speed_kph gets its class's speed from speeds, and is left out
// when the class has none. Features of other geometry types are counted as
// skipped; invalid coordinates or properties are errors naming the feature.
func RoadsGeoJSON(r io.Reader, speeds RoadSpeeds) ([]record.Road, RoadStats, error) {
	var st RoadStats
	b, err := io.ReadAll(io.LimitReader(r, maxRoadsGeoJSONBytes+1))
	if err != nil {
		return nil, st, fmt.Errorf("read: %w", err)
	}
	if len(b) > maxRoadsGeoJSONBytes {
		return nil, st, fmt.Errorf("%w: larger than %d bytes", ErrRoadFile, maxRoadsGeoJSONBytes)
	}
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, st, fmt.Errorf("%w: not JSON: %v", ErrRoadFile, err)
	}
	var features []*geojson.Feature
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return nil, st, fmt.Errorf("%w: %v", ErrRoadFile, err)
		}
		features = fc.Features
	case "Feature":
		f, err := geojson.UnmarshalFeature(b)
		if err != nil {
			return nil, st, fmt.Errorf("%w: %v", ErrRoadFile, err)
		}
		features = []*geojson.Feature{f}
	default:
		return nil, st, fmt.Errorf("%w: want a GeoJSON FeatureCollection or Feature, got type %q", ErrRoadFile, probe.Type)
	}
	var roads []record.Road
	for i, f := range features {
		st.Read++
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: feature %d: %s", ErrRoadFile, i, fmt.Sprintf(format, args...))
		}
		var lines []orb.LineString
		if f == nil {
			st.Skipped++
			continue
		}
		switch g := f.Geometry.(type) {
		case orb.LineString:
			lines = []orb.LineString{g}
		case orb.MultiLineString:
			lines = g
		default:
			st.Skipped++
			continue
		}
		rd, reverse, ok, err := roadProperties(f.Properties, speeds)
		if err != nil {
			return nil, st, bad("%v", err)
		}
		if !ok {
			st.Skipped++
			continue
		}
		for _, ls := range lines {
			var line orb.LineString
			for _, p := range ls {
				if !geo.ValidLonLat(p) {
					return nil, st, bad("invalid coordinate %v", p)
				}
				if len(line) == 0 || line[len(line)-1] != p {
					line = append(line, p)
				}
			}
			if len(line) < 2 {
				continue
			}
			if reverse {
				for a, b := 0, len(line)-1; a < b; a, b = a+1, b-1 {
					line[a], line[b] = line[b], line[a]
				}
			}
			r := rd
			r.Line = line
			roads = append(roads, r)
		}
	}
	st.Roads = len(roads)
	return roads, st, nil
}

// roadProperties reads the properties of a GeoJSON road feature (see
// RoadsGeoJSON): the road without its line, whether its line runs against
// its direction (oneway -1), and false when its class has no speed.
func roadProperties(props geojson.Properties, speeds RoadSpeeds) (rd record.Road, reverse, ok bool, err error) {
	rd = record.Road{Highway: DefaultRoadClass}
	if v, ok := props["highway"]; ok && v != nil {
		s, ok := v.(string)
		if !ok || s == "" || len(s) > 100 {
			return rd, false, false, fmt.Errorf("highway must be a class name")
		}
		rd.Highway = s
	}
	for _, key := range []string{"name", "ref"} {
		if v, ok := props[key]; ok && v != nil {
			s, ok := v.(string)
			if !ok || len(s) > 500 {
				return rd, false, false, fmt.Errorf("%s must be a string of at most 500 characters", key)
			}
			if rd.Name == "" {
				rd.Name = s
			}
		}
	}
	rd.Kind = record.RoadMapped
	if v, ok := props["gap_fill"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return rd, false, false, fmt.Errorf("gap_fill must be a boolean")
		}
		if b {
			rd.Kind = record.RoadInferred
		}
	}
	if v, ok := props["country"]; ok && v != nil {
		s, ok := v.(string)
		if !ok || !record.ValidISO3(s) {
			return rd, false, false, fmt.Errorf("country must be an ISO 3166-1 alpha-3 code")
		}
		rd.Country = s
	}
	if v, ok := props["oneway"]; ok && v != nil {
		switch t := v.(type) {
		case bool:
			rd.Oneway = t
		case string:
			switch strings.ToLower(t) {
			case "yes", "true", "1":
				rd.Oneway = true
			case "-1", "reverse":
				rd.Oneway, reverse = true, true
			case "no", "false", "0":
			default:
				return rd, false, false, fmt.Errorf("oneway %q is not yes, no or -1", t)
			}
		default:
			return rd, false, false, fmt.Errorf("oneway must be a boolean")
		}
	}
	if v, ok := props["speed_kph"]; ok && v != nil {
		s, ok := v.(float64)
		if !ok || !(s > 0) || s > record.MaxRoadSpeedKPH {
			return rd, false, false, fmt.Errorf("speed_kph must be a number in (0, %d]", record.MaxRoadSpeedKPH)
		}
		rd.SpeedKPH = s
	} else {
		rd.SpeedKPH = speeds[rd.Highway]
		if rd.SpeedKPH <= 0 {
			return rd, false, false, nil
		}
	}
	return rd, reverse, true, nil
}

// Classes returns the sorted class names with a positive speed.
func (s RoadSpeeds) Classes() []string {
	var out []string
	for k, v := range s {
		if v > 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

package record

import "github.com/paulmach/orb"

// MaxRoadSpeedKPH is the highest travel speed a road may have; it matches
// the roads.speed_kph check constraint.
const MaxRoadSpeedKPH = 300

// Road kinds: how a road's geometry is known. The vocabulary matches the
// roads.kind check constraint.
const (
	// RoadMapped is a road mapped on the ground (OpenStreetMap).
	RoadMapped = "mapped"
	// RoadInferred is a connector drawn across a gap of the mapped data,
	// such as the straight joins where country extracts were cut at a
	// border; it exists but its course is not mapped.
	RoadInferred = "inferred"
	// RoadSynthetic is a made-up track of the demo, only where no mapped
	// road reaches a post.
	RoadSynthetic = "synthetic"
)

// RoadKinds lists the road kinds.
var RoadKinds = []string{RoadMapped, RoadInferred, RoadSynthetic}

// Road is one polyline of the road network, as a road file gives it and as
// it is stored.
type Road struct {
	// ID is the stored road's id, 0 before it is stored.
	ID int64
	// Source names the import the road came from ("osm", "synthetic", …);
	// re-importing a source replaces its roads.
	Source string
	// OSMID is the OpenStreetMap way id, or 0.
	OSMID int64
	Name  string
	// Highway is the road class (OpenStreetMap highway=* values, or "road").
	Highway  string
	SpeedKPH float64
	// Oneway roads may only be driven in the direction of Line.
	Oneway bool
	// Country is the ISO 3166-1 alpha-3 code of the country the road lies
	// in entirely, or "" when it is unknown or the road crosses a border.
	Country string
	// Kind is RoadMapped, RoadInferred or RoadSynthetic; "" is stored as
	// RoadMapped.
	Kind string
	// Line is the geometry in {lon, lat}, at least two distinct points.
	Line orb.LineString
}

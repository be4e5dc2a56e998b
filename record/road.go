package record

import "github.com/paulmach/orb"

// MaxRoadSpeedKPH is the highest travel speed a road may have; it matches
// the roads.speed_kph check constraint.
const MaxRoadSpeedKPH = 300

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
	// Line is the geometry in {lon, lat}, at least two distinct points.
	Line orb.LineString
}

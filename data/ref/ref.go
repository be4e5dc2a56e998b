// Package ref embeds Borderwatch's reference geodata and fact tables: the
// country polygons, shared border lines, provinces, populated places,
// rivers, border crossings, Border Liaison Offices and reported seizures
// described in SOURCE.md and SOURCE-borders.md. It imports nothing.
package ref

import "embed"

// FS holds the reference files (GeoJSON, CSV and their SOURCE notes).
//
//go:embed *.geojson *.csv *.md
var FS embed.FS

// File names inside FS.
const (
	CountriesOSM        = "countries_osm_odbl.geojson"
	CountriesNE         = "countries_ne10m.geojson"
	BordersOSM          = "borders_osm_odbl.geojson"
	BordersNE           = "borders_ne10m.geojson"
	Admin1              = "admin1.geojson"
	PlacesNE            = "places_ne10m.geojson"
	PlacesGeoNames      = "places_geonames.geojson"
	RiversNE            = "rivers_ne10m.geojson"
	Crossings           = "crossings.csv"
	LiaisonOffices      = "border_liaison_offices.csv"
	ReportedSeizures    = "reported_seizures.csv"
	AttributionOSM      = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"
	AttributionGeoNames = "GeoNames (www.geonames.org), CC BY 4.0"
)

package data

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// Collection describes one read-only reference feature collection.
type Collection struct {
	ID          string
	Title       string
	Description string
	// Attribution is the licence and source note to show with the data.
	Attribution string
	// intKey is true when ids are integers (keyset cursors compare as such).
	intKey    bool
	listSQL   string
	countSQL  string
	getSQL    string
	extentSQL string
	tileSQL   string
}

// Feature is one reference feature: an id, a geometry (nil when the location
// is unknown) and its properties.
type Feature struct {
	ID         string
	Geometry   orb.Geometry
	Properties map[string]any
}

// FeaturePage is one page of a reference collection.
type FeaturePage struct {
	Features      []Feature
	NumberMatched int64
	// Next is the cursor of the next page, "" on the last page.
	Next string
}

// FeatureQuery selects features of a reference collection.
type FeatureQuery struct {
	BBox  *orb.Bound
	Limit int
	After string
}

// refCollection builds the SQL of a simple reference table whose rows have
// an id, a geometry and a props expression.
func refCollection(id, title, desc, attribution, table, props string, intKey bool) Collection {
	keyCast := "::text"
	if intKey {
		keyCast = "::integer"
	}
	bboxCond := `($1::float8 IS NULL OR geom && ST_MakeEnvelope($1, $2, $3, $4, 4326))`
	return Collection{
		ID: id, Title: title, Description: desc, Attribution: attribution, intKey: intKey,
		listSQL: `SELECT id::text, ST_AsEWKB(geom), ` + props + ` FROM ` + table + ` WHERE ` + bboxCond +
			` AND ($5::text IS NULL OR id > $5` + keyCast + `) ORDER BY id LIMIT $6`,
		countSQL:  `SELECT count(*) FROM ` + table + ` WHERE ` + bboxCond,
		getSQL:    `SELECT id::text, ST_AsEWKB(geom), ` + props + ` FROM ` + table + ` WHERE id::text = $1`,
		extentSQL: `SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM (SELECT ST_Extent(geom)::geometry AS x FROM ` + table + `) s`,
		tileSQL:   refTileSQL(id, table, props),
	}
}

const (
	attrOSM = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"
	attrNE  = "Made with Natural Earth (public domain)"
)

// roadProps are the properties of a road feature. kind tells a mapped
// road from an inferred connector and a synthetic demo track.
const roadProps = `jsonb_build_object('name', name, 'highway', highway, 'kind', kind, 'speed_kph', speed_kph, 'oneway', oneway, 'country', country, 'source', source, 'osm_id', osm_id)`

// roadsCollection serves the road network; its tiles hold fewer road
// classes at low zooms (roadTileSQL).
func roadsCollection() Collection {
	c := refCollection("roads", "Roads",
		"The road network the planner routes on: OpenStreetMap roads (kind mapped; August 2021), straight connectors inferred across gaps where country extracts were cut (kind inferred), and synthetic demo tracks only to posts no mapped road reaches (kind synthetic).",
		attrOSM, "roads", roadProps, true)
	c.tileSQL = refTileSQL("roads", `(SELECT * FROM roads WHERE kind <> 'mapped'
	    OR highway IN ('motorway', 'motorway_link', 'trunk', 'trunk_link', 'primary', 'primary_link')
	    OR $1::integer >= 9 AND highway IN ('secondary', 'secondary_link', 'tertiary', 'tertiary_link')
	    OR $1::integer >= 11) r`, roadProps)
	return c
}

// collections lists the reference collections in the order they are served.
// The events collection is served separately (it is writable and temporal).
var collections = []Collection{
	refCollection("borders", "Border lines",
		"Shared border lines per country pair: OpenStreetMap (2017) lines, with Natural Earth 10m pieces where the OSM line has a gap.",
		attrOSM+"; "+attrNE, "borders",
		`jsonb_build_object('country_a', country_a, 'country_b', country_b, 'length_km', round(length_km::numeric, 1), 'source', source, 'license', license)`, false),
	refCollection("countries", "Countries",
		"Country polygons of Afghanistan, Tajikistan, Uzbekistan, Turkmenistan and Kyrgyzstan.",
		attrOSM, "(SELECT iso3 AS id, * FROM countries) c",
		`jsonb_build_object('iso3', iso3, 'name', name, 'source', source, 'license', license)`, false),
	refCollection("provinces", "Provinces",
		"First-level administrative divisions (provinces, oblasts, velayats).",
		attrNE, "provinces",
		`jsonb_build_object('code', code, 'name', name, 'name_en', name_en, 'country', country, 'type', type_en, 'note', note)`, true),
	refCollection("crossings", "Border crossings",
		"Ports of entry, bridges and passes with their cited source and location confidence.",
		"Coordinates from the cited public pages", "crossings",
		`jsonb_build_object('name', name, 'country_a', country_a, 'country_b', country_b, 'kind', kind, 'confidence', confidence, 'source_url', source_url, 'note', note)`, true),
	refCollection("offices", "Offices",
		"Border Liaison Offices, border outposts, crossing points, MOBIT bases and analytical centres.",
		"Facts from the cited public reports; GeoNames (CC BY 4.0) coordinates", "offices",
		`jsonb_build_object('name', name, 'agency', agency_id, 'country', country, 'kind', kind, 'border', border, 'opened', opened, 'supported_by', supported_by, 'location_precision', location_precision, 'source_url', source_url, 'note', note, 'synthetic', synthetic)`, true),
	refCollection("teams", "Mobile Interdiction Teams",
		"MOBITs with their agency, home base, vehicle speed, shift length and crew.",
		"", "teams",
		`jsonb_build_object('name', name, 'agency', agency_id, 'country', country, 'base_office', base_office, 'speed_kph', speed_kph, 'offroad_kph', offroad_kph, 'shift_h', shift_h, 'crew', crew, 'synthetic', synthetic)`, true),
	refCollection("places", "Places",
		"Populated places (GeoNames and Natural Earth) for orientation.",
		"GeoNames (www.geonames.org), CC BY 4.0; "+attrNE, "places",
		`jsonb_build_object('name', name, 'country', country, 'admin1', admin1, 'population', population, 'rank', rank, 'source', source)`, true),
	refCollection("rivers", "Rivers",
		"River and lake centerlines (Natural Earth 10m).",
		attrNE, "rivers",
		`jsonb_build_object('name', name, 'source', source)`, true),
	roadsCollection(),
	refCollection("sectors", "Border sectors",
		"Border sectors: each section of a shared border line with the area on each side within the sector depth, owned by that side's border agency (borderwatch sectors generate), and imported sector polygons.",
		attrOSM, "sectors",
		`jsonb_build_object('set', sector_set, 'name', name, 'border', border_id, 'section', section_id, 'section_index', section_index, 'side', side, 'agency', agency_id, 'sector_km', sector_km, 'depth_km', depth_km, 'border_km', round(border_km::numeric, 2), 'area_km2', round(area_km2::numeric, 1), 'source', source)`, false),
}

// CollectionByID returns the reference collection with the given id.
func CollectionByID(id string) (Collection, bool) {
	for _, c := range collections {
		if c.ID == id {
			return c, true
		}
	}
	return Collection{}, false
}

func scanFeature(row interface{ Scan(...any) error }) (Feature, error) {
	var (
		f     Feature
		wkb   []byte
		props []byte
	)
	if err := row.Scan(&f.ID, &wkb, &props); err != nil {
		return Feature{}, err
	}
	g, err := decodeEWKB(wkb)
	if err != nil {
		return Feature{}, err
	}
	f.Geometry = g
	if err := json.Unmarshal(props, &f.Properties); err != nil {
		return Feature{}, err
	}
	return f, nil
}

// ListFeatures returns one page of collection c.
func (s *Store) ListFeatures(ctx context.Context, c Collection, q FeatureQuery) (FeaturePage, error) {
	if q.Limit < 1 || q.Limit > MaxLimit {
		return FeaturePage{}, pageSizeError()
	}
	var after *string
	if q.After != "" {
		if c.intKey {
			if _, err := strconv.Atoi(q.After); err != nil {
				return FeaturePage{}, &record.ValidationError{Fields: []record.FieldError{{Field: "after", Reason: "malformed"}}}
			}
		}
		after = &q.After
	}
	var b [4]*float64
	if q.BBox != nil {
		b = [4]*float64{&q.BBox.Min[0], &q.BBox.Min[1], &q.BBox.Max[0], &q.BBox.Max[1]}
	}
	page := FeaturePage{}
	if err := s.pool.QueryRow(ctx, c.countSQL, b[0], b[1], b[2], b[3]).Scan(&page.NumberMatched); err != nil {
		return FeaturePage{}, fmt.Errorf("count %s: %w", c.ID, mapErr(err))
	}
	rows, err := s.pool.Query(ctx, c.listSQL, b[0], b[1], b[2], b[3], after, q.Limit+1)
	if err != nil {
		return FeaturePage{}, fmt.Errorf("list %s: %w", c.ID, mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFeature(rows)
		if err != nil {
			return FeaturePage{}, fmt.Errorf("list %s: %w", c.ID, err)
		}
		page.Features = append(page.Features, f)
	}
	if err := rows.Err(); err != nil {
		return FeaturePage{}, fmt.Errorf("list %s: %w", c.ID, mapErr(err))
	}
	if len(page.Features) > q.Limit {
		page.Features = page.Features[:q.Limit]
		page.Next = page.Features[q.Limit-1].ID
	}
	return page, nil
}

// pageSizeError is the error of a page size outside 1..MaxLimit.
func pageSizeError() error {
	return &record.ValidationError{Fields: []record.FieldError{{Field: "page_size", Reason: fmt.Sprintf("must be between 1 and %d", MaxLimit)}}}
}

// GetFeature returns one feature of collection c or ErrNotFound.
func (s *Store) GetFeature(ctx context.Context, c Collection, id string) (Feature, error) {
	f, err := scanFeature(s.pool.QueryRow(ctx, c.getSQL, id))
	if err != nil {
		return Feature{}, fmt.Errorf("get %s %s: %w", c.ID, id, mapErr(err))
	}
	return f, nil
}

// Extent returns the bounding box of collection c; ok is false when empty.
func (s *Store) Extent(ctx context.Context, c Collection) (orb.Bound, bool, error) {
	var v [4]*float64
	if err := s.pool.QueryRow(ctx, c.extentSQL).Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
		return orb.Bound{}, false, fmt.Errorf("extent %s: %w", c.ID, mapErr(err))
	}
	if v[0] == nil {
		return orb.Bound{}, false, nil
	}
	return orb.Bound{Min: orb.Point{*v[0], *v[1]}, Max: orb.Point{*v[2], *v[3]}}, true, nil
}

// Collections returns the reference collections in the order they are
// served.
func Collections() []Collection { return slices.Clone(collections) }

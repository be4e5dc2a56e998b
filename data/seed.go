package data

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data/ref"
	"github.com/borderwatch/borderwatch/record"
)

// SeedProgress is told after each reference table is loaded, with the table
// name and the number of rows written to it. It may be nil.
type SeedProgress func(table string, rows int)

// SeedSummary counts what SeedReference wrote.
type SeedSummary struct {
	Agencies  int
	Countries int
	Provinces int
	Borders   int
	Crossings int
	Places    int
	Rivers    int
	Offices   int
	// Seizures is the number of reported seizures stored as events.
	Seizures int
	// SeizuresSkipped counts reported seizures without coordinates.
	SeizuresSkipped int
}

// refAgency is one agency of the region. From and Until bound the years in
// which the synthetic history lets it report (zero: unbounded).
type refAgency struct {
	ID, Name, Country, Kind string
	From, Until             int
}

// refAgencies are the real agencies of the region. Slugs are
// <country ISO2>-<function>. The Russian border guards (FPS, from 2003 FSB)
// guarded the Tajik–Afghan border until they handed it over in 2005;
// Kyrgyzstan's State Service on Drug Control existed from 2003 to 2009,
// after which the Interior Ministry's drug service took over.
var refAgencies = []refAgency{
	{ID: "tj-dca", Name: "Drug Control Agency under the President of the Republic of Tajikistan", Country: "TJK", Kind: "drug_control"},
	{ID: "tj-border", Name: "Border Troops of the State Committee for National Security of the Republic of Tajikistan", Country: "TJK", Kind: "border_guard"},
	{ID: "tj-customs", Name: "Customs Service under the Government of the Republic of Tajikistan", Country: "TJK", Kind: "customs"},
	{ID: "tj-mvd", Name: "Ministry of Internal Affairs of the Republic of Tajikistan (drug police)", Country: "TJK", Kind: "police"},
	{ID: "ru-fps", Name: "Russian border guards in Tajikistan (FPS/FSB)", Country: "RUS", Kind: "border_guard", Until: 2005},
	{ID: "uz-border", Name: "Border Troops of the State Security Service of the Republic of Uzbekistan", Country: "UZB", Kind: "border_guard"},
	{ID: "uz-customs", Name: "State Customs Committee of the Republic of Uzbekistan", Country: "UZB", Kind: "customs"},
	{ID: "uz-sss", Name: "State Security Service of the Republic of Uzbekistan (National Security Service, SNB, until 2018)", Country: "UZB", Kind: "other"},
	{ID: "uz-mvd", Name: "Ministry of Internal Affairs of the Republic of Uzbekistan", Country: "UZB", Kind: "police"},
	{ID: "kg-border", Name: "Border Service of the Kyrgyz Republic", Country: "KGZ", Kind: "border_guard"},
	{ID: "kg-dcs", Name: "State Service on Drug Control of the Kyrgyz Republic", Country: "KGZ", Kind: "drug_control", From: 2003, Until: 2009},
	{ID: "kg-mvd", Name: "Ministry of Internal Affairs of the Kyrgyz Republic (Service for Combating Illicit Drug Trafficking)", Country: "KGZ", Kind: "police"},
	{ID: "kg-gknb", Name: "State Committee for National Security of the Kyrgyz Republic (GKNB)", Country: "KGZ", Kind: "other"},
	{ID: "kg-customs", Name: "State Customs Service of the Kyrgyz Republic", Country: "KGZ", Kind: "customs"},
	{ID: "tm-border", Name: "State Border Service of Turkmenistan", Country: "TKM", Kind: "border_guard"},
	{ID: "tm-customs", Name: "State Customs Service of Turkmenistan", Country: "TKM", Kind: "customs"},
	{ID: "af-border", Name: "Afghan Border Police", Country: "AFG", Kind: "border_guard"},
	{ID: "af-cnpa", Name: "Counter Narcotics Police of Afghanistan", Country: "AFG", Kind: "drug_control"},
}

// borderAgency is each country's border agency: the owner of its Border
// Liaison Offices, posts and mobile teams.
var borderAgency = map[string]string{
	"TJK": "tj-border", "UZB": "uz-border", "KGZ": "kg-border", "TKM": "tm-border", "AFG": "af-border",
}

// agencyPatterns map the first agency named in reported_seizures.csv's
// agency column (case-insensitive substring, first match wins) to a slug.
var agencyPatterns = []struct{ pattern, id string }{
	{"russian border guards", "ru-fps"},
	{"tajik drug control agency", "tj-dca"},
	{"tajik customs", "tj-customs"},
	{"tajik interior ministry", "tj-mvd"},
	{"tajik border", "tj-border"},
	{"tajik state border guard", "tj-border"},
	{"uzbek state security service", "uz-sss"},
	{"uzbek national security service", "uz-sss"},
	{"uzbek security service", "uz-sss"},
	{"uzbek state customs", "uz-customs"},
	{"uzbek customs", "uz-customs"},
	{"uzbek border", "uz-border"},
	{"uzbek interior ministry", "uz-mvd"},
	{"kyrgyz interior ministry", "kg-mvd"},
	{"kyrgyz service for combating illicit drug", "kg-mvd"},
	{"kyrgyz state service on drug control", "kg-dcs"},
	{"kyrgyz scns", "kg-gknb"},
	{"kyrgyz border", "kg-border"},
	{"turkmen border", "tm-border"},
}

// mapAgency returns the slug of the first agency named in a
// reported_seizures.csv agency cell.
func mapAgency(cell string) (string, bool) {
	first := strings.ToLower(strings.TrimSpace(strings.Split(cell, ";")[0]))
	for _, p := range agencyPatterns {
		if strings.Contains(first, p.pattern) {
			return p.id, true
		}
	}
	return "", false
}

// countryISO3 maps the country names and ISO 3166-1 alpha-2 codes used in
// the reference files to alpha-3 codes.
var countryISO3 = map[string]string{
	"Afghanistan": "AFG", "Tajikistan": "TJK", "Uzbekistan": "UZB", "Kyrgyzstan": "KGZ", "Turkmenistan": "TKM",
	"AF": "AFG", "TJ": "TJK", "UZ": "UZB", "KG": "KGZ", "TM": "TKM",
	"PK": "PAK", "IN": "IND", "IR": "IRN", "KZ": "KAZ", "CN": "CHN",
}

// studyCountries are the countries whose polygons the countries table holds.
var studyCountries = map[string]bool{"AFG": true, "TJK": true, "UZB": true, "KGZ": true, "TKM": true}

// borderGap is a stretch of a shared border that the OpenStreetMap line
// lacks; SOURCE-borders.md documents it. The Natural Earth line between From
// and To fills it.
type borderGap struct {
	CountryA, CountryB string
	From, To           orb.Point
}

// borderGaps are the documented gaps of borders_osm_odbl.geojson.
var borderGaps = []borderGap{
	{CountryA: "AFG", CountryB: "TKM", From: orb.Point{65.268, 37.236}, To: orb.Point{65.700, 37.535}},
}

const neSourceLicense = "Public domain (Natural Earth)"

// featureCollection is a GeoJSON FeatureCollection whose geometries stay
// raw, to be parsed by PostGIS.
type featureCollection struct {
	Source   string `json:"source"`
	License  string `json:"license"`
	Features []struct {
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	} `json:"features"`
}

func readFeatureCollection(name string) (*featureCollection, error) {
	b, err := fs.ReadFile(ref.FS, name)
	if err != nil {
		return nil, err
	}
	var fc featureCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &fc, nil
}

func readRefCSV(name string) ([]map[string]string, error) {
	f, err := ref.FS.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := readCSVMaps(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rows, nil
}

// readCSVMaps reads a small CSV file with a header into one map per row.
func readCSVMaps(r io.Reader) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[strings.TrimSpace(h)] = strings.TrimSpace(rec[i])
		}
		out = append(out, m)
	}
}

func prop(p map[string]any, key string) string {
	switch v := p[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func propFloat(p map[string]any, key string) (float64, bool) {
	v, ok := p[key].(float64)
	return v, ok
}

// SQL fragments turning GeoJSON text into valid SRID 4326 multi-geometries.
const (
	sqlMultiPolygonFromJSON = `ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($G), 4326)), 3))`
	sqlMultiLineFromJSON    = `ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($G), 4326)), 2))`
)

func withGeom(sql, fragment, param string) string {
	return strings.ReplaceAll(sql, "$GEOM", strings.ReplaceAll(fragment, "$G", param))
}

var (
	sqlUpsertAgency = `INSERT INTO agencies (id, name, country, kind) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, country = EXCLUDED.country, kind = EXCLUDED.kind`
	sqlUpsertCountry = withGeom(`INSERT INTO countries (iso3, name, source, license, geom) VALUES ($1, $2, $3, $4, $GEOM)
ON CONFLICT (iso3) DO UPDATE SET name = EXCLUDED.name, source = EXCLUDED.source, license = EXCLUDED.license, geom = EXCLUDED.geom`,
		sqlMultiPolygonFromJSON, "$5")
	sqlInsertProvince = withGeom(`INSERT INTO provinces (code, name, name_en, country, type_en, note, source, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, $GEOM)`, sqlMultiPolygonFromJSON, "$8")
	sqlUpsertBorder = withGeom(`INSERT INTO borders (id, country_a, country_b, length_km, source, license, geom)
SELECT $1, $2, $3, ST_Length(g::geography) / 1000, $4, $5, g FROM (SELECT $GEOM AS g) s
ON CONFLICT (id) DO UPDATE SET country_a = EXCLUDED.country_a, country_b = EXCLUDED.country_b,
  length_km = EXCLUDED.length_km, source = EXCLUDED.source, license = EXCLUDED.license, geom = EXCLUDED.geom`,
		sqlMultiLineFromJSON, "$6")
	sqlUpsertCrossing = `INSERT INTO crossings (name, country_a, country_b, kind, confidence, source_url, note, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, ST_SetSRID(ST_MakePoint($8, $9), 4326))
ON CONFLICT (name) DO UPDATE SET country_a = EXCLUDED.country_a, country_b = EXCLUDED.country_b, kind = EXCLUDED.kind,
  confidence = EXCLUDED.confidence, source_url = EXCLUDED.source_url, note = EXCLUDED.note, geom = EXCLUDED.geom`
	sqlInsertPlace = `INSERT INTO places (name, country, admin1, population, rank, source, license, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, ST_SetSRID(ST_MakePoint($8, $9), 4326))`
	sqlInsertRiver = withGeom(`INSERT INTO rivers (name, source, license, geom) VALUES ($1, $2, $3, $GEOM)`,
		sqlMultiLineFromJSON, "$4")
	sqlUpsertOffice = `INSERT INTO offices (name, agency_id, country, kind, border, opened, supported_by,
  location_precision, source_url, note, synthetic, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, false,
  CASE WHEN $11::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($11, $12), 4326) END)
ON CONFLICT (name) DO UPDATE SET agency_id = EXCLUDED.agency_id, country = EXCLUDED.country, kind = EXCLUDED.kind,
  border = EXCLUDED.border, opened = EXCLUDED.opened, supported_by = EXCLUDED.supported_by,
  location_precision = EXCLUDED.location_precision, source_url = EXCLUDED.source_url, note = EXCLUDED.note,
  synthetic = false, geom = EXCLUDED.geom`
)

// sqlUpsertEventBySourceRef inserts an event, or updates the agency's event
// with the same source_ref when something changed.
const sqlUpsertEventBySourceRef = `INSERT INTO event_records AS e (kind, occurred_at, time_precision, geom, accuracy_m, place,
  agency_id, sharing, source_ref, source_url, synthetic, joint_operation_id, items, category, severity,
  persons_detained, notes)
VALUES ($1, $2, $3, ST_GeomFromEWKB($4), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (agency_id, source_ref) DO UPDATE SET ` + eventUpdateSet + `
WHERE ` + eventChanged

// eventUpdateSet and eventChanged are shared by every upsert of events by
// (agency_id, source_ref): the update touches a row only when a value
// differs, so re-loading the same records does not bump versions.
const (
	eventUpdateSet = `kind = EXCLUDED.kind, occurred_at = EXCLUDED.occurred_at,
  time_precision = EXCLUDED.time_precision, geom = EXCLUDED.geom, accuracy_m = EXCLUDED.accuracy_m,
  place = EXCLUDED.place, sharing = EXCLUDED.sharing, source_url = EXCLUDED.source_url,
  synthetic = EXCLUDED.synthetic, joint_operation_id = EXCLUDED.joint_operation_id, items = EXCLUDED.items,
  category = EXCLUDED.category, severity = EXCLUDED.severity, persons_detained = EXCLUDED.persons_detained,
  notes = EXCLUDED.notes`
	eventChanged = `(e.kind, e.occurred_at, e.time_precision, e.geom, e.accuracy_m, e.place, e.sharing,
  e.source_url, e.synthetic, e.joint_operation_id, e.items, e.category, e.severity, e.persons_detained, e.notes)
  IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.occurred_at, EXCLUDED.time_precision, EXCLUDED.geom,
  EXCLUDED.accuracy_m, EXCLUDED.place, EXCLUDED.sharing, EXCLUDED.source_url, EXCLUDED.synthetic,
  EXCLUDED.joint_operation_id, EXCLUDED.items, EXCLUDED.category, EXCLUDED.severity,
  EXCLUDED.persons_detained, EXCLUDED.notes)`
)

// SeedReference loads the embedded reference data (see data/ref/SOURCE.md)
// in one transaction: agencies, countries, provinces, shared borders,
// crossings, populated places, rivers, the real Border Liaison Offices and
// the reported seizures as real, regionally shared events. It is
// idempotent: agencies, countries, borders, crossings, offices and the
// seizures (keyed by agency and seizure key) are upserted, provinces, places
// and rivers are replaced, so running it again duplicates nothing.
func (s *Store) SeedReference(ctx context.Context, progress SeedProgress) (SeedSummary, error) {
	if progress == nil {
		progress = func(string, int) {}
	}
	var sum SeedSummary
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		steps := []struct {
			table string
			n     *int
			fn    func(context.Context, pgx.Tx) (int, error)
		}{
			{"agencies", &sum.Agencies, seedAgencies},
			{"countries", &sum.Countries, seedCountries},
			{"provinces", &sum.Provinces, seedProvinces},
			{"borders", &sum.Borders, seedBorders},
			{"crossings", &sum.Crossings, seedCrossings},
			{"places", &sum.Places, seedPlaces},
			{"rivers", &sum.Rivers, seedRivers},
			{"offices", &sum.Offices, seedOffices},
		}
		for _, st := range steps {
			n, err := st.fn(ctx, tx)
			if err != nil {
				return fmt.Errorf("%s: %w", st.table, mapErr(err))
			}
			*st.n = n
			progress(st.table, n)
		}
		n, skipped, err := seedSeizures(ctx, tx)
		if err != nil {
			return fmt.Errorf("reported seizures: %w", mapErr(err))
		}
		sum.Seizures, sum.SeizuresSkipped = n, skipped
		progress("events", n)
		return s.audit(ctx, tx, "reference.seed", "reference", map[string]any{
			"countries": sum.Countries, "borders": sum.Borders, "offices": sum.Offices, "seizures": sum.Seizures})
	})
	if err != nil {
		return SeedSummary{}, fmt.Errorf("seed reference data: %w", err)
	}
	return sum, nil
}

// sendBatch runs b and checks every statement's result.
func sendBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch) error {
	return tx.SendBatch(ctx, b).Close()
}

func seedAgencies(ctx context.Context, tx pgx.Tx) (int, error) {
	b := &pgx.Batch{}
	for _, a := range refAgencies {
		b.Queue(sqlUpsertAgency, a.ID, a.Name, a.Country, a.Kind)
	}
	return len(refAgencies), sendBatch(ctx, tx, b)
}

func seedCountries(ctx context.Context, tx pgx.Tx) (int, error) {
	fc, err := readFeatureCollection(ref.CountriesOSM)
	if err != nil {
		return 0, err
	}
	b := &pgx.Batch{}
	for _, f := range fc.Features {
		b.Queue(sqlUpsertCountry, prop(f.Properties, "iso3"), prop(f.Properties, "name"),
			"OpenStreetMap (data as of ~Nov 2017) via npm @geo-maps/countries-maritime-10m@0.6.0",
			prop(f.Properties, "license")+"; attribution: "+ref.AttributionOSM, string(f.Geometry))
	}
	return len(fc.Features), sendBatch(ctx, tx, b)
}

func seedProvinces(ctx context.Context, tx pgx.Tx) (int, error) {
	fc, err := readFeatureCollection(ref.Admin1)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM provinces`); err != nil {
		return 0, err
	}
	src := fc.Source + "; " + fc.License
	b := &pgx.Batch{}
	for _, f := range fc.Features {
		p := f.Properties
		b.Queue(sqlInsertProvince, prop(p, "iso_3166_2"), prop(p, "name"), nullIfEmpty(prop(p, "name_en")),
			prop(p, "adm0_a3"), nullIfEmpty(prop(p, "type_en")), nullIfEmpty(prop(p, "note")), src, string(f.Geometry))
	}
	return len(fc.Features), sendBatch(ctx, tx, b)
}

// borderRow is one shared border ready to be stored.
type borderRow struct {
	ID, CountryA, CountryB, Source, License string
	Geom                                    orb.MultiLineString
}

// buildBorders returns the OpenStreetMap border lines, each documented gap
// filled with the matching stretch of the Natural Earth line.
func buildBorders() ([]borderRow, error) {
	osm, err := fs.ReadFile(ref.FS, ref.BordersOSM)
	if err != nil {
		return nil, err
	}
	ne, err := fs.ReadFile(ref.FS, ref.BordersNE)
	if err != nil {
		return nil, err
	}
	osmFC, err := geojson.UnmarshalFeatureCollection(osm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.BordersOSM, err)
	}
	neFC, err := geojson.UnmarshalFeatureCollection(ne)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.BordersNE, err)
	}
	var out []borderRow
	for _, f := range osmFC.Features {
		a, b := f.Properties.MustString("country_a", ""), f.Properties.MustString("country_b", "")
		if a > b {
			a, b = b, a
		}
		row := borderRow{
			ID: a + "-" + b, CountryA: a, CountryB: b,
			Source:  f.Properties.MustString("source", ""),
			License: f.Properties.MustString("license", "") + "; attribution: " + ref.AttributionOSM,
		}
		switch g := f.Geometry.(type) {
		case orb.MultiLineString:
			row.Geom = append(row.Geom, g...)
		case orb.LineString:
			row.Geom = append(row.Geom, g)
		default:
			return nil, fmt.Errorf("%s: border %s is a %s", ref.BordersOSM, row.ID, f.Geometry.GeoJSONType())
		}
		for _, gap := range borderGaps {
			if gap.CountryA != a || gap.CountryB != b {
				continue
			}
			piece, src, err := neGapPiece(neFC, gap)
			if err != nil {
				return nil, err
			}
			row.Geom = append(row.Geom, piece)
			row.Source += fmt.Sprintf("; gap %.3f°E %.3f°N – %.3f°E %.3f°N filled from %s",
				gap.From[0], gap.From[1], gap.To[0], gap.To[1], src)
			row.License += "; gap piece " + neSourceLicense
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// neGapPiece cuts the Natural Earth main line of gap's pair between the
// vertices nearest to gap.From and gap.To.
func neGapPiece(fc *geojson.FeatureCollection, gap borderGap) (orb.LineString, string, error) {
	for _, f := range fc.Features {
		a, b := f.Properties.MustString("country_a", ""), f.Properties.MustString("country_b", "")
		if a > b {
			a, b = b, a
		}
		if a != gap.CountryA || b != gap.CountryB || f.Properties.MustString("part", "") != "main" {
			continue
		}
		line, ok := f.Geometry.(orb.LineString)
		if !ok {
			continue
		}
		i, j := nearestVertex(line, gap.From), nearestVertex(line, gap.To)
		if i > j {
			i, j = j, i
		}
		if j-i < 1 {
			return nil, "", fmt.Errorf("border gap %s-%s: Natural Earth line has no vertices there", a, b)
		}
		return append(orb.LineString(nil), line[i:j+1]...), f.Properties.MustString("source", ""), nil
	}
	return nil, "", fmt.Errorf("border gap %s-%s: no Natural Earth main line", gap.CountryA, gap.CountryB)
}

func nearestVertex(l orb.LineString, p orb.Point) int {
	best, bestD := 0, math.Inf(1)
	for i, q := range l {
		if d := orbgeo.Distance(p, q); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

func seedBorders(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := buildBorders()
	if err != nil {
		return 0, err
	}
	b := &pgx.Batch{}
	for _, r := range rows {
		gj, err := json.Marshal(geojson.NewGeometry(r.Geom))
		if err != nil {
			return 0, err
		}
		b.Queue(sqlUpsertBorder, r.ID, r.CountryA, r.CountryB, r.Source, r.License, string(gj))
	}
	return len(rows), sendBatch(ctx, tx, b)
}

func parseLonLat(lon, lat string) (orb.Point, error) {
	x, err := strconv.ParseFloat(lon, 64)
	if err != nil {
		return orb.Point{}, fmt.Errorf("lon %q: %w", lon, err)
	}
	y, err := strconv.ParseFloat(lat, 64)
	if err != nil {
		return orb.Point{}, fmt.Errorf("lat %q: %w", lat, err)
	}
	return orb.Point{x, y}, nil
}

func seedCrossings(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := readRefCSV(ref.Crossings)
	if err != nil {
		return 0, err
	}
	names := make([]string, 0, len(rows))
	b := &pgx.Batch{}
	n := 0
	for i, r := range rows {
		// The countries table holds the five countries of the study
		// area; a crossing to any other (Kulma pass to China) is left out.
		if !studyCountries[r["country_a"]] || !studyCountries[r["country_b"]] {
			continue
		}
		p, err := parseLonLat(r["lon"], r["lat"])
		if err != nil {
			return 0, fmt.Errorf("%s row %d: %w", ref.Crossings, i+2, err)
		}
		n++
		note := r["note"]
		if d := r["dist_to_osm_border_km"]; d != "" {
			note += fmt.Sprintf(" [distance to the OSM border line %s km, to the Natural Earth line %s km]", d, r["dist_to_ne10m_border_km"])
		}
		b.Queue(sqlUpsertCrossing, r["name"], r["country_a"], r["country_b"], r["kind"], r["confidence"],
			r["source_url"], nullIfEmpty(strings.TrimSpace(note)), p[0], p[1])
		names = append(names, r["name"])
	}
	b.Queue(`DELETE FROM crossings WHERE NOT (name = ANY($1::text[]))`, names)
	return n, sendBatch(ctx, tx, b)
}

// placeRank ranks a populated place by population: 1 for a million or more
// down to 8 below 5,000; 9 when the population is unknown.
func placeRank(pop int) int {
	switch {
	case pop <= 0:
		return 9
	case pop >= 1_000_000:
		return 1
	case pop >= 300_000:
		return 2
	case pop >= 100_000:
		return 3
	case pop >= 50_000:
		return 4
	case pop >= 20_000:
		return 5
	case pop >= 10_000:
		return 6
	case pop >= 5_000:
		return 7
	}
	return 8
}

// placeDedupM is how close a GeoNames place may lie to a Natural Earth place
// of the same country before it counts as the same town.
const placeDedupM = 4000

func seedPlaces(ctx context.Context, tx pgx.Tx) (int, error) {
	ne, err := readFeatureCollection(ref.PlacesNE)
	if err != nil {
		return 0, err
	}
	gn, err := readFeatureCollection(ref.PlacesGeoNames)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM places`); err != nil {
		return 0, err
	}
	type nePlace struct {
		country string
		p       orb.Point
	}
	var nePlaces []nePlace
	b := &pgx.Batch{}
	n := 0
	for _, f := range ne.Features {
		p, err := pointOfJSON(f.Geometry)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", ref.PlacesNE, err)
		}
		pr := f.Properties
		pop := 0
		if v, ok := propFloat(pr, "pop_max"); ok && v > 0 {
			pop = int(v)
		}
		name := prop(pr, "name")
		if name == "" {
			name = prop(pr, "name_ascii")
		}
		country := prop(pr, "adm0_a3")
		b.Queue(sqlInsertPlace, name, country, nullIfEmpty(prop(pr, "adm1_name")), nullIfZero(pop), placeRank(pop),
			ne.Source, neSourceLicense, p[0], p[1])
		nePlaces = append(nePlaces, nePlace{country, p})
		n++
	}
	for _, f := range gn.Features {
		p, err := pointOfJSON(f.Geometry)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", ref.PlacesGeoNames, err)
		}
		pr := f.Properties
		country, ok := countryISO3[prop(pr, "country_iso2")]
		if !ok {
			continue
		}
		dup := false
		for _, q := range nePlaces {
			if q.country == country && orbgeo.Distance(p, q.p) < placeDedupM {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		b.Queue(sqlInsertPlace, prop(pr, "name"), country, nullIfEmpty(prop(pr, "admin1_name")), nil, placeRank(0),
			gn.Source, "CC BY 4.0; attribution: "+ref.AttributionGeoNames, p[0], p[1])
		n++
	}
	return n, sendBatch(ctx, tx, b)
}

func pointOfJSON(raw json.RawMessage) (orb.Point, error) {
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return orb.Point{}, err
	}
	p, ok := g.Coordinates.(orb.Point)
	if !ok {
		return orb.Point{}, fmt.Errorf("geometry is a %s, not a Point", g.Type)
	}
	return p, nil
}

func seedRivers(ctx context.Context, tx pgx.Tx) (int, error) {
	fc, err := readFeatureCollection(ref.RiversNE)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM rivers`); err != nil {
		return 0, err
	}
	b := &pgx.Batch{}
	for _, f := range fc.Features {
		name := prop(f.Properties, "name")
		if cl := prop(f.Properties, "featurecla"); cl != "" && cl != "River" {
			name += " (" + strings.ToLower(cl) + ")"
		}
		b.Queue(sqlInsertRiver, name, fc.Source, neSourceLicense, string(f.Geometry))
	}
	return len(fc.Features), sendBatch(ctx, tx, b)
}

// officeKinds maps border_liaison_offices.csv's kind column to the offices
// table's kinds.
var officeKinds = map[string]string{
	"BLO":                              "blo",
	"BLO (railway)":                    "blo_railway",
	"BLO coordination unit":            "blo_coordination",
	"border outpost":                   "border_outpost",
	"border crossing point":            "crossing_point",
	"border crossing point (equipped)": "crossing_point",
	"border representation office":     "representation_office",
}

func seedOffices(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := readRefCSV(ref.LiaisonOffices)
	if err != nil {
		return 0, err
	}
	b := &pgx.Batch{}
	for i, r := range rows {
		line := i + 2
		kind, ok := officeKinds[r["kind"]]
		if !ok {
			return 0, fmt.Errorf("%s row %d: unknown kind %q", ref.LiaisonOffices, line, r["kind"])
		}
		country, ok := countryISO3[r["country"]]
		if !ok {
			return 0, fmt.Errorf("%s row %d: unknown country %q", ref.LiaisonOffices, line, r["country"])
		}
		var lon, lat *float64
		if r["location_precision"] != "unmapped" {
			p, err := parseLonLat(r["lon"], r["lat"])
			if err != nil {
				return 0, fmt.Errorf("%s row %d: %w", ref.LiaisonOffices, line, err)
			}
			lon, lat = &p[0], &p[1]
		}
		note := r["note"]
		if pm := r["place_mapped"]; pm != "" {
			note = strings.TrimSpace(fmt.Sprintf("%s [point: %s, from %s]", note, pm, r["coord_source"]))
		}
		border := r["border"]
		if border == "-" {
			border = ""
		}
		b.Queue(sqlUpsertOffice, r["name"], borderAgency[country], country, kind, nullIfEmpty(border),
			nullIfEmpty(r["opened"]), nullIfEmpty(r["supported_by"]), r["location_precision"],
			nullIfEmpty(r["source_url"]), nullIfEmpty(note), lon, lat)
	}
	return len(rows), sendBatch(ctx, tx, b)
}

// seizureAccuracyM is the location accuracy given to a reported seizure by
// its location_precision: the point is a checkpoint, the village itself, a
// district seat or a regional capital.
var seizureAccuracyM = map[string]float64{
	"exact": 500, "village": 2000, "district": 15000, "province": 60000,
}

// seizureDrugs maps reported_seizures.csv's drug column to item drugs.
// Hashish oil has no drug of its own and is recorded as "other".
var seizureDrugs = map[string]string{
	"heroin": "heroin", "opium": "opium", "hashish": "hashish", "cannabis": "cannabis", "hashish_oil": "other",
}

// parseReportedSeizures turns reported_seizures.csv into one event per
// seizure_key with one item per drug. Seizures without coordinates are
// skipped and counted.
func parseReportedSeizures(r io.Reader) (events []record.Event, skipped int, err error) {
	rows, err := readCSVMaps(r)
	if err != nil {
		return nil, 0, err
	}
	byKey := map[string][]map[string]string{}
	var keys []string
	for _, row := range rows {
		k := row["seizure_key"]
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], row)
	}
	for _, k := range keys {
		group := byKey[k]
		first := group[0]
		if first["location_precision"] == "unmapped" || first["lon"] == "" {
			skipped++
			continue
		}
		e, err := seizureEvent(k, group)
		if err != nil {
			return nil, 0, fmt.Errorf("seizure %s: %w", k, err)
		}
		events = append(events, e)
	}
	return events, skipped, nil
}

func seizureEvent(key string, group []map[string]string) (record.Event, error) {
	first := group[0]
	p, err := parseLonLat(first["lon"], first["lat"])
	if err != nil {
		return record.Event{}, err
	}
	at, prec, err := parseReportedDate(first["date"], first["date_precision"])
	if err != nil {
		return record.Event{}, err
	}
	agency, ok := mapAgency(first["agency"])
	if !ok {
		return record.Event{}, fmt.Errorf("no agency slug for %q", first["agency"])
	}
	acc, ok := seizureAccuracyM[first["location_precision"]]
	if !ok {
		return record.Event{}, fmt.Errorf("unknown location_precision %q", first["location_precision"])
	}
	e := record.Event{
		Kind: record.KindSeizure, OccurredAt: at, TimePrecision: prec, Location: p, AccuracyM: &acc,
		Place: first["place_mapped"], AgencyID: agency, Sharing: "regional", SourceRef: key,
		SourceURL: first["source_url"],
	}
	notes := []string{
		"Reported place: " + first["place_reported"] + " (point: " + first["place_mapped"] + ", " +
			first["location_precision"] + " precision, coordinates from " + first["coord_source"] + ").",
		"Reported by: " + first["agency"] + ".",
		"Date: " + first["date"] + " (" + first["date_precision"] + ").",
	}
	for _, row := range group {
		drug, ok := seizureDrugs[row["drug"]]
		if !ok {
			return record.Event{}, fmt.Errorf("unknown drug %q", row["drug"])
		}
		q, err := strconv.ParseFloat(row["quantity_kg"], 64)
		if err != nil {
			return record.Event{}, fmt.Errorf("quantity_kg %q: %w", row["quantity_kg"], err)
		}
		qual := row["qty_qualifier"]
		if qual == "" {
			qual = "exact"
		}
		e.Items = append(e.Items, record.Item{Drug: drug, Quantity: q, Unit: "kg", Qualifier: qual})
		if row["drug"] != drug {
			notes = append(notes, fmt.Sprintf("%s %s kg recorded as %s.", strings.ReplaceAll(row["drug"], "_", " "), row["quantity_kg"], drug))
		}
		if n := row["note"]; n != "" && !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
		if row["source_url"] != e.SourceURL {
			notes = append(notes, "Also: "+row["source_url"])
		}
	}
	e.Notes = strings.Join(notes, " ")
	e.Normalize()
	if err := e.Validate(); err != nil {
		return record.Event{}, err
	}
	return e, nil
}

// parseReportedDate parses YYYY-MM-DD, YYYY-MM or YYYY as midnight UTC of
// its first day and maps date_precision (day, day_derived, report_day,
// month, year) to an event time precision.
func parseReportedDate(date, precision string) (time.Time, string, error) {
	var layout string
	switch len(date) {
	case 10:
		layout = "2006-01-02"
	case 7:
		layout = "2006-01"
	case 4:
		layout = "2006"
	default:
		return time.Time{}, "", fmt.Errorf("date %q: want YYYY-MM-DD, YYYY-MM or YYYY", date)
	}
	t, err := time.Parse(layout, date)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("date %q: %w", date, err)
	}
	var prec string
	switch precision {
	case "day", "day_derived", "report_day":
		prec = "day"
	case "month", "year":
		prec = precision
	default:
		return time.Time{}, "", fmt.Errorf("unknown date_precision %q", precision)
	}
	if (prec == "day" && len(date) != 10) || (prec == "month" && len(date) != 7) || (prec == "year" && len(date) != 4) {
		return time.Time{}, "", fmt.Errorf("date %q does not match precision %q", date, precision)
	}
	return t, prec, nil
}

func seedSeizures(ctx context.Context, tx pgx.Tx) (int, int, error) {
	f, err := ref.FS.Open(ref.ReportedSeizures)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	events, skipped, err := parseReportedSeizures(f)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", ref.ReportedSeizures, err)
	}
	b := &pgx.Batch{}
	for i := range events {
		args, err := eventArgs(&events[i])
		if err != nil {
			return 0, 0, err
		}
		b.Queue(sqlUpsertEventBySourceRef, args...)
	}
	return len(events), skipped, sendBatch(ctx, tx, b)
}

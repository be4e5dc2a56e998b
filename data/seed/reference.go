package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/data/ref"
)

// Progress is told after each reference table is loaded, with the table
// name and the number of rows written to it. It may be nil.
type Progress func(table string, rows int)

// ReferenceSummary counts what Reference wrote.
type ReferenceSummary struct {
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

// Reference loads the embedded reference data (see data/ref/SOURCE.md)
// in one transaction: agencies, countries, provinces, shared borders,
// crossings, populated places, rivers, the real Border Liaison Offices and
// the reported seizures as real, regionally shared events. It is
// idempotent: agencies, countries, borders, crossings, offices and the
// seizures (keyed by agency and seizure key) are upserted, provinces, places
// and rivers are replaced, so running it again duplicates nothing.
func Reference(ctx context.Context, store *data.Store, progress Progress) (ReferenceSummary, error) {
	if progress == nil {
		progress = func(string, int) {}
	}
	var sum ReferenceSummary
	err := store.InTx(ctx, func(tx pgx.Tx) error {
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
				return fmt.Errorf("%s: %w", st.table, data.MapErr(err))
			}
			*st.n = n
			progress(st.table, n)
		}
		n, skipped, err := seedSeizures(ctx, tx)
		if err != nil {
			return fmt.Errorf("reported seizures: %w", data.MapErr(err))
		}
		sum.Seizures, sum.SeizuresSkipped = n, skipped
		progress("events", n)
		return store.AuditTx(ctx, tx, "reference.seed", "reference", map[string]any{
			"countries": sum.Countries, "borders": sum.Borders, "offices": sum.Offices, "seizures": sum.Seizures})
	})
	if err != nil {
		return ReferenceSummary{}, fmt.Errorf("seed reference data: %w", err)
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

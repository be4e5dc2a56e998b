package data

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/geo"
	"github.com/borderwatch/borderwatch/record"
)

// Default sectorisation parameters.
const (
	// DefaultSectorKM is the length of one border section in kilometres.
	DefaultSectorKM = 25
	// DefaultDepthKM is how far a sector reaches into its country.
	DefaultDepthKM = 20
	// MaxSectorKM and MaxDepthKM bound the sectorisation parameters.
	MaxSectorKM = 500
	// MaxDepthKM bounds depth_km.
	MaxDepthKM = 200
)

// Sector sets.
const (
	// SetGenerated is the sector set GenerateSectors writes.
	SetGenerated = "generated"
	// SetImported is the default set of imported sectors.
	SetImported = "imported"
)

// sectionSpacingM is the spacing of the points along the border sections
// whose Voronoi cells assign each part of the border corridor to its
// nearest section; the boundary between two neighbouring sectors is exact
// to about half of it.
const sectionSpacingM = 1000

// segmentizeDeg is the longest lon/lat edge of the border lines and
// country outlines before they are projected: a long edge is straight in
// lon/lat, as PostGIS compares events with it, but would become a chord in
// the LAEA plane. 0.01° is about 1 km; the chords then differ by
// centimetres.
const segmentizeDeg = 0.01

// SectorSummary counts what GenerateSectors or ImportSectors wrote.
type SectorSummary struct {
	Sectors  int
	Sections int
	// Borders is the number of sectors per border pair.
	Borders map[string]int
}

// Statements of GenerateSectors. They run in one transaction and build the
// sectors in temporary tables, in the LAEA plane (geo.LAEAProj4, $1):
//
//  1. every part of every border line is cut into n = max(1, round(L /
//     sector)) consecutive sections: n−1 of exactly sector metres and a last
//     one of the remainder, so no sliver shorter than half a sector remains;
//     sections are numbered along the border, part after part;
//  2. each section is sampled every sectionSpacingM metres; the Voronoi
//     cells of the samples of one border, merged per section, give every
//     point the section nearest to it;
//  3. that region, cut to the section's buffer of depth metres, is clipped
//     to each of the two countries (subdivided for speed).
//
// A sector is thus the part of its country within depth of its section and
// nearer to it than to any other section of the same border: the sectors of
// one side of a border do not overlap.
const (
	sqlSectorParts = `CREATE TEMP TABLE bw_sector_parts ON COMMIT DROP AS
  SELECT b.id AS border_id, b.country_a, b.country_b, d.path[1] AS part,
         ST_Transform(ST_Segmentize(d.geom, $2::float8), $1::text) AS g
  FROM borders b, ST_Dump(b.geom) d`
	sqlSectorSections = `CREATE TEMP TABLE bw_sector_sections ON COMMIT DROP AS
WITH cuts AS (
  SELECT p.*, ST_Length(p.g) AS len, greatest(1, round(ST_Length(p.g) / $1::float8))::int AS n
  FROM bw_sector_parts p WHERE ST_Length(p.g) > 0
), cut AS (
  SELECT c.border_id, c.country_a, c.country_b, c.part, k,
         ST_LineSubstring(c.g, least(1, (k - 1) * $1::float8 / c.len),
                          CASE WHEN k = c.n THEN 1 ELSE least(1, k * $1::float8 / c.len) END) AS g
  FROM cuts c, generate_series(1, c.n) k
)
SELECT c.*, row_number() OVER (PARTITION BY c.border_id ORDER BY c.part, c.k)::int AS idx FROM cut c`
	sqlSectorSamples = `CREATE TEMP TABLE bw_sector_samples ON COMMIT DROP AS
  SELECT s.border_id, s.idx, d.geom AS pt
  FROM bw_sector_sections s, LATERAL (SELECT ST_Segmentize(s.g, $1::float8) AS sg) x, ST_DumpPoints(x.sg) d
  WHERE d.path[1] < ST_NPoints(x.sg) OR ST_NPoints(x.sg) < 2`
	sqlSectorSamplesIndex = `CREATE INDEX ON bw_sector_samples USING gist (pt)`
	sqlSectorCells        = `CREATE TEMP TABLE bw_sector_cells ON COMMIT DROP AS
  SELECT v.border_id, (ST_Dump(v.vor)).geom AS cell
  FROM (SELECT border_id, ST_VoronoiPolygons(ST_Collect(pt), 0, ST_Expand(ST_Collect(pt), 3 * $1::float8)) AS vor
        FROM bw_sector_samples GROUP BY border_id) v`
	sqlSectorClips = `CREATE TEMP TABLE bw_sector_clips ON COMMIT DROP AS
  SELECT s.border_id, s.idx, ST_Intersection(ST_Union(c.cell), ST_Buffer(s.g, $1::float8, 16)) AS clip
  FROM bw_sector_cells c
  JOIN bw_sector_samples p ON p.border_id = c.border_id AND ST_Intersects(c.cell, p.pt)
  JOIN bw_sector_sections s ON s.border_id = p.border_id AND s.idx = p.idx
  GROUP BY s.border_id, s.idx, s.g`
	sqlSectorClipsIndex = `CREATE INDEX ON bw_sector_clips USING gist (clip)`
	sqlSectorCountries  = `CREATE TEMP TABLE bw_sector_countries ON COMMIT DROP AS
  SELECT c.iso3, ST_Subdivide(ST_Transform(ST_Segmentize(c.geom, $2::float8), $1::text), 256) AS g FROM countries c
  WHERE c.iso3 IN (SELECT country_a FROM borders UNION SELECT country_b FROM borders)`
	sqlSectorCountriesIndex = `CREATE INDEX ON bw_sector_countries USING gist (g)`
	sqlDeleteSectorSet      = `DELETE FROM sectors WHERE sector_set = $1`
	// $1 proj, $2 sector_km, $3 depth_km, $4 set.
	sqlInsertGeneratedSectors = `INSERT INTO sectors (id, sector_set, name, border_id, section_id, section_index, side,
  agency_id, sector_km, depth_km, border_km, area_km2, source, line, geom)
SELECT x.section_id || '-' || x.side, $4, x.border_id || ' section ' || x.idx || ', ' || x.side || ' side',
  x.border_id, x.section_id, x.idx, x.side,
  (SELECT min(a.id) FROM agencies a WHERE a.country = x.side AND a.kind = 'border_guard'),
  $2, $3, ST_Length(x.line::geography) / 1000, ST_Area(x.geom::geography) / 1e6, 'generated', x.line, x.geom
FROM (
  SELECT o.border_id, o.idx, o.side,
         o.border_id || '-' || lpad($2::int::text, 3, '0') || '-' || lpad($3::int::text, 2, '0') || '-' || lpad(o.idx::text, 3, '0') AS section_id,
         ST_Multi(ST_Transform(s.g, $1::text, 4326)) AS line,
         ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(o.g, $1::text, 4326)), 3)) AS geom
  FROM (
    SELECT cl.border_id, cl.idx, cs.iso3 AS side, ST_Union(ST_Intersection(cs.g, cl.clip)) AS g
    FROM bw_sector_clips cl
    JOIN borders b ON b.id = cl.border_id
    JOIN bw_sector_countries cs ON cs.iso3 IN (b.country_a, b.country_b) AND ST_Intersects(cs.g, cl.clip)
    GROUP BY cl.border_id, cl.idx, cs.iso3
  ) o
  JOIN bw_sector_sections s ON s.border_id = o.border_id AND s.idx = o.idx
) x
WHERE NOT ST_IsEmpty(x.geom)`
	sqlSectorSetSummary = `SELECT border_id, count(*), count(DISTINCT section_id) FROM sectors WHERE sector_set = $1 GROUP BY border_id`
)

// ValidateSectorParams checks the sectorisation parameters: whole
// kilometres, sector_km in [1, MaxSectorKM], depth_km in [1, MaxDepthKM].
// Whole kilometres keep the sector ids stable and readable.
func ValidateSectorParams(sectorKM, depthKM int) error {
	var fe record.Fields
	if sectorKM < 1 || sectorKM > MaxSectorKM {
		fe.Add("sector_km", "must be a whole number of kilometres from 1 to %d", MaxSectorKM)
	}
	if depthKM < 1 || depthKM > MaxDepthKM {
		fe.Add("depth_km", "must be a whole number of kilometres from 1 to %d", MaxDepthKM)
	}
	return fe.Err()
}

// GenerateSectors replaces the generated sector set with sectors along
// every shared border line (see the sqlSector* statements): each section of
// sectorKM along the line gives two sectors, one per side, reaching depthKM
// into that side's country and owned by that country's border guard agency.
// Ids are <pair>-<sector_km:3>-<depth_km:2>-<section:3>-<side>, e.g.
// AFG-TJK-025-20-007-TJK; the same parameters on the same borders give the
// same ids. Lengths and depths are measured in the LAEA plane
// (geo.LAEAProj4, scale error below 0.3 % in the region); border_km and
// area_km2 are measured on the ellipsoid.
func (s *Store) GenerateSectors(ctx context.Context, sectorKM, depthKM int) (SectorSummary, error) {
	if err := ValidateSectorParams(sectorKM, depthKM); err != nil {
		return SectorSummary{}, err
	}
	sum := SectorSummary{Borders: map[string]int{}}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		steps := []struct {
			sql  string
			args []any
		}{
			{sqlSectorParts, []any{geo.LAEAProj4, segmentizeDeg}},
			{sqlSectorSections, []any{float64(sectorKM) * 1000}},
			{sqlSectorSamples, []any{float64(sectionSpacingM)}},
			{sqlSectorSamplesIndex, nil},
			{sqlSectorCells, []any{float64(depthKM) * 1000}},
			{sqlSectorClips, []any{float64(depthKM) * 1000}},
			{sqlSectorClipsIndex, nil},
			{sqlSectorCountries, []any{geo.LAEAProj4, segmentizeDeg}},
			{sqlSectorCountriesIndex, nil},
			{sqlDeleteSectorSet, []any{SetGenerated}},
			{sqlInsertGeneratedSectors, []any{geo.LAEAProj4, float64(sectorKM), float64(depthKM), SetGenerated}},
		}
		for i, st := range steps {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return fmt.Errorf("step %d: %w", i+1, mapErr(err))
			}
		}
		return setSummary(ctx, tx, SetGenerated, &sum)
	})
	if err != nil {
		return SectorSummary{}, fmt.Errorf("generate sectors: %w", err)
	}
	return sum, nil
}

func setSummary(ctx context.Context, tx pgx.Tx, set string, sum *SectorSummary) error {
	rows, err := tx.Query(ctx, sqlSectorSetSummary, set)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			border         *string
			nSec, nSection int
		)
		if err := rows.Scan(&border, &nSec, &nSection); err != nil {
			return err
		}
		key := ""
		if border != nil {
			key = *border
		}
		sum.Borders[key] = nSec
		sum.Sectors += nSec
		sum.Sections += nSection
	}
	return mapErr(rows.Err())
}

const (
	sqlSectorRefCheck = `SELECT
  (SELECT $1::text = '' OR EXISTS (SELECT 1 FROM agencies WHERE id = $1)),
  (SELECT $2::text = '' OR EXISTS (SELECT 1 FROM borders WHERE id = $2)),
  (SELECT $3::text = '' OR EXISTS (SELECT 1 FROM countries WHERE iso3 = $3)),
  ST_IsValid(ST_GeomFromEWKB($4)), ST_IsValidReason(ST_GeomFromEWKB($4))`
	sqlSectorIDTaken = `SELECT sector_set FROM sectors WHERE id = $1 AND sector_set <> $2`
	// border_km of an imported sector: the length of the border lines (of
	// its pair, or of any pair) within 1 km of the polygon.
	sqlUpsertImportedSector = `INSERT INTO sectors AS s (id, sector_set, name, border_id, section_id, side, agency_id,
  border_km, area_km2, source, geom)
SELECT $1, $2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), nullif($7, ''),
  coalesce((SELECT sum(ST_Length(ST_Intersection(b.geom, ST_Buffer(g.geom::geography, 1000)::geometry)::geography)) / 1000
            FROM borders b WHERE ($4 = '' OR b.id = $4) AND ST_DWithin(b.geom::geography, g.geom::geography, 1000)), 0),
  ST_Area(g.geom::geography) / 1e6, 'imported', g.geom
FROM (SELECT ST_Multi(ST_GeomFromEWKB($8)) AS geom) g
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, border_id = EXCLUDED.border_id, section_id = EXCLUDED.section_id,
  side = EXCLUDED.side, agency_id = EXCLUDED.agency_id, border_km = EXCLUDED.border_km, area_km2 = EXCLUDED.area_km2,
  geom = EXCLUDED.geom`
)

// ImportSectors writes user sectors (from parse.SectorsGeoJSON) into their
// set, all or nothing: a sector with an existing id of the same set is
// replaced, an id used by another set is refused. Polygons must be valid
// (OGC validity as PostGIS checks it); agency, border and side must exist.
// border_km is the length of border line within 1 km of the polygon.
func (s *Store) ImportSectors(ctx context.Context, sectors []record.Sector) (SectorSummary, error) {
	if len(sectors) == 0 {
		return SectorSummary{}, &record.ValidationError{Fields: []record.FieldError{{Field: "features", Reason: "no sectors"}}}
	}
	set := sectors[0].Set
	sum := SectorSummary{Borders: map[string]int{}}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var fe record.Fields
		for i, sec := range sectors {
			at := fmt.Sprintf("features[%d]", i)
			if sec.Set != set {
				fe.Add(at+".set", "all sectors of one import must share a set")
				continue
			}
			wkb, err := encodeEWKB(sec.Geometry)
			if err != nil {
				fe.Add(at+".geometry", "cannot be encoded: %v", err)
				continue
			}
			var okAgency, okBorder, okSide, valid bool
			var reason string
			if err := tx.QueryRow(ctx, sqlSectorRefCheck, sec.AgencyID, sec.BorderID, sec.Side, wkb).
				Scan(&okAgency, &okBorder, &okSide, &valid, &reason); err != nil {
				return mapErr(err)
			}
			if !okAgency {
				fe.Add(at+".properties.agency", "unknown agency %q", sec.AgencyID)
			}
			if !okBorder {
				fe.Add(at+".properties.border", "unknown border %q", sec.BorderID)
			}
			if !okSide {
				fe.Add(at+".properties.side", "unknown country %q", sec.Side)
			}
			if !valid {
				fe.Add(at+".geometry", "invalid polygon: %s", reason)
			}
			var other string
			switch err := tx.QueryRow(ctx, sqlSectorIDTaken, sec.ID, set).Scan(&other); {
			case err == nil:
				fe.Add(at+".id", "already used by sector set %q", other)
			case err != pgx.ErrNoRows:
				return mapErr(err)
			}
			if len(fe) > 0 {
				continue
			}
			if _, err := tx.Exec(ctx, sqlUpsertImportedSector, sec.ID, set, sec.Name, sec.BorderID, sec.SectionID,
				sec.Side, sec.AgencyID, wkb); err != nil {
				return fmt.Errorf("%s: %w", at, mapErr(err))
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		return setSummary(ctx, tx, set, &sum)
	})
	if err != nil {
		return SectorSummary{}, fmt.Errorf("import sectors: %w", err)
	}
	return sum, nil
}

// SectorQuery selects sectors of one set.
type SectorQuery struct {
	// Set is the sector set; empty means SetGenerated.
	Set string
	// Pair keeps one border pair ("AFG-TJK"); empty keeps all.
	Pair string
	// Agency keeps one owning agency; empty keeps all.
	Agency string
	// SectionID keeps the sectors of one section; empty keeps all.
	SectionID string
}

const sqlListSectors = `SELECT id, sector_set, name, coalesce(border_id, ''), coalesce(section_id, ''),
  coalesce(section_index, 0), coalesce(side, ''), coalesce(agency_id, ''), coalesce(sector_km, 0), coalesce(depth_km, 0),
  border_km, area_km2, source, ST_AsEWKB(geom)
FROM sectors
WHERE sector_set = $1 AND ($2 = '' OR border_id = $2) AND ($3 = '' OR agency_id = $3) AND ($4 = '' OR section_id = $4)
ORDER BY border_id NULLS LAST, section_index NULLS LAST, side, id`

// ListSectors returns the sectors of q.Set in border, section and side
// order.
func (s *Store) ListSectors(ctx context.Context, q SectorQuery) ([]record.Sector, error) {
	if q.Set == "" {
		q.Set = SetGenerated
	}
	rows, err := s.pool.Query(ctx, sqlListSectors, q.Set, q.Pair, q.Agency, q.SectionID)
	if err != nil {
		return nil, fmt.Errorf("list sectors: %w", mapErr(err))
	}
	defer rows.Close()
	var out []record.Sector
	for rows.Next() {
		var (
			sec record.Sector
			wkb []byte
		)
		if err := rows.Scan(&sec.ID, &sec.Set, &sec.Name, &sec.BorderID, &sec.SectionID, &sec.SectionIndex, &sec.Side,
			&sec.AgencyID, &sec.SectorKM, &sec.DepthKM, &sec.BorderKM, &sec.AreaKM2, &sec.Source, &wkb); err != nil {
			return nil, fmt.Errorf("list sectors: %w", err)
		}
		g, err := decodeEWKB(wkb)
		if err != nil {
			return nil, fmt.Errorf("list sectors: %s: %w", sec.ID, err)
		}
		switch v := g.(type) {
		case orb.MultiPolygon:
			sec.Geometry = v
		case orb.Polygon:
			sec.Geometry = orb.MultiPolygon{v}
		}
		out = append(out, sec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sectors: %w", mapErr(err))
	}
	return out, nil
}

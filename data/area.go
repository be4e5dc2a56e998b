package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

// DefaultAreaCountries are the countries a deployment covers unless told
// otherwise: the study area of the reference data.
var DefaultAreaCountries = []string{"AFG", "KGZ", "TJK", "TKM", "UZB"}

// DefaultAreaMarginKM widens the covered countries' outlines: a point
// recorded at a border post or a river crossing may fall a little on the
// far side (Natural Earth's 1:10m outlines are off by up to a few
// kilometres, a reported place is often a district's centre), while a
// point in central Iran, Kazakhstan or Pakistan, far beyond it, is an
// error.
const DefaultAreaMarginKM = 25

// areaSimplifyDeg is the tolerance the countries' union is simplified with
// before and after it is widened: 0.01° is about 1 km, well inside the
// margin, and keeps the outline to a few thousand vertices, so that a
// point is tested in microseconds (imports test every row).
const areaSimplifyDeg = 0.01

const sqlArea = `WITH u AS (
	SELECT ST_SimplifyPreserveTopology(ST_Union(geom), $3) AS g, count(*) AS n FROM countries WHERE iso3 = ANY($1)
)
SELECT n, ST_AsEWKB(ST_Multi(ST_SimplifyPreserveTopology(ST_Buffer(g::geography, $2)::geometry, $3))),
	ST_XMin(ST_Buffer(g::geography, $2)::geometry), ST_YMin(ST_Buffer(g::geography, $2)::geometry),
	ST_XMax(ST_Buffer(g::geography, $2)::geometry), ST_YMax(ST_Buffer(g::geography, $2)::geometry)
FROM u WHERE n > 0`

// LoadArea builds the area made of the countries iso3 (reference data),
// widened by marginKM, and makes it the store's area (SetArea). It fails
// when a country is missing, unless none is loaded at all: then the store
// keeps record.DefaultArea, the study area's bounding box, and LoadArea
// says so with ok = false.
func (s *Store) LoadArea(ctx context.Context, iso3 []string, marginKM float64) (a record.Area, ok bool, err error) {
	if marginKM < 0 || marginKM > 500 {
		return record.Area{}, false, &record.FieldError{Field: "area_margin_km", Reason: "must be between 0 and 500"}
	}
	var (
		n   int
		wkb []byte
		bb  [4]float64
	)
	err = s.sys.QueryRow(ctx, sqlArea, iso3, marginKM*1000, areaSimplifyDeg).Scan(&n, &wkb, &bb[0], &bb[1], &bb[2], &bb[3])
	if err == nil && n != len(iso3) {
		return record.Area{}, false, &record.FieldError{Field: "area_countries",
			Reason: fmt.Sprintf("%d of the countries %v are in the reference data", n, iso3)}
	}
	if mapErr(err) == ErrNotFound {
		a = record.DefaultArea()
		s.SetArea(a)
		return a, false, nil
	}
	if err != nil {
		return record.Area{}, false, fmt.Errorf("load area: %w", mapErr(err))
	}
	g, err := decodeEWKB(wkb)
	if err != nil {
		return record.Area{}, false, fmt.Errorf("load area: %w", err)
	}
	mp, isMP := g.(orb.MultiPolygon)
	if !isMP {
		return record.Area{}, false, fmt.Errorf("load area: got %T", g)
	}
	a = record.Area{Bound: orb.Bound{Min: orb.Point{bb[0], bb[1]}, Max: orb.Point{bb[2], bb[3]}}, Shape: mp,
		Name: record.CountriesAreaName(iso3, marginKM)}
	s.SetArea(a)
	return a, true, nil
}

// SetArea makes a the region every event and position written through
// the store must lie in.
func (s *Store) SetArea(a record.Area) { s.area.Store(&a) }

// Area returns the store's area: the one set with SetArea or LoadArea, or
// record.DefaultArea.
func (s *Store) Area() record.Area {
	if a := s.area.Load(); a != nil {
		return *a
	}
	return record.DefaultArea()
}

// checkEvent validates e and holds it to what a write must also be: not in
// the future, in the store's area. Every offending field is named at once:
// a field the validation already refused is not named again.
func (s *Store) checkEvent(e *record.Event) error {
	var invalid, refused *record.ValidationError
	verr := e.Validate()
	if verr != nil && !errors.As(verr, &invalid) {
		return verr
	}
	if !errors.As(e.Admit(time.Now(), s.Area()), &refused) {
		return verr
	}
	if invalid == nil {
		return refused
	}
	named := map[string]bool{}
	for _, f := range invalid.Fields {
		named[f.Field] = true
	}
	for _, f := range refused.Fields {
		if !named[f.Field] {
			invalid.Fields = append(invalid.Fields, f)
		}
	}
	return invalid
}

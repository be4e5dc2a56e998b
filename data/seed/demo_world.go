package seed

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/data"
)

// demoWorld is the reference geography the generator works on.
type demoWorld struct {
	countries map[string]*polyIndex
	borders   []demoBorder
	crossings []demoSite
	towns     []demoSite
	offices   []demoSite
}

type demoBorder struct {
	id, a, b string
	geom     orb.MultiLineString
}

// demoSite is a named point on one country's side (crossings name both).
type demoSite struct {
	name      string
	countries []string
	p         orb.Point
	rank      int
	conf      string
}

// loadDemoWorld reads the seeded reference geography.
func loadDemoWorld(ctx context.Context, store *data.Store) (*demoWorld, error) {
	w := &demoWorld{countries: map[string]*polyIndex{}}
	err := store.InTx(ctx, func(tx pgx.Tx) error {
		if err := readDemoCountries(ctx, tx, w); err != nil {
			return err
		}
		if err := readDemoBorders(ctx, tx, w); err != nil {
			return err
		}
		if len(w.borders) == 0 || len(w.countries) == 0 {
			return fmt.Errorf("no borders or countries: load the reference data first (seed.Reference)")
		}
		var err error
		if w.crossings, err = readDemoSites(ctx, tx, `SELECT name, ARRAY[country_a, country_b]::text[], ST_X(geom), ST_Y(geom), 0, confidence
		FROM crossings ORDER BY name`); err != nil {
			return err
		}
		if w.towns, err = readDemoSites(ctx, tx, `SELECT p.name, ARRAY[p.country]::text[], ST_X(p.geom), ST_Y(p.geom), p.rank, ''
		FROM places p JOIN countries c ON c.iso3 = p.country
		WHERE EXISTS (SELECT 1 FROM borders b WHERE (p.country IN (b.country_a, b.country_b))
		  AND ST_DWithin(p.geom, b.geom, 0.3) AND ST_DWithin(p.geom::geography, b.geom::geography, 20000, false))
		ORDER BY p.name, p.id`); err != nil {
			return err
		}
		w.offices, err = readDemoSites(ctx, tx, `SELECT name, ARRAY[country]::text[], ST_X(geom), ST_Y(geom), 0, location_precision
		FROM offices WHERE geom IS NOT NULL AND NOT synthetic ORDER BY name`)
		return err
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// readDemoCountries reads the country polygons into w.countries.
func readDemoCountries(ctx context.Context, tx pgx.Tx, w *demoWorld) error {
	rows, err := tx.Query(ctx, `SELECT iso3, ST_AsEWKB(geom) FROM countries ORDER BY iso3`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var iso string
		var wkb []byte
		if err := rows.Scan(&iso, &wkb); err != nil {
			return err
		}
		g, err := data.DecodeEWKB(wkb)
		if err != nil {
			return err
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return fmt.Errorf("country %s is a %T", iso, g)
		}
		w.countries[iso] = newPolyIndex(mp, 0.02)
	}
	return rows.Err()
}

// readDemoBorders reads the shared border lines into w.borders.
func readDemoBorders(ctx context.Context, tx pgx.Tx, w *demoWorld) error {
	rows, err := tx.Query(ctx, `SELECT id, country_a, country_b, ST_AsEWKB(geom) FROM borders ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b demoBorder
		var wkb []byte
		if err := rows.Scan(&b.id, &b.a, &b.b, &wkb); err != nil {
			return err
		}
		g, err := data.DecodeEWKB(wkb)
		if err != nil {
			return err
		}
		b.geom, _ = g.(orb.MultiLineString)
		w.borders = append(w.borders, b)
	}
	return rows.Err()
}

// readDemoSites reads named points: name, countries, lon, lat, rank and
// confidence, in that order.
func readDemoSites(ctx context.Context, tx pgx.Tx, sql string) ([]demoSite, error) {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []demoSite
	for rows.Next() {
		var st demoSite
		var lon, lat float64
		if err := rows.Scan(&st.name, &st.countries, &lon, &lat, &st.rank, &st.conf); err != nil {
			return nil, err
		}
		st.p = orb.Point{lon, lat}
		out = append(out, st)
	}
	return out, rows.Err()
}

// polyIndex answers point-in-polygon for a multipolygon quickly: edges are
// bucketed into latitude bands and a ray is cast through one band.
type polyIndex struct {
	bound  orb.Bound
	band   float64
	minLat float64
	bands  [][][4]float64
}

func newPolyIndex(mp orb.MultiPolygon, band float64) *polyIndex {
	ix := &polyIndex{bound: mp.Bound(), band: band}
	ix.minLat = ix.bound.Min[1]
	n := int((ix.bound.Max[1]-ix.minLat)/band) + 1
	ix.bands = make([][][4]float64, n)
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				a, b := ring[i], ring[i+1]
				lo, hi := math.Min(a[1], b[1]), math.Max(a[1], b[1])
				for k := ix.bandOf(lo); k <= ix.bandOf(hi); k++ {
					ix.bands[k] = append(ix.bands[k], [4]float64{a[0], a[1], b[0], b[1]})
				}
			}
		}
	}
	return ix
}

func (ix *polyIndex) bandOf(lat float64) int {
	k := int((lat - ix.minLat) / ix.band)
	return max(0, min(k, len(ix.bands)-1))
}

// contains reports whether p lies inside (even-odd rule).
func (ix *polyIndex) contains(p orb.Point) bool {
	if !ix.bound.Contains(p) {
		return false
	}
	inside := false
	for _, e := range ix.bands[ix.bandOf(p[1])] {
		if (e[1] > p[1]) != (e[3] > p[1]) {
			x := e[0] + (p[1]-e[1])*(e[2]-e[0])/(e[3]-e[1])
			if p[0] < x {
				inside = !inside
			}
		}
	}
	return inside
}

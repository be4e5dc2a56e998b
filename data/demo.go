package data

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/record"
)

// DemoOptions configures GenerateDemo.
type DemoOptions struct {
	// Events is the number of synthetic events; 0 means DefaultDemoEvents.
	Events int
	// Seed makes the history reproducible: the same seed over the same
	// reference data gives the same events.
	Seed int64
	// From and To bound the history [From, To); zero values give
	// DefaultDemoFrom and DefaultDemoTo.
	From, To time.Time
}

// DefaultDemoEvents is the number of synthetic events GenerateDemo makes
// when DemoOptions.Events is 0.
const DefaultDemoEvents = 20000

// DefaultDemoFrom and DefaultDemoTo bound the default synthetic history.
var (
	DefaultDemoFrom = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultDemoTo   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// DemoCluster is a place whose activity the synthetic history makes change
// over time, for hot-spot analyses to find.
type DemoCluster struct {
	Name     string
	Location orb.Point
	// Trend is "emerging" (quiet, then rising towards the end),
	// "diminishing" (hot early, then fading) or "oscillating".
	Trend string
}

// DemoSummary counts what GenerateDemo wrote.
type DemoSummary struct {
	Events          int
	Seizures        int
	Incidents       int
	JointOperations int
	Teams           int
	Bases           int
	// TotalKG is the weight of all synthetic seizure items in kilograms.
	TotalKG float64
	// DrugKG is the weight per drug in kilograms.
	DrugKG   map[string]float64
	Clusters []DemoCluster
}

// dca2008 is the real yearly example the synthetic volumes follow: the
// seizures of Tajikistan's Drug Control Agency in 2008, in kilograms.
var dca2008 = struct{ Total, Heroin, Opium, Cannabis float64 }{1317, 349, 574, 360}

// demoMassShare is each drug's share of the seized weight. Heroin, opium
// and cannabis follow dca2008; the remaining 34 kg are split among the
// other drugs. Precursors are measured in litres and not part of it.
var demoMassShare = map[string]float64{
	"heroin":          349.0 / 1317,
	"opium":           574.0 / 1317,
	"cannabis":        360.0 / 1317,
	"hashish":         24.0 / 1317,
	"methamphetamine": 5.0 / 1317,
	"morphine":        3.0 / 1317,
	"other":           2.0 / 1317,
}

// demoDrugCount is how often each drug appears in a seizure, and
// demoDrugMedian the median raw quantity before the weights are scaled to
// demoMassShare.
var (
	demoDrugCount = []struct {
		drug string
		p    float64
	}{
		{"heroin", 0.27}, {"opium", 0.30}, {"cannabis", 0.22}, {"hashish", 0.10},
		{"methamphetamine", 0.04}, {"precursors", 0.03}, {"morphine", 0.02}, {"other", 0.02},
	}
	demoDrugMedian = map[string]float64{
		"heroin": 2, "opium": 4, "cannabis": 5, "hashish": 1.5, "methamphetamine": 0.5,
		"precursors": 40, "morphine": 1, "other": 1,
	}
)

// demoAgencyWeight is how much of its country's reporting an agency does.
var demoAgencyWeight = map[string]float64{
	"tj-border": 0.35, "tj-dca": 0.30, "tj-customs": 0.10, "tj-mvd": 0.15, "ru-fps": 0.6,
	"uz-border": 0.40, "uz-customs": 0.25, "uz-sss": 0.20, "uz-mvd": 0.15,
	"kg-border": 0.35, "kg-dcs": 0.30, "kg-mvd": 0.25, "kg-gknb": 0.10, "kg-customs": 0.10,
	"tm-border": 0.70, "tm-customs": 0.30,
	"af-border": 0.60, "af-cnpa": 0.40,
}

// demoCountryWeight is how much each country reports: Afghan agencies'
// records rarely reach the regional system, Turkmenistan publishes little.
var demoCountryWeight = map[string]float64{"TJK": 1, "UZB": 0.9, "KGZ": 0.8, "TKM": 0.5, "AFG": 0.25}

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
func (s *Store) loadDemoWorld(ctx context.Context) (*demoWorld, error) {
	w := &demoWorld{countries: map[string]*polyIndex{}}
	rows, err := s.pool.Query(ctx, `SELECT iso3, ST_AsEWKB(geom) FROM countries ORDER BY iso3`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var iso string
		var wkb []byte
		if err := rows.Scan(&iso, &wkb); err != nil {
			rows.Close()
			return nil, err
		}
		g, err := decodeEWKB(wkb)
		if err != nil {
			rows.Close()
			return nil, err
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			rows.Close()
			return nil, fmt.Errorf("country %s is a %T", iso, g)
		}
		w.countries[iso] = newPolyIndex(mp, 0.02)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.pool.Query(ctx, `SELECT id, country_a, country_b, ST_AsEWKB(geom) FROM borders ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var b demoBorder
		var wkb []byte
		if err := rows.Scan(&b.id, &b.a, &b.b, &wkb); err != nil {
			rows.Close()
			return nil, err
		}
		g, err := decodeEWKB(wkb)
		if err != nil {
			rows.Close()
			return nil, err
		}
		b.geom, _ = g.(orb.MultiLineString)
		w.borders = append(w.borders, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(w.borders) == 0 || len(w.countries) == 0 {
		return nil, fmt.Errorf("no borders or countries: load the reference data first (SeedReference)")
	}
	sites := func(sql string) ([]demoSite, error) {
		rows, err := s.pool.Query(ctx, sql)
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
	if w.crossings, err = sites(`SELECT name, ARRAY[country_a, country_b]::text[], ST_X(geom), ST_Y(geom), 0, confidence
		FROM crossings ORDER BY name`); err != nil {
		return nil, err
	}
	if w.towns, err = sites(`SELECT p.name, ARRAY[p.country]::text[], ST_X(p.geom), ST_Y(p.geom), p.rank, ''
		FROM places p JOIN countries c ON c.iso3 = p.country
		WHERE EXISTS (SELECT 1 FROM borders b WHERE (p.country IN (b.country_a, b.country_b))
		  AND ST_DWithin(p.geom, b.geom, 0.3) AND ST_DWithin(p.geom::geography, b.geom::geography, 20000, false))
		ORDER BY p.name, p.id`); err != nil {
		return nil, err
	}
	if w.offices, err = sites(`SELECT name, ARRAY[country]::text[], ST_X(geom), ST_Y(geom), 0, location_precision
		FROM offices WHERE geom IS NOT NULL AND NOT synthetic ORDER BY name`); err != nil {
		return nil, err
	}
	return w, nil
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

// demoAnchor is a place synthetic events cluster around.
type demoAnchor struct {
	name      string
	kind      string // crossing, ford, town
	p         orb.Point
	countries []string
	weight    float64
	sigmaM    float64
	mountain  bool
	trend     string
	// hotFrom, hotTo and hotPeak shape the trend over the history's
	// fraction u in [0, 1).
	hotFrom, hotTo, hotPeak float64
}

// hot returns the extra weight of a trending anchor at fraction u.
func (a *demoAnchor) hot(u float64) float64 {
	switch a.trend {
	case "emerging":
		if u < a.hotFrom {
			return 0
		}
		return a.hotPeak * math.Pow((u-a.hotFrom)/(1-a.hotFrom), 1.5)
	case "diminishing":
		if u < a.hotTo {
			return a.hotPeak * math.Min(1, u/0.1+0.3)
		}
		return a.hotPeak * math.Exp(-(u-a.hotTo)/0.07)
	case "oscillating":
		if math.Sin(2*math.Pi*u*3.5) > 0.2 {
			return a.hotPeak
		}
		return 0
	}
	return 0
}

// riverOf names the border river at a point of the AFG–TJK, AFG–UZB or
// AFG–TKM border: the Panj joins the Vakhsh at about 68.3°E to form the
// Amu Darya; east of Ishkashim the Pamir river forms the border.
func riverOf(p orb.Point) string {
	switch {
	case p[0] < 68.32:
		return "Amu Darya"
	case p[0] > 71.75:
		return "Pamir"
	}
	return "Panj"
}

// fordSpec says how many river fords to place along a border and where
// the river runs (longitude range).
var fordSpec = []struct {
	id       string
	n        int
	lon0, l1 float64
}{
	{"AFG-TJK", 30, 67.7, 73.6},
	{"AFG-UZB", 5, 66.5, 67.8},
	{"AFG-TKM", 5, 65.6, 66.6},
}

// demoPlan is a generated history, not yet written.
type demoPlan struct {
	events   []record.Event
	ops      []demoOp
	bases    []demoBase
	clusters []DemoCluster
}

type demoOp struct {
	id       uuid.UUID
	name     string
	lead     string
	partners []string
	start    time.Time
	end      time.Time
}

type demoBase struct {
	name, agency, country, note string
	p                           orb.Point
	team                        demoTeam
}

type demoTeam struct {
	name                  string
	speedKPH, offroadKPH  float64
	shiftH                float64
	crew                  int
	agency                string
	baseName, baseCountry string
}

// generator draws the synthetic history.
type generator struct {
	w       *demoWorld
	rng     *rand.Rand
	opts    DemoOptions
	anchors []demoAnchor
	cum     []float64
	span    time.Duration
}

func newGenerator(w *demoWorld, opts DemoOptions) *generator {
	seed := uint64(opts.Seed)
	return &generator{
		w: w, opts: opts, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		span: opts.To.Sub(opts.From),
	}
}

// inCountry reports whether p lies in iso's polygon.
func (g *generator) inCountry(iso string, p orb.Point) bool {
	ix, ok := g.w.countries[iso]
	return ok && ix.contains(p)
}

// nearestTown names the closest town to p.
func (g *generator) nearestTown(p orb.Point) string {
	best, bestD := "", math.Inf(1)
	for _, t := range g.w.towns {
		if d := orbgeo.Distance(p, t.p); d < bestD {
			best, bestD = t.name, d
		}
	}
	return best
}

// offset moves p by a Gaussian offset with standard deviation sigmaM.
func (g *generator) offset(p orb.Point, sigmaM float64) orb.Point {
	dx, dy := g.rng.NormFloat64()*sigmaM, g.rng.NormFloat64()*sigmaM
	lat := p[1] + dy/111320
	lon := p[0] + dx/(111320*math.Cos(p[1]*math.Pi/180))
	return orb.Point{math.Round(lon*1e6) / 1e6, math.Round(lat*1e6) / 1e6}
}

// sideOf returns a point near a on iso's side, or false.
func (g *generator) sideOf(a *demoAnchor, iso string) (orb.Point, bool) {
	for try := 0; try < 40; try++ {
		p := g.offset(a.p, a.sigmaM)
		if g.inCountry(iso, p) {
			return p, true
		}
	}
	return orb.Point{}, false
}

// buildAnchors places anchors at crossings, river fords and border towns,
// keeping for each only the sides events can actually fall on.
func (g *generator) buildAnchors() {
	add := func(a demoAnchor) {
		var sides []string
		for _, c := range a.countries {
			if _, ok := g.w.countries[c]; !ok {
				continue
			}
			if _, ok := g.sideOf(&a, c); ok {
				sides = append(sides, c)
			}
		}
		if len(sides) == 0 {
			return
		}
		a.countries = sides
		a.mountain = a.p[0] > 70.5 && a.p[1] < 39.5 || a.p[1] > 39.2 && a.p[0] > 72.5
		g.anchors = append(g.anchors, a)
	}
	for _, c := range g.w.crossings {
		w := map[string]float64{"high": 4, "medium": 3, "low": 2}[c.conf]
		add(demoAnchor{name: c.name, kind: "crossing", p: c.p, countries: c.countries, weight: w, sigmaM: 1500})
	}
	for _, spec := range fordSpec {
		var line orb.LineString
		var b demoBorder
		for _, bb := range g.w.borders {
			if bb.id == spec.id {
				b = bb
				for _, l := range bb.geom {
					if len(l) > len(line) {
						line = l
					}
				}
			}
		}
		var river []orb.Point
		for _, p := range line {
			if p[0] >= spec.lon0 && p[0] <= spec.l1 {
				river = append(river, p)
			}
		}
		if len(river) == 0 {
			continue
		}
		for i := 0; i < spec.n; i++ {
			p := river[g.rng.IntN(len(river))]
			name := riverOf(p) + " ford near " + g.nearestTown(p)
			add(demoAnchor{name: name, kind: "ford", p: p, countries: []string{b.a, b.b}, weight: 1.5, sigmaM: 2000})
		}
	}
	for _, t := range g.w.towns {
		w := 0.5 + 0.25*float64(9-min(t.rank, 9))
		add(demoAnchor{name: t.name, kind: "town", p: t.p, countries: t.countries, weight: w, sigmaM: 3500})
	}
	// Trending clusters: three emerging, two diminishing, one
	// oscillating, drawn from the fords and the towns.
	var cand []int
	for i, a := range g.anchors {
		if a.kind != "crossing" {
			cand = append(cand, i)
		}
	}
	g.rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	trends := []string{"emerging", "emerging", "emerging", "diminishing", "diminishing", "oscillating"}
	picked := []orb.Point{}
	k := 0
	for _, i := range cand {
		if k == len(trends) {
			break
		}
		a := &g.anchors[i]
		far := true
		for _, p := range picked {
			if orbgeo.Distance(p, a.p) < 60000 {
				far = false
			}
		}
		if !far {
			continue
		}
		picked = append(picked, a.p)
		a.trend = trends[k]
		a.sigmaM = 2500
		switch a.trend {
		case "emerging":
			a.hotFrom, a.hotPeak = 0.5+0.25*g.rng.Float64(), 40
		case "diminishing":
			a.hotTo, a.hotPeak = 0.25+0.2*g.rng.Float64(), 25
		default:
			a.hotPeak = 15
		}
		k++
	}
	g.cum = make([]float64, len(g.anchors))
}

// season is the relative activity in month m (1-12): highest in late
// summer and autumn after the opium harvest, lowest in winter; mountain
// passes nearly close in winter.
func season(m time.Month, mountain bool) float64 {
	c := math.Cos(2 * math.Pi * (float64(m) - 8.5) / 12)
	if mountain {
		return math.Max(0.1, 1+0.9*c)
	}
	return 1 + 0.35*c
}

// drawTime draws a time in [From, To) following the seasons.
func (g *generator) drawTime() time.Time {
	for {
		t := g.opts.From.Add(time.Duration(g.rng.Int64N(int64(g.span))))
		if g.rng.Float64()*1.35 < season(t.Month(), false) {
			return t
		}
	}
}

// drawAnchor picks an anchor with weights at time t.
func (g *generator) drawAnchor(t time.Time) *demoAnchor {
	u := float64(t.Sub(g.opts.From)) / float64(g.span)
	sum := 0.0
	for i := range g.anchors {
		a := &g.anchors[i]
		w := a.weight
		if a.mountain {
			w *= season(t.Month(), true) / season(t.Month(), false)
		}
		sum += w + a.hot(u)
		g.cum[i] = sum
	}
	x := g.rng.Float64() * sum
	i := sort.SearchFloat64s(g.cum, x)
	return &g.anchors[min(i, len(g.anchors)-1)]
}

// activeAgencies lists the agencies of iso that reported in year y.
func activeAgencies(iso string, y int) []refAgency {
	var out []refAgency
	for _, a := range refAgencies {
		if a.Country != iso && !(iso == "TJK" && a.ID == "ru-fps") {
			continue
		}
		if a.From != 0 && y < a.From || a.Until != 0 && y > a.Until {
			continue
		}
		out = append(out, a)
	}
	return out
}

func (g *generator) pickWeighted(n int, weight func(int) float64) int {
	sum := 0.0
	for i := 0; i < n; i++ {
		sum += weight(i)
	}
	x := g.rng.Float64() * sum
	for i := 0; i < n; i++ {
		x -= weight(i)
		if x < 0 {
			return i
		}
	}
	return n - 1
}

// drawCountry picks a side of a.
func (g *generator) drawCountry(a *demoAnchor) string {
	return a.countries[g.pickWeighted(len(a.countries), func(i int) float64 { return demoCountryWeight[a.countries[i]] })]
}

// drawAgency picks an agency of iso active at t; customs report mostly at
// crossings.
func (g *generator) drawAgency(iso string, t time.Time, atCrossing bool) string {
	list := activeAgencies(iso, t.Year())
	if len(list) == 0 {
		return borderAgency[iso]
	}
	return list[g.pickWeighted(len(list), func(i int) float64 {
		w := demoAgencyWeight[list[i].ID]
		if list[i].Kind == "customs" {
			if atCrossing {
				w *= 3
			} else {
				w *= 0.3
			}
		}
		return w
	})].ID
}

// demoEvent fills the parts of a synthetic event that do not depend on
// where it happened.
func (g *generator) demoEvent(n int, t time.Time, a *demoAnchor, iso, agency string, p orb.Point) record.Event {
	e := record.Event{
		ID:         g.uuid(),
		OccurredAt: t.Truncate(time.Minute),
		Location:   p, Place: a.name, AgencyID: agency,
		SourceRef: fmt.Sprintf("synthetic-%d-%d", g.opts.Seed, n),
		Synthetic: true,
	}
	// Most events happen at night and are timed to the minute; some are
	// known only to the day.
	if g.rng.Float64() < 0.15 {
		e.TimePrecision = "day"
		e.OccurredAt = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	} else {
		e.TimePrecision = "exact"
		h := 15 + g.rng.IntN(10) // 20:00-05:00 local (UTC+5)
		if g.rng.Float64() < 0.3 {
			h = g.rng.IntN(24)
		}
		e.OccurredAt = time.Date(t.Year(), t.Month(), t.Day(), h%24, g.rng.IntN(60), 0, 0, time.UTC)
	}
	acc := math.Round(math.Min(20000, math.Max(10, 300*math.Exp(g.rng.NormFloat64()))))
	e.AccuracyM = &acc
	switch x := g.rng.Float64(); {
	case x < 0.5:
		e.Sharing = "agency"
	case x < 0.8:
		e.Sharing = "bilateral"
	default:
		e.Sharing = "regional"
	}
	if g.rng.Float64() < 0.62 {
		e.Kind = record.KindSeizure
		e.Items = g.drawItems(iso, t)
		if g.rng.Float64() < 0.6 {
			d := g.rng.IntN(4)
			e.PersonsDetained = &d
		}
	} else {
		e.Kind = record.KindIncident
		g.drawIncident(&e)
	}
	return e
}

func (g *generator) uuid() uuid.UUID {
	var u uuid.UUID
	for i := 0; i < 16; i += 8 {
		v := g.rng.Uint64()
		for j := 0; j < 8; j++ {
			u[i+j] = byte(v >> (8 * j))
		}
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// drawItems draws one to three drugs with raw quantities; the weights
// are scaled to demoMassShare later.
func (g *generator) drawItems(iso string, t time.Time) []record.Item {
	n := 1
	if x := g.rng.Float64(); x < 0.03 {
		n = 3
	} else if x < 0.2 {
		n = 2
	}
	var items []record.Item
	for len(items) < n {
		i := g.pickWeighted(len(demoDrugCount), func(i int) float64 {
			d := demoDrugCount[i]
			w := d.p
			switch {
			case d.drug == "methamphetamine" && t.Year() < 2018:
				w *= 0.1
			case iso == "KGZ" && (d.drug == "cannabis" || d.drug == "hashish"):
				w *= 2
			}
			return w
		})
		drug := demoDrugCount[i].drug
		dup := false
		for _, it := range items {
			dup = dup || it.Drug == drug
		}
		if dup {
			continue
		}
		unit := "kg"
		if drug == "precursors" {
			unit = "l"
		}
		q := demoDrugMedian[drug] * math.Exp(1.2*g.rng.NormFloat64())
		qual := "exact"
		if g.rng.Float64() < 0.1 {
			qual = "about"
		}
		items = append(items, record.Item{Drug: drug, Quantity: q, Unit: unit, Qualifier: qual})
	}
	return items
}

var demoCategories = []struct {
	cat          string
	p            float64
	sevLo, sevHi int
}{
	{"trafficking_attempt", 0.35, 1, 3}, {"border_violation", 0.25, 1, 2}, {"arrest", 0.20, 1, 3},
	{"intelligence_report", 0.12, 1, 2}, {"armed_clash", 0.05, 3, 5}, {"other", 0.03, 1, 2},
}

func (g *generator) drawIncident(e *record.Event) {
	c := demoCategories[g.pickWeighted(len(demoCategories), func(i int) float64 { return demoCategories[i].p })]
	e.Category = c.cat
	e.Severity = c.sevLo + g.rng.IntN(c.sevHi-c.sevLo+1)
	var d int
	switch c.cat {
	case "arrest":
		d = 1 + g.rng.IntN(5)
	case "trafficking_attempt", "border_violation":
		d = g.rng.IntN(3)
	case "armed_clash":
		d = g.rng.IntN(2)
	default:
		return
	}
	e.PersonsDetained = &d
}

// plan generates the whole history.
func (g *generator) plan() (*demoPlan, error) {
	g.buildAnchors()
	if len(g.anchors) == 0 {
		return nil, fmt.Errorf("demo: no anchor lies inside a country")
	}
	pl := &demoPlan{}
	for _, a := range g.anchors {
		if a.trend != "" {
			pl.clusters = append(pl.clusters, DemoCluster{Name: a.name, Location: a.p, Trend: a.trend})
		}
	}
	n := 0
	// Joint operations: a lead agency and partners from the same or the
	// neighbouring country act together for some days at one place.
	nOps := g.opts.Events / 50
	for n < g.opts.Events && len(pl.ops) < nOps {
		t := g.drawTime()
		a := g.drawAnchor(t)
		lead := g.drawAgency(g.drawCountry(a), t, a.kind == "crossing")
		agencies := []string{lead}
		for _, c := range a.countries {
			for _, ag := range activeAgencies(c, t.Year()) {
				if ag.ID != lead && g.rng.Float64() < 0.35 && len(agencies) < 4 {
					agencies = append(agencies, ag.ID)
				}
			}
		}
		if len(agencies) == 1 {
			continue
		}
		op := demoOp{
			id: g.uuid(), lead: lead, partners: agencies[1:],
			start: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC),
		}
		op.end = op.start.AddDate(0, 0, 1+g.rng.IntN(10))
		op.name = fmt.Sprintf("Joint operation %s %s #%d", a.name, op.start.Format("2006-01"), len(pl.ops)+1)
		pl.ops = append(pl.ops, op)
		k := 2 + g.rng.IntN(4)
		for j := 0; j < k && n < g.opts.Events; j++ {
			ag := agencies[g.rng.IntN(len(agencies))]
			iso := agencyCountry(ag)
			p, ok := g.sideOf(a, iso)
			if !ok {
				continue
			}
			et := op.start.Add(time.Duration(g.rng.Int64N(int64(op.end.Sub(op.start)))))
			e := g.demoEvent(n, et, a, iso, ag, p)
			id := op.id
			e.JointOperationID = &id
			if e.Sharing == "agency" {
				e.Sharing = "bilateral"
			}
			pl.events = append(pl.events, e)
			n++
		}
	}
	for n < g.opts.Events {
		t := g.drawTime()
		a := g.drawAnchor(t)
		iso := g.drawCountry(a)
		p, ok := g.sideOf(a, iso)
		if !ok {
			continue
		}
		ag := g.drawAgency(iso, t, a.kind == "crossing")
		pl.events = append(pl.events, g.demoEvent(n, t, a, iso, ag, p))
		n++
	}
	g.scaleQuantities(pl.events)
	pl.bases = g.planBases()
	return pl, nil
}

func agencyCountry(id string) string {
	if id == "ru-fps" {
		return "TJK"
	}
	for _, a := range refAgencies {
		if a.ID == id {
			return a.Country
		}
	}
	return ""
}

// scaleQuantities scales the raw weights so that the drug mix of all
// synthetic seizures follows demoMassShare and Tajikistan's Drug Control
// Agency seizes dca2008.Total kilograms in an average year.
func (g *generator) scaleQuantities(events []record.Event) {
	rawAll, rawDCA := map[string]float64{}, map[string]float64{}
	for _, e := range events {
		for _, it := range e.Items {
			if it.Unit != "kg" {
				continue
			}
			rawAll[it.Drug] += it.Quantity
			if e.AgencyID == "tj-dca" {
				rawDCA[it.Drug] += it.Quantity
			}
		}
	}
	years := g.span.Hours() / (24 * 365.2425)
	denom := 0.0
	for d, share := range demoMassShare {
		if rawAll[d] > 0 {
			denom += share * rawDCA[d] / rawAll[d]
		}
	}
	c := 1.0
	if denom > 0 {
		c = dca2008.Total * years / denom
	}
	for i := range events {
		for j := range events[i].Items {
			it := &events[i].Items[j]
			if it.Unit == "kg" && rawAll[it.Drug] > 0 {
				it.Quantity *= c * demoMassShare[it.Drug] / rawAll[it.Drug]
			}
			it.Quantity = math.Max(0.001, math.Round(it.Quantity*1000)/1000)
		}
	}
}

// demoBaseBorderM is how far from one of its country's border lines a
// MOBIT base may lie: the synthetic history and the synthetic tracks follow
// only those lines (the towns are chosen within the same distance).
const demoBaseBorderM = 20000

// nearBorder reports whether p lies within maxM of a border line of iso.
func (g *generator) nearBorder(iso string, p orb.Point, maxM float64) bool {
	pad := maxM / 111_000 * 2
	for _, b := range g.w.borders {
		if b.a != iso && b.b != iso {
			continue
		}
		for _, ls := range b.geom {
			if !ls.Bound().Pad(pad).Contains(p) {
				continue
			}
			for _, q := range ls {
				if orbgeo.Distance(p, q) <= maxM {
					return true
				}
			}
		}
	}
	return false
}

// planBases places two or three MOBIT bases per Central Asian country at
// real offices, crossings and border towns on the country's own side of
// its border lines: an office far from them (at a border the reference
// data has no line for) would have no history and no tracks to patrol.
func (g *generator) planBases() []demoBase {
	var out []demoBase
	for _, iso := range []string{"TJK", "UZB", "KGZ", "TKM"} {
		var cand []demoSite
		for _, o := range g.w.offices {
			if o.countries[0] == iso && g.inCountry(iso, o.p) {
				cand = append(cand, o)
			}
		}
		for _, c := range g.w.crossings {
			if (c.countries[0] == iso || c.countries[1] == iso) && g.inCountry(iso, c.p) {
				cand = append(cand, demoSite{name: c.name, countries: []string{iso}, p: c.p})
			}
		}
		for _, t := range g.w.towns {
			if t.countries[0] == iso && t.rank <= 7 && g.inCountry(iso, t.p) {
				cand = append(cand, t)
			}
		}
		g.rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
		want := 2 + g.rng.IntN(2)
		var chosen []demoSite
		for _, c := range cand {
			if len(chosen) == want {
				break
			}
			// Skipped here rather than left out of cand, so that the
			// draws, and the bases of a seed, stay those of the
			// candidates' order.
			if !g.nearBorder(iso, c.p, demoBaseBorderM) {
				continue
			}
			near := false
			for _, o := range chosen {
				near = near || orbgeo.Distance(o.p, c.p) < 15000
			}
			if !near {
				chosen = append(chosen, c)
			}
		}
		for i, c := range chosen {
			agency := borderAgency[iso]
			if iso == "TJK" && i == 1 {
				agency = "tj-dca"
			}
			short := c.name
			if j := strings.IndexAny(short, "(,"); j > 0 {
				short = strings.TrimSpace(short[:j])
			}
			b := demoBase{
				name:   fmt.Sprintf("MOBIT base %s-%d %s", iso, i+1, short),
				agency: agency, country: iso, p: c.p,
				note: "synthetic mobile interdiction team base at " + c.name,
			}
			b.team = demoTeam{
				name:     fmt.Sprintf("MOBIT %s-%d %s", iso, i+1, short),
				speedKPH: float64(45 + 5*g.rng.IntN(6)), offroadKPH: float64(6 + g.rng.IntN(7)),
				shiftH: []float64{8, 12}[g.rng.IntN(2)], crew: 4 + g.rng.IntN(5), agency: agency,
			}
			out = append(out, b)
		}
	}
	return out
}

// planDemo builds the whole synthetic history for w.
func planDemo(w *demoWorld, opts DemoOptions) (*demoPlan, error) {
	return newGenerator(w, opts).plan()
}

func (o *DemoOptions) defaults() error {
	if o.Events == 0 {
		o.Events = DefaultDemoEvents
	}
	if o.From.IsZero() {
		o.From = DefaultDemoFrom
	}
	if o.To.IsZero() {
		o.To = DefaultDemoTo
	}
	if o.Events < 0 || o.Events > 50_000_000 {
		return fmt.Errorf("demo: events must be between 1 and 50000000")
	}
	if !o.To.After(o.From) {
		return fmt.Errorf("demo: the end %s is not after the start %s", o.To.Format(time.RFC3339), o.From.Format(time.RFC3339))
	}
	return nil
}

// GenerateDemo replaces the synthetic history (synthetic events, joint
// operations, MOBIT teams and their bases) with a new one drawn from
// opts.Seed: seizures and incidents clustered at crossings, river fords and
// border towns, each on its reporting agency's side of the border, with
// seasons, trending clusters and joint operations. SeedReference must have
// run. Everything it writes is marked synthetic; events get source_ref
// "synthetic-<seed>-<n>".
func (s *Store) GenerateDemo(ctx context.Context, opts DemoOptions) (DemoSummary, error) {
	if err := opts.defaults(); err != nil {
		return DemoSummary{}, err
	}
	w, err := s.loadDemoWorld(ctx)
	if err != nil {
		return DemoSummary{}, fmt.Errorf("demo: %w", mapErr(err))
	}
	pl, err := planDemo(w, opts)
	if err != nil {
		return DemoSummary{}, err
	}
	sum := DemoSummary{DrugKG: map[string]float64{}, Clusters: pl.clusters, JointOperations: len(pl.ops)}
	for _, e := range pl.events {
		sum.Events++
		if e.Kind == record.KindSeizure {
			sum.Seizures++
		} else {
			sum.Incidents++
		}
		for _, it := range e.Items {
			if it.Unit == "kg" {
				sum.DrugKG[it.Drug] += it.Quantity
				sum.TotalKG += it.Quantity
			}
		}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM event_records WHERE synthetic`,
			`DELETE FROM joint_operations WHERE synthetic`,
			`DELETE FROM teams WHERE synthetic`,
			`UPDATE teams SET base_office = NULL WHERE base_office IN (SELECT id FROM offices WHERE synthetic)`,
			`DELETE FROM offices WHERE synthetic`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return mapErr(err)
			}
		}
		if err := writeDemoOps(ctx, tx, pl.ops); err != nil {
			return err
		}
		nb, err := writeDemoBases(ctx, tx, pl.bases)
		if err != nil {
			return err
		}
		sum.Bases, sum.Teams = nb, nb
		if err := copyEvents(ctx, tx, pl.events); err != nil {
			return err
		}
		return s.audit(ctx, tx, "demo.generate", "events", map[string]any{
			"seed": opts.Seed, "events": sum.Events, "joint_operations": sum.JointOperations, "teams": sum.Teams})
	})
	if err != nil {
		return DemoSummary{}, fmt.Errorf("demo: %w", err)
	}
	return sum, nil
}

func writeDemoOps(ctx context.Context, tx pgx.Tx, ops []demoOp) error {
	b := &pgx.Batch{}
	for _, op := range ops {
		b.Queue(`INSERT INTO joint_operations (id, name, lead_agency_id, started_on, ended_on, synthetic)
			VALUES ($1, $2, $3, $4, $5, true)`, op.id, op.name, op.lead, op.start, op.end)
		for _, a := range append([]string{op.lead}, op.partners...) {
			b.Queue(`INSERT INTO joint_operation_agencies (operation_id, agency_id) VALUES ($1, $2)`, op.id, a)
		}
	}
	return mapErr(sendBatch(ctx, tx, b))
}

func writeDemoBases(ctx context.Context, tx pgx.Tx, bases []demoBase) (int, error) {
	for _, bs := range bases {
		var id int
		err := tx.QueryRow(ctx, `INSERT INTO offices (name, agency_id, country, kind, location_precision, note, synthetic, geom)
			VALUES ($1, $2, $3, 'mobit_base', 'exact', $4, true, ST_SetSRID(ST_MakePoint($5, $6), 4326)) RETURNING id`,
			bs.name, bs.agency, bs.country, bs.note, bs.p[0], bs.p[1]).Scan(&id)
		if err != nil {
			return 0, mapErr(err)
		}
		t := bs.team
		_, err = tx.Exec(ctx, `INSERT INTO teams (name, agency_id, country, base_office, speed_kph, offroad_kph, shift_h, crew, synthetic, geom)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, ST_SetSRID(ST_MakePoint($9, $10), 4326))`,
			t.name, t.agency, bs.country, id, t.speedKPH, t.offroadKPH, t.shiftH, t.crew, bs.p[0], bs.p[1])
		if err != nil {
			return 0, mapErr(err)
		}
	}
	return len(bases), nil
}

// eventCopyColumns are the columns copyEvents writes.
var eventCopyColumns = []string{"id", "kind", "occurred_at", "time_precision", "geom", "accuracy_m", "place",
	"agency_id", "sharing", "source_ref", "source_url", "synthetic", "joint_operation_id", "items", "category",
	"severity", "persons_detained", "notes"}

// copyEvents writes events into event_records with COPY.
func copyEvents(ctx context.Context, tx pgx.Tx, events []record.Event) error {
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(events) {
			return nil, nil
		}
		i++
		// eventCopyColumns: the id, then eventArgs' columns.
		args, err := eventArgs(&events[i-1])
		return append([]any{events[i-1].ID}, args...), err
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"event_records"}, eventCopyColumns, src); err != nil {
		return mapErr(err)
	}
	return nil
}

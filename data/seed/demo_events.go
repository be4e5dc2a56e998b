package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/record"
)

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

// demoPlan is a generated history, not yet written.
type demoPlan struct {
	events   []record.Event
	ops      []demoOp
	bases    []demoBase
	clusters []DemoCluster
	tracks   []demoFix
}

type demoOp struct {
	id       uuid.UUID
	name     string
	lead     string
	partners []string
	start    time.Time
	end      time.Time
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

// drawTime draws a time in [From, To) following the seasons.
func (g *generator) drawTime() time.Time {
	for {
		t := g.opts.From.Add(time.Duration(g.rng.Int64N(int64(g.span))))
		if g.rng.Float64()*1.35 < season(t.Month(), false) {
			return t
		}
	}
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
	pl.tracks = g.planTracks(pl.bases)
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
			// A small history concentrates the mass in few seizures: keep
			// every one plausible, as a recorded seizure must be without
			// a confirmation (record.PlausibleMax).
			it.Quantity = math.Min(math.Max(0.001, math.Round(it.Quantity*1000)/1000), record.PlausibleMax(it.Drug))
		}
	}
}

// planDemo builds the whole synthetic history for w.
func planDemo(w *demoWorld, opts DemoOptions) (*demoPlan, error) {
	return newGenerator(w, opts).plan()
}

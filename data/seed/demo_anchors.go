package seed

import (
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

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

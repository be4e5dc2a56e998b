package seed

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

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

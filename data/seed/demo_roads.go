package seed

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/planner"
	"github.com/borderwatch/borderwatch/record"
)

// demoTrackOptions are the synthetic tracks of the demo.
var demoTrackOptions = planner.TrackOptions{InsetM: 3000, StepM: 2000, SpeedKPH: 25, SpurKPH: 30, MaxSpurM: 40000}

// DemoRoadSource is the source name of the synthetic demo tracks.
const DemoRoadSource = "synthetic"

// DemoRoadsSummary counts what DemoRoads wrote.
type DemoRoadsSummary struct {
	// Source is the roads' source name, DemoRoadSource.
	Source string
	// Roads is the number of roads written, KM their length.
	Roads int64
	KM    float64
	// Sides is the number of border sides the tracks follow.
	Sides int
}

// DemoRoads replaces the synthetic track network: along each country's
// own side of every border line, linked to the MOBIT bases, the crossings
// and the towns near the line, and straight roads between those places
// inside each country. They are stored with source DemoRoadSource and
// highway classes "synthetic_track", "synthetic_link" and
// "synthetic_road", clearly apart from imported roads.
//
// Where mapped roads are stored (borderwatch import roads), the demo draws
// no such network: it links only the posts that no mapped road reaches
// within DemoPostReachM to the nearest mapped road of their country
// (demoPostLinks), and the summary's Sides is 0. Mapped roads imported
// before the countries were loaded get their country first.
func DemoRoads(ctx context.Context, store *data.Store) (DemoRoadsSummary, error) {
	mapped, err := store.MappedRoads(ctx)
	if err != nil {
		return DemoRoadsSummary{}, fmt.Errorf("demo roads: %w", err)
	}
	if mapped > 0 {
		return demoPostLinks(ctx, store)
	}
	sides, err := store.TrackSides(ctx, 8)
	if err != nil {
		return DemoRoadsSummary{}, fmt.Errorf("demo roads: %w", err)
	}
	roads := demoTracks(sides)
	roads = append(roads, demoAnchorLinks(sides)...)
	roads = append(roads, demoConnectors(sides, roads)...)
	sum, err := storeDemoRoads(ctx, store, roads)
	sum.Sides = len(sides)
	return sum, err
}

// storeDemoRoads replaces the synthetic roads by roads.
func storeDemoRoads(ctx context.Context, store *data.Store, roads []record.Road) (DemoRoadsSummary, error) {
	sum, err := store.ImportRoads(ctx, DemoRoadSource, roads, nil)
	if err != nil {
		return DemoRoadsSummary{}, fmt.Errorf("demo roads: %w", err)
	}
	km := 0.0
	for _, r := range roads {
		km += orbgeo.LengthHaversine(r.Line) / 1000
	}
	return DemoRoadsSummary{Source: DemoRoadSource, Roads: sum.Inserted, KM: km}, nil
}

// demoTracks draws the tracks along each border side. The sides are
// independent and built in parallel.
func demoTracks(sides []data.TrackSide) []record.Road {
	perSide := make([][]planner.Road, len(sides))
	var wg sync.WaitGroup
	for i, s := range sides {
		wg.Go(func() {
			opt := demoTrackOptions
			opt.Country = s.Country
			perSide[i] = planner.BorderTracks(s.Border, s.Polygon, s.Anchors, opt)
		})
	}
	wg.Wait()
	var roads []record.Road
	for i, s := range sides {
		for _, r := range perSide[i] {
			class := "synthetic_track"
			if r.SpeedKPH == demoTrackOptions.SpurKPH && len(r.Line) == 2 {
				class = "synthetic_link"
			}
			roads = append(roads, record.Road{
				Name: "synthetic track " + s.BorderID + " (" + s.Country + " side)", Highway: class, Kind: record.RoadSynthetic,
				SpeedKPH: r.SpeedKPH, Country: r.Country, Line: r.Line,
			})
		}
	}
	return roads
}

// Links between the anchors of one country, so that the tracks of its
// different borders and its bases form one network.
const (
	demoLinkKPH       = 40
	demoLinkNeighbors = 4
	demoLinkMaxM      = 200000
)

// demoConnectors joins the pieces of each country's synthetic network
// (tracks broken where the border bends, anchors too far from a track for
// a straight link) into one network inside the country, so that every base
// reaches the tracks, crossings and towns of its country by road.
func demoConnectors(sides []data.TrackSide, roads []record.Road) []record.Road {
	type country struct {
		code    string
		poly    orb.MultiPolygon
		anchors []orb.Point
		roads   []planner.Road
	}
	byCode := map[string]*country{}
	var all []*country
	for _, s := range sides {
		c := byCode[s.Country]
		if c == nil {
			c = &country{code: s.Country, poly: s.Polygon}
			byCode[s.Country] = c
			all = append(all, c)
		}
		for _, a := range s.Anchors {
			if !slices.Contains(c.anchors, a) {
				c.anchors = append(c.anchors, a)
			}
		}
	}
	for _, r := range roads {
		if c := byCode[r.Country]; c != nil {
			c.roads = append(c.roads, planner.Road{Line: r.Line, SpeedKPH: r.SpeedKPH, Country: r.Country})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].code < all[j].code })
	links := make([][]planner.Road, len(all))
	var wg sync.WaitGroup
	for i, c := range all {
		wg.Go(func() {
			links[i] = planner.ConnectRoads(c.roads, c.anchors, c.poly, planner.ConnectOptions{SpeedKPH: demoLinkKPH, Country: c.code})
		})
	}
	wg.Wait()
	var out []record.Road
	for i, c := range all {
		for _, r := range links[i] {
			out = append(out, record.Road{Name: "synthetic connecting road (" + c.code + ")", Highway: "synthetic_road", Kind: record.RoadSynthetic,
				SpeedKPH: r.SpeedKPH, Country: c.code, Line: r.Line})
		}
	}
	return out
}

// demoAnchorLinks joins every anchor of a country (bases, crossings,
// towns) to its nearest few other anchors by a straight synthetic road,
// where that road stays inside the country without touching its border.
func demoAnchorLinks(sides []data.TrackSide) []record.Road {
	type country struct {
		poly    orb.MultiPolygon
		anchors []orb.Point
	}
	byCode := map[string]*country{}
	var codes []string
	for _, s := range sides {
		c := byCode[s.Country]
		if c == nil {
			c = &country{poly: s.Polygon}
			byCode[s.Country] = c
			codes = append(codes, s.Country)
		}
		for _, a := range s.Anchors {
			if !slices.Contains(c.anchors, a) {
				c.anchors = append(c.anchors, a)
			}
		}
	}
	sort.Strings(codes)
	var roads []record.Road
	for _, code := range codes {
		c := byCode[code]
		empty, err := planner.NewGraph(nil, 0)
		if err != nil {
			continue
		}
		net := empty.Restrict(planner.Access{Country: c.poly})
		done := map[[2]int]bool{}
		for i, a := range c.anchors {
			if !net.Inside(a) {
				continue
			}
			order := make([]int, 0, len(c.anchors))
			for j := range c.anchors {
				if j != i {
					order = append(order, j)
				}
			}
			sort.Slice(order, func(x, y int) bool {
				return orbgeo.Distance(a, c.anchors[order[x]]) < orbgeo.Distance(a, c.anchors[order[y]])
			})
			linked := 0
			for _, j := range order {
				b := c.anchors[j]
				if linked == demoLinkNeighbors || orbgeo.Distance(a, b) > demoLinkMaxM {
					break
				}
				key := [2]int{min(i, j), max(i, j)}
				if done[key] || !net.Inside(b) || !net.SegmentAllowed(a, b) {
					continue
				}
				done[key] = true
				linked++
				roads = append(roads, record.Road{Name: "synthetic road (" + code + ")", Highway: "synthetic_road", Kind: record.RoadSynthetic,
					SpeedKPH: demoLinkKPH, Country: code, Line: orb.LineString{a, b}})
			}
		}
	}
	return roads
}

// DemoPostReachM is how far a post may be from a mapped road for the
// planner to reach it without a synthetic track: the planner's longest
// off-road leg (planner.Access.MaxOffroadM's default).
const DemoPostReachM = 5000

// demoPostLinks stores synthetic tracks (source DemoRoadSource, kind
// synthetic) from every post farther than DemoPostReachM from any mapped
// road to the nearest mapped road of its country, by a way that stays
// inside the country (planner.ConnectRoads).
func demoPostLinks(ctx context.Context, store *data.Store) (DemoRoadsSummary, error) {
	if _, err := store.TagRoadCountries(ctx); err != nil {
		return DemoRoadsSummary{}, fmt.Errorf("demo roads: %w", err)
	}
	posts, err := store.PostRoads(ctx)
	if err != nil {
		return DemoRoadsSummary{}, fmt.Errorf("demo roads: %w", err)
	}
	var roads []record.Road
	for _, p := range posts {
		if p.DistanceM <= DemoPostReachM || p.Road == nil {
			continue
		}
		links := planner.ConnectRoads([]planner.Road{{Line: p.Road, SpeedKPH: demoTrackOptions.SpeedKPH, Country: p.Country}},
			[]orb.Point{p.Point}, p.Polygon, planner.ConnectOptions{SpeedKPH: demoTrackOptions.SpeedKPH, Country: p.Country})
		for _, l := range links {
			roads = append(roads, record.Road{Name: "synthetic track to a post (" + p.Country + ")", Highway: "synthetic_track",
				Kind: record.RoadSynthetic, SpeedKPH: l.SpeedKPH, Country: p.Country, Line: l.Line})
		}
	}
	return storeDemoRoads(ctx, store, roads)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"golang.org/x/term"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/parse"
	"github.com/borderwatch/borderwatch/planner"
	"github.com/borderwatch/borderwatch/record"
)

// runImportRoads implements "borderwatch import roads FILE [-format
// pbf|osm|geojson] [-source NAME] [-speeds FILE.json]": it reads the roads
// of an OpenStreetMap extract (.osm.pbf or .osm XML) or a GeoJSON file of
// LineStrings and replaces the stored roads of the same source with them
// in one transaction. The service rebuilds its road graph on the next plan.
func runImportRoads(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import roads", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("db", getenv("DATABASE_URL"), "PostgreSQL connection string (env DATABASE_URL)")
	format := fs.String("format", "", "pbf, osm or geojson (default: from the file name and content)")
	source := fs.String("source", "", "source name of these roads; re-importing a source replaces its roads (default: the file name)")
	speedsPath := fs.String("speeds", "", `JSON file of highway class → km/h, e.g. {"track": 15, "path": 5}; 0 leaves a class out`)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: borderwatch import roads FILE [flags]")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "default speeds (km/h): %s\n", formatSpeeds(parse.DefaultRoadSpeeds()))
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("import roads: want: import roads FILE")
	}
	if *dbURL == "" {
		return errors.New("import roads: no database: set -db or DATABASE_URL")
	}
	path := pos[0]
	speeds := parse.DefaultRoadSpeeds()
	if *speedsPath != "" {
		f, err := os.Open(*speedsPath)
		if err != nil {
			return fmt.Errorf("import roads: %w", err)
		}
		speeds, err = parse.ReadRoadSpeeds(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("import roads: %s: %w", *speedsPath, err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import roads: %w", err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	fmtName := *format
	if fmtName == "" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		if fmtName, err = parse.DetectRoadFormat(path, head[:n]); err != nil {
			return fmt.Errorf("import roads: %w", err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("import roads: %w", err)
		}
	}
	src := *source
	if src == "" {
		src = sourceName(path)
	}
	store, err := openStore(ctx, *dbURL, 2, 0, false)
	if err != nil {
		return fmt.Errorf("import roads: %w", err)
	}
	defer store.Close()

	start := time.Now()
	prog := newRoadProgress(stderr)
	cr := &countingReader{r: f}
	stopTick := prog.tick(func() string {
		return fmt.Sprintf("reading %s: %s of %s", filepath.Base(path), mib(cr.n.Load()), mib(size))
	})
	var (
		roads []record.Road
		st    parse.RoadStats
	)
	switch fmtName {
	case parse.RoadFormatPBF, parse.RoadFormatOSM:
		roads, st, err = parse.RoadsOSM(ctx, cr, fmtName, speeds)
	case parse.RoadFormatGeoJSON:
		roads, st, err = parse.RoadsGeoJSON(cr, speeds)
	default:
		err = fmt.Errorf("unknown format %q: want pbf, osm or geojson", fmtName)
	}
	stopTick()
	if err != nil {
		return fmt.Errorf("import roads %s: %w (nothing was written)", path, err)
	}
	var written atomic.Int64
	stopTick = prog.tick(func() string { return fmt.Sprintf("writing: %d of %d roads", written.Load(), len(roads)) })
	sum, err := store.ImportRoads(ctx, src, roads, func(n int64) { written.Store(n) })
	stopTick()
	if err != nil {
		return fmt.Errorf("import roads %s: %w (nothing was written)", path, err)
	}
	fmt.Fprintf(stdout, "imported %d roads from %d %s ways/features into source %q in %.1fs: %d skipped (other classes or geometries), %d missing nodes, %d replaced, %d within one country; road network version %d\n",
		sum.Inserted, st.Read, fmtName, src, time.Since(start).Seconds(), st.Skipped, st.MissingNodes, sum.Deleted, sum.WithCountry, sum.Version)
	return nil
}

// sourceName derives a source name from a file name ("tajikistan-latest").
func sourceName(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".pbf", ".osm", ".geojson", ".json", ".xml"} {
		base = strings.TrimSuffix(base, ext)
	}
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), "_.-")
	if len(s) > 100 {
		s = s[:100]
	}
	if s == "" {
		s = "import"
	}
	return s
}

func formatSpeeds(s parse.RoadSpeeds) string {
	var parts []string
	for _, c := range s.Classes() {
		parts = append(parts, fmt.Sprintf("%s %g", c, s[c]))
	}
	return strings.Join(parts, ", ")
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// countingReader counts the bytes read since the last rewind.
type countingReader struct {
	r io.ReadSeeker
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Seek(off int64, whence int) (int64, error) {
	pos, err := c.r.Seek(off, whence)
	if err == nil {
		c.n.Store(pos)
	}
	return pos, err
}

// roadProgress redraws one status line on a terminal every half second,
// and stays silent otherwise.
type roadProgress struct {
	w  io.Writer
	on bool
}

func newRoadProgress(w io.Writer) *roadProgress {
	on := false
	if f, ok := w.(*os.File); ok {
		on = term.IsTerminal(int(f.Fd()))
	}
	return &roadProgress{w: w, on: on}
}

// tick draws line() until the returned stop function is called.
func (p *roadProgress) tick(line func() string) (stop func()) {
	if !p.on {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprintf(p.w, "\r%s\x1b[K\n", line())
				return
			case <-t.C:
				fmt.Fprintf(p.w, "\r%s\x1b[K", line())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// demoTrackOptions are the synthetic tracks of the demo.
var demoTrackOptions = planner.TrackOptions{InsetM: 3000, StepM: 2000, SpeedKPH: 25, SpurKPH: 30, MaxSpurM: 40000}

// demoRoadSource is the source name of the synthetic demo tracks.
const demoRoadSource = "synthetic"

// loadDemoRoads replaces the synthetic track network: along each
// country's own side of every border line, linked to the MOBIT bases,
// the crossings and the towns near the line, and straight roads between
// those places inside each country. They are stored with source
// "synthetic" and highway classes "synthetic_track", "synthetic_link" and
// "synthetic_road", clearly apart from imported roads.
func loadDemoRoads(ctx context.Context, store *data.Store, stdout io.Writer) error {
	start := time.Now()
	sides, err := store.TrackSides(ctx, 8)
	if err != nil {
		return fmt.Errorf("demo roads: %w", err)
	}
	// The sides are independent; build them in parallel.
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
				Name: "synthetic track " + s.BorderID + " (" + s.Country + " side)", Highway: class,
				SpeedKPH: r.SpeedKPH, Country: r.Country, Line: r.Line,
			})
		}
	}
	roads = append(roads, demoAnchorLinks(sides)...)
	roads = append(roads, demoConnectors(sides, roads)...)
	sum, err := store.ImportRoads(ctx, demoRoadSource, roads, nil)
	if err != nil {
		return fmt.Errorf("demo roads: %w", err)
	}
	km := 0.0
	for _, r := range roads {
		km += orbgeo.LengthHaversine(r.Line) / 1000
	}
	fmt.Fprintf(stdout, "synthetic track network (labelled source %q, not real roads): %d tracks, %.0f km along %d border sides in %s\n",
		demoRoadSource, sum.Inserted, km, len(sides), time.Since(start).Round(time.Millisecond))
	return nil
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
			out = append(out, record.Road{Name: "synthetic connecting road (" + c.code + ")", Highway: "synthetic_road",
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
				roads = append(roads, record.Road{Name: "synthetic road (" + code + ")", Highway: "synthetic_road",
					SpeedKPH: demoLinkKPH, Country: code, Line: orb.LineString{a, b}})
			}
		}
	}
	return roads
}

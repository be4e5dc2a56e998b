package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/borderwatch/borderwatch/parse"
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

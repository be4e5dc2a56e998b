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
	fl, err := parseImportRoadsFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	speeds, err := loadRoadSpeeds(fl.speedsPath)
	if err != nil {
		return err
	}
	f, size, fmtName, err := openRoadFile(fl.path, fl.format)
	if err != nil {
		return fmt.Errorf("import roads: %w", err)
	}
	defer f.Close()
	store, err := openStore(ctx, fl.dbURL, 2, 0, false, getenv)
	if err != nil {
		return fmt.Errorf("import roads: %w", err)
	}
	defer store.Close()

	start := time.Now()
	prog := newRoadProgress(stderr)
	cr := &countingReader{r: f}
	stopTick := prog.tick(func() string {
		return fmt.Sprintf("reading %s: %s of %s", filepath.Base(fl.path), mib(cr.n.Load()), mib(size))
	})
	roads, st, err := parseRoadFile(ctx, cr, fmtName, speeds)
	stopTick()
	if err != nil {
		return fmt.Errorf("import roads %s: %w (nothing was written)", fl.path, err)
	}
	var written atomic.Int64
	stopTick = prog.tick(func() string { return fmt.Sprintf("writing: %d of %d roads", written.Load(), len(roads)) })
	sum, err := store.ImportRoads(ctx, fl.source, roads, func(n int64) { written.Store(n) })
	stopTick()
	if err != nil {
		return fmt.Errorf("import roads %s: %w (nothing was written)", fl.path, err)
	}
	fmt.Fprintf(stdout, "imported %d roads from %d %s ways/features into source %q in %.1fs: %d skipped (other classes or geometries), %d missing nodes, %d replaced, %d within one country; road network version %d\n",
		sum.Inserted, st.Read, fmtName, fl.source, time.Since(start).Seconds(), st.Skipped, st.MissingNodes, sum.Deleted, sum.WithCountry, sum.Version)
	return nil
}

// importRoadsFlags are the settings of "borderwatch import roads".
type importRoadsFlags struct {
	dbURL, format, source, speedsPath string
	// path is the road file.
	path string
}

// parseImportRoadsFlags reads the flags and the one file argument, which
// may come before, between or after the flags. The source defaults to a
// name derived from the file's.
func parseImportRoadsFlags(args []string, getenv func(string) string, stderr io.Writer) (importRoadsFlags, error) {
	fs := flag.NewFlagSet("import roads", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
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
			return importRoadsFlags{}, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fs.Usage()
		return importRoadsFlags{}, errors.New("import roads: want: import roads FILE")
	}
	if *dbURL == "" {
		return importRoadsFlags{}, errors.New("import roads: no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	fl := importRoadsFlags{dbURL: *dbURL, format: *format, source: *source, speedsPath: *speedsPath, path: pos[0]}
	if fl.source == "" {
		fl.source = sourceName(fl.path)
	}
	return fl, nil
}

// loadRoadSpeeds returns the default speeds overridden by the JSON file
// at path, if any.
func loadRoadSpeeds(path string) (parse.RoadSpeeds, error) {
	if path == "" {
		return parse.DefaultRoadSpeeds(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import roads: %w", err)
	}
	defer f.Close()
	speeds, err := parse.ReadRoadSpeeds(f)
	if err != nil {
		return nil, fmt.Errorf("import roads: %s: %w", path, err)
	}
	return speeds, nil
}

// openRoadFile opens a road file and returns its size and format: format
// if given, else detected from the name and the first bytes.
func openRoadFile(path, format string) (f *os.File, size int64, fmtName string, err error) {
	f, err = os.Open(path)
	if err != nil {
		return nil, 0, "", err
	}
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	fmtName = format
	if fmtName == "" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		if fmtName, err = parse.DetectRoadFormat(path, head[:n]); err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, 0, "", err
		}
	}
	return f, size, fmtName, nil
}

// parseRoadFile reads the roads of a file in format fmtName.
func parseRoadFile(ctx context.Context, r io.ReadSeeker, fmtName string, speeds parse.RoadSpeeds) ([]record.Road, parse.RoadStats, error) {
	switch fmtName {
	case parse.RoadFormatPBF, parse.RoadFormatOSM:
		return parse.RoadsOSM(ctx, r, fmtName, speeds)
	case parse.RoadFormatGeoJSON:
		return parse.RoadsGeoJSON(r, speeds)
	}
	return nil, parse.RoadStats{}, fmt.Errorf("unknown format %q: want pbf, osm or geojson", fmtName)
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

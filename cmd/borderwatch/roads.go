package main

import (
	"compress/gzip"
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

// runImportRoads implements "borderwatch import roads FILE... [-format
// pbf|osm|geojson] [-source NAME] [-speeds FILE.json]": it reads the roads
// of OpenStreetMap extracts (.osm.pbf or .osm XML) or GeoJSON files of
// LineStrings, each possibly gzip-compressed (.gz, read as it is), and
// replaces the stored roads of the source with all of them in one
// transaction, in which the routable graph (road_edges) is rebuilt too. A
// file that cannot be read leaves the stored roads as they were. The
// service rebuilds its road graph on the next plan.
func runImportRoads(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl, err := parseImportRoadsFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	speeds, err := loadRoadSpeeds(fl.speedsPath)
	if err != nil {
		return err
	}
	start := time.Now()
	prog := newRoadProgress(stderr)
	var (
		roads []record.Road
		total parse.RoadStats
	)
	for _, path := range fl.paths {
		rs, st, err := readRoadFile(ctx, prog, path, fl.format, speeds)
		if err != nil {
			return fmt.Errorf("import roads %s: %w (nothing was written)", path, err)
		}
		roads = append(roads, rs...)
		total.Read += st.Read
		total.Skipped += st.Skipped
		total.MissingNodes += st.MissingNodes
	}
	store, err := openStore(ctx, fl.dbURL, 2, 0, false, getenv)
	if err != nil {
		return fmt.Errorf("import roads: %w", err)
	}
	defer store.Close()
	var written atomic.Int64
	stopTick := prog.tick(func() string {
		if n := written.Load(); n < int64(len(roads)) {
			return fmt.Sprintf("writing: %d of %d roads", n, len(roads))
		}
		return fmt.Sprintf("writing: %d roads; building the road graph", len(roads))
	})
	sum, err := store.ImportRoads(ctx, fl.source, roads, func(n int64) { written.Store(n) })
	stopTick()
	if err != nil {
		return fmt.Errorf("import roads: %w (nothing was written)", err)
	}
	inferred := 0
	for _, r := range roads {
		if r.Kind == record.RoadInferred {
			inferred++
		}
	}
	fmt.Fprintf(stdout, "imported %d roads (%d inferred connectors) from %d ways/features of %d file(s) into source %q in %.1fs: %d skipped (other classes or geometries), %d missing nodes, %d replaced, %d within one country; road graph %d vertices, %d edges; road network version %d\n",
		sum.Inserted, inferred, total.Read, len(fl.paths), fl.source, time.Since(start).Seconds(), total.Skipped, total.MissingNodes, sum.Deleted, sum.WithCountry, sum.Vertices, sum.Edges, sum.Version)
	return nil
}

// readRoadFile reads the roads of one file, showing how much of it has
// been read.
func readRoadFile(ctx context.Context, prog *roadProgress, path, format string, speeds parse.RoadSpeeds) ([]record.Road, parse.RoadStats, error) {
	f, err := openRoadFile(path, format)
	if err != nil {
		return nil, parse.RoadStats{}, err
	}
	defer f.Close()
	stopTick := prog.tick(func() string {
		return fmt.Sprintf("reading %s: %s of %s", filepath.Base(path), mib(f.raw.n.Load()), mib(f.size))
	})
	defer stopTick()
	return parseRoadFile(ctx, f, f.format, speeds)
}

// importRoadsFlags are the settings of "borderwatch import roads".
type importRoadsFlags struct {
	dbURL, format, source, speedsPath string
	// paths are the road files.
	paths []string
}

// parseImportRoadsFlags reads the flags and the file arguments, which may
// come before, between or after the flags. The source defaults to a name
// derived from the first file's.
func parseImportRoadsFlags(args []string, getenv func(string) string, stderr io.Writer) (importRoadsFlags, error) {
	fs := flag.NewFlagSet("import roads", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	format := fs.String("format", "", "pbf, osm or geojson (default: from the file name and content)")
	source := fs.String("source", "", "source name of these roads; re-importing a source replaces its roads (default: the file name)")
	speedsPath := fs.String("speeds", "", `JSON file of highway class → km/h, e.g. {"track": 15, "path": 5}; 0 leaves a class out`)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: borderwatch import roads FILE... [flags]  (FILE may be gzip-compressed)")
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
	if len(pos) == 0 {
		fs.Usage()
		return importRoadsFlags{}, errors.New("import roads: want: import roads FILE...")
	}
	if *dbURL == "" {
		return importRoadsFlags{}, errors.New("import roads: no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	fl := importRoadsFlags{dbURL: *dbURL, format: *format, source: *source, speedsPath: *speedsPath, paths: pos}
	if fl.source == "" {
		fl.source = sourceName(fl.paths[0])
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

// roadFile is an open road file, decompressed as it is read when it is
// gzip-compressed. It can be rewound (Seek(0, io.SeekStart)) for the two
// passes of the OpenStreetMap parser.
type roadFile struct {
	f      *os.File
	raw    *countingReader // the file's bytes, counted for the progress line
	zr     *gzip.Reader    // nil unless compressed
	size   int64
	format string
}

// openRoadFile opens a road file and tells its format: format if given,
// else detected from the name (without .gz) and the first bytes.
func openRoadFile(path, format string) (*roadFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	rf := &roadFile{f: f, raw: &countingReader{r: f}, format: format}
	if st, err := f.Stat(); err == nil {
		rf.size = st.Size()
	}
	magic := make([]byte, 2)
	n, _ := io.ReadFull(f, magic)
	if _, err := rf.raw.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	name := path
	if n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if rf.zr, err = gzip.NewReader(rf.raw); err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: %v", parse.ErrRoadFile, err)
		}
		name = strings.TrimSuffix(strings.TrimSuffix(path, ".gz"), ".GZ")
	}
	if rf.format == "" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(rf, head)
		if rf.format, err = parse.DetectRoadFormat(name, head[:n]); err == nil {
			_, err = rf.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	return rf, nil
}

func (rf *roadFile) Read(p []byte) (int, error) {
	if rf.zr != nil {
		return rf.zr.Read(p)
	}
	return rf.raw.Read(p)
}

// Seek rewinds a compressed file to its start, the only move the road
// parsers make; an uncompressed file seeks freely.
func (rf *roadFile) Seek(off int64, whence int) (int64, error) {
	if rf.zr == nil {
		return rf.raw.Seek(off, whence)
	}
	if off != 0 || whence != io.SeekStart {
		return 0, errors.New("a compressed road file can only be rewound")
	}
	if _, err := rf.raw.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return 0, rf.zr.Reset(rf.raw)
}

func (rf *roadFile) Close() error { return rf.f.Close() }

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
	for _, ext := range []string{".gz", ".pbf", ".osm", ".geojson", ".json", ".xml"} {
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

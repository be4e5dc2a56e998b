package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/borderwatch/borderwatch/data"
)

// runImport implements "borderwatch import events FILE [-format csv|geojson]
// [-skip-invalid] [-rejects FILE]". FILE "-" reads standard input.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "roads" {
		return runImportRoads(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	format := fs.String("format", "", "csv or geojson (default: detected from the content)")
	skip := fs.Bool("skip-invalid", false, "import the valid records and write the invalid ones to the rejects file")
	rejectsPath := fs.String("rejects", "", "rejects file for -skip-invalid (default FILE.rejects.csv)")
	area := areaFlags(fs, getenv)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: borderwatch import events FILE [flags]")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "events" {
		fs.Usage()
		return errors.New("import: want: import events FILE")
	}
	if *dbURL == "" {
		return errors.New("import: no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	path := pos[1]
	var in io.Reader = os.Stdin
	var size int64 = -1
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in = f
	}
	opts := data.ImportOptions{Format: *format, SkipInvalid: *skip}
	if *skip {
		rp := *rejectsPath
		if rp == "" {
			if path == "-" {
				rp = "rejects.csv"
			} else {
				rp = strings.TrimSuffix(path, ".gz") + ".rejects.csv"
			}
		}
		rf, err := os.Create(rp)
		if err != nil {
			return fmt.Errorf("import: rejects file: %w", err)
		}
		defer rf.Close()
		opts.Rejects = rf
		defer func() { fmt.Fprintf(stdout, "rejects: %s\n", rp) }()
	}
	bar := newProgressBar(stderr, size)
	opts.Progress = func(p data.ImportProgress) { bar.update(p.Bytes, p.Rows, p.Rejected, p.Done) }
	store, err := openStore(ctx, *dbURL, 2, 0, false, getenv)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer store.Close()
	if _, err := area.load(ctx, store, func(msg string) { fmt.Fprintln(stderr, "import: "+msg) }); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	start := time.Now()
	sum, err := store.ImportEvents(ctx, in, opts)
	bar.finish()
	if err != nil {
		return fmt.Errorf("import %s: %w (nothing was written)", path, err)
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "imported %d %s records in %.1fs (%.0f rows/s): %d inserted, %d updated, %d unchanged, %d rejected\n",
		sum.Rows, sum.Format, secs, float64(sum.Rows)/secs, sum.Inserted, sum.Updated, sum.Unchanged, sum.Rejected)
	return nil
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// progressBar draws a one-line progress bar on a terminal and nothing
// otherwise.
type progressBar struct {
	w     io.Writer
	on    bool
	total int64
	start time.Time
	drawn bool
}

func newProgressBar(w io.Writer, total int64) *progressBar {
	on := false
	if f, ok := w.(*os.File); ok {
		on = term.IsTerminal(int(f.Fd()))
	}
	return &progressBar{w: w, on: on, total: total, start: time.Now()}
}

func (b *progressBar) update(bytes, rows, rejected int64, done bool) {
	if !b.on {
		return
	}
	rate := float64(rows) / max(time.Since(b.start).Seconds(), 1e-3)
	line := fmt.Sprintf("%d rows (%.0f/s)", rows, rate)
	if rejected > 0 {
		line += fmt.Sprintf(", %d rejected", rejected)
	}
	if b.total > 0 {
		frac := min(1, float64(bytes)/float64(b.total))
		const width = 30
		n := int(frac * width)
		line = fmt.Sprintf("[%s%s] %3.0f%% %s", strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, line)
	}
	if done {
		line += " writing done"
	}
	fmt.Fprintf(b.w, "\r%s\x1b[K", line)
	b.drawn = true
}

// line draws one line of progress text in place.
func (b *progressBar) line(s string) {
	if !b.on {
		return
	}
	fmt.Fprintf(b.w, "\r%s\x1b[K", s)
	b.drawn = true
}

func (b *progressBar) finish() {
	if b.on && b.drawn {
		fmt.Fprintln(b.w)
	}
}

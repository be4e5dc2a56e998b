package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/borderwatch/borderwatch/parse"
)

// runExport implements "borderwatch export events [-format csv|geojson]
// [-o FILE]"; without -o it writes to standard output.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	format := fs.String("format", parse.FormatCSV, "csv or geojson")
	out := fs.String("o", "", "output file (default standard output)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "events" {
		return errors.New("export: want: export events [-format csv|geojson] [-o FILE]")
	}
	if *format != parse.FormatCSV && *format != parse.FormatGeoJSON {
		return fmt.Errorf("export: unknown format %q (want csv or geojson)", *format)
	}
	if *dbURL == "" {
		return errors.New("export: no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	store, err := openStore(ctx, *dbURL, 2, 0, false, getenv)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer store.Close()
	w := stdout
	var f *os.File
	if *out != "" && *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	}
	bar := newProgressBar(stderr, -1)
	if f == nil {
		bar.on = false // the data itself goes to the terminal
	}
	bw := bufio.NewWriter(w)
	n, err := store.ExportEvents(ctx, bw, *format, func(n int64) { bar.update(0, n, 0, false) })
	bar.finish()
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(stderr, "exported %d events to %s\n", n, *out)
	}
	return store.Audit(ctx, "events.export", "events", map[string]any{"format": *format, "events": n, "file": *out})
}

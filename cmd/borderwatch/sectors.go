package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/borderwatch/borderwatch/data"
	"github.com/borderwatch/borderwatch/parse"
)

// runSectors runs `borderwatch sectors generate|import`.
func runSectors(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: borderwatch sectors generate [-sector-km 25] [-depth-km 20]\n       borderwatch sectors import [-set imported] FILE.geojson")
		return errors.New("sectors: give generate or import")
	}
	fs := flag.NewFlagSet("sectors "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	switch args[0] {
	case "generate":
		sectorKM := fs.Int("sector-km", data.DefaultSectorKM, "length of one border section in km")
		depthKM := fs.Int("depth-km", data.DefaultDepthKM, "how far a sector reaches into its country, in km")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("sectors generate: unexpected argument %q", fs.Arg(0))
		}
		store, err := openSectorStore(ctx, *dbURL, getenv)
		if err != nil {
			return err
		}
		defer store.Close()
		sum, err := store.GenerateSectors(ctx, *sectorKM, *depthKM)
		if err != nil {
			return err
		}
		printSectorSummary(stdout, "generated", sum)
		return nil
	case "import":
		set := fs.String("set", data.SetImported, "sector set the polygons belong to")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("sectors import: give one GeoJSON file")
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("sectors import: %w", err)
		}
		defer f.Close()
		sectors, err := parse.SectorsGeoJSON(f, *set)
		if err != nil {
			return fmt.Errorf("sectors import %s: %w", fs.Arg(0), err)
		}
		store, err := openSectorStore(ctx, *dbURL, getenv)
		if err != nil {
			return err
		}
		defer store.Close()
		sum, err := store.ImportSectors(ctx, sectors)
		if err != nil {
			return err
		}
		printSectorSummary(stdout, "imported into set "+*set, sum)
		return nil
	}
	return fmt.Errorf("sectors: unknown subcommand %q (generate or import)", args[0])
}

func openSectorStore(ctx context.Context, dbURL string, getenv func(string) string) (*data.Store, error) {
	if dbURL == "" {
		return nil, errors.New("sectors: no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	store, err := openStore(ctx, dbURL, 4, 0, false, getenv)
	if err != nil {
		return nil, fmt.Errorf("sectors: %w", err)
	}
	return store, nil
}

func printSectorSummary(w io.Writer, what string, sum data.SectorSummary) {
	fmt.Fprintf(w, "sectors %s: %d sectors, %d sections\n", what, sum.Sectors, sum.Sections)
	pairs := make([]string, 0, len(sum.Borders))
	for p := range sum.Borders {
		pairs = append(pairs, p)
	}
	sort.Strings(pairs)
	for _, p := range pairs {
		name := p
		if name == "" {
			name = "(no border)"
		}
		fmt.Fprintf(w, "  %-10s %d\n", name, sum.Borders[p])
	}
}

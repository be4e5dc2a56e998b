// Command borderwatch is the Borderwatch service and its tools: serve the API
// and web client, migrate the database, import and export events, load the
// demo data and solve orienteering instances.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"serve the API and the web client", runServe},
		"migrate":   {"apply the database migrations", runMigrate},
		"demo":      {"load the reference data, the reported seizures and a synthetic history", runDemo},
		"import":    {"import events (CSV or GeoJSON) or roads (OSM or GeoJSON): import events|roads FILE", runImport},
		"export":    {"export events as CSV or GeoJSON (export events)", runExport},
		"token":     {"create, list or revoke API tokens", runToken},
		"user":      {"create a web-client user", runUser},
		"device":    {"register, list or revoke the position-reporting devices of teams", runDevice},
		"simulate":  {"drive the teams of a stored plan along their routes through the position protocol of a running server", runSimulate},
		"agreement": {"propose, accept, decline, revoke or list sharing agreements between agencies", runAgreement},
		"sectors":   {"generate border sectors or import sector polygons (sectors generate|import)", runSectors},
		"report":    {"statistics per agency, drug and period as Markdown or CSV", runReport},
		"backtest":  {"score the forecast methods by a rolling-origin backtest over the history (table or JSON)", runBacktest},
		"audit":     {"verify the audit log's hash chain", runAudit},
		"purge":     {"remove the personal data of lookouts expired longer than the retention period (audited)", runPurge},
		"solve": {"solve an orienteering (OP/TOP) instance file and print the routes as JSON",
			func(ctx context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
				return runSolve(ctx, args, stdout)
			}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "borderwatch:", err)
		}
		os.Exit(1)
	}
}

// run dispatches args[1] to its subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) < 2 || args[1] == "-h" || args[1] == "--help" || args[1] == "help" {
		usage(stderr, cmds)
		if len(args) < 2 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := cmds[args[1]]
	if !ok {
		usage(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[1])
	}
	return c.run(ctx, args[2:], getenv, stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: borderwatch COMMAND [flags]   (borderwatch COMMAND -h for its flags)")
	fmt.Fprintln(w)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

// envOr returns getenv(key) or def when it is empty.
func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

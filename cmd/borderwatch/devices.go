package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/borderwatch/borderwatch/data"
)

// runDevice manages the devices that report teams' positions: create
// prints the new device's id and its secret, which the device sends as
// its id (Traccar Client's "Device identifier", OsmAnd's id parameter).
func runDevice(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: borderwatch device create|list|revoke [flags]")
	}
	fs := flag.NewFlagSet("device "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	switch args[0] {
	case "create":
		team := fs.Int("team", 0, "id of the team the device reports for (required)")
		label := fs.String("label", "", "what the device is, e.g. the phone of the team leader")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *team <= 0 {
			return errors.New("device create: -team N is required")
		}
		return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
			secret, d, err := store.CreateDevice(ctx, *team, *label)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "device %d of team %d (%s)\nid: %s\n", d.ID, d.TeamID, d.AgencyID, secret)
			return nil
		})
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
			ds, err := store.ListDevices(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTEAM\tAGENCY\tLABEL\tCREATED\tSTATE")
			for _, d := range ds {
				state := "active"
				if d.RevokedAt != nil {
					state = "revoked " + d.RevokedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\n", d.ID, d.TeamID, d.AgencyID, d.Label, d.CreatedAt.UTC().Format(time.RFC3339), state)
			}
			return tw.Flush()
		})
	case "revoke":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: borderwatch device revoke ID")
		}
		id, err := strconv.Atoi(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("device id %q is not a number", fs.Arg(0))
		}
		return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
			if err := store.RevokeDevice(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "device %d revoked\n", id)
			return nil
		})
	}
	return fmt.Errorf("unknown device command %q (create, list, revoke)", args[0])
}

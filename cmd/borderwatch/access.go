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

// dbFlag adds the -db flag with its DATABASE_URL fallback to fs.
func dbFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("db", getenv("DATABASE_URL"), "PostgreSQL connection string (env DATABASE_URL)")
}

// withCLIStore runs fn with an unrestricted store for a command-line tool.
func withCLIStore(ctx context.Context, dbURL string, fn func(*data.Store) error) error {
	if dbURL == "" {
		return errors.New("no database: set -db or DATABASE_URL")
	}
	store, err := openStore(ctx, dbURL, 4, 0, false)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store)
}

// runToken manages API tokens: create prints the new secret alone on
// stdout, so that it can be captured by a script.
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: borderwatch token create|list|revoke [flags]")
	}
	fs := flag.NewFlagSet("token "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	switch args[0] {
	case "create":
		agency := fs.String("agency", "", "agency id the token acts for (required)")
		role := fs.String("role", "viewer", "viewer, analyst, planner or admin")
		label := fs.String("label", "", "what the token is for")
		ttl := fs.Duration("ttl", 0, "lifetime (0: until revoked)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return withCLIStore(ctx, *dbURL, func(store *data.Store) error {
			secret, _, err := store.CreateToken(ctx, *agency, *role, *label, *ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, secret)
			return nil
		})
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return withCLIStore(ctx, *dbURL, func(store *data.Store) error {
			toks, err := store.ListTokens(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tAGENCY\tROLE\tLABEL\tCREATED\tSTATE")
			for _, t := range toks {
				state := "active"
				switch {
				case t.RevokedAt != nil:
					state = "revoked " + t.RevokedAt.UTC().Format(time.RFC3339)
				case t.ExpiresAt != nil && t.ExpiresAt.Before(time.Now()):
					state = "expired"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.AgencyID, t.Role, t.Label, t.CreatedAt.UTC().Format(time.RFC3339), state)
			}
			return tw.Flush()
		})
	case "revoke":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: borderwatch token revoke ID")
		}
		id, err := strconv.Atoi(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("token id %q is not a number", fs.Arg(0))
		}
		return withCLIStore(ctx, *dbURL, func(store *data.Store) error {
			if err := store.RevokeToken(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "token %d revoked\n", id)
			return nil
		})
	}
	return fmt.Errorf("unknown token command %q (create, list, revoke)", args[0])
}

// runUser creates or updates a web-client user.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: borderwatch user create -username U -agency A -role R -password P")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	username := fs.String("username", "", "login name")
	agency := fs.String("agency", "", "agency id")
	role := fs.String("role", "viewer", "viewer, analyst, planner or admin")
	password := fs.String("password", getenv("BORDERWATCH_PASSWORD"), "password, 10 to 72 characters (env BORDERWATCH_PASSWORD)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withCLIStore(ctx, *dbURL, func(store *data.Store) error {
		u, err := store.CreateUser(ctx, *username, *agency, *role, *password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s (%s, %s) ready\n", u.Username, u.AgencyID, u.Role)
		return nil
	})
}

// runAgreement manages sharing agreements by the consent of both
// agencies: one agency's admin proposes, the partner's admin accepts;
// coarser terms and revocations apply at once. The operator acts for the
// agency named by -as, and every step is audited as it is in the service.
func runAgreement(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "usage: borderwatch agreement propose|accept|decline|revoke|list [flags]"
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("agreement "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	as := fs.String("as", "", "the agency whose admin takes this step")
	var cmd func(store *data.Store) error
	switch args[0] {
	case "propose":
		partner := fs.String("partner", "", "the partner agency")
		coarsenM := fs.Float64("coarsen-m", 0, "partners see locations snapped to a grid of this many metres (0: exact)")
		coarsenTime := fs.String("coarsen-time", "", "partners see times rounded to the day or month (empty: exact)")
		note := fs.String("note", "", "what was agreed")
		cmd = func(store *data.Store) error {
			t := data.AgreementTerms{Partner: *partner, Note: *note}
			if *coarsenM > 0 {
				t.CoarsenM = coarsenM
			}
			if *coarsenTime != "" {
				t.CoarsenTime = coarsenTime
			}
			out, err := store.ProposeAgreement(ctx, *as, t)
			if err != nil {
				return err
			}
			if out.Applied {
				fmt.Fprintf(stdout, "agreement %d: coarser terms in force at once\n", *out.AgreementID)
			} else {
				fmt.Fprintf(stdout, "proposal %d: waits for %s to accept it\n", *out.ProposalID, *partner)
			}
			return nil
		}
	case "accept", "decline":
		id := fs.Int("id", 0, "the proposal")
		cmd = func(store *data.Store) error {
			if args[0] == "accept" {
				aid, err := store.AcceptProposal(ctx, *as, *id)
				if err == nil {
					fmt.Fprintf(stdout, "proposal %d accepted: agreement %d in force\n", *id, aid)
				}
				return err
			}
			state, err := store.DeclineProposal(ctx, *as, *id)
			if err == nil {
				fmt.Fprintf(stdout, "proposal %d %s\n", *id, state)
			}
			return err
		}
	case "revoke":
		partner := fs.String("partner", "", "the partner agency")
		cmd = func(store *data.Store) error {
			if err := store.RevokeAgreement(ctx, *as, *partner); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "agreement between %s and %s revoked\n", *as, *partner)
			return nil
		}
	case "list":
		cmd = func(store *data.Store) error { return listAgreements(ctx, store, stdout) }
	default:
		return fmt.Errorf("unknown agreement command %q (%s)", args[0], usage)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] != "list" && *as == "" {
		return errors.New("-as names the agency whose admin takes this step")
	}
	return withCLIStore(ctx, *dbURL, cmd)
}

// listAgreements prints the agreements in force and the pending proposals.
func listAgreements(ctx context.Context, store *data.Store, stdout io.Writer) error {
	as, err := store.Agreements(ctx)
	if err != nil {
		return err
	}
	ps, err := store.Proposals(ctx, 1000)
	if err != nil {
		return err
	}
	terms := func(m *float64, t *string) (string, string) {
		ms, ts := "exact", "exact"
		if m != nil {
			ms = strconv.FormatFloat(*m, 'f', -1, 64)
		}
		if t != nil {
			ts = *t
		}
		return ms, ts
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAGENCY A\tAGENCY B\tCOARSEN M\tCOARSEN TIME\tSTATE")
	for _, a := range as {
		m, t := terms(a.CoarsenM, a.CoarsenTime)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\tin force\n", a.ID, a.AgencyA, a.AgencyB, m, t)
	}
	for _, p := range ps {
		if p.State != "pending" {
			continue
		}
		m, t := terms(p.CoarsenM, p.CoarsenTime)
		fmt.Fprintf(tw, "proposal %d\t%s\t%s\t%s\t%s\tproposed by %s\n", p.ID, p.AgencyA, p.AgencyB, m, t, p.ProposedBy)
	}
	return tw.Flush()
}

// runAudit verifies the audit log's hash chain; it fails when any entry
// was altered or removed.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: borderwatch audit verify")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withCLIStore(ctx, *dbURL, func(store *data.Store) error {
		rep, err := store.VerifyAudit(ctx, func(n int64) { fmt.Fprintf(stderr, "\rverified %d entries", n) })
		if err != nil {
			return err
		}
		if len(rep.Problems) > 0 {
			for _, p := range rep.Problems {
				fmt.Fprintln(stdout, "TAMPERED:", p)
			}
			return fmt.Errorf("audit log of %d entries fails verification (%d problems)", rep.Entries, len(rep.Problems))
		}
		fmt.Fprintf(stdout, "audit log intact: %d entries\n", rep.Entries)
		return nil
	})
}

package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/borderwatch/borderwatch/data"
)

// dbFlag adds a command-line tool's -db flag to fs. The tools are the
// operator's and connect as the database's owner: OWNER_DATABASE_URL, or
// DATABASE_URL where one role does both (the service's own login, which
// DATABASE_URL names for serve when both are set, may not own anything).
func dbFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("db", envOr(getenv, "OWNER_DATABASE_URL", getenv("DATABASE_URL")),
		"the database owner's PostgreSQL connection string (env OWNER_DATABASE_URL, else DATABASE_URL)")
}

// withCLIStore runs fn with an unrestricted store for a command-line tool.
func withCLIStore(ctx context.Context, dbURL string, getenv func(string) string, fn func(*data.Store) error) error {
	if dbURL == "" {
		return errors.New("no database: set -db, OWNER_DATABASE_URL or DATABASE_URL")
	}
	store, err := openStore(ctx, dbURL, 4, 0, false, getenv)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store)
}

// loadAuditKey reads the Ed25519 key that signs audit entries from path;
// none when path is empty.
func loadAuditKey(path string) (ed25519.PrivateKey, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	return data.ParseAuditKey(b)
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
		return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
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
		return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
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
		return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
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
	return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
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
		personal := fs.Bool("personal-data", false, "personal data (names, dates of birth, document numbers) of entities passes between the partners")
		cmd = func(store *data.Store) error {
			t := data.AgreementTerms{Partner: *partner, Note: *note, PersonalData: *personal}
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
	return withCLIStore(ctx, *dbURL, getenv, cmd)
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
	fmt.Fprintln(tw, "ID\tAGENCY A\tAGENCY B\tCOARSEN M\tCOARSEN TIME\tPERSONAL DATA\tSTATE")
	for _, a := range as {
		m, t := terms(a.CoarsenM, a.CoarsenTime)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\tin force\n", a.ID, a.AgencyA, a.AgencyB, m, t, yesNo(a.PersonalData))
	}
	for _, p := range ps {
		if p.State != "pending" {
			continue
		}
		m, t := terms(p.CoarsenM, p.CoarsenTime)
		fmt.Fprintf(tw, "proposal %d\t%s\t%s\t%s\t%s\t%s\tproposed by %s\n", p.ID, p.AgencyA, p.AgencyB, m, t,
			yesNo(p.PersonalData), p.ProposedBy)
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// runAudit verifies the audit log (its hash chain, and with -pubkey the
// signatures of its entries and with -checkpoint the entries a partner
// holds), makes a signing key, or prints the newest signed entry as a
// checkpoint to hand to a partner agency.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "usage: borderwatch audit verify|keygen|checkpoint [flags]"
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, getenv)
	var pubkeys, checkpoints stringList
	fs.Var(&pubkeys, "pubkey", "PEM public key the entries were signed with (repeatable)")
	switch args[0] {
	case "keygen":
		out := fs.String("out", "", "file for the private key (its public key goes to FILE.pub)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return auditKeygen(*out, stdout)
	case "verify", "checkpoint":
	default:
		return errors.New(usage)
	}
	requireSigned := fs.Bool("require-signed", false, "fail on any unsigned entry")
	fs.Var(&checkpoints, "checkpoint", "JSON checkpoint the log must still hold (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	opt, err := auditVerifyOptions(pubkeys, checkpoints)
	if err != nil {
		return err
	}
	opt.RequireSigned = *requireSigned
	opt.Progress = func(n int64) { fmt.Fprintf(stderr, "\rverified %d entries", n) }
	if args[0] == "checkpoint" && len(opt.Keys) == 0 {
		return errors.New("audit checkpoint needs -pubkey")
	}
	return withCLIStore(ctx, *dbURL, getenv, func(store *data.Store) error {
		rep, err := store.VerifyAudit(ctx, opt)
		if err != nil {
			return err
		}
		if len(rep.Problems) > 0 {
			for _, p := range rep.Problems {
				fmt.Fprintln(stdout, "TAMPERED:", p)
			}
			return fmt.Errorf("audit log of %d entries fails verification (%d problems)", rep.Entries, len(rep.Problems))
		}
		if args[0] == "checkpoint" {
			if rep.Last == nil {
				return errors.New("no signed entry yet")
			}
			return json.NewEncoder(stdout).Encode(rep.Last)
		}
		fmt.Fprintf(stdout, "audit log intact: %d entries\n", rep.Entries)
		if len(opt.Keys) > 0 {
			fmt.Fprintf(stdout, "signatures: %d entries signed and verified, %d unsigned\n", rep.Signed, rep.Unsigned)
		}
		return nil
	})
}

// auditVerifyOptions reads the public keys and checkpoints named on the
// command line.
func auditVerifyOptions(pubkeys, checkpoints []string) (data.AuditVerify, error) {
	var opt data.AuditVerify
	for _, p := range pubkeys {
		b, err := os.ReadFile(p)
		if err != nil {
			return opt, err
		}
		k, err := data.ParseAuditPublicKey(b)
		if err != nil {
			return opt, fmt.Errorf("%s: %w", p, err)
		}
		opt.Keys = append(opt.Keys, k)
	}
	for _, p := range checkpoints {
		b, err := os.ReadFile(p)
		if err != nil {
			return opt, err
		}
		var c data.AuditCheckpoint
		if err := json.Unmarshal(b, &c); err != nil || c.ID <= 0 {
			return opt, fmt.Errorf("%s: not a checkpoint (%v)", p, err)
		}
		opt.Checkpoints = append(opt.Checkpoints, c)
	}
	return opt, nil
}

// auditKeygen writes a new signing key to out (mode 0600) and its public
// key to out.pub.
func auditKeygen(out string, stdout io.Writer) error {
	if out == "" {
		return errors.New("audit keygen needs -out FILE")
	}
	priv, pub, err := data.NewAuditKey()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, priv, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(out+".pub", pub, 0o644); err != nil {
		return err
	}
	k, _ := data.ParseAuditPublicKey(pub)
	fmt.Fprintf(stdout, "signing key %s written to %s, public key to %s.pub\n", data.AuditKeyID(k), out, out)
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

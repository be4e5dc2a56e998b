package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/borderwatch/borderwatch/data"
)

// checkServiceRole refuses a service login that may do more than the
// service needs (a superuser, BYPASSRLS, CREATEROLE, or the owner): with
// it, one flaw in a request's handling would be full power over the
// database, the audit log included. allow (-allow-privileged-db, for
// development) starts anyway, with a warning at every start. It reports
// whether the login is privileged, and fails when it is not a member of
// bw_app, without which no request can be served.
func checkServiceRole(ctx context.Context, store *data.Store, allow bool, logger *slog.Logger) (privileged bool, err error) {
	r, err := store.LoginRole(ctx)
	if err != nil {
		return false, err
	}
	if !r.App {
		return false, fmt.Errorf("the service's login %s may not act as bw_app: GRANT bw_app TO %s (see the README's roles)", r.Name, r.Name)
	}
	excess := r.Excess()
	if len(excess) == 0 {
		return false, nil
	}
	what := fmt.Sprintf("the service's login %s %s", r.Name, strings.Join(excess, ", "))
	if !allow {
		return true, fmt.Errorf("%s: log in as a role that is a member of bw_app only (scripts/setup-db.sh makes bw_service; see the README's roles), "+
			"or pass -allow-privileged-db (ALLOW_PRIVILEGED_DB=1) on a development machine", what)
	}
	logger.Warn("NOT LEAST PRIVILEGE: "+what+"; a flaw in any request could rewrite the database and its audit log",
		"db_role", r.Name)
	return true, nil
}

// migrateAtStart applies pending migrations as the owner (ownerURL), or as
// the service's login when that is privileged and allowed. A least
// privileged login cannot migrate: with migrations pending and no owner's
// connection, serve stops and says how to apply them.
func migrateAtStart(ctx context.Context, store *data.Store, ownerURL string, privileged bool, getenv func(string) string) error {
	if ownerURL != "" {
		owner, err := openStore(ctx, ownerURL, 2, 0, false, getenv)
		if err != nil {
			return fmt.Errorf("-owner-db: %w", err)
		}
		defer owner.Close()
		return owner.Migrate(ctx)
	}
	applied, latest, err := store.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if applied >= latest {
		return nil
	}
	if privileged {
		return store.Migrate(ctx)
	}
	return fmt.Errorf("the database is at migration %d of %d, and the service's login may not migrate it: "+
		"run `borderwatch migrate` with the owner's connection (OWNER_DATABASE_URL), or give serve -owner-db", applied, latest)
}

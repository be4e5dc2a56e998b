package data

import (
	"context"
	"fmt"
)

// The database roles (migration 0015, README "Roles a deployment needs"):
// the owner of the database owns every object, runs the migrations and the
// operator's tools and sees everything; bw_app is what a request may do;
// the service logs in as a role that is a member of bw_app and of nothing
// more powerful.

// LoginRole describes the role a store's connections log in as.
type LoginRole struct {
	Name       string
	Superuser  bool
	BypassRLS  bool
	CreateRole bool
	// Owner is set when the login is, or may become (SET ROLE), the owner
	// of the database or of its tables: it could then do anything to
	// them, the audit log included.
	Owner bool
	// App is set when the login may act as bw_app, as the service must.
	App bool
}

// Excess lists what the login may do beyond what the service needs; the
// service refuses to run as such a login unless told to allow it.
func (r LoginRole) Excess() []string {
	var out []string
	if r.Superuser {
		out = append(out, "is a superuser")
	}
	if r.BypassRLS {
		out = append(out, "bypasses row-level security (BYPASSRLS)")
	}
	if r.CreateRole {
		out = append(out, "may create roles and grant itself any of them (CREATEROLE)")
	}
	if r.Owner {
		out = append(out, "is or may become the owner of the database or of its tables")
	}
	return out
}

// sqlLoginRole reads the login's attributes. pg_has_role with MEMBER
// follows every membership, inherited or not, as SET ROLE may; superusers
// are members of everything.
const sqlLoginRole = `SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
	pg_has_role(r.oid, 'pg_database_owner', 'MEMBER')
	  OR coalesce(pg_has_role(r.oid, (SELECT c.relowner FROM pg_class c WHERE c.oid = to_regclass('event_records')), 'MEMBER'), false),
	to_regrole('bw_app') IS NOT NULL AND pg_has_role(r.oid, 'bw_app', 'MEMBER')
FROM pg_roles r WHERE r.rolname = session_user`

// LoginRole reports the role the store's connections log in as.
func (s *Store) LoginRole(ctx context.Context) (LoginRole, error) {
	var r LoginRole
	if err := s.sys.QueryRow(ctx, sqlLoginRole).Scan(&r.Name, &r.Superuser, &r.BypassRLS, &r.CreateRole, &r.Owner, &r.App); err != nil {
		return r, fmt.Errorf("login role: %w", mapErr(err))
	}
	return r, nil
}

// Operator reports whether the store's login acts as the owner of the
// database (or a superuser): it sees every record and may migrate, as the
// operator's command-line tools must.
func (s *Store) Operator(ctx context.Context) (role string, ok bool, err error) {
	err = s.sys.QueryRow(ctx, `SELECT current_user, pg_has_role('pg_database_owner', 'USAGE')`).Scan(&role, &ok)
	if err != nil {
		return "", false, fmt.Errorf("login role: %w", mapErr(err))
	}
	return role, ok, nil
}

#!/usr/bin/env bash
# scripts/db-roles.sh ADMIN_URL DB_NAME
#
# Sets up the roles a Borderwatch deployment needs (README, "Roles a
# deployment needs") on ADMIN_URL's server, and the database DB_NAME for
# them; idempotent, and safe to run from several scripts at once. ADMIN_URL
# is a connection of a role that may create roles, databases and the
# postgis extension (a superuser, as scripts/setup-db.sh makes). Prints, for
# eval:
#   export OWNER_DATABASE_URL=…   the owner: migrations and command-line tools
#   export DATABASE_URL=…         the service's login (borderwatch serve)
#
# Roles (the server's, shared by all its databases):
#   bw_owner    LOGIN, owns DB_NAME and every object in it
#   bw_app      NOLOGIN, what a request may do (granted by the migrations)
#   bw_service  LOGIN, a member of bw_app only: no superuser, no BYPASSRLS,
#               no CREATEROLE/CREATEDB, not a member of bw_owner
# The two logins' passwords are made once and kept in
# $BORDERWATCH_ROLES_FILE (default ~/.config/borderwatch/db-roles, mode 600);
# the URLs connect over TCP to the server's host (127.0.0.1 for a local
# socket), where PostgreSQL asks for passwords by default, without TLS on
# loopback.
set -euo pipefail
ADMIN_URL=${1:?usage: db-roles.sh ADMIN_URL DB_NAME}
DB_NAME=${2:?usage: db-roles.sh ADMIN_URL DB_NAME}
log() { printf '[db-roles] %s\n' "$*" >&2; }

ROLES_FILE=${BORDERWATCH_ROLES_FILE:-$HOME/.config/borderwatch/db-roles}
if [ ! -s "$ROLES_FILE" ]; then
  mkdir -p "$(dirname "$ROLES_FILE")"
  tmp=$(mktemp "$ROLES_FILE.XXXXXX")
  printf 'owner=%s\nservice=%s\n' "$(openssl rand -hex 24 2>/dev/null || python3 -c 'import secrets; print(secrets.token_hex(24))')" \
    "$(openssl rand -hex 24 2>/dev/null || python3 -c 'import secrets; print(secrets.token_hex(24))')" >"$tmp"
  chmod 600 "$tmp"
  # The first of concurrent runs wins; the others read its file.
  ln "$tmp" "$ROLES_FILE" 2>/dev/null || true
  rm -f "$tmp"
fi
OWNER_PW=$(sed -n 's/^owner=//p' "$ROLES_FILE")
SERVICE_PW=$(sed -n 's/^service=//p' "$ROLES_FILE")

# url_for URL DB [USER PASSWORD]: URL with another database (and login).
url_for() {
  python3 - "$@" <<'PY'
import sys, urllib.parse as up
u, db = up.urlsplit(sys.argv[1]), sys.argv[2]
q = dict(up.parse_qsl(u.query))
if len(sys.argv) > 3:
    user, pw = sys.argv[3], sys.argv[4]
    host = u.hostname or q.pop('host', '') or '127.0.0.1'
    if host.startswith('/'):
        host = '127.0.0.1'
    q.pop('host', None); q.pop('user', None); q.pop('password', None)
    port = u.port or q.pop('port', None) or 5432
    q.pop('port', None)
    netloc = '%s:%s@%s:%s' % (up.quote(user, safe=''), up.quote(pw, safe=''), host, port)
    # On loopback, TLS protects nothing and costs the service and the
    # server CPU on every query (a tenth of a feature read's).
    if host in ('127.0.0.1', 'localhost', '::1'):
        q.setdefault('sslmode', 'disable')
else:
    netloc = u.netloc
query = up.urlencode(q)
print('%s://%s/%s%s' % (u.scheme, netloc, db, '?' + query if query else ''))
PY
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" "$@"; }
# One run at a time changes the roles (ALTER ROLE from two sessions at once
# fails); the lock ends with the session.
psql_admin -v owner_pw="$OWNER_PW" -v service_pw="$SERVICE_PW" >&2 <<'SQL'
DO $$ BEGIN PERFORM pg_advisory_lock(727278); END $$;
DO $$ BEGIN
  BEGIN CREATE ROLE bw_app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  BEGIN CREATE ROLE bw_owner LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  BEGIN CREATE ROLE bw_service LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
END $$;
ALTER ROLE bw_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_pw';
ALTER ROLE bw_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT PASSWORD :'service_pw';
SET client_min_messages = error;
GRANT bw_app TO bw_owner;
GRANT bw_app TO bw_service;
REVOKE bw_owner FROM bw_service;
SQL

if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
  log "creating database $DB_NAME owned by bw_owner"
  psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER bw_owner" >&2
fi
DB_ADMIN_URL=$(url_for "$ADMIN_URL" "$DB_NAME")
# PostGIS may be created by a superuser only; the migrations find it there.
psql -X -q -v ON_ERROR_STOP=1 "$DB_ADMIN_URL" -c "SET client_min_messages = error" \
  -c "CREATE EXTENSION IF NOT EXISTS postgis" -c "CREATE EXTENSION IF NOT EXISTS btree_gist" >&2

DB_OWNER=$(psql_admin -tAc "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$DB_NAME'")
if [ "$DB_OWNER" = bw_owner ]; then
  OWNER_URL=$(url_for "$ADMIN_URL" "$DB_NAME" bw_owner "$OWNER_PW")
else
  # A database made before the roles: its objects belong to $DB_OWNER,
  # which stays its owner; the service logs in as bw_service all the same.
  log "database $DB_NAME belongs to $DB_OWNER, not bw_owner: migrating and the tools use the admin connection"
  OWNER_URL=$DB_ADMIN_URL
fi
SERVICE_URL=$(url_for "$ADMIN_URL" "$DB_NAME" bw_service "$SERVICE_PW")
printf 'export OWNER_DATABASE_URL=%q\n' "$OWNER_URL"
printf 'export DATABASE_URL=%q\n' "$SERVICE_URL"

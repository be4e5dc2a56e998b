#!/usr/bin/env bash
# Makes sure a PostgreSQL server with PostGIS 3 is installed and running and
# that the Borderwatch database exists. Idempotent; installs only what is
# missing (Debian/Ubuntu packages). Prints the connection string to use as
# its last line: a superuser's, for setting up (scripts/db-roles.sh makes the
# roles a deployment runs as, and their database) and for the tests, which
# make a database each.
#
# With DATABASE_URL already set, nothing is installed: that server is used.
set -euo pipefail

DB_NAME=${BORDERWATCH_DB:-borderwatch}
log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ -n "${DATABASE_URL:-}" ]; then
  log "using DATABASE_URL from the environment"
  echo "$DATABASE_URL"
  exit 0
fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=1
  fi
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  apt_install postgresql postgresql-contrib
fi
PGV=$(ls /usr/lib/postgresql | sort -n | tail -1)
if [ ! -e "/usr/share/postgresql/$PGV/extension/postgis.control" ]; then
  apt_install "postgresql-$PGV-postgis-3"
fi

if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  log "creating cluster $PGV/main"
  as_root pg_createcluster "$PGV" main >&2
fi
CLUSTER=$(pg_lsclusters -h | awk -v v="$PGV" '$1==v {print $2; exit}')
PORT=$(pg_lsclusters -h | awk -v v="$PGV" '$1==v {print $3; exit}')
if ! pg_lsclusters -h | awk -v v="$PGV" '$1==v {print $4}' | grep -q online; then
  log "starting PostgreSQL $PGV/$CLUSTER"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PGV" "$CLUSTER" start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h /var/run/postgresql -p "$PORT" && break
  sleep 1
done

# Connect over the Unix socket: peer authentication maps this OS user to
# the role of the same name, which we create as a superuser (PostGIS needs
# one to create its extension).
ME=$(id -un)
psql_admin() { as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "$PORT" -d postgres "$@"; }
if ! psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ME'" | grep -q 1; then
  log "creating role $ME"
  psql_admin -c "CREATE ROLE \"$ME\" SUPERUSER LOGIN" >&2
fi
if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
  log "creating database $DB_NAME"
  psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$ME\"" >&2
fi
echo "postgres:///$DB_NAME?host=/var/run/postgresql&port=$PORT"

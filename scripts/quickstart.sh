#!/usr/bin/env bash
# One command from a fresh clone to a running Borderwatch: installs
# PostgreSQL and PostGIS if missing, starts them, creates the database,
# builds the binary, migrates, loads the reference geodata, the real reported
# seizures and a synthetic history, and serves the web client and API on
# :8080 (ADDR to change it).
#
# The database belongs to the role bw_owner, which migrates it and runs the
# command-line tools (OWNER_DATABASE_URL); the service logs in as bw_service,
# a member of bw_app only (DATABASE_URL). scripts/db-roles.sh makes both. To
# use your own PostGIS, set ADMIN_DATABASE_URL (a role that may create roles
# and databases, and the postgis extension) and the quick start makes them
# there; or set DATABASE_URL and OWNER_DATABASE_URL to roles you made (README,
# "Roles a deployment needs").
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "Go 1.26 or newer is required (https://go.dev/dl/)" >&2; exit 1; }
if [ -n "${DATABASE_URL:-}" ] && [ -n "${OWNER_DATABASE_URL:-}" ]; then
  echo "[quickstart] using DATABASE_URL (the service) and OWNER_DATABASE_URL (the owner) from the environment" >&2
elif [ -n "${DATABASE_URL:-}" ]; then
  echo "[quickstart] DATABASE_URL alone is not enough: the service and the owner are different roles." >&2
  echo "[quickstart] Set OWNER_DATABASE_URL too, or ADMIN_DATABASE_URL instead (see the README's roles)." >&2
  exit 1
else
  ADMIN_URL=$(DATABASE_URL="${ADMIN_DATABASE_URL:-}" BORDERWATCH_DB=postgres scripts/setup-db.sh | tail -1)
  eval "$(scripts/db-roles.sh "$ADMIN_URL" "${BORDERWATCH_DB:-borderwatch}")"
fi
echo "[quickstart] building" >&2
go build -o bin/borderwatch ./cmd/borderwatch
bin/borderwatch migrate   # as the owner (OWNER_DATABASE_URL)
# The key that signs the audit log lives outside the database (bin/ is not
# committed); the demo's own entries are signed with it too.
if [ -z "${AUDIT_KEY:-}" ]; then
  AUDIT_KEY=bin/audit.key
  [ -f "$AUDIT_KEY" ] || bin/borderwatch audit keygen -out "$AUDIT_KEY" >&2
fi
export AUDIT_KEY
# Real roads (OpenStreetMap, ODbL: "© OpenStreetMap contributors"): the main
# network and the 6 inferred border connectors, read compressed as they
# are; ROADS_MINOR=1 adds the minor roads and tracks. Without the folder
# the demo falls back to a synthetic track network, labelled as such.
ROADS_DIR=${ROADS_DIR:-../shared/data/roads}
if [ -f "$ROADS_DIR/roads_osm.geojson.gz" ]; then
  road_files=("$ROADS_DIR/roads_osm.geojson.gz" "$ROADS_DIR/roads_osm_border_gap_connectors.geojson")
  [ "${ROADS_MINOR:-0}" = 1 ] && road_files+=("$ROADS_DIR/roads_osm_minor.geojson.gz")
  echo "[quickstart] importing the OpenStreetMap roads of $ROADS_DIR" >&2
  roads_start=$(date +%s)
  bin/borderwatch import roads -source osm "${road_files[@]}"
  echo "[quickstart] roads imported in $(( $(date +%s) - roads_start )) s" >&2
else
  echo "[quickstart] no $ROADS_DIR/roads_osm.geojson.gz (set ROADS_DIR): the demo draws synthetic tracks instead of roads" >&2
fi
bin/borderwatch demo --events "${DEMO_EVENTS:-20000}" --seed "${DEMO_SEED:-1}" | tee bin/demo.txt
# Loopback only unless ADDR says otherwise: the demo's sign-ins are printed.
export ADDR=${ADDR:-127.0.0.1:8080}
PORT=${ADDR##*:}
echo >&2
echo "[quickstart] serving on http://127.0.0.1:$PORT/ (Ctrl-C stops). Sign in with one of:" >&2
grep 'sign in:' bin/demo.txt >&2 || true
echo "[quickstart] audit entries are signed with $AUDIT_KEY; check them with: bin/borderwatch audit verify -pubkey $AUDIT_KEY.pub" >&2
# serve logs in as bw_service (DATABASE_URL); OWNER_DATABASE_URL lets it
# apply the migrations of a newer build at start.
exec bin/borderwatch serve

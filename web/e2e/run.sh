#!/usr/bin/env bash
# Browser end-to-end tests of the web client: builds the binary, creates a
# fresh database on TEST_DATABASE_URL's server (or the local one that
# scripts/setup-db.sh provides), loads the demo data, serves it on a free
# loopback port and drives Debian's Chromium through playwright-core.
# Screenshots and the server log are kept in web/e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"
E2E=$(pwd)
ROOT=$(cd ../.. && pwd)
ART="$E2E/artifacts"
mkdir -p "$ART"
log() { printf '[e2e] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# CHROMIUM names another Chromium binary (e.g. on Ubuntu, where the
# package is a snap); by default Debian's is installed if missing.
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  log "installing Debian's chromium"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null; then
  log "installing Debian's nodejs and npm"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || { log "the browser tests need Node.js 20 or newer, found $(node --version)"; exit 1; }
command -v psql >/dev/null || { log "psql is required (postgresql-client)"; exit 1; }

WORK=$(mktemp -d)
BIN="$WORK/borderwatch"
log "npm ci (playwright-core, swagger-parser) and building the binary"
npm ci --no-audit --no-fund --loglevel=error >/dev/null &
NPM_PID=$!
(cd "$ROOT" && go build -o "$BIN" ./cmd/borderwatch)
wait "$NPM_PID"

BASE_DB=${TEST_DATABASE_URL:-}
if [ -z "$BASE_DB" ]; then
  BASE_DB=$(cd "$ROOT" && DATABASE_URL= BORDERWATCH_DB=borderwatch_test scripts/setup-db.sh | tail -1)
fi
DB_NAME="bw_e2e_$(date +%s)_$$"
# The same server and options as BASE_DB, another database name.
db_url() { node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.href)' "$BASE_DB" "$1"; }
ADMIN_URL=$(db_url postgres)

SERVER_PID=
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql "$ADMIN_URL" -Xq -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

log "creating database $DB_NAME"
# Owned by bw_owner (OWNER_DATABASE_URL: migrations and the tools); the
# server logs in as bw_service (DATABASE_URL), as a deployment does.
eval "$("$ROOT/scripts/db-roles.sh" "$ADMIN_URL" "$DB_NAME")"
"$BIN" migrate >&2
log "loading the demo data (5000 events, seed 1)"
"$BIN" demo --events 5000 --seed 1 >"$ART/demo.log" 2>&1 || { cat "$ART/demo.log" >&2; log "borderwatch demo failed"; exit 1; }

# The demo gives uz-border three MOBIT teams (Denow, Termiz, Olmaliq) whose
# plans visit several hot spots; teams and plans are visible only to their
# agency, and planning needs the planner or admin role (admin also writes
# events, which the data entry test needs).
E2E_USER=e2e-admin
E2E_AGENCY=uz-border
E2E_PASSWORD="e2e-$(date +%s%N)-pw"
BORDERWATCH_PASSWORD="$E2E_PASSWORD" "$BIN" user create -username "$E2E_USER" -agency "$E2E_AGENCY" -role admin >&2
# A partner admin across the Amu Darya, for the sharing agreement test: the
# demo gives af-border and uz-border a 5 km / day agreement.
E2E_PARTNER_USER=e2e-partner
E2E_PARTNER_PASSWORD="e2e-$(date +%s%N)-partner"
BORDERWATCH_PASSWORD="$E2E_PARTNER_PASSWORD" "$BIN" user create -username "$E2E_PARTNER_USER" -agency af-border -role admin >&2
# A viewer of uz-border, who sees the agency's alerts without acknowledging
# them, and a device of one of its teams, which the teams test reports
# positions from as OsmAnd does.
E2E_VIEWER_USER=e2e-viewer
E2E_VIEWER_PASSWORD="e2e-$(date +%s%N)-viewer"
BORDERWATCH_PASSWORD="$E2E_VIEWER_PASSWORD" "$BIN" user create -username "$E2E_VIEWER_USER" -agency "$E2E_AGENCY" -role viewer >&2
E2E_TEAM=$(psql "$OWNER_DATABASE_URL" -XAtc "SELECT min(id) FROM teams WHERE agency_id = '$E2E_AGENCY'")
[ -n "$E2E_TEAM" ] || { log "the demo has no team of $E2E_AGENCY"; exit 1; }
E2E_DEVICE=$("$BIN" device create -team "$E2E_TEAM" -label "e2e phone" | sed -n 's/^id: //p')
[ -n "$E2E_DEVICE" ] || { log "borderwatch device create printed no id"; exit 1; }
# The binary, for the tests that run its tools (rules.test.mjs runs simulate).
E2E_BIN="$BIN"
export E2E_BIN E2E_USER E2E_PASSWORD E2E_PARTNER_USER E2E_PARTNER_PASSWORD E2E_VIEWER_USER E2E_VIEWER_PASSWORD E2E_TEAM E2E_DEVICE

PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
BASE_URL="http://127.0.0.1:$PORT"
log "serving on $BASE_URL"
ADDR="127.0.0.1:$PORT" METRICS_ADDR=off LOG_FORMAT=text "$BIN" serve >"$ART/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  if node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$BASE_URL/readyz"; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$ART/server.log" >&2; log "the server exited"; exit 1; }
  sleep 0.5
done

# Arguments (or E2E_FILES) name test files to run (default: all of them).
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || read -r -a TESTS <<<"${E2E_FILES:-${E2E_TESTS:-openapi.test.mjs exchange.test.mjs teams.test.mjs rules.test.mjs tests.mjs language.test.mjs a11y.test.mjs routecard.test.mjs weight.test.mjs palette.test.mjs hotspots.test.mjs sectors.test.mjs admin.test.mjs plan_effort.test.mjs}}"
log "validating the API definition (swagger-parser) and running the browser tests"
BASE_URL="$BASE_URL" ARTIFACTS="$ART" node --test --test-concurrency=1 --test-reporter=spec "${TESTS[@]}"

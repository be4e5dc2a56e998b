#!/usr/bin/env bash
# One command from a fresh clone to a running Borderwatch: installs
# PostgreSQL and PostGIS if missing, starts them, creates the database,
# builds the binary, migrates, loads the reference geodata, the real reported
# seizures and a synthetic history, and serves the web client and API on
# :8080 (ADDR to change it). Set DATABASE_URL to use your own PostGIS.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "Go 1.26 or newer is required (https://go.dev/dl/)" >&2; exit 1; }
DATABASE_URL=$(scripts/setup-db.sh | tail -1)
export DATABASE_URL
echo "[quickstart] building" >&2
go build -o bin/borderwatch ./cmd/borderwatch
bin/borderwatch migrate
# The key that signs the audit log lives outside the database (bin/ is not
# committed); the demo's own entries are signed with it too.
if [ -z "${AUDIT_KEY:-}" ]; then
  AUDIT_KEY=bin/audit.key
  [ -f "$AUDIT_KEY" ] || bin/borderwatch audit keygen -out "$AUDIT_KEY" >&2
fi
export AUDIT_KEY
bin/borderwatch demo --events "${DEMO_EVENTS:-20000}" --seed "${DEMO_SEED:-1}" | tee bin/demo.txt
# Loopback only unless ADDR says otherwise: the demo's sign-ins are printed.
export ADDR=${ADDR:-127.0.0.1:8080}
PORT=${ADDR##*:}
echo >&2
echo "[quickstart] serving on http://127.0.0.1:$PORT/ (Ctrl-C stops). Sign in with one of:" >&2
grep 'sign in:' bin/demo.txt >&2 || true
echo "[quickstart] audit entries are signed with $AUDIT_KEY; check them with: bin/borderwatch audit verify -pubkey $AUDIT_KEY.pub" >&2
exec bin/borderwatch serve

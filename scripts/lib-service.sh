# Helpers for the load and fault scripts: a scratch database, the binary,
# a service on a free loopback port. Source it; it cleans up on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BASE_URL=$(DATABASE_URL= BORDERWATCH_DB=postgres scripts/setup-db.sh | tail -1)
SCRATCH_DB="bw_scratch_$$"
DATABASE_URL=$(printf '%s' "$BASE_URL" | sed "s#///postgres#///$SCRATCH_DB#")
export DATABASE_URL
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -X -q "$BASE_URL" -c "DROP DATABASE IF EXISTS \"$SCRATCH_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql -X -q "$BASE_URL" -c "CREATE DATABASE \"$SCRATCH_DB\"" >/dev/null
go build -o bin/borderwatch ./cmd/borderwatch
go build -o bin/loadgen ./scripts/loadgen

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_service PORT [flags...]: starts borderwatch serve (the binary
# $SERVICE_BIN, bin/borderwatch by default) in the background and waits until
# it is ready, at most $READY_WAIT_S seconds (10 by default).
start_service() {
  local port=$1; shift
  ADDR=127.0.0.1:$port "${SERVICE_BIN:-bin/borderwatch}" serve -rate-limit 0 "$@" >>"${SERVICE_LOG:-/tmp/bw-service-$$.log}" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 $((${READY_WAIT_S:-10} * 10))); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "service on :$port did not become ready" >&2
  return 1
}

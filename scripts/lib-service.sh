# Helpers for the load and fault scripts: a scratch database, the binary,
# a service on a free loopback port. Source it; it cleans up on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BASE_URL=$(DATABASE_URL= BORDERWATCH_DB=postgres scripts/setup-db.sh | tail -1)
SCRATCH_DB="bw_scratch_$$"
# The scratch database belongs to bw_owner (OWNER_DATABASE_URL: the tools,
# migrations, psql); the service logs in as bw_service (DATABASE_URL).
eval "$(scripts/db-roles.sh "$BASE_URL" "$SCRATCH_DB")"
# The superuser's connection to it, for what only a superuser may do.
SCRATCH_ADMIN_URL=$(printf '%s' "$BASE_URL" | sed "s#///postgres#///$SCRATCH_DB#")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -X -q "$BASE_URL" -c "DROP DATABASE IF EXISTS \"$SCRATCH_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

go build -o bin/borderwatch ./cmd/borderwatch
go build -o bin/loadgen ./scripts/loadgen

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_service PORT [flags...]: starts borderwatch serve (the binary
# $SERVICE_BIN, bin/borderwatch by default) in the background and waits until
# it is ready, at most $READY_WAIT_S seconds (10 by default). Its metrics
# listen on their own free port, METRICS_PORT[PORT].
declare -A METRICS_PORT
start_service() {
  local port=$1; shift
  local bin=${SERVICE_BIN:-bin/borderwatch} metrics=()
  # Builds from before -metrics-addr served /metrics on the API itself.
  local help
  help=$("$bin" serve -h 2>&1 || true)
  if grep -q -- -metrics-addr <<<"$help"; then
    METRICS_PORT[$port]=$(free_port)
    metrics=(-metrics-addr "127.0.0.1:${METRICS_PORT[$port]}")
  fi
  ADDR=127.0.0.1:$port "$bin" serve -rate-limit 0 "${metrics[@]}" "$@" >>"${SERVICE_LOG:-/tmp/bw-service-$$.log}" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 $((${READY_WAIT_S:-10} * 10))); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "service on :$port did not become ready" >&2
  return 1
}

#!/usr/bin/env bash
# Load test on loopback: demo data plus EVENTS synthetic events (default
# 100000), then, as an unrestricted agency (tj-dca) and as the partner of
# two 5 km/day coarsening agreements (af-border): feature reads with random
# bbox/datetime windows (limit 100), bbox-only reads of 0.5° × 0.3° windows
# as a desktop GIS pans a map, and the hotspot and sector endpoints, each
# from CONNS connections for DURATION, with single reads timed right after
# each burst; then all three as tj-dca with WRITERS (default 8) more
# connections posting new events meanwhile. The load generator runs on 2
# threads. Prints throughput and p50/p99 per endpoint, and for the feature
# reads the CPU time per request of the service, PostgreSQL and the load
# generator.
#
# BASELINE_BIN, when set, is another build of the service (e.g. of main):
# its feature reads (bbox and datetime, and bbox only) are measured first on
# the same data and schema, for a before/after comparison in one run.
# Usage: [BASELINE_BIN=path/to/borderwatch] scripts/load.sh
set -euo pipefail
EVENTS=${EVENTS:-100000}; DURATION=${DURATION:-20s}; CONNS=${CONNS:-32}; WRITERS=${WRITERS:-8}
AGENCIES=${AGENCIES:-tj-dca af-border}
source "$(dirname "$0")/lib-service.sh"

echo "== loading the demo with $EVENTS synthetic events"
bin/borderwatch demo --events "$EVENTS" --seed 7 >/dev/null
declare -A TOKENS
for a in $AGENCIES; do
  TOKENS[$a]=$(bin/borderwatch token create -agency "$a" -role analyst -label load)
done
# cpu_ticks PID...: the CPU time (user + system, clock ticks) the processes
# have used so far.
cpu_ticks() {
  local s=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$s"
}
# read_cpu ARGS...: bin/loadgen read ARGS, then the CPU time per request of
# the service, of PostgreSQL's backends serving the scratch database and of
# the load generator (from /proc and getrusage): unlike req/s, it hardly
# depends on what else the shared machine runs.
read_cpu() {
  local pg svc0 pg0 svc1 pg1 out n
  pg=$(psql -X -At "$BASE_URL" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$SCRATCH_DB'" | tr '\n' ' ')
  svc0=$(cpu_ticks "${PIDS[-1]}"); pg0=$(cpu_ticks $pg)
  out=$(bin/loadgen read "$@")
  svc1=$(cpu_ticks "${PIDS[-1]}"); pg1=$(cpu_ticks $pg)
  grep -v '^loadgen:' <<<"$out"
  n=$(sed -n 's/^loadgen: \([0-9]*\) requests, cpu \([0-9.]*\).*/\1 \2/p' <<<"$out")
  awk -v n="${n% *}" -v lg="${n#* }" -v s=$((svc1 - svc0)) -v p=$((pg1 - pg0)) -v hz="$(getconf CLK_TCK)" -v la="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { if (n > 0) printf "cpu ms/request: service %.3f + postgres %.3f + loadgen %.3f = %.3f (load average %s)\n", s/hz*1000/n, p/hz*1000/n, lg, s/hz*1000/n + p/hz*1000/n + lg, la }'
}
# feature_reads LABEL: the feature-read bursts of every agency against $URL.
feature_reads() {
  for a in $AGENCIES; do
    export BORDERWATCH_TOKEN=${TOKENS[$a]}
    bin/loadgen read -url "$URL" -duration 3s -conns "$CONNS" -mix items,pan >/dev/null
    echo "== $1 $a: feature reads, bbox and datetime ($CONNS connections, $DURATION)"
    read_cpu -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix items
    echo "== $1 $a: feature reads, bbox only as a map pans ($CONNS connections, $DURATION)"
    read_cpu -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix pan
  done
}
if [ -n "${BASELINE_BIN:-}" ]; then
  PORT=$(free_port)
  # The baseline build runs on this build's schema and leaves it as it is.
  bin/borderwatch migrate >/dev/null
  SERVICE_BIN=$BASELINE_BIN start_service "$PORT" -migrate=false
  URL=http://127.0.0.1:$PORT
  feature_reads "baseline"
  kill "${PIDS[-1]}"
fi
PORT=$(free_port)
start_service "$PORT"
URL=http://127.0.0.1:$PORT
if [ -n "${BASELINE_BIN:-}" ]; then
  feature_reads "this build"
fi
for a in $AGENCIES; do
  export BORDERWATCH_TOKEN=${TOKENS[$a]}
  echo "== $a: warm-up"
  bin/loadgen read -url "$URL" -duration 3s -conns "$CONNS" -mix items,pan >/dev/null
  echo "== $a: feature reads, bbox and datetime ($CONNS connections, $DURATION)"
  read_cpu -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix items
  echo "== $a: right after the burst"
  bin/loadgen probe -url "$URL"
  echo "== $a: feature reads, bbox only as a map pans ($CONNS connections, $DURATION)"
  read_cpu -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix pan
  echo "== $a: right after the burst"
  bin/loadgen probe -url "$URL"
  echo "== $a: analysis endpoints ($CONNS connections, $DURATION)"
  bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix hotspots,sectors
done
a=${AGENCIES%% *}
export BORDERWATCH_TOKEN=${TOKENS[$a]}
echo "== $a: mixed: reads and analyses ($CONNS connections) with $WRITERS writers ($DURATION)"
bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix items,items,items,hotspots,sectors -writers "$WRITERS"
echo "== $a: right after the burst"
bin/loadgen probe -url "$URL"

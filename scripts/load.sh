#!/usr/bin/env bash
# Load test on loopback: demo data plus EVENTS synthetic events (default
# 100000), then, as an unrestricted agency (tj-dca) and as the partner of
# two 5 km/day coarsening agreements (af-border): feature reads with random
# bbox/datetime windows (limit 100), bbox-only reads of 0.5° × 0.3° windows
# as a desktop GIS pans a map, and the hotspot and sector endpoints, each
# from CONNS connections for DURATION, with single reads timed right after
# each burst; then all three as tj-dca with WRITERS (default 8) more
# connections posting new events meanwhile. The load generator runs on 2
# threads. Prints throughput and p50/p99 per endpoint.
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
# feature_reads LABEL: the feature-read bursts of every agency against $URL.
feature_reads() {
  for a in $AGENCIES; do
    export BORDERWATCH_TOKEN=${TOKENS[$a]}
    bin/loadgen read -url "$URL" -duration 3s -conns "$CONNS" -mix items,pan >/dev/null
    echo "== $1 $a: feature reads, bbox and datetime ($CONNS connections, $DURATION)"
    bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix items
    echo "== $1 $a: feature reads, bbox only as a map pans ($CONNS connections, $DURATION)"
    bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix pan
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
  bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix items
  echo "== $a: right after the burst"
  bin/loadgen probe -url "$URL"
  echo "== $a: feature reads, bbox only as a map pans ($CONNS connections, $DURATION)"
  bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix pan
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

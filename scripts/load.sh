#!/usr/bin/env bash
# Load test on loopback: demo data plus EVENTS synthetic events (default
# 100000), then feature reads with random bbox/datetime windows (limit 100)
# from CONNS connections for DURATION, and the same against the hotspot and
# sector endpoints, then all three with WRITERS (default 8) more
# connections posting new events meanwhile. The load generator runs on 2
# threads. Prints throughput and p50/p99 per endpoint.
set -euo pipefail
EVENTS=${EVENTS:-100000}; DURATION=${DURATION:-20s}; CONNS=${CONNS:-32}; WRITERS=${WRITERS:-8}
source "$(dirname "$0")/lib-service.sh"

echo "== loading the demo with $EVENTS synthetic events"
bin/borderwatch demo --events "$EVENTS" --seed 7 >/dev/null
TOKEN=$(bin/borderwatch token create -agency tj-dca -role analyst -label load)
PORT=$(free_port)
start_service "$PORT"
URL=http://127.0.0.1:$PORT
echo "== warm-up"
BORDERWATCH_TOKEN=$TOKEN bin/loadgen read -url "$URL" -duration 3s -conns "$CONNS" >/dev/null
echo "== feature reads ($CONNS connections, $DURATION)"
BORDERWATCH_TOKEN=$TOKEN bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix items
echo "== analysis endpoints ($CONNS connections, $DURATION)"
BORDERWATCH_TOKEN=$TOKEN bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix hotspots,sectors
echo "== mixed: reads and analyses ($CONNS connections) with $WRITERS writers ($DURATION)"
BORDERWATCH_TOKEN=$TOKEN bin/loadgen read -url "$URL" -duration "$DURATION" -conns "$CONNS" -mix items,items,items,hotspots,sectors -writers "$WRITERS"

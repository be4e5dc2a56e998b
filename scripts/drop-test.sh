#!/usr/bin/env bash
# A burst of load whose clients drop their connections mid-request
# (DURATION, default 15s; --short: 5s); afterwards the service must answer
# normally with no database connection left checked out.
set -euo pipefail
DURATION=${DURATION:-15s}; [ "${1:-}" = "--short" ] && DURATION=5s
source "$(dirname "$0")/lib-service.sh"

bin/borderwatch demo --events 20000 --seed 9 >/dev/null
TOKEN=$(bin/borderwatch token create -agency tj-dca -role analyst -label drop)
PORT=$(free_port); start_service "$PORT"
echo "== $DURATION burst of dropped requests"
BORDERWATCH_TOKEN=$TOKEN bin/loadgen drop -url "http://127.0.0.1:$PORT" -metrics "http://127.0.0.1:${METRICS_PORT[$PORT]}" -duration "$DURATION" -conns 64

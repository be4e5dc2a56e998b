#!/usr/bin/env bash
# 50 concurrent writers for DURATION (default 15s; --short: 5s) against two
# replicas on one database, retrying with Idempotency-Key until
# acknowledged (one write in four a message to a partner); afterwards
# every acknowledged write must be stored exactly once, and both
# replicas' indexes must agree with the database.
set -euo pipefail
DURATION=${DURATION:-15s}; [ "${1:-}" = "--short" ] && DURATION=5s
source "$(dirname "$0")/lib-service.sh"

bin/borderwatch demo --events 2000 --seed 3 >/dev/null
TOKEN=$(bin/borderwatch token create -agency tj-dca -role analyst -label writers)
P1=$(free_port); start_service "$P1"
P2=$(free_port); start_service "$P2"
ACKED=$(mktemp)
PREFIX=wl-$$
echo "== 50 writers for $DURATION, alternating replicas :$P1 and :$P2"
BORDERWATCH_TOKEN=$TOKEN bin/loadgen write -url "http://127.0.0.1:$P1" -writers 25 -duration "$DURATION" -acked "$ACKED.1" -prefix "$PREFIX-a" -message-to tj-border &
W1=$!
BORDERWATCH_TOKEN=$TOKEN bin/loadgen write -url "http://127.0.0.1:$P2" -writers 25 -duration "$DURATION" -acked "$ACKED.2" -prefix "$PREFIX-b" -message-to tj-border
wait $W1
cat "$ACKED.1" "$ACKED.2" > "$ACKED"
bin/loadgen verify -acked "$ACKED" -replicas "http://127.0.0.1:${METRICS_PORT[$P1]},http://127.0.0.1:${METRICS_PORT[$P2]}"
rm -f "$ACKED" "$ACKED.1" "$ACKED.2"

#!/usr/bin/env bash
# PostgreSQL is restarted while the service is under write and read load:
# requests must fail fast with 503 (not hang), /readyz must report not
# ready, and the service must recover by itself with no acknowledged write
# lost, event or message. --short runs a shorter load (CI).
set -euo pipefail
DURATION=${DURATION:-20s}; DOWN_S=${DOWN_S:-3}
[ "${1:-}" = "--short" ] && DURATION=10s
source "$(dirname "$0")/lib-service.sh"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

bin/borderwatch demo --events 2000 --seed 5 >/dev/null
TOKEN=$(bin/borderwatch token create -agency tj-dca -role analyst -label restart)
PORT=$(free_port); start_service "$PORT" -request-timeout 5s
URL=http://127.0.0.1:$PORT
ACKED=$(mktemp); PREFIX=rs-$$
# One write in four is a notice to tj-border (the national exchange of the
# demo): no acknowledged message may be lost either.
BORDERWATCH_TOKEN=$TOKEN bin/loadgen write -url "$URL" -writers 20 -duration "$DURATION" -acked "$ACKED" -prefix "$PREFIX" \
  -message-to tj-border &
WRITER=$!
sleep 3
# The cluster serving the scratch database: the one on its port.
PGPORT_USED=$(printf '%s' "$DATABASE_URL" | sed -n 's/.*[?&]port=\([0-9]*\).*/\1/p'); PGPORT_USED=${PGPORT_USED:-5432}
read -r PGV CL < <(pg_lsclusters -h | awk -v p="$PGPORT_USED" '$3 == p {print $1, $2; exit}')
[ -n "${PGV:-}" ] || { echo "no local PostgreSQL cluster on port $PGPORT_USED" >&2; exit 1; }
echo "== stopping PostgreSQL $PGV/$CL for ${DOWN_S}s under load"
as_root pg_ctlcluster --skip-systemctl-redirect "$PGV" "$CL" stop -m fast
sleep 0.5
ready=$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")
t0=$(date +%s.%N)
items=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/collections/events/items?limit=10")
t1=$(date +%s.%N)
echo "while down: /readyz $ready, items $items in $(python3 -c "print(round(($t1-$t0)*1000))") ms"
sleep "$DOWN_S"
as_root pg_ctlcluster --skip-systemctl-redirect "$PGV" "$CL" start
t0=$(date +%s.%N)
for _ in $(seq 1 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] && break
  sleep 0.1
done
t1=$(date +%s.%N)
after=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/collections/events/items?limit=10")
echo "after restart: ready again in $(python3 -c "print(round(($t1-$t0)*1000))") ms, items $after"
wait $WRITER
bin/loadgen verify -acked "$ACKED" -prefix "$PREFIX" -replicas "http://127.0.0.1:${METRICS_PORT[$PORT]}"
rm -f "$ACKED"
fail=0
[ "$ready" = 503 ] || { echo "FAIL: /readyz answered $ready while the database was down"; fail=1; }
[ "$items" = 503 ] || { echo "FAIL: items answered $items while the database was down"; fail=1; }
[ "$after" = 200 ] || { echo "FAIL: items answered $after after the restart"; fail=1; }
exit $fail

#!/bin/sh
# bench-import.sh [N]: generate N (default 1000000) events as CSV, import them
# into a scratch database and print rows/s. The server comes from
# TEST_DATABASE_URL or DATABASE_URL (an admin connection that may create
# databases); the scratch database is dropped afterwards.
set -eu
N=${1:-1000000}
BASE=${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://root@127.0.0.1:5432/postgres}}
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
DB=bw_bench_$$
trap 'psql -q "$BASE" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
go build -o "$TMP/borderwatch" ./cmd/borderwatch
go run ./scripts/genevents -n "$N" >"$TMP/events.csv"
psql -q "$BASE" -c "CREATE DATABASE $DB" >/dev/null
URL=$(printf '%s' "$BASE" | sed -E "s#/[^/?]*(\?|$)#/$DB\1#")
"$TMP/borderwatch" migrate -db "$URL" >/dev/null
"$TMP/borderwatch" demo -db "$URL" -events 1 >/dev/null
echo "importing $N events ($(du -h "$TMP/events.csv" | cut -f1)) into $DB"
"$TMP/borderwatch" import events "$TMP/events.csv" -db "$URL"
echo "re-importing the same file (every row an update candidate)"
"$TMP/borderwatch" import events "$TMP/events.csv" -db "$URL"

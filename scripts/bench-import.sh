#!/bin/sh
# bench-import.sh [N]: generate N (default 1000000) events as CSV and, in a
# scratch database, time in the same run:
#   baseline   psql's COPY of the file into a table without indexes,
#              constraints or triggers (what this machine can ingest at all);
#   fresh      borderwatch import events into the migrated schema;
#   re-import  the same file again (every row an update candidate, none
#              changed).
# It prints rows/s of each and the import's time relative to the baseline,
# with the load average (the import target is 1M rows in <= 30 s). The server
# comes from TEST_DATABASE_URL or DATABASE_URL (an admin connection that may
# create databases); the scratch database is dropped afterwards.
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

now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# report LABEL START END LOAD: prints the rows/s of N rows between START and
# END, and the load average at END.
report() {
	awk -v l="$1" -v s="$2" -v e="$3" -v n="$N" -v ld="$4" \
		'BEGIN { printf "%-10s %8.1f s %9.0f rows/s   load %s\n", l, e - s, n / (e - s), ld }'
}

echo "$N events, $(du -h "$TMP/events.csv" | cut -f1) of CSV, $(nproc) CPUs, load average $(load)"
COLS=$(head -1 "$TMP/events.csv" | sed 's/,/ text, /g; s/$/ text/')
psql -q "$URL" -c "CREATE TABLE bench_raw ($COLS)"
t0=$(now)
psql -q "$URL" -c "\\copy bench_raw FROM '$TMP/events.csv' (FORMAT csv, HEADER)"
t1=$(now)
l1=$(load)
psql -q "$URL" -c "DROP TABLE bench_raw"
"$TMP/borderwatch" import events "$TMP/events.csv" -db "$URL" >"$TMP/fresh.out"
t2=$(now)
l2=$(load)
"$TMP/borderwatch" import events "$TMP/events.csv" -db "$URL" >"$TMP/again.out"
t3=$(now)
l3=$(load)
report baseline "$t0" "$t1" "$l1"
report fresh "$t1" "$t2" "$l2"
report re-import "$t2" "$t3" "$l3"
sed 's/^/  fresh:     /' "$TMP/fresh.out"
sed 's/^/  re-import: /' "$TMP/again.out"
awk -v b0="$t0" -v b1="$t1" -v f="$t2" -v r="$t3" 'BEGIN {
	printf "fresh import takes %.1fx the baseline, re-import %.1fx\n", (f - b1) / (b1 - b0), (r - f) / (b1 - b0) }'

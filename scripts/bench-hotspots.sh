#!/usr/bin/env bash
# Hotspot benchmark on loopback. Loads N (default 1000000) synthetic events
# near the border lines into a scratch PostGIS database (reference data from
# `borderwatch demo`, events generated in SQL), starts the service, and in
# the same run measures:
#   * the live index's load time (from the service log) and its sync delay
#     (a write until the index has it, from /metrics);
#   * warm GET /api/hotspots?method=gistar&cell_m=5000&radius_m=12000&min_bin=1
#     (whole 50 km corridor, significant cells only) over HTTP with a token,
#     computed each time (Cache-Control: no-cache) and from the response cache;
#   * PostGIS computing only a 5 km grid aggregation of the same points,
#     already projected and GiST-indexed (ST_SnapToGrid + GROUP BY);
# and prints the medians and the ratio. Usage: scripts/bench-hotspots.sh [N] [RUNS]
set -euo pipefail
N=${1:-1000000}
RUNS=${2:-21}
source "$(dirname "$0")/lib-service.sh"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "== reference data"
bin/borderwatch demo --events 1000 --seed 3 >/dev/null
echo "== generating $N events near the border lines (in SQL)"
t0=$(date +%s%N)
psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" <<SQL
SET synchronous_commit = off;
WITH b AS (SELECT (row_number() OVER (ORDER BY id)) - 1 AS i, ST_GeometryN(geom, 1) AS line FROM borders),
     nb AS (SELECT count(*) AS n FROM b),
     ag AS (SELECT array_agg(id ORDER BY id) AS ids FROM agencies),
     hot AS (SELECT ARRAY[ST_MakePoint(69.40, 37.10), ST_MakePoint(71.20, 38.00), ST_MakePoint(64.50, 36.40),
                          ST_MakePoint(67.30, 37.25), ST_MakePoint(70.60, 37.55)] AS pts)
INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, items, category, severity, synthetic)
SELECT CASE WHEN s.g % 8 < 5 THEN 'seizure' ELSE 'incident' END,
       '2015-01-01'::timestamptz + random() * interval '10 years',
       CASE WHEN s.g % 5 = 0
         THEN ST_SetSRID(ST_Translate(hot.pts[1 + s.g % 5 + 0 * s.g], (random() + random() + random() - 1.5) * 0.15,
                                      (random() + random() + random() - 1.5) * 0.12), 4326)
         ELSE ST_SetSRID(ST_Translate(ST_LineInterpolatePoint(b.line, random()),
                                      (random() + random() + random() - 1.5) * 0.5,
                                      (random() + random() + random() - 1.5) * 0.4), 4326)
       END,
       ag.ids[1 + s.g % array_length(ag.ids, 1)],
       (ARRAY['agency', 'bilateral', 'regional'])[1 + (s.g / 7) % 3],
       CASE WHEN s.g % 8 < 5 THEN jsonb_build_array(jsonb_build_object(
         'drug', (ARRAY['heroin', 'opium', 'hashish', 'cannabis', 'methamphetamine'])[1 + (s.g / 3) % 5],
         'quantity', round((random() * 60)::numeric, 2), 'unit', 'kg')) ELSE '[]'::jsonb END,
       CASE WHEN s.g % 8 >= 5 THEN (ARRAY['trafficking_attempt', 'border_violation', 'arrest', 'armed_clash'])[1 + s.g % 4] END,
       CASE WHEN s.g % 8 >= 5 THEN 1 + s.g % 5 END,
       true
FROM generate_series(1, $N) AS s(g)
CROSS JOIN nb CROSS JOIN ag CROSS JOIN hot
JOIN b ON b.i = s.g % nb.n;
ANALYZE event_records;
SQL
echo "   $(psql -X -At "$DATABASE_URL" -c 'SELECT count(*) FROM event_records') events in $(ms_since "$t0") ms"

TOKEN=$(bin/borderwatch token create -agency tj-dca -role analyst -label bench)
PORT=$(free_port)
SERVICE_LOG=$(mktemp)
export SERVICE_LOG
start_service "$PORT"
URL=http://127.0.0.1:$PORT
load_ms=$(grep -o '"msg":"live index loaded","events":[0-9]*,"duration_ms":[0-9]*' "$SERVICE_LOG" | sed 's/.*"duration_ms"://')
loaded=$(grep -o '"msg":"live index loaded","events":[0-9]*' "$SERVICE_LOG" | sed 's/.*"events"://')
rss_kb=$(ps -o rss= -p "${PIDS[-1]}" | tr -d ' ')

Q="$URL/api/hotspots?method=gistar&cell_m=5000&radius_m=12000&min_bin=1"
get() { curl -fsS -o /dev/null -w '%{time_total} %{size_download}\n' -H "Authorization: Bearer $TOKEN" "$@"; }
for _ in 1 2 3; do get -H 'Cache-Control: no-cache' "$Q" >/dev/null; done
computed=$(for _ in $(seq "$RUNS"); do get -H 'Cache-Control: no-cache' "$Q"; done)
cached=$(for _ in $(seq "$RUNS"); do get "$Q"; done)
http_ms=$(echo "$computed" | awk '{print $1 * 1000}' | median)
cached_ms=$(echo "$cached" | awk '{print $1 * 1000}' | median)
bytes=$(echo "$computed" | awk 'NR == 1 {print $2}')
body=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$Q")
cells=$(printf '%s' "$body" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["number_returned"], "of", d["n_cells"], "cells,", d["events"], "events visible to tj-dca")')

echo "== sync delay: a write until the index has it (5 writes)"
count_metric() { curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/metrics" | awk '/^borderwatch_live_index_events /{print $2}'; }
sync=$(for i in 1 2 3 4 5; do
  before=$(count_metric)
  t=$(date +%s%N)
  psql -X -q "$DATABASE_URL" -c "INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, category, severity)
    VALUES ('incident', now(), ST_SetSRID(ST_MakePoint(69.1, 37.3), 4326), 'tj-dca', 'agency', 'arrest', 1)"
  until [ "$(count_metric)" != "$before" ]; do sleep 0.005; done
  ms_since "$t"
  sleep 0.3
done)
sync_ms=$(echo "$sync" | median)

echo "== PostGIS: 5 km grid aggregation of the same points, projected and indexed"
psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" <<SQL
CREATE TABLE bench_points AS SELECT id, ST_Transform(geom, '+proj=laea +lat_0=38 +lon_0=68 +datum=WGS84 +units=m') AS p FROM event_records;
CREATE INDEX ON bench_points USING gist (p);
VACUUM ANALYZE bench_points;
SQL
AGG="SELECT count(*) FROM (SELECT ST_SnapToGrid(p, 5000) AS cell, count(*) FROM bench_points GROUP BY 1) s"
psql -X -q "$DATABASE_URL" -c "$AGG" >/dev/null
pg=$(for _ in $(seq 7); do
  psql -X -q "$DATABASE_URL" -c '\timing on' -c "$AGG" | awk '/^Time:/ {print $2}'
done)
pg_ms=$(echo "$pg" | median)

echo
echo "events loaded:           $loaded in $load_ms ms (service RSS $((rss_kb / 1024)) MiB)"
echo "response:                $cells, $bytes bytes"
echo "HTTP Gi* computed:       median $http_ms ms over $RUNS requests"
echo "HTTP Gi* cached (ETag):  median $cached_ms ms"
echo "PostGIS 5 km grid agg.:  median $pg_ms ms over 7 runs"
awk -v a="$http_ms" -v b="$pg_ms" 'BEGIN {printf "ratio PostGIS/service:   %.1fx (computed)\n", b / a}'
awk -v a="$cached_ms" -v b="$pg_ms" 'BEGIN {printf "                         %.1fx (cached)\n", b / a}'
echo "sync delay (write → index): median $sync_ms ms"

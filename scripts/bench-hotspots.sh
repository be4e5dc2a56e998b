#!/usr/bin/env bash
# Hotspot benchmark on loopback. Loads N (default 1000000) synthetic events
# near the border lines into a scratch PostGIS database (reference data from
# `borderwatch demo`, events generated in SQL), starts the service, and in
# the same run measures:
#   * the live index's load time (from the service log) and its sync delay
#     (a write until the index has it, from the metrics listener);
#   * warm GET /api/hotspots?method=gistar&cell_m=5000&radius_m=12000&min_bin=1
#     (the default 50 km corridor, significant cells only) over HTTP with a
#     token of agency tj-dca, computed each time (Cache-Control: no-cache)
#     and, separately, answered from the response cache;
#   * PostGIS doing the same caller's binning only: as the service's
#     connections do (role bw_app, bw.agency = tj-dca), it reads the events
#     view, so it sees exactly the records tj-dca may see (its own, the
#     regional ones and the bilateral ones of its agreement partners), and
#     counts them per hexagon of the same grid, keeping the cells whose
#     centre lies within 50 km of the border lines. Like the service's
#     index, it gets the points already projected (bench_points, joined by
#     id) and the corridor's cells already listed (bench_cells); the
#     service's Gi*, FDR and encoding have no counterpart on this side. Two
#     forms of the query are timed (the rules written out over the
#     pre-projected points, and the events view itself joined to them) and
#     the faster one is compared.
# Both sides must count the same visible events in the corridor, or the
# script fails. It prints the medians and the ratios PostGIS/service.
# Usage: [BASELINE_BIN=path/to/borderwatch] scripts/bench-hotspots.sh [N] [RUNS]
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
psql -X -q -v ON_ERROR_STOP=1 "$SCRATCH_ADMIN_URL" <<SQL
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
echo "   $(psql -X -At "$SCRATCH_ADMIN_URL" -c 'SELECT count(*) FROM event_records') events in $(ms_since "$t0") ms"

AGENCY=tj-dca
CELL_M=5000
CORRIDOR_M=50000
# The service's projection (geo.LAEAProj4) under an SRID of its own: PostGIS
# transforms by SRID several hundred times faster than by PROJ string, with
# the same results.
LAEA_SRID=980038
LAEA="+proj=laea +lat_0=38 +lon_0=68 +datum=WGS84 +units=m"
TOKEN=$(bin/borderwatch token create -agency "$AGENCY" -role analyst -label bench)
# Loading a million events takes a few seconds, more on a busy machine.
export READY_WAIT_S=120
get() { curl -fsS -o /dev/null -w '%{time_total} %{size_download}\n' -H "Authorization: Bearer $TOKEN" "$@"; }
# measure_service BIN: starts BIN, reads its index load time and RSS, and
# times GET /api/hotspots for AGENCY, computed (Cache-Control: no-cache) and
# from the response cache, RUNS requests each; the service stays up.
measure_service() {
  SERVICE_LOG=$(mktemp)
  export SERVICE_LOG
  PORT=$(free_port)
  # The baseline build runs on this build's schema and leaves it as it is.
  if [ "$1" = bin/borderwatch ]; then
    SERVICE_BIN=$1 start_service "$PORT"
  else
    # Builds from before the service's own login read every event as the
    # login itself: they log in as the owner.
    DATABASE_URL=$OWNER_DATABASE_URL SERVICE_BIN=$1 start_service "$PORT" -migrate=false
  fi
  URL=http://127.0.0.1:$PORT
  load_ms=$(grep -o '"msg":"live index loaded","events":[0-9]*,"duration_ms":[0-9]*' "$SERVICE_LOG" | sed 's/.*"duration_ms"://')
  loaded=$(grep -o '"msg":"live index loaded","events":[0-9]*' "$SERVICE_LOG" | sed 's/.*"events"://')
  rss_kb=$(ps -o rss= -p "${PIDS[-1]}" | tr -d ' ')
  Q="$URL/api/hotspots?method=gistar&cell_m=$CELL_M&radius_m=12000&min_bin=1"
  for _ in 1 2 3; do get -H 'Cache-Control: no-cache' "$Q" >/dev/null; done
  computed=$(for _ in $(seq "$RUNS"); do get -H 'Cache-Control: no-cache' "$Q"; done)
  get "$Q" >/dev/null # store the answer
  cached=$(for _ in $(seq "$RUNS"); do get "$Q"; done)
  http_ms=$(echo "$computed" | awk '{print $1 * 1000}' | median)
  cached_ms=$(echo "$cached" | awk '{print $1 * 1000}' | median)
  bytes=$(echo "$computed" | awk 'NR == 1 {print $2}')
  body=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$Q")
  read -r returned svc_cells svc_events < <(printf '%s' "$body" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["number_returned"], d["n_cells"], d["events"])')
}

# BASELINE_BIN, when set, is another build of the service (e.g. of the
# previous commit) measured first on the same data, for a before/after
# comparison in one run.
if [ -n "${BASELINE_BIN:-}" ]; then
  echo "== baseline $BASELINE_BIN: Gi* for $AGENCY, computed and cached ($RUNS requests each)"
  measure_service "$BASELINE_BIN"
  kill "${PIDS[-1]}"
  base_http_ms=$http_ms base_cached_ms=$cached_ms base_events=$svc_events base_bytes=$bytes base_load_ms=$load_ms
fi
echo "== service: Gi* for $AGENCY over the ${CORRIDOR_M} m corridor, computed and cached ($RUNS requests each)"
measure_service bin/borderwatch

echo "== PostGIS: $AGENCY's visible events per hexagon of the corridor"
psql -X -q -v ON_ERROR_STOP=1 "$SCRATCH_ADMIN_URL" <<SQL
INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, proj4text) VALUES ($LAEA_SRID, 'borderwatch', $LAEA_SRID, '$LAEA')
  ON CONFLICT (srid) DO NOTHING;
CREATE TABLE bench_points AS SELECT id, agency_id, sharing, ST_Transform(geom, $LAEA_SRID) AS p FROM event_records;
ALTER TABLE bench_points ADD PRIMARY KEY (id);
CREATE INDEX ON bench_points USING gist (p);
-- The corridor's cells: hexagons of the service's grid (pointy-top, axial
-- q, r; centre x = cell·(q + r/2), y = cell·√3/2·r) whose centre lies within
-- CORRIDOR_M of the projected border lines.
CREATE TABLE bench_cells AS
  WITH l AS (SELECT ST_Transform(ST_Collect(geom), $LAEA_SRID) AS g FROM borders),
       b AS (SELECT ST_XMin(g) - $CORRIDOR_M AS x0, ST_XMax(g) + $CORRIDOR_M AS x1,
                    ST_YMin(g) - $CORRIDOR_M AS y0, ST_YMax(g) + $CORRIDOR_M AS y1 FROM l),
       c AS (SELECT q, r FROM b,
               generate_series(floor(y0 / ($CELL_M * sqrt(3) / 2))::int, ceil(y1 / ($CELL_M * sqrt(3) / 2))::int) AS r,
               generate_series(floor(x0 / $CELL_M - r / 2.0)::int - 1, ceil(x1 / $CELL_M - r / 2.0)::int + 1) AS q)
  SELECT c.q, c.r FROM c, l
  WHERE ST_DWithin(ST_SetSRID(ST_MakePoint($CELL_M * (c.q + 0.5 * c.r), $CELL_M * sqrt(3) / 2 * c.r), $LAEA_SRID), l.g, $CORRIDOR_M);
ALTER TABLE bench_cells ADD PRIMARY KEY (q, r);
GRANT SELECT ON bench_points, bench_cells TO bw_app;
VACUUM ANALYZE bench_points;
VACUUM ANALYZE bench_cells;
SQL
# The agency's exact-sharing partners, for the explicit form of the rules.
partners=$(psql -X -At "$SCRATCH_ADMIN_URL" -c "SELECT coalesce(string_agg(quote_literal(CASE WHEN agency_a = '$AGENCY' THEN agency_b ELSE agency_a END), ','), 'NULL')
  FROM sharing_agreements WHERE '$AGENCY' IN (agency_a, agency_b) AND coarsen_m IS NULL AND coarsen_time IS NULL")
coarse=$(psql -X -At "$SCRATCH_ADMIN_URL" -c "SELECT count(*) FROM sharing_agreements
  WHERE '$AGENCY' IN (agency_a, agency_b) AND (coarsen_m IS NOT NULL OR coarsen_time IS NOT NULL)")
if [ "$coarse" != 0 ]; then
  echo "$AGENCY has coarsening agreements; the explicit form of the rules below does not cover them" >&2
  exit 1
fi
# hexbin_sql POINTS: the number of non-empty corridor cells and of events
# in them, for the projected points pt of the query POINTS, each binned in
# its hexagon by cube rounding exactly as geo.HexGrid.Cell does. OFFSET 0
# keeps each level from being inlined, so every expression is computed once.
hexbin_sql() {
  cat <<SQL
SELECT count(*) AS cells, sum(n) AS events FROM (
  SELECT CASE WHEN dq > dr AND dq > ds THEN -rr - rs ELSE rq END AS q,
         CASE WHEN dq > dr AND dq > ds THEN rr WHEN dr > ds THEN -rq - rs ELSE rr END AS r, count(*) AS n
  FROM (SELECT rq, rr, rs, abs(rq - qf) AS dq, abs(rr - rf) AS dr, abs(rs + qf + rf) AS ds
        FROM (SELECT qf, rf, round(qf) AS rq, round(rf) AS rr, round(-qf - rf) AS rs
              FROM (SELECT x / $CELL_M - y / ($CELL_M * sqrt(3)) AS qf, y * 2 / ($CELL_M * sqrt(3)) AS rf
                    FROM (SELECT ST_X(pt) AS x, ST_Y(pt) AS y FROM ($1) pts OFFSET 0) xy OFFSET 0) f OFFSET 0) g OFFSET 0) k
  GROUP BY 1, 2) agg
JOIN bench_cells USING (q, r)
SQL
}
# Two forms of the same rules: written out with the agency's partners, over
# the pre-projected points; and the events view itself, read as the service
# reads it (its coarsened rows, none for tj-dca in the demo, at their
# coarsened location).
AGG_EXPLICIT=$(hexbin_sql "SELECT p AS pt FROM bench_points
                           WHERE agency_id = '$AGENCY' OR sharing = 'regional' OR (sharing = 'bilateral' AND agency_id IN ($partners))")
AGG_VIEW=$(hexbin_sql "SELECT CASE WHEN e.coarsened THEN ST_Transform(e.geom, $LAEA_SRID) ELSE b.p END AS pt
                       FROM events e JOIN bench_points b ON b.id = e.id")
# pg_run SQL: SQL once, then 7 timed runs, on one connection acting for the
# agency as the service's connections do.
pg_run() {
  psql -X -q -At -v ON_ERROR_STOP=1 "$SCRATCH_ADMIN_URL" \
    -c "SELECT set_config('role', 'bw_app', false), set_config('bw.agency', '$AGENCY', false), set_config('bw.role', 'analyst', false)" \
    -c "$1" -c '\timing on' -c "$1" -c "$1" -c "$1" -c "$1" -c "$1" -c "$1" -c "$1"
}
pg_explicit=$(pg_run "$AGG_EXPLICIT")
pg_view=$(pg_run "$AGG_VIEW")
IFS='|' read -r pg_cells pg_events < <(echo "$pg_explicit" | grep -m1 -E '^[0-9]+\|[0-9]+$')
IFS='|' read -r _ pg_view_events < <(echo "$pg_view" | grep -m1 -E '^[0-9]+\|[0-9]+$')
pg_explicit_ms=$(echo "$pg_explicit" | awk '/^Time:/ {print $2}' | median)
pg_view_ms=$(echo "$pg_view" | awk '/^Time:/ {print $2}' | median)
pg_ms=$(printf '%s\n%s\n' "$pg_explicit_ms" "$pg_view_ms" | sort -g | head -1)
owner_events=$(psql -X -At "$SCRATCH_ADMIN_URL" -c "SELECT count(*) FROM event_records")

echo "== sync delay: a write until the index has it (5 writes)"
count_metric() { curl -fsS "http://127.0.0.1:${METRICS_PORT[$PORT]}/metrics" | awk '/^borderwatch_live_index_events /{print $2}'; }
sync=$(for i in 1 2 3 4 5; do
  before=$(count_metric)
  t=$(date +%s%N)
  psql -X -q "$SCRATCH_ADMIN_URL" -c "INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, category, severity)
    VALUES ('incident', now(), ST_SetSRID(ST_MakePoint(69.1, 37.3), 4326), 'tj-dca', 'agency', 'arrest', 1)"
  until [ "$(count_metric)" != "$before" ]; do sleep 0.005; done
  ms_since "$t"
  sleep 0.3
done)
sync_ms=$(echo "$sync" | median)

echo
echo "events loaded:           $loaded in $load_ms ms (service RSS $((rss_kb / 1024)) MiB)"
echo "visible to $AGENCY in the corridor: service $svc_events events in $svc_cells cells;" \
  "PostGIS $pg_events events in $pg_cells non-empty cells (of $owner_events events in all)"
echo "response:                $returned significant cells, $bytes bytes"
echo "HTTP Gi* computed:       median $http_ms ms over $RUNS requests (Cache-Control: no-cache)"
echo "HTTP Gi* cached (ETag):  median $cached_ms ms over $RUNS requests"
echo "PostGIS hex binning:     median $pg_explicit_ms ms (rules written out), $pg_view_ms ms (events view as bw_app), 7 runs each"
awk -v a="$http_ms" -v b="$pg_ms" 'BEGIN {printf "ratio PostGIS/service:   %.1fx (computed)\n", b / a}'
awk -v a="$cached_ms" -v b="$pg_ms" 'BEGIN {printf "                         %.1fx (cached)\n", b / a}'
echo "sync delay (write → index): median $sync_ms ms"
if [ -n "${BASELINE_BIN:-}" ]; then
  echo "baseline build:          loaded in $base_load_ms ms; computed median $base_http_ms ms, cached $base_cached_ms ms," \
    "$base_events events, $base_bytes bytes"
  awk -v a="$base_http_ms" -v b="$pg_ms" 'BEGIN {printf "                         %.1fx PostGIS/baseline (computed)\n", b / a}'
  if [ "$base_events" != "$svc_events" ]; then
    echo "FAIL: the baseline counts $base_events events, this build $svc_events" >&2
    exit 1
  fi
fi
if [ "$svc_events" != "$pg_events" ] || [ "$svc_events" != "$pg_view_events" ]; then
  echo "FAIL: the two sides count different events ($svc_events in the service, $pg_events and $pg_view_events in PostGIS)" >&2
  exit 1
fi

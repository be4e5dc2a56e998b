#!/usr/bin/env bash
# Vector tile benchmark on loopback. Loads N (default 1000000) synthetic
# events near the border lines into a scratch PostGIS database (reference
# data from `borderwatch demo`, events generated in SQL as
# bench-hotspots.sh does), starts the service, picks PER_ZOOM (default 30)
# random tiles at each zoom 6 to 12 holding events, and with a token of
# agency tj-dca measures per zoom, after one pass that warms PostgreSQL's
# buffers and both services:
#   * computed: the events tile computed each time (Cache-Control: no-cache
#     skips the tile cache): clusters from the live index, detailed tiles
#     from PostGIS;
#   * baseline: the same computed tile from the baseline build
#     (BASELINE_BIN, by default main's, built from `git archive main`),
#     which reads every tile from PostGIS; requests alternate with the
#     computed ones, so both see the same load;
#   * cached: the same tile again, answered from the tile cache (what a map
#     panning back and forth, or a second user of the same agency, gets);
#   * baseline: the GeoJSON items of the same caller in the tile's bbox
#     (limit=1000), the request the web map made before tiles.
# It prints p50/p95 in ms per zoom, the largest tile, the ratio of the
# baseline's computed p95 to this build's, and of the items' p95 to the
# tiles' p95 (computed and cached). The target is a computed p95 of at
# most 50 ms over all zooms.
# Usage: [BASELINE_BIN=path] scripts/bench-tiles.sh [N] [PER_ZOOM]
set -euo pipefail
N=${1:-1000000}
PER_ZOOM=${2:-30}
source "$(dirname "$0")/lib-service.sh"

if [ -z "${BASELINE_BIN:-}" ]; then
  BASE_SRC=$(mktemp -d)
  git archive main | tar -x -C "$BASE_SRC"
  (cd "$BASE_SRC" && go build -o "$OLDPWD/bin/borderwatch-main" ./cmd/borderwatch)
  rm -rf "$BASE_SRC"
  BASELINE_BIN=bin/borderwatch-main
fi

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "== reference data"
bin/borderwatch demo --events 1000 --seed 3 >/dev/null
echo "== generating $N events near the border lines (in SQL)"
t0=$(date +%s%N)
psql -X -q -v ON_ERROR_STOP=1 "$SCRATCH_ADMIN_URL" <<SQL
SET synchronous_commit = off;
INSERT INTO event_records (kind, occurred_at, geom, agency_id, sharing, items, category, severity, synthetic)
SELECT CASE WHEN s.g % 8 < 5 THEN 'seizure' ELSE 'incident' END,
       '2015-01-01'::timestamptz + random() * interval '10 years',
       ST_SetSRID(ST_Translate(ST_LineInterpolatePoint(b.line, random()),
                               (random() + random() + random() - 1.5) * 0.5,
                               (random() + random() + random() - 1.5) * 0.4), 4326),
       ag.ids[1 + s.g % array_length(ag.ids, 1)],
       (ARRAY['agency', 'bilateral', 'regional'])[1 + (s.g / 7) % 3],
       CASE WHEN s.g % 8 < 5 THEN jsonb_build_array(jsonb_build_object(
         'drug', (ARRAY['heroin', 'opium', 'hashish', 'cannabis', 'methamphetamine'])[1 + (s.g / 3) % 5],
         'quantity', round((random() * 60)::numeric, 2), 'unit', 'kg')) ELSE '[]'::jsonb END,
       CASE WHEN s.g % 8 >= 5 THEN (ARRAY['trafficking_attempt', 'border_violation', 'arrest', 'armed_clash'])[1 + s.g % 4] END,
       CASE WHEN s.g % 8 >= 5 THEN 1 + s.g % 5 END,
       true
FROM generate_series(1, $N) AS s(g)
CROSS JOIN (SELECT count(*) AS n FROM borders) nb
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM agencies) ag
JOIN (SELECT (row_number() OVER (ORDER BY id)) - 1 AS i, ST_GeometryN(geom, 1) AS line FROM borders) b ON b.i = s.g % nb.n;
ANALYZE event_records;
SQL
echo "   $(psql -X -At "$SCRATCH_ADMIN_URL" -c 'SELECT count(*) FROM event_records') events in $(ms_since "$t0") ms"

AGENCY=tj-dca
TOKEN=$(bin/borderwatch token create -agency "$AGENCY" -role analyst -label bench)
export READY_WAIT_S=120
PORT=$(free_port)
start_service "$PORT"
URL=http://127.0.0.1:$PORT
BPORT=$(free_port)
# The baseline build runs on this build's schema and leaves it as it is.
SERVICE_BIN=$BASELINE_BIN start_service "$BPORT" -migrate=false
BURL=http://127.0.0.1:$BPORT

# Random tiles holding events: the tiles of random events at each zoom,
# with the bbox of each (lon/lat) for the items baseline.
TILES=$(mktemp)
psql -X -At -F' ' "$SCRATCH_ADMIN_URL" -c "SELECT ST_X(geom), ST_Y(geom) FROM event_records ORDER BY random() LIMIT $PER_ZOOM" |
  python3 -c '
import math, sys
pts = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
for z in range(6, 13):
    n = 2 ** z
    for lon, lat in pts:
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        west, east = x / n * 360 - 180, (x + 1) / n * 360 - 180
        lat_of = lambda t: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * t / n))))
        print(z, y, x, f"{west:.6f},{lat_of(y + 1):.6f},{east:.6f},{lat_of(y):.6f}")
' >"$TILES"

get() { curl -fsS -o /dev/null -w '%{time_total} %{size_download} %{http_code}\n' -H "Authorization: Bearer $TOKEN" "$@"; }
tile_url() { echo "${4:-$URL}/collections/events/tiles/WebMercatorQuad/$1/$2/$3"; }
items_url() { echo "$URL/collections/events/items?bbox=$1&limit=1000"; }

echo "== warming PostgreSQL's buffers and both services ($(wc -l <"$TILES") tiles and their items)"
n=0
while read -r z y x bbox; do
  get -H 'Cache-Control: no-cache' "$(tile_url "$z" "$y" "$x")" >/dev/null
  get -H 'Cache-Control: no-cache' "$(tile_url "$z" "$y" "$x" "$BURL")" >/dev/null
  n=$((n + 1)); [ -t 1 ] && printf '\r   %d tiles' "$n"
  get "$(items_url "$bbox")" >/dev/null
done <"$TILES"

[ -t 1 ] && echo
echo "== measuring: computed tile, baseline's computed tile, cached tile, items of the bbox ($PER_ZOOM tiles per zoom)"
RESULTS=$(mktemp)
n=0
while read -r z y x bbox; do
  read -r tc size code < <(get -H 'Cache-Control: no-cache' "$(tile_url "$z" "$y" "$x")")
  read -r tb _ _ < <(get -H 'Cache-Control: no-cache' "$(tile_url "$z" "$y" "$x" "$BURL")")
  read -r tw _ _ < <(get "$(tile_url "$z" "$y" "$x")")
  read -r ti isize _ < <(get "$(items_url "$bbox")")
  echo "$z $tc $tw $ti $size $isize $code $tb" >>"$RESULTS"
  n=$((n + 1)); [ -t 1 ] && printf '\r   %d tiles' "$n"
done <"$TILES"
[ -t 1 ] && echo

python3 - "$RESULTS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]
print(f"{'zoom':>4} {'tiles':>5} | {'computed p50':>12} {'p95':>7} | {'baseline p50':>12} {'p95':>7} | {'cached p50':>10} {'p95':>7} | {'items p50':>9} {'p95':>7} | {'max tile':>9} {'items max':>9}")
allc, allw, alli, allb = [], [], [], []
maxsize = 0
for z in sorted({int(r[0]) for r in rows}):
    rs = [r for r in rows if int(r[0]) == z]
    c = [float(r[1]) * 1000 for r in rs]; w = [float(r[2]) * 1000 for r in rs]; i = [float(r[3]) * 1000 for r in rs]
    bl = [float(r[7]) * 1000 for r in rs]
    allc += c; allw += w; alli += i; allb += bl
    ms = max(int(r[4]) for r in rs); maxsize = max(maxsize, ms)
    print(f"{z:>4} {len(rs):>5} | {pct(c,50):>12.1f} {pct(c,95):>7.1f} | {pct(bl,50):>12.1f} {pct(bl,95):>7.1f} | {pct(w,50):>10.1f} {pct(w,95):>7.1f} | {pct(i,50):>9.1f} {pct(i,95):>7.1f} | {ms/1024:>7.1f}KB {max(int(r[5]) for r in rs)/1024:>7.1f}KB")
print(f" all {len(rows):>5} | {pct(allc,50):>12.1f} {pct(allc,95):>7.1f} | {pct(allb,50):>12.1f} {pct(allb,95):>7.1f} | {pct(allw,50):>10.1f} {pct(allw,95):>7.1f} | {pct(alli,50):>9.1f} {pct(alli,95):>7.1f} |")
print(f"largest tile: {maxsize} bytes ({'under' if maxsize <= 500 * 1024 else 'OVER'} 500 KB)")
print(f"baseline computed p95 / computed p95: {pct(allb,95)/pct(allc,95):.1f}x; computed p95 {pct(allc,95):.1f} ms ({'within' if pct(allc,95) <= 50 else 'OVER'} the 50 ms target)")
print(f"items p95 / tile p95: computed {pct(alli,95)/pct(allc,95):.2f}x, cached {pct(alli,95)/pct(allw,95):.2f}x")
bad = [r for r in rows if r[6] not in ("200", "204")]
if bad:
    sys.exit(f"{len(bad)} tile requests failed")
if maxsize > 500 * 1024:
    sys.exit("a tile exceeds 500 KB")
PY

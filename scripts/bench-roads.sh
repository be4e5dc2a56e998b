#!/usr/bin/env bash
# bench-roads.sh measures the planner's 50×50 travel-time matrix on the
# real road network against pgRouting's pgr_dijkstraCostMatrix, in the
# same run, on the same graph and the same points (scripts/benchroads):
# once on road_edges as stored (vertices at junctions) and once on the
# same roads with a vertex at every point (bench_road_segments, ~1.8M
# vertices for the main OSM file). It prints both times and the ratios and
# fails if any pair's cost differs.
#
# It installs postgresql-15-pgrouting if the extension is missing (apt),
# makes a scratch database (BENCH_DB, default borderwatch_bench_roads),
# migrates it and imports the roads unless they are there already.
#
#   ROADS_DIR    default ../shared/data/roads (relative to the repo)
#   N            matrix size (default 50)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
roads=${ROADS_DIR:-$root/../shared/data/roads}
db=${BENCH_DB:-borderwatch_bench_roads}
url=${BENCH_DATABASE_URL:-postgres:///$db?host=/var/run/postgresql}

if [ ! -f /usr/share/postgresql/15/extension/pgrouting.control ]; then
  echo "[bench-roads] installing postgresql-15-pgrouting" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y postgresql-15-pgrouting >&2
fi
if [ -z "${BENCH_DATABASE_URL:-}" ]; then
  createdb "$db" 2>/dev/null || true
fi
psql -q "$url" -c 'CREATE EXTENSION IF NOT EXISTS postgis' -c 'CREATE EXTENSION IF NOT EXISTS pgrouting'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/borderwatch" ./cmd/borderwatch
go build -o "$work/benchroads" ./scripts/benchroads
export DATABASE_URL=$url
"$work/borderwatch" migrate
edges=$(psql -At "$url" -c 'SELECT count(*) FROM road_edges')
if [ "$edges" = 0 ]; then
  echo "[bench-roads] importing the roads of $roads" >&2
  "$work/borderwatch" import roads -source osm "$roads/roads_osm.geojson.gz" "$roads/roads_osm_border_gap_connectors.geojson"
fi
if [ "$(psql -At "$url" -c "SELECT to_regclass('bench_road_segments') IS NOT NULL")" != t ]; then
  echo "[bench-roads] making bench_road_segments" >&2
  psql -q "$url" -f scripts/bench-roads-segments.sql
fi
echo "[bench-roads] load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
"$work/benchroads" -db "$url" -n "${N:-50}"

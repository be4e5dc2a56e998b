#!/usr/bin/env bash
# bench-plan.sh times a warm patrol plan for 3 teams on the real road
# network, this build against a baseline build in the same run.
#
# It makes a scratch database (lib-service.sh), imports the OpenStreetMap
# roads of ROADS_DIR (default ../shared/data/roads), loads the demo
# (20,000 events), starts this build and the baseline (BASELINE_BIN, by
# default built from `git archive ${BASELINE_REF:-main}`) on the same
# database, and warms each with plans until one succeeds (the first builds
# the road graph and the teams' networks). Then it sends RUNS (default 5)
# plan requests to each, alternating, for the three uz-border teams with
# an 8 h budget over 2024–2025 and a fixed shift (tomorrow 07:00), and
# prints per build the median wall time and the service's CPU time per
# request (from /proc), the ratios, and whether the plans are the same
# (routes, stops and times; fails if not).
#
# The wall time depends on what else runs on the machine: the load average
# is printed beside it.
set -euo pipefail
RUNS=${RUNS:-5}
source "$(dirname "$0")/lib-service.sh"
roads=${ROADS_DIR:-$PWD/../shared/data/roads}

if [ -z "${BASELINE_BIN:-}" ]; then
  BASE_SRC=$(mktemp -d)
  git archive "${BASELINE_REF:-main}" | tar -x -C "$BASE_SRC"
  (cd "$BASE_SRC" && go build -o "$OLDPWD/bin/borderwatch-baseline" ./cmd/borderwatch)
  rm -rf "$BASE_SRC"
  BASELINE_BIN=bin/borderwatch-baseline
fi
export AUDIT_KEY=$(mktemp -u)
bin/borderwatch audit keygen -out "$AUDIT_KEY" >/dev/null
echo "== importing the roads of $roads and the demo"
bin/borderwatch migrate
bin/borderwatch import roads -source osm "$roads/roads_osm.geojson.gz" "$roads/roads_osm_border_gap_connectors.geojson" | sed -n '$p'
# Fresh statistics, so that the demo's spatial updates of the roads run on an index.
psql -X -q "$SCRATCH_ADMIN_URL" -c 'ANALYZE roads'
bin/borderwatch demo --events 20000 --seed 1 | sed -n 1,3p
TEAMS=$(psql -X -At "$SCRATCH_ADMIN_URL" -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM teams WHERE agency_id = 'uz-border'")
TOKEN=$(bin/borderwatch token create -agency uz-border -role planner -label bench-plan)
export READY_WAIT_S=120
PORT=$(free_port)
start_service "$PORT" -request-timeout 120s
SERVICE_PID=${PIDS[-1]}
BPORT=$(free_port)
SERVICE_BIN=$BASELINE_BIN start_service "$BPORT" -migrate=false -request-timeout 120s
BASELINE_PID=${PIDS[-1]}

BODY=$(printf '{"teams":[%s],"budget_h":8,"from":"2024-01-01","to":"2025-12-31","shift_date":"%s","shift_start":"07:00"}' \
  "$TEAMS" "$(date -u -d tomorrow +%F)")
OUT=$(mktemp -d)
# plan PORT FILE: one plan request; prints "wall_ms cpu_ms" (the service's
# user+system time during the request) and leaves the plan in FILE.
plan() {
  local pid=$1 port=$2 file=$3 a b code wall
  a=$(awk '{print $14+$15}' "/proc/$pid/stat")
  read -r code wall < <(curl -s -o "$file" -w '%{http_code} %{time_total}\n' --max-time 300 \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$port/api/patrols/plan")
  b=$(awk '{print $14+$15}' "/proc/$pid/stat")
  [ "$code" = 201 ] || { echo "plan on :$port answered $code: $(head -c 300 "$file")" >&2; return 1; }
  awk -v w="$wall" -v c=$(( (b - a) * 1000 / $(getconf CLK_TCK) )) 'BEGIN {printf "%d %d\n", w * 1000, c}'
}
echo "== warming both services (graph and networks)"
for svc in "$SERVICE_PID $PORT" "$BASELINE_PID $BPORT"; do
  for try in 1 2 3; do
    # shellcheck disable=SC2086
    if t=$(plan $svc "$OUT/warm.json"); then echo "   :${svc#* } first plan $t (wall ms, cpu ms)"; break; fi
  done
done
: >"$OUT/new.txt"
: >"$OUT/base.txt"
for i in $(seq 1 "$RUNS"); do
  plan "$SERVICE_PID" "$PORT" "$OUT/new$i.json" >>"$OUT/new.txt"
  plan "$BASELINE_PID" "$BPORT" "$OUT/base$i.json" >>"$OUT/base.txt"
done
echo "== $RUNS warm plans each for teams $TEAMS (load $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores)"
python3 - "$OUT" "$RUNS" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def med(name, col):
    return statistics.median(int(l.split()[col]) for l in open(f"{out}/{name}.txt"))
nw, nc, bw, bc = med("new", 0), med("new", 1), med("base", 0), med("base", 1)
print(f"baseline: median wall {bw:.0f} ms, cpu {bc:.0f} ms per plan")
print(f"this:     median wall {nw:.0f} ms, cpu {nc:.0f} ms per plan")
print(f"ratio baseline/this: wall {bw / nw:.2f}x, cpu {bc / max(nc, 1):.2f}x")
def plan(f):
    d = json.load(open(f))
    return d["features"], d["score"], d["unreachable"], d["targets"]
same = all(plan(f"{out}/new{i}.json") == plan(f"{out}/base{i}.json") for i in range(1, runs + 1))
p = plan(f"{out}/new1.json")
print(f"plans the same: {same} (score {p[1]}, {p[3]} targets, {len(p[2])} unreachable)")
sys.exit(0 if same else 1)
PY

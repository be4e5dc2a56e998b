#!/usr/bin/env bash
# Hit-check benchmark. Loads N (default 1000000) synthetic entities —
# persons with Tajik/Russian names in Cyrillic and, for half, their Latin
# spelling; vehicles with plates; persons known by a passport number —
# and L (default 100000) active lookouts from tj-border to af-border, one
# subject each, into a scratch database (scripts/lib-service.sh), then
# measures matching one new af-border record against them RUNS times: the
# path every write's hit check takes (data.Store.MatchLookouts: candidates
# by bw_hit_candidates over the trigram index on the lookouts' keys,
# migration 0021, scored in Go with the match package). As the same run's
# baseline it times the same path with migration 0020's bw_hit_candidates
# (a trigram search over every entity's keys) on the same probes, prints
# p50/p99 of both and the ratio, and fails if a probe timed both ways
# matched different subjects. Target: p99 <= 50 ms.
# Usage: scripts/bench-match.sh [N] [L] [RUNS] [BASELINE_RUNS]
set -euo pipefail
N=${1:-1000000}
L=${2:-100000}
RUNS=${3:-500}
BASE_RUNS=${4:-100}
source "$(dirname "$0")/lib-service.sh"

bin/borderwatch migrate -db "$OWNER_DATABASE_URL" >/dev/null
go run ./scripts/benchmatch -owner "$OWNER_DATABASE_URL" -service "$DATABASE_URL" \
  -entities "$N" -lookouts "$L" -runs "$RUNS" -baseline-runs "$BASE_RUNS"

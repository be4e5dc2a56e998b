#!/usr/bin/env bash
# Hit-check benchmark. Loads N (default 1000000) synthetic entities —
# persons with Tajik/Russian names in Cyrillic and, for half, their Latin
# spelling; vehicles with plates; persons known by a passport number —
# and L (default 100000) active lookouts from tj-border to af-border, one
# subject each, into a scratch database (scripts/lib-service.sh), then
# measures matching one new af-border record against them RUNS times: the
# path every write's hit check takes (data.Store.MatchLookouts: candidates
# by bw_hit_candidates over the trigram index on the keys, scored in Go
# with the match package). As the same run's baseline it times the same
# retrieval with index scans off (a sequential similarity scan of every
# key) and prints p50/p99 and the ratio. Target: p99 <= 50 ms.
# Usage: scripts/bench-match.sh [N] [L] [RUNS]
set -euo pipefail
N=${1:-1000000}
L=${2:-100000}
RUNS=${3:-500}
source "$(dirname "$0")/lib-service.sh"

bin/borderwatch migrate -db "$OWNER_DATABASE_URL" >/dev/null
go run ./scripts/benchmatch -owner "$OWNER_DATABASE_URL" -service "$DATABASE_URL" \
  -entities "$N" -lookouts "$L" -runs "$RUNS"

#!/usr/bin/env bash
# bench-orienteering.sh runs "borderwatch solve" on every OP and TOP
# benchmark instance, re-checks each printed plan with
# scripts/orienteering-check, and prints per instance the score, the
# best-known score, the gap, the wall and CPU time, then totals per folder.
#
# Usage: scripts/bench-orienteering.sh [BENCH_DIR]
#   BENCH_DIR   default ../shared/bench/orienteering (relative to the repo)
#   BIN         use this solver binary instead of building ./cmd/borderwatch
#   SEED        random seed (default 1)
#   OP_LIMIT    per-instance time limit for op/ (default 1s)
#   TOP_LIMIT   per-instance time limit for top/ (default 5s)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=${1:-$root/../shared/bench/orienteering}
[[ -d $bench/op || -d $bench/top ]] || {
  echo "no op/ or top/ instance folder in $bench; give the folder of the published OP (Tsiligirides) and TOP (Chao) instances, with best_known.tsv" >&2
  exit 1
}
seed=${SEED:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bin=${BIN:-}
if [[ -z $bin ]]; then
	bin=$work/borderwatch
	(cd "$root" && go build -o "$bin" ./cmd/borderwatch)
fi
checker=$work/orienteering-check
(cd "$root" && go build -o "$checker" ./scripts/orienteering-check)

TIMEFORMAT='%R %U %S'

run_folder() {
	local dir=$1 limit=$2 col=$3
	local n=0 gapsum=0 maxt=0 maxcpu=0 below=0 infeasible=0
	printf '\n== %s (time limit %s) ==\n' "$(basename "$dir")" "$limit"
	printf '%-40s %8s %8s %8s %8s %8s  %s\n' instance score best gap_% time_s cpu_s status
	while IFS=$'\t' read -r -a row; do
		local name=${row[0]} best=${row[$col]}
		[[ $name == instance_file ]] && continue
		local dt cpu score status gap rc=0
		{ time "$bin" solve "$dir/$name" -time-limit "$limit" -seed "$seed" >"$work/plan.json" 2>"$work/err" || rc=$?; } 2>"$work/time"
		read -r dt u s <"$work/time"
		cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.3f", u+s}')
		if ((rc != 0)); then
			status="solver error: $(head -c 200 "$work/err")"
			score=0
		else
			status=ok
		fi
		if [[ $status == ok ]]; then
			if score=$("$checker" "$dir/$name" "$work/plan.json" 2>"$work/err"); then
				:
			else
				status="$(cat "$work/err")"
				score=0
				infeasible=$((infeasible + 1))
			fi
		fi
		gap=$(awk -v s="$score" -v b="$best" 'BEGIN{ if (b > 0) printf "%.2f", 100*(b-s)/b; else printf "%.2f", (s >= b ? 0 : 100) }')
		if awk -v s="$score" -v b="$best" 'BEGIN{exit !(s < b - 1e-9)}'; then
			below=$((below + 1))
			[[ $status == ok ]] && status="below best-known"
		fi
		if awk -v s="$score" -v b="$best" 'BEGIN{exit !(s > b + 1e-9)}'; then
			[[ $status == ok ]] && status="ABOVE best-known"
		fi
		printf '%-40s %8s %8s %8s %8s %8s  %s\n' "$name" "$score" "$best" "$gap" "$dt" "$cpu" "$status"
		n=$((n + 1))
		gapsum=$(awk -v a="$gapsum" -v g="$gap" 'BEGIN{print a+g}')
		maxt=$(awk -v a="$maxt" -v t="$dt" 'BEGIN{print (t > a ? t : a)}')
		maxcpu=$(awk -v a="$maxcpu" -v t="$cpu" 'BEGIN{print (t > a ? t : a)}')
	done <"$dir/best_known.tsv"
	printf 'TOTAL %s: %d instances, mean gap %s %%, max wall time %s s, max CPU time %s s, below best-known %d, infeasible %d\n' \
		"$(basename "$dir")" "$n" "$(awk -v a="$gapsum" -v n="$n" 'BEGIN{printf "%.3f", (n ? a/n : 0)}')" "$maxt" "$maxcpu" "$below" "$infeasible"
}

run_folder "$bench/op" "${OP_LIMIT:-1s}" 2
run_folder "$bench/top" "${TOP_LIMIT:-5s}" 3

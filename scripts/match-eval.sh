#!/usr/bin/env bash
# Measures the matching of persons, plates and documents (package match) on
# the labelled set match/testdata/pairs.tsv: for each kind, the threshold,
# recall and precision, a sweep of thresholds, and every miss (a pair
# labelled the same that scored below the threshold, and a pair labelled
# different that scored at or above it) with its score, the note saying
# how the pair was made, and the keys it was compared on. Fails if persons
# fall below recall and precision 0.95 or plates and documents below 0.99.
#
#   scripts/match-eval.sh          the evaluation
#   scripts/match-eval.sh -bench   also the benchmarks (scores and keys per
#                                  operation against a plain Levenshtein
#                                  baseline of the same run, and the ratio)
#   scripts/match-eval.sh -pg      also what a pg_trgm query retrieves, in a
#                                  scratch database on MATCH_PG_URL (default:
#                                  the local socket): the pairs whose keys
#                                  (or skeletons) have trigram similarity ≥
#                                  0.3 as wholes (pg_trgm's default, the
#                                  entity search), and those the hit check
#                                  retrieves word by word (migration 0021's
#                                  bw_lookout_near: words near two different
#                                  words of the other key, or near the only
#                                  word of either, at similarity ≥ 0.3;
#                                  skeletons also ≥ 0.5 as wholes)
#
# Regenerate the set with: go run ./scripts/matchdata > match/testdata/pairs.tsv
set -euo pipefail
cd "$(dirname "$0")/.."

bench=0 pg=0
for a in "$@"; do
  case $a in
    -bench) bench=1 ;;
    -pg) pg=1 ;;
    *) echo "usage: $0 [-bench] [-pg]" >&2; exit 2 ;;
  esac
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
MATCH_EVAL=1 go test ./match -run '^TestLabelledSet$' -count=1 -v >"$out" 2>&1 || status=$?
grep -v -E '^(=== RUN|--- (PASS|FAIL)|PASS|FAIL|ok |exit status)' "$out" | grep -v -E '^\s+eval_test.go' || true
if [ "$status" -ne 0 ]; then
  echo "FAIL: a kind is below its target (see above)"
  grep -E 'eval_test.go' "$out" | head -5 || true
  exit "$status"
fi
echo "targets met: persons recall and precision ≥ 0.95, plates and documents ≥ 0.99"

if [ "$bench" = 1 ]; then
  echo
  echo "benchmarks (ns/pair or ns/name: match; baseline-ns: plain Levenshtein or unidecode of the same inputs, same run):"
  go test ./match -run '^$' -bench . -benchtime 2s | grep -E '^Benchmark'
fi

if [ "$pg" = 1 ]; then
  url=${MATCH_PG_URL:-postgres:///postgres?host=/var/run/postgresql}
  db="match_eval_$$"
  keys=$(mktemp)
  trap 'rm -f "$out" "$keys"; psql -X -q "$url" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
  MATCH_KEYS_OUT=$keys go test ./match -run '^TestWriteKeys$' -count=1 >/dev/null
  psql -X -q "$url" -c "CREATE DATABASE $db" >/dev/null
  dburl=$(printf '%s' "$url" | sed "s#///postgres#///$db#")
  echo
  echo "pg_trgm retrieval (whole: key % key or skeleton % skeleton at similarity ≥ 0.3; words: as the hit check, word by word):"
  psql -X -q -v ON_ERROR_STOP=1 "$dburl" <<SQL
CREATE EXTENSION pg_trgm;
CREATE TABLE k (kind text, same boolean, ka text, kb text, sa text, sb text);
\copy k FROM '$keys'
-- near(a, b): the words of a that have a word of b at similarity ≥ 0.3.
CREATE FUNCTION near(a text, b text) RETURNS integer LANGUAGE sql IMMUTABLE AS \$\$
  SELECT count(*)::integer FROM unnest(string_to_array(a, ' ')) x
  WHERE EXISTS (SELECT 1 FROM unnest(string_to_array(b, ' ')) y WHERE similarity(x, y) >= 0.3)
\$\$;
-- words(a, b): b is retrieved for a word by word: near two words of a, or
-- near the only word of a, or b's only word near a word of a. Skeletons
-- must also be similar as wholes. A pair counts only when each side, as
-- the probe, retrieves the other.
CREATE FUNCTION words(a text, b text) RETURNS boolean LANGUAGE sql IMMUTABLE AS \$\$
  SELECT near(a, b) >= least(2, cardinality(string_to_array(a, ' ')), cardinality(string_to_array(b, ' ')))
\$\$;
SELECT kind, CASE WHEN same THEN 'same' ELSE 'different' END AS label, count(*) AS pairs,
       count(*) FILTER (WHERE similarity(ka, kb) >= 0.3 OR similarity(sa, sb) >= 0.3) AS whole,
       count(*) FILTER (WHERE (words(ka, kb) OR (words(sa, sb) AND similarity(sa, sb) >= 0.5))
                          AND (words(kb, ka) OR (words(sb, sa) AND similarity(sa, sb) >= 0.5))) AS words
  FROM k GROUP BY 1, 2 ORDER BY 1, 2;
SQL
fi

#!/bin/sh
# Positions: ingest in batches (target ≥ 5,000/s) and one request per
# position (≥ 1,000/s), each with 1,000 zone fences beside the same run's
# baseline without rules, and the latency from a fix's POST to its zone
# alert on an open stream with 200 devices reporting (target p99 ≤ 1 s),
# beside the same fix's position entry as the baseline.
#
#   scripts/bench-positions.sh [SECONDS]     (latency phase, default 30)
#
# Needs TEST_DATABASE_URL (a PostGIS server on which the test may create a
# database), as the integration tests do.
set -eu
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL to a PostGIS server (see README)}"
POSITIONS_BENCH_SECONDS="${1:-30}" go test ./api -run '^TestPositionIngestAndAlertLatency$' -count=1 -v -timeout 60m \
	| grep -v -e '^=== RUN' -e '^--- PASS' -e '^PASS' -e '^ok'

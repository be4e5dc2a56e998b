#!/bin/sh
# Positions: ingest in batches (target ≥ 5,000/s) and one request per
# position (≥ 1,000/s), each with 1,000 zone fences beside the same run's
# baseline without rules, and the latency from a fix's POST to its zone
# alert on an open stream with 200 devices reporting (target p99 ≤ 1 s),
# beside the same fix's position entry as the baseline. About three
# minutes on an idle two-core machine with the default 30 s.
#
#   scripts/bench-positions.sh [SECONDS]     (latency phase, default 30)
#
# Needs TEST_DATABASE_URL (a PostGIS server on which the test may create a
# database), as the integration tests do. The test binary is built first,
# so that the compiler does not compete with the measurement, and runs
# under nice.
set -eu
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL to a PostGIS server (see README)}"
bin="$(mktemp -d)/api.test"
trap 'rm -rf "$(dirname "$bin")"' EXIT
echo "building the api test binary…" >&2
go test -c -o "$bin" ./api
cd api
POSITIONS_BENCH_SECONDS="${1:-30}" nice "$bin" -test.run '^TestPositionIngestAndAlertLatency$' -test.count=1 -test.v -test.timeout 30m \
	| grep -v -e '^=== RUN' -e '^--- PASS' -e '^PASS' -e '^ok'

#!/bin/sh
# Latency of the live stream: from a message's POST on one replica to a
# recipient's open stream on another (two servers on one PostgreSQL), at
# 50 messages/s, with the same replica as the baseline of the same run.
# Prints p50, p99 and the maximum; the target is p99 ≤ 1 s.
#
#   scripts/bench-stream.sh [SECONDS]     (default 20)
#
# Needs TEST_DATABASE_URL (a PostGIS server on which the test may create a
# database), as the integration tests do.
set -eu
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL to a PostGIS server (see README)}"
STREAM_LATENCY_SECONDS="${1:-20}" go test ./api -run '^TestStreamLatencyAcrossReplicas$' -count=1 -v \
	| grep -v -e '^=== RUN' -e '^--- PASS' -e '^PASS' -e '^ok'

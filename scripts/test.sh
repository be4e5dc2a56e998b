#!/usr/bin/env bash
# Runs every test of Borderwatch: go vet, gofmt, the unit and PostGIS
# integration tests with the race detector, short fuzz runs of every fuzz
# target, and the browser end-to-end tests. Installs PostgreSQL, PostGIS and
# Chromium if missing (Debian/Ubuntu). Use TEST_DATABASE_URL to point the
# integration tests at your own PostGIS server (each test gets a fresh
# database on it).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=${CI:-}

step() { printf '\n== %s\n' "$*"; }

OWN_TEST_DB=${TEST_DATABASE_URL:-}
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  step "database"
  base=$(DATABASE_URL= BORDERWATCH_DB=borderwatch_test scripts/setup-db.sh | tail -1)
  export TEST_DATABASE_URL=$base
fi

if ! command -v ogrinfo >/dev/null 2>&1; then
  step "installing gdal-bin (the OGC API tests read the service with GDAL)"
  sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin >/dev/null
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './web/node_modules/*'))
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi

step "go vet"
go vet ./...

step "go test -race"
CI=${CI:-1} go test -race -count=1 -timeout 45m ./...

step "fuzz (short runs)"
FUZZTIME=${FUZZTIME:-8s}
for f in $(grep -l '^func Fuzz' $(git ls-files '*_test.go' 2>/dev/null || find . -name '*_test.go')); do
  pkg=./$(dirname "$f")
  for name in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "fuzz $pkg $name ($FUZZTIME)"
    if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/bw-fuzz.log 2>&1; then
      # Go's fuzzing engine sometimes reports "context deadline exceeded"
      # when the fuzz time ends during a worker's run, with no failing
      # input: that target runs once more. A real failure writes its input
      # under testdata/fuzz and fails the step.
      if grep -q 'context deadline exceeded' /tmp/bw-fuzz.log && ! grep -q 'Failing input written' /tmp/bw-fuzz.log; then
        echo "fuzz $pkg $name: the fuzzing engine's deadline error without a failing input; once more"
        go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/bw-fuzz.log 2>&1 || { cat /tmp/bw-fuzz.log; exit 1; }
      else
        cat /tmp/bw-fuzz.log; exit 1
      fi
    fi
  done
done

if [ -z "${OWN_TEST_DB:-}" ]; then
  step "write loss under 50 concurrent writers on two replicas (short)"
  scripts/write-loss.sh --short
  step "burst of abandoned requests (short)"
  scripts/drop-test.sh --short
  step "PostgreSQL restart under load (short)"
  scripts/restart-test.sh --short
fi

if [ -x web/e2e/run.sh ]; then
  step "browser end-to-end"
  web/e2e/run.sh
fi
step "all tests passed"

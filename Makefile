# Make targets of Borderwatch. The README's two commands are
# scripts/quickstart.sh and scripts/test.sh; these are shortcuts.
.PHONY: build test test-integration lint bench fuzz run web

build:
	go build -o bin/borderwatch ./cmd/borderwatch

test:
	scripts/test.sh

test-integration:
	DATABASE_URL= TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$$(BORDERWATCH_DB=borderwatch_test scripts/setup-db.sh | tail -1)} CI=1 go test -count=1 ./data/... ./api/... ./cmd/...

lint:
	test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	go vet ./...

bench:
	go test -run='^$$' -bench=. -benchmem ./geo/ ./planner/ ./match/

fuzz:
	FUZZTIME=60s scripts/test.sh  # the whole suite, with 60 s per fuzz target

run:
	scripts/quickstart.sh

web:
	scripts/build-web.sh

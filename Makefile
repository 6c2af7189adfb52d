# lxbrand build, tests, fixtures and benchmarks. See README.md.
SHELL := /bin/bash

# Test files that exist in the source tree (stale dist/ files of removed tests are not run).
TEST_FILES = $(patsubst %.ts,dist/%.js,$(shell find test -name '*.test.ts' -not -path '*/node_modules/*' | sort))
# Two test files at a time (the machine has two cores); each file runs its tests in order.
NODE_TEST_FLAGS ?= --test-concurrency=2 --test-reporter=spec

.PHONY: all build test fixtures setup bench clean

all: build

# npm ci when node_modules is missing or older than the lock file.
node_modules: package.json package-lock.json
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
	@touch node_modules

build: node_modules
	npx tsc -p .

test: build
	node --test $(NODE_TEST_FLAGS) $(TEST_FILES)

# Rebuild the committed fixture binaries from test/fixtures/src (needs make setup).
fixtures:
	scripts/build-fixtures.sh

# Debian packages the tests and benchmarks use (idempotent; quiet when all present).
setup:
	@scripts/setup.sh

bench: build
	node dist/bench/run.js

clean:
	rm -rf dist

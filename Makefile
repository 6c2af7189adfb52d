# lxbrand build, tests, fixtures and benchmarks. See README.md.
SHELL := /bin/bash

# Test files that exist in the source tree (stale dist/ files of removed tests are not run).
TEST_FILES = $(patsubst %.ts,dist/%.js,$(shell find test -name '*.test.ts' -not -path '*/node_modules/*' | sort))
# Two test files at a time (the machine has two cores); each file runs its tests in order.
NODE_TEST_FLAGS ?= --test-concurrency=2 --test-reporter=spec

.PHONY: all build test test-cpu fuzz-cpu fixtures setup bench clean record-traces conformance

all: build

# npm ci when node_modules is missing or older than the lock file.
node_modules: package.json package-lock.json
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
	@touch node_modules

build: node_modules
	npx tsc -p .

test: build
	node --test $(NODE_TEST_FLAGS) $(TEST_FILES)

# The CPU against the hardware: every integer, x87 and SSE table entry, run natively and on our
# CPU (interpreted and threaded); prints coverage, case counts and mismatches. Part of `make test`.
CPU_TESTS = $(patsubst %.ts,dist/%.js,$(wildcard test/cpu/*.test.ts test/x87.test.ts test/sse.test.ts test/mmx.test.ts))
test-cpu: build
	node --test $(NODE_TEST_FLAGS) $(CPU_TESTS)

# The CPU suites with random seeds SEED, SEED+1, ... until N cases have been compared with the
# hardware, then the decoder fuzz (test/cpu/fuzz.ts; RANDOM=k cases per run, SUITES=a,b).
SEED ?= 1
N ?= 1000000
fuzz-cpu: build
	node dist/test/cpu/fuzz.js --seed $(SEED) --n $(N) $(if $(RANDOM),--random $(RANDOM)) $(if $(SUITES),--suites $(SUITES))

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

# Re-record conformance/traces natively (needs strace: make setup); commit the traces with the skiplist.
record-traces: build
	bin/lxconform record --corpus

# Replay the corpus, print the report and rewrite conformance/REPORT.md.
conformance: build
	bin/lxconform run

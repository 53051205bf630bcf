# PEFTLab: the two commands a fresh machine needs are `make quickstart` and `make test`.
SWIFT        ?= swift
RELEASE      := -c release
TEST_FLAGS   := -c release -Xswiftc -enable-testing
APT_PACKAGES := libsqlite3-dev libpng-dev libjpeg-dev libopenblas0 libpq-dev postgresql pkg-config
BIN          := .build/release/peftlab

.PHONY: setup build quickstart test schema bench clean

## setup: install the system libraries PEFTLab links against, and OpenBLAS, which it loads at run time (Debian/Ubuntu; needs root or sudo)
setup:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## build: release build of the peftlab binary
build: setup
	$(SWIFT) build $(RELEASE) --product peftlab

## quickstart: set up, build, and run the main job on generated data and a generated small CLIP
quickstart: build
	$(BIN) quickstart

# The test targets that touch the store: `make test` runs them a second time against PostgreSQL.
STORE_TESTS  := PEFTStoreTests|PEFTDataTests|PEFTOrchestratorTests|PEFTReportsTests|PEFTCLITests

## test: the whole test suite, optimised (numeric tests are 10-100x slower in debug builds), on SQLite; then the
## store-touching targets again on a throwaway PostgreSQL server on loopback (scripts/with-postgres.sh)
test: setup
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build
	./scripts/with-postgres.sh $(SWIFT) test $(TEST_FLAGS) --skip-build --filter '$(STORE_TESTS)'

## schema: re-embed schema.sql into the binary after editing it
schema:
	./scripts/embed-schema.sh

## bench: the benchmark suite (release build)
bench: build
	$(BIN) bench store --processes 4 --mode claims

clean:
	rm -rf .build

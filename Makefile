# Tongban — the two commands of the README are `make run` and `make test`.
# Meson + Ninja do the real build; this file only wires the steps together.

BUILD    ?= build
ASAN     ?= build-asan
BIN      := $(CURDIR)/$(BUILD)/tongban
PYTEST   := /usr/bin/python3 -m pytest
PGDIR    ?= /tmp/tongban-pg-test
PGPORT   ?= 55432
PGBIN    ?= /usr/lib/postgresql/15/bin

.PHONY: all deps deps-test build web regions run test test-unit test-asan test-seed test-api test-api-sqlite \
        test-api-pg test-e2e bench clean

all: build

deps:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

$(BUILD)/build.ninja:
	@meson setup $(BUILD) --buildtype=debugoptimized >/dev/null

build: deps $(BUILD)/build.ninja regions web
	@ninja -C $(BUILD) | grep -v '^ninja: no work to do' || true
	@test -x $(BIN)

# Heilongjiang's divisions, generated from the npm data package (tools/).
regions: $(BUILD)/regions.json
$(BUILD)/regions.json: tools/gen-regions.mjs tools/package-lock.json | $(BUILD)/build.ninja
	@node tools/gen-regions.mjs $@ >/dev/null

# The web portals, built by Vite into web/dist when their sources change.
WEB_SOURCES := $(shell find web/portal web/work web/vite.config.js web/package-lock.json -type f 2>/dev/null)
web: web/dist/.built
web/dist/.built: $(WEB_SOURCES)
	@cd web && npm run build --silent >/dev/null
	@touch $@

# Runs the platform with demo data on the embedded SQLite database.
run: build
	@$(BIN) migrate >/dev/null
	@$(BIN) seed
	@echo "通办已启动: http://127.0.0.1:8080  （Ctrl-C 停止）"
	@exec $(BIN) serve

# Every suite: unit (plain and ASan/UBSan), seed data, API on SQLite and on
# PostgreSQL, and the browser journey.
test: deps-test build
	@$(MAKE) --no-print-directory test-unit test-asan test-seed test-api-sqlite test-api-pg test-e2e
	@echo "make test: all suites passed"

test-unit: build
	@meson test -C $(BUILD) --print-errorlogs

test-asan: deps
	@test -f $(ASAN)/build.ninja || meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false \
	  --buildtype=debug >/dev/null
	@ninja -C $(ASAN) >/dev/null
	@UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	  meson test -C $(ASAN) --print-errorlogs

test-seed: regions
	@node tools/check-seed.mjs --regions $(BUILD)/regions.json

test-api-sqlite: build
	@echo "== API suite on SQLite"
	@TB_BIN=$(BIN) $(PYTEST) -q tests/api

test-api-pg: build
	@echo "== API suite on PostgreSQL 15"
	@scripts/pg.sh stop $(PGDIR) >/dev/null 2>&1 || true
	@rm -rf $(PGDIR)
	@url=$$(scripts/pg.sh start $(PGDIR) $(PGPORT)) && \
	  (TB_TEST_PG=$$url $(BUILD)/test_db >/dev/null && TB_TEST_PG=$$url $(BUILD)/test_calendar >/dev/null && \
	   TB_TEST_PG=$$url $(BUILD)/test_flow >/dev/null && \
	   echo "storage unit tests on PostgreSQL: passed" && \
	   TB_BIN=$(BIN) TB_TEST_PG=$$url $(PYTEST) -q tests/api && \
	   echo "== browser journeys on PostgreSQL 15" && \
	   $(PGBIN)/psql -X -q -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' $$url 2>/dev/null && \
	   TB_BIN=$(BIN) TB_E2E_DATABASE=$$url node --test tests/e2e/; rc=$$?; scripts/pg.sh stop $(PGDIR); exit $$rc)

test-e2e: build
	@echo "== browser journey (Chromium)"
	@TB_BIN=$(BIN) node --test tests/e2e/

bench: build
	@scripts/deps.sh bench
	@TB_BIN=$(BIN) bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN) web/dist

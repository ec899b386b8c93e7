PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

PORT ?= 8000

.PHONY: install install-dev bytecode demo test lint browser postgres bench clean

$(BIN)/tallyroom: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -e .
	touch $(BIN)/tallyroom

$(BIN)/pytest: $(BIN)/tallyroom
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/pytest

install: $(BIN)/tallyroom

install-dev: $(BIN)/pytest

# The package compiled once, so that each command and server started (the tests start about 140 in each
# pass) does not compile it again: Python keeps no bytecode where PYTHONDONTWRITEBYTECODE is set.
bytecode: install
	@$(BIN)/python -m compileall -q src/tallyroom

demo: bytecode
	$(BIN)/tallyroom demo --port $(PORT)

lint: install-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

POSTGRES_TEST_URL ?= postgresql://tallyroom:tallyroom@127.0.0.1:5432/postgres

# pytest rewrites the asserts of each test module as it imports it, and keeps what it made only where
# Python may write bytecode: without it, each of the five pytest processes of a run spends 2.8 s of its
# collection doing again what the first did.
WORKERS ?= 2
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest
TEST := $(PYTEST) -n $(WORKERS) --dist loadfile

test: lint browser postgres bytecode
	$(TEST)
	TALLYROOM_TEST_POSTGRES=$(POSTGRES_TEST_URL) $(TEST) -m "not restarts_postgres"
	TALLYROOM_TEST_POSTGRES=$(POSTGRES_TEST_URL) $(PYTEST) -m restarts_postgres

postgres:
	@scripts/postgres-for-tests

browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		{ echo "The browser tests need Debian's Chromium: sudo apt-get install chromium"; exit 1; }

BENCH_ROWS := build/bench-rows.jsonl

bench: install-dev postgres
	mkdir -p build && rm -f $(BENCH_ROWS)
	export TALLYROOM_BENCH_ROWS=$(BENCH_ROWS); failed=; \
	$(BIN)/python benchmarks/bench_load.py || failed=1; \
	$(BIN)/python benchmarks/bench_replay.py || failed=1; \
	$(BIN)/python benchmarks/bench_card.py || failed=1; \
	$(BIN)/python benchmarks/bench_copy.py || failed=1; \
	$(BIN)/python benchmarks/bench_projection.py || failed=1; \
	$(BIN)/python benchmarks/bench_stv.py --compare || failed=1; \
	$(BIN)/python benchmarks/bench_web.py || failed=1; \
	$(BIN)/python benchmarks/bench_publish.py || failed=1; \
	$(BIN)/python benchmarks/bench_night.py --postgres $(POSTGRES_TEST_URL) || failed=1; \
	$(BIN)/python benchmarks/targets.py $(BENCH_ROWS) && [ -z "$$failed" ]

clean:
	rm -rf $(VENV) tallyroom.db build .pytest_cache .mypy_cache .ruff_cache

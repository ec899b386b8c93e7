PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint browser bench clean

$(BIN)/tallyroom: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/tallyroom

install: $(BIN)/tallyroom

demo: install
	$(BIN)/tallyroom demo

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

test: lint browser
	$(BIN)/pytest

browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		{ echo "The browser tests need Debian's Chromium: sudo apt-get install chromium"; exit 1; }

bench: install
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_replay.py
	$(BIN)/python benchmarks/bench_copy.py
	$(BIN)/python benchmarks/bench_web.py

clean:
	rm -rf $(VENV) tallyroom.db build .pytest_cache .mypy_cache .ruff_cache

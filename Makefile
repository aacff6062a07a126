# paperradar: `make run` installs and runs the main job; `make test` installs and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast test-slow install bench clean

$(BIN)/paperradar: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/paperradar

## The main job: fetch today's papers (arXiv + Hugging Face), store them, show the day.
run: install
	$(BIN)/paperradar run $(ARGS)

## The whole test suite: the quick tests, then the slow ones (crash campaigns).
test: install
	$(BIN)/python -m pytest -q -m "not slow"
	$(BIN)/python -m pytest -q -m slow

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

bench: install
	$(BIN)/python benchmarks/bench_snapshot_import.py

clean:
	rm -rf $(VENV) bench-out .pytest_cache

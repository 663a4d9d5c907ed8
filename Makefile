# The two commands a new user needs: `make demo` and `make test`.
# Each creates .venv on a fresh machine and installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint unit bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m bot.demo

lint: $(STAMP)
	$(BIN)/ruff check agent bot tests bench
	$(BIN)/ruff format --check agent bot tests bench
	$(BIN)/mypy

unit: $(STAMP)
	TZ=UTC $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

# The tests run on two pytest-xdist workers, one per core; each file stays on one worker, so
# its module fixtures are built once and its tests run in order (every Spark test is in one
# file: one JVM). Lint (about 25 s) runs beside them.
test: $(STAMP)
	$(MAKE) --no-print-directory -j2 lint unit

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .scout-demo

# liudong — two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-fast lint format browser-deps bench bench-deps clean-var messages soak audit

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## make demo: set up everything and serve the demo on http://$(HOST):$(PORT)
demo: $(VENV)/.installed
	$(BIN)/liudong migrate --noinput
	$(BIN)/liudong load_demo
	@echo
	@echo "  流动党员管理服务平台 demo: http://$(HOST):$(PORT)/"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/   Admin: http://$(HOST):$(PORT)/admin/"
	@echo
	$(BIN)/liudong runserver $(HOST):$(PORT)

## Debian packages the tests need: chromium + CJK fonts (browser tests), gettext (catalogue check),
## redis-server (the fault tests start their own).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v xgettext >/dev/null || ! command -v redis-server >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing chromium, fonts-noto-cjk, gettext and redis-server (Debian packages)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk gettext redis-server >/dev/null; \
	  else \
	    echo "Tests need chromium, fonts-noto-cjk, gettext and redis-server: sudo apt-get install chromium fonts-noto-cjk gettext redis-server"; exit 1; \
	  fi; \
	fi

## make test: install what tests need and run the whole suite (DATABASE_URL picks the database)
test: $(VENV)/.installed-test browser-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports  # the layers (docs/architecture.md; contracts in pyproject.toml)
	$(BIN)/liudong makemigrations --check --dry-run >/dev/null || (echo "Missing migrations: run liudong makemigrations" && exit 1)
	$(BIN)/pytest -q -p no:cacheprovider -m "not browser"
	$(BIN)/pytest -q -p no:cacheprovider -m browser

## What benchmarks need: the app (gunicorn is a dependency: the production server) and wrk.
bench-deps: $(VENV)/.installed
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing wrk (Debian package)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "The check-in benchmark needs wrk: sudo apt-get install wrk"; exit 1; \
	  fi; \
	fi

## make bench: the check-in benchmark (BENCH_ARGS=--quick for a smoke test); others: benchmarks/README.md
bench: bench-deps
	$(BIN)/python benchmarks/checkin.py $(BENCH_ARGS)

## make soak: load and soak (benchmarks/soak.py: 100 users for 300 s on PostgreSQL, locust
## headless; every accepted write verified); SOAK_ARGS=--quick for 20 users, 20 s.
soak: $(VENV)/.installed-test
	$(BIN)/python benchmarks/soak.py $(SOAK_ARGS)

## --- issue 16 (fuzz): the long fuzzing run (CI runs a bounded one inside `make test`) ---
## make fuzz: schemathesis over every API operation (FUZZ_EXAMPLES per operation and caller,
## FUZZ_NEGATIVE schema-breaking ones) and Hypothesis over the input parsers; docs/api.md
FUZZ_EXAMPLES ?= 50
FUZZ_NEGATIVE ?= 10
FUZZ_INPUT_EXAMPLES ?= 5000
.PHONY: fuzz
fuzz: $(VENV)/.installed-test
	LIUDONG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) LIUDONG_FUZZ_NEGATIVE=$(FUZZ_NEGATIVE) \
	LIUDONG_FUZZ_INPUT_EXAMPLES=$(FUZZ_INPUT_EXAMPLES) \
	  $(BIN)/pytest -q -p no:cacheprovider tests/fuzz
## --- end issue 16 (fuzz) ---

test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -q -x -m "not browser"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

## Regenerate translation catalogues (needs GNU gettext) and compile them.
messages: $(VENV)/.installed
	cd src/liudong && ../../$(BIN)/liudong makemessages -l zh_Hans --no-obsolete --ignore 'static/*'
	cd src/liudong && ../../$(BIN)/liudong compilemessages

## make audit: known vulnerabilities in the installed packages (pip-audit against PyPI's
## advisory data: needs network to PyPI, bounded to 120 s). A report only: never fails.
audit: $(VENV)/.installed-test
	@timeout 120 $(BIN)/pip-audit --local --skip-editable --progress-spinner off --desc on \
	  || echo "pip-audit: findings above, or no report (no network to PyPI, or timed out); not a failure"

# Usher: `make run` starts the demo, `make test` runs the whole suite. Nothing else needs installing by hand.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-fast bench lighthouse lint format migrate seed stop clean browser-deps install

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

run: install ## the app + worker with demo data on embedded PostgreSQL and Redis (http://127.0.0.1:8000)
	$(BIN)/python -m app.cli run

test: install browser-deps ## the whole suite, browser tests included
	$(BIN)/python -m pytest

test-fast: install ## everything except the browser tests
	$(BIN)/python -m pytest -m "not browser"

browser-deps: ## Debian's Chromium for the Playwright tests (playwright cannot download browsers here)
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium with apt-get"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "Chromium is missing at $(CHROMIUM): install your distribution's chromium package" >&2; exit 1; fi; \
	fi

bench: install ## benchmarks (see bench/README)
	$(BIN)/python -m bench

lighthouse: install browser-deps ## Lighthouse 12.2.3 (tools/lighthouse, needs npm) on the demo: home, event, both maps, checkout
	CHROME_PATH=$(CHROMIUM) $(BIN)/python -m bench.lighthouse --runs 3

lint: install js-tools ## ruff for Python, Biome for static/js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app tests bench worker.py migrations
	$(JS_TOOLS)/node_modules/.bin/biome lint --error-on-warnings

# The JS linter is a dev tool pinned in tools/js (package-lock.json); the app and `make run` never need it.
JS_TOOLS := tools/js
JS_STAMP := $(JS_TOOLS)/node_modules/.installed-$(shell cat $(JS_TOOLS)/package.json $(JS_TOOLS)/package-lock.json | sha256sum | cut -c1-12)
.PHONY: js-tools
js-tools: $(JS_STAMP)

$(JS_STAMP): $(JS_TOOLS)/package.json $(JS_TOOLS)/package-lock.json
	@command -v npm >/dev/null || { echo "make lint needs npm (Node.js) to install the JS linter" >&2; exit 1; }
	npm ci --prefix $(JS_TOOLS) --no-audit --no-fund --loglevel=error
	@touch $@

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format app tests bench worker.py migrations

migrate: install
	$(BIN)/python -m app.cli migrate

seed: install
	$(BIN)/python -m app.cli seed

stop: ## stop the embedded PostgreSQL and Redis
	$(BIN)/python -m app.cli stop

clean: stop
	rm -rf var $(VENV)

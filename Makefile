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

.PHONY: install run test test-fast lint bench format clean lock

install: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock $(PROJECTS)
	UV_PYTHON=$(PYTHON) $(UV) sync --locked --all-packages
	@touch $@

lock: $(UV)
	$(UV) lock

run: install
	$(PY) deploy/local/run.py

test: install
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

bench: install
	$(PY) -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache

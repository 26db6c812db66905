# InBeeld — all set-up happens here. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
INBEELD := $(VENV)/bin/inbeeld
DEMO_CASES ?= 3000
# The test suite runs in one process per core (pytest-xdist, whole files per process: ADR 0025).
TEST_WORKERS ?= auto
DEMO_SEED ?= 2021
PYTEST_ARGS ?=

.PHONY: run test bench lint install install-test devenv migrate demo serve codes clean openapi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml requirements-oracles-nodeps.txt node_modules/axe-core/axe.min.js
	$(PIP) install --quiet -e '.[test,dev]'
	$(PIP) install --quiet --no-deps --require-hashes -r requirements-oracles-nodeps.txt
	touch $@

# axe-core for the accessibility browser tests (tests/e2e/test_accessibility.py) and Spectral
# for the API lint (Logius rules), from npm at the versions package-lock.json pins;
# node_modules/ is never committed nor served.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Development keys live in var/dev.env, outside the database and outside git.
var/dev.env: | $(VENV)/.installed
	mkdir -p var
	$(PY) scripts/make_dev_env.py > var/dev.env
	chmod 600 var/dev.env

devenv: var/dev.env

migrate: install devenv
	$(INBEELD) migrate --noinput

demo: migrate
	$(INBEELD) demo --cases $(DEMO_CASES) --seed $(DEMO_SEED) --if-empty

# The demo accounts have a pre-enrolled second factor; their current codes are printed every 30 s.
# The worker makes the long files (PDF reports) on the background, next to the web server.
serve:
	$(INBEELD) demo_logins
	$(INBEELD) demo_codes --watch & codes=$$!; \
	$(INBEELD) worker --no-startup-delay & worker=$$!; \
	trap "kill $$codes $$worker 2>/dev/null" EXIT; \
	$(INBEELD) runserver --noreload 127.0.0.1:8000

codes:
	$(INBEELD) demo_codes

run: demo serve

test: install-test
	$(VENV)/bin/python scripts/ensure_browser.py
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: install-test devenv
	$(VENV)/bin/python bench/run.py

# The layering contracts of pyproject.toml [tool.importlinter] (ADR 0012), ruff, and the OpenAPI
# document against the Logius API design rules (Spectral, the published ruleset saved in lint/;
# warnings fail too). tests/api/test_spectral.py runs the same lint.
lint: install-test
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check src tests bench scripts
	npx --no-install spectral lint docs/openapi.yaml --ruleset lint/logius-adr-ruleset.yaml --fail-severity=warn

# The OpenAPI document of the REST API, committed (tests/api/test_openapi.py checks it is current).
openapi: install devenv
	$(INBEELD) spectacular --file docs/openapi.yaml --validate --fail-on-warn

clean:
	rm -rf $(VENV) var

# GovHub: `make run` serves the demo city, `make test` runs every test. Both set themselves up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
PORT ?= 3000

.PHONY: run test install install-dev migrate seed lint bench clean

# Exactly the locked versions, each checked against its hash, then GovHub itself without resolving anything
# (regenerating the lock files after a change of dependencies: see the README).
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# The OpenID provider the single sign-on tests start (panva's oidc-provider, from the npm registry).
OIDC_PROVIDER := tests/oidc_provider
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(VENV)/bin/govhub db upgrade

seed: migrate
	$(VENV)/bin/govhub seed demo

run: seed
	$(VENV)/bin/reflex run --env prod --backend-host 127.0.0.1 --frontend-port $(PORT)

# Unit and service tests first, then the browser tests in a process of their own (their servers and
# settings never share a process with the unit tests).
test: install-dev $(OIDC_PROVIDER)/node_modules/.installed
	$(PY) -m pytest -q --ignore=tests/e2e $(PYTEST_ARGS)
	$(PY) -m pytest -q tests/e2e $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check govhub tests bench tools

bench: install-dev
	$(PY) bench/directory_search.py

clean:
	rm -rf .web .states govhub.db*

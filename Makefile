# The two commands a new user needs: `make demo` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_ENV := DEBUG=true
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help demo test lint fmt bench messages translations clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

demo: $(VENV)/.runtime ## Install, migrate, seed demo data and run web + worker + beat on http://127.0.0.1:8000
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@$(DEMO_ENV) $(PY) manage.py seed_demo --banner
	$(DEMO_ENV) PYTHONUNBUFFERED=1 PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

test: $(VENV)/.dev ## Run the whole test suite (what CI runs, on SQLite or on $$DATABASE_URL)
	$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status

lint: $(VENV)/.dev ## ruff, ruff format --check, import-linter (the layers), the structure rules, mypy on the pure engine, bandit, pip-audit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) .ci/check_structure.py
	$(VENV)/bin/mypy
	$(VENV)/bin/bandit -q -c pyproject.toml -r accounts cfmd core escalation incidents knowledgebase lifecycle notices notify portal sla
	@# Known vulnerabilities in the installed packages, where the vulnerability data is reachable
	@# (a package it cannot look up is listed, not failed; a known vulnerability fails).
	$(VENV)/bin/pip-audit -l --progress-spinner off

fmt: $(VENV)/.dev ## Format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev ## Run the benchmarks in bench/ (results go in docs/BENCHMARKS.md)
	@set -e; for b in bench/bench_*.py; do echo "== $$b"; DEBUG=true $(PY) $$b; done

messages: $(VENV)/.dev ## Extract translatable strings into locale/*/django.po (needs gettext)
	mkdir -p locale
	DEBUG=true $(PY) manage.py makemessages -l de -l da -l ja --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=docs
	@for po in locale/*/LC_MESSAGES/django.po; do printf '%s: ' $$po; msgfmt --statistics -o /dev/null $$po; done

translations: $(VENV)/.dev ## Compile locale/*/django.po into the django.mo files the site reads (needs gettext)
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

clean: ## Remove the demo database, broker folders and mail (keeps .venv)
	rm -rf var

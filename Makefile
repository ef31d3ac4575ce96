# GenoTher Training - developer tasks.
#
#   make install        create .venv and install the runtime dependencies (requirements.lock) + the app: production
#   make install-dev    the same with the development and test tools (requirements-dev.lock); run and test use it
#   make run            migrate, seed the demo accounts and start the dev server on 127.0.0.1:5000
#   make check          ruff (lint and format) and mypy, as pre-commit and CI run them
#   make test           make check, then the test suite (SQLite unless TEST_DATABASE_URL is set); extra args: ARGS="-k foo -x"
#                       the whole suite (no ARGS) measures branch coverage and fails under the floor in pyproject.toml
#   make test-postgres  run the test suite against PostgreSQL (TEST_DATABASE_URL, default below)
#   make translations   compile the gettext catalogues (.po -> .mo) that changed; install does it too
#   make messages       extract the strings to translate and add the new ones to each .po
#   make clean          remove caches and build leftovers (keeps .venv and instance/)
#   make distclean      clean + remove .venv

VENV    := .venv
PYTHON  := $(VENV)/bin/python
UV      := $(VENV)/bin/uv
FLASK   := $(VENV)/bin/flask
PYBABEL := $(VENV)/bin/pybabel
# gettext functions the code calls beyond Babel's own (_, gettext, ngettext, pgettext, ...).
# tests/i18n reads this line, so the tests extract exactly what `make messages` does.
BABEL_KEYWORDS := _l lazy_gettext lazy_ngettext:1,2 lazy_pgettext:1c,2 lazy_npgettext:1c,2,3
TRANSLATIONS := training/translations
# The .mo files are build products (git ignores them): each is compiled from its .po.
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
# Written after a successful install; while it is newer than the dependency
# files, `make install` (or `make install-dev`) has nothing to do.
STAMP   := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

ARGS ?=
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.DEFAULT_GOAL := help
.PHONY: help install install-dev run check test test-postgres translations messages clean distclean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

install: $(STAMP) translations

install-dev: $(DEV_STAMP) translations

$(PYTHON):
	python3 -m venv $(VENV)

# uv is much faster than pip; if it cannot be installed (e.g. no wheel for the
# platform) fall back to plain pip so the project can still be set up.
# $(1): the lock file to install.
define install_locked
	@if [ ! -x $(UV) ]; then \
	    $(PYTHON) -m pip install --quiet --disable-pip-version-check uv \
	    || echo "warning: could not install uv, falling back to pip" >&2; \
	fi
	@if [ -x $(UV) ]; then \
	    set -x; \
	    $(UV) pip install --python $(PYTHON) -r $(1) && \
	    $(UV) pip install --python $(PYTHON) --no-deps -e .; \
	else \
	    set -x; \
	    $(VENV)/bin/pip install --disable-pip-version-check -r $(1) && \
	    $(VENV)/bin/pip install --disable-pip-version-check --no-deps -e .; \
	fi
	@# setuptools leaves this build by-product in the tree; the editable
	@# install does not need it (metadata lives in site-packages).
	@rm -rf genother_training.egg-info
endef

# Production: only what the app runs with (no test tools, no browser driver).
$(STAMP): requirements.lock pyproject.toml | $(PYTHON)
	$(call install_locked,requirements.lock)
	@touch $@

# Development and tests: the runtime pins plus pytest, playwright, ruff, ...
$(DEV_STAMP): requirements-dev.lock pyproject.toml | $(PYTHON)
	$(call install_locked,requirements-dev.lock)
	@touch $@ $(STAMP)

run: install-dev
	mkdir -p instance
	$(FLASK) --app wsgi db upgrade
	$(FLASK) --app wsgi seed-demo
	$(FLASK) --app wsgi run --host 127.0.0.1 --port 5000

# ruff finds the Python files itself (it skips what git ignores, e.g. .venv); mypy's files are in
# pyproject.toml. The same three run as pre-commit hooks (.pre-commit-config.yaml).
check: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Coverage only for the whole suite: a partial run (ARGS="-k ...") would fall under the floor.
COVERAGE = $(if $(ARGS),,--cov --cov-report=term)

test: install-dev
	@$(MAKE) --no-print-directory check
	$(PYTHON) -m pytest $(COVERAGE) $(ARGS)

# Only this target exports TEST_DATABASE_URL, so `make test` stays on SQLite
# unless the caller set it in the environment.
test-postgres: export TEST_DATABASE_URL := $(TEST_DATABASE_URL)
test-postgres: install-dev
	@echo "TEST_DATABASE_URL=$$TEST_DATABASE_URL"
	$(PYTHON) -m pytest $(ARGS)

translations: $(COMPILED)

# Only a .po newer than its .mo is compiled again. pybabel leaves fuzzy entries out.
$(TRANSLATIONS)/%.mo: $(TRANSLATIONS)/%.po | $(STAMP)
	$(PYBABEL) compile --statistics -i $< -o $@

# After changing strings in the code: refresh the template and each catalogue, then translate
# the new entries (and review the fuzzy ones); tests/i18n fails until every one is translated.
# --ignore-dirs: Babel skips folders named _* by default, which would leave out templates/_macros.
messages: $(DEV_STAMP)
	$(PYBABEL) extract -F babel.cfg $(addprefix -k ,$(BABEL_KEYWORDS)) --no-wrap --sort-by-file --ignore-dirs '.*' \
	    --project "GenoTher Training" --copyright-holder GenoTher \
	    --msgid-bugs-address formation@genother.example -o $(TRANSLATIONS)/messages.pot .
	$(PYBABEL) update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --ignore-obsolete

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -print0 | xargs -0 rm -rf
	rm -rf .pytest_cache .mypy_cache .ruff_cache .coverage build dist *.egg-info .ci/*-junit.xml
	rm -f $(COMPILED)

distclean: clean
	rm -rf $(VENV)

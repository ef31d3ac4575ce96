# GenoTher Training - developer tasks.
#
#   make install        create .venv and install the locked dependencies + the app (editable)
#   make run            migrate, seed the demo accounts and start the dev server on 127.0.0.1:5000
#   make test           run the test suite (SQLite unless TEST_DATABASE_URL is set); extra args: ARGS="-k foo -x"
#   make test-postgres  run the test suite against PostgreSQL (TEST_DATABASE_URL, default below)
#   make translations   compile the gettext catalogues, if there are any
#   make clean          remove caches and build leftovers (keeps .venv and instance/)
#   make distclean      clean + remove .venv

VENV    := .venv
PYTHON  := $(VENV)/bin/python
UV      := $(VENV)/bin/uv
FLASK   := $(VENV)/bin/flask
PYBABEL := $(VENV)/bin/pybabel
# Written after a successful install; while it is newer than the dependency
# files, `make install` has nothing to do.
STAMP   := $(VENV)/.installed

ARGS ?=
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.DEFAULT_GOAL := help
.PHONY: help install run test test-postgres translations clean distclean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

install: $(STAMP)

$(PYTHON):
	python3 -m venv $(VENV)

# uv is much faster than pip; if it cannot be installed (e.g. no wheel for the
# platform) fall back to plain pip so the project can still be set up.
$(STAMP): requirements.lock pyproject.toml | $(PYTHON)
	@if [ ! -x $(UV) ]; then \
	    $(PYTHON) -m pip install --quiet --disable-pip-version-check uv \
	    || echo "warning: could not install uv, falling back to pip" >&2; \
	fi
	@if [ -x $(UV) ]; then \
	    set -x; \
	    $(UV) pip install --python $(PYTHON) -r requirements.lock && \
	    $(UV) pip install --python $(PYTHON) --no-deps -e .; \
	else \
	    set -x; \
	    $(VENV)/bin/pip install --disable-pip-version-check -r requirements.lock && \
	    $(VENV)/bin/pip install --disable-pip-version-check --no-deps -e .; \
	fi
	@# setuptools leaves this build by-product in the tree; the editable
	@# install does not need it (metadata lives in site-packages).
	@rm -rf genother_training.egg-info
	@touch $@

run: install
	mkdir -p instance
	$(FLASK) --app wsgi db upgrade
	$(FLASK) --app wsgi seed-demo
	$(FLASK) --app wsgi run --host 127.0.0.1 --port 5000

test: install
	$(VENV)/bin/ruff check training tests bench config.py wsgi.py migrations/env.py
	$(PYTHON) -m pytest $(ARGS)

# Only this target exports TEST_DATABASE_URL, so `make test` stays on SQLite
# unless the caller set it in the environment.
test-postgres: export TEST_DATABASE_URL := $(TEST_DATABASE_URL)
test-postgres: install
	@echo "TEST_DATABASE_URL=$$TEST_DATABASE_URL"
	$(PYTHON) -m pytest $(ARGS)

translations: install
	@if [ -d training/translations ]; then \
	    $(PYBABEL) compile -d training/translations; \
	else \
	    echo "training/translations does not exist: nothing to compile"; \
	fi

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -print0 | xargs -0 rm -rf
	rm -rf .pytest_cache build dist *.egg-info .ci/*-junit.xml

distclean: clean
	rm -rf $(VENV)

# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install install-test services lint typecheck pytest clean i18n vendor-swagger-ui

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install-test: $(STAMP)

demo: install
	$(BIN)/yuqing demo

# Start the real services the tests use (PostgreSQL 15, Redis) where they are not running.
services:
	bash scripts/test-services.sh

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-test
	$(BIN)/mypy

pytest: install-test services
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider

test: lint typecheck pytest

# Message catalogs (docs/i18n.md): extract the English msgids from the code and the pages,
# merge them into each language's .po, compile the .mo files the package ships.
LOCALE_DIR := src/yuqing/locale
i18n: install-test
	$(BIN)/pybabel extract -F babel.cfg --add-comments=TRANSLATORS: --add-location=file \
		--sort-output --project=yuqing --version=0.1.0 \
		--copyright-holder="YuQing contributors" -o $(LOCALE_DIR)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -D messages \
		--ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALE_DIR) -D messages --statistics

# Swagger UI's assets for /api/v1/docs, vendored into the package at the version pinned in
# the script (npm registry, integrity checked); commit what it writes.
vendor-swagger-ui:
	bash scripts/vendor-swagger-ui.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The wiki's commands. A fresh machine needs only `make book` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
# Tests and lessons run this many at a time (each lesson on one thread).
JOBS ?= 2
# What ruff checks and formats: the library, its tests, the benchmarks, the lessons' code cells.
LINT_PATHS := lrlib tests bench notebooks conftest.py
# tqdm's bars carry timings that change every run: off wherever outputs are recorded or compared.
export TQDM_DISABLE := 1
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg
# OpenMP threads that spin while waiting make small models crawl when the cores are shared.
export OMP_WAIT_POLICY := PASSIVE

.PHONY: help venv book test lint test-lib test-notebooks test-site chromium outputs bench equivalents publish clean

help:
	@echo "make book      build the site into _build/html (warnings are errors)"
	@echo "make test      ruff, library tests and doctests, every lesson alone under nbval, the book, the site in Chromium"
	@echo "make lint      ruff check and ruff format --check (lrlib, tests, bench, the lessons' code)"
	@echo "make outputs   re-execute every lesson in place (after changing a lesson or lrlib)"
	@echo "make bench     benchmarks, printing ratios measured in one run"
	@echo "make equivalents  check the schedules of transformers, timm, Keras and optax against torch's"
	@echo "make publish   push _build/html to the gh-pages branch (ghp-import)"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going

test: $(STAMP)
	$(MAKE) lint
	$(MAKE) test-lib
	$(MAKE) test-notebooks
	$(MAKE) book
	$(MAKE) test-site

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

# The library tests and the examples in lrlib's docstrings (pyproject.toml: --doctest-modules).
test-lib: $(STAMP)
	$(PY) -m pytest -q -n $(JOBS) -m "not site" --durations=5 tests lrlib

# Every lesson re-executed and compared with its committed outputs, the way Colab runs it:
# alone in an empty folder, lrlib from a built wheel, one thread; JOBS lessons at a time.
test-notebooks: $(STAMP)
	$(PY) -m tests.tools.standalone --jobs $(JOBS) $(NOTEBOOKS)

chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-site: $(STAMP) chromium
	$(PY) -m pytest -q -m site tests

outputs: $(STAMP)
	@for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(VENV)/bin/jupyter execute --inplace --timeout=600 "$$nb" || exit 1; \
	done

# The lesson "Lightning and other libraries" tabulates the schedules of other libraries; this runs them
# against torch's. Not part of `make test`: those libraries are not in the book's environment.
equivalents: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --target .equivalents \
	  --upgrade -r requirements-equivalents.txt
	KERAS_BACKEND=jax PYTHONPATH=.equivalents $(PY) -m pytest -q -p no:cacheprovider tests/test_equivalents.py

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

publish: book
	$(VENV)/bin/ghp-import -n -p -f _build/html

clean:
	rm -rf _build .equivalents

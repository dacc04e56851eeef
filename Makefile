# The wiki's commands. A fresh machine needs only `make book` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
# tqdm's bars carry timings that change every run: off wherever outputs are recorded or compared.
export TQDM_DISABLE := 1
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg
# OpenMP threads that spin while waiting make small models crawl when the cores are shared.
export OMP_WAIT_POLICY := PASSIVE

.PHONY: help venv book test test-lib test-notebooks test-standalone test-site chromium outputs bench equivalents publish clean

help:
	@echo "make book      build the site into _build/html (warnings are errors)"
	@echo "make test      library tests, every lesson under nbval, standalone runs, the book, the site in Chromium"
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
	$(MAKE) test-lib
	$(MAKE) test-notebooks
	$(MAKE) test-standalone
	$(MAKE) book
	$(MAKE) test-site

test-lib: $(STAMP)
	$(PY) -m pytest -q -m "not site" tests

# Every lesson re-executed and compared with its committed outputs.
test-notebooks: $(STAMP)
	@if [ -n "$(NOTEBOOKS)" ]; then \
	  $(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-sanitize-with tests/sanitize.cfg \
	    --durations=0 $(NOTEBOOKS); \
	else echo "no lessons yet"; fi

# The Colab situation: each lesson alone in an empty folder, lrlib from a built wheel, one thread.
test-standalone: $(STAMP)
	$(PY) -m tests.tools.standalone $(NOTEBOOKS)

chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-site: $(STAMP) chromium
	$(PY) -m pytest -q -m site tests

outputs: $(STAMP)
	@for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(VENV)/bin/jupyter execute --inplace --timeout=600 "$$nb" || exit 1; \
	done

# The lesson "Schedulers in practice" tabulates the schedules of other libraries; this runs them
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

# ML in Production: the three commands of the quick start, and the maintainer's tools.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup lab test test-fast lint docs build bench book browser-setup clean

setup:            ## create .venv with the pinned stack, the course package and the sandbox tool
	bash scripts/setup.sh $(PYTHON)

lab:              ## JupyterLab on the student notebooks
	$(VENV)/bin/jupyter lab --notebook-dir=labs

test:             ## the whole test suite (contract of every lab, graders, book, browser, unit tests); what CI runs
	$(PY) -m pytest -n 2 --dist loadgroup

test-fast:        ## unit, build, static and CLI tests: no notebook is executed (about a minute)
	$(PY) -m pytest -n 2 -m "not slow"

lint:             ## ruff (pinned in requirements.txt; settings in pyproject.toml)
	$(VENV)/bin/ruff check .

docs:             ## regenerate the README's generated tables (grading limits) from the code
	$(PY) scripts/update_docs.py

build:            ## regenerate labs/ from solutions/
	$(PY) -m autograder build

bench:            ## seconds and peak memory of every reference lab
	$(PY) -m autograder benchmark

book:             ## the course site (Jupyter Book) in book/_build/html, offline, warnings as errors
	$(PY) book/build.py

browser-setup:    ## what the browser tests need: Debian's Chromium, Playwright, axe-core (apt, pip, npm)
	bash scripts/setup-browser.sh

clean:            ## remove all grading state (the grading/ course directory; keeps labs/ and solutions/)
	rm -rf grading

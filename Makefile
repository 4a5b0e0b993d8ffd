# Fine-tuning language models, hands-on — one entry point for authors, instructors and CI.
# `make site` and `make test` are the two commands in the README; everything else is optional.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: help site test test-fast kit bench lint lock exercises release clean

## help: list the targets
help:
	@grep -E '^## [a-z-]+:' $(MAKEFILE_LIST) | sed 's/^## /  /'

# The environment: exact versions from requirements/lock.txt, the course packages editable.
$(STAMP): pyproject.toml requirements/lock.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements/lock.txt -e ".[site,grading,dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

## kit: build (or verify) the offline kit: pre-trained tokenizer + LM, generated datasets
kit: $(STAMP)
	$(BIN)/python -m book.kit build

# JavaScript the static pages need, fetched from the npm registry at build time (not committed)
# and served from _static/ so the site works offline: the widget manager built for ipywidgets
# 8.1 (controls 5.0.13), require.js, and MathJax 3 (Sphinx would load it from a CDN).
HTML_MANAGER = @jupyter-widgets/html-manager@1.0.15
REQUIREJS    = requirejs@2.3.8
MATHJAX      = mathjax@3.2.2
VENDOR_JS    = _build/_vendor/.fetched

## site: environment + kit + execute every chapter + strict Jupyter Book build -> _build/html
# Authors: `execute_notebooks: cache` from _config.yml (only edited notebooks re-run). CI=true:
# every notebook re-runs, from a copy of _config.yml that differs in that one key (`force`).
# Progress bars are for someone at a terminal; on the published page they are noise.
SITE_CONFIG = $(if $(filter true,$(CI)),_build/_config.force.yml,_config.yml)
site: kit $(VENDOR_JS) $(SITE_CONFIG)
	TQDM_DISABLE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 HF_DATASETS_DISABLE_PROGRESS_BARS=1 \
	  $(BIN)/jupyter-book build . -W -n --keep-going --config $(SITE_CONFIG)

_build/_config.force.yml: _config.yml $(STAMP)
	mkdir -p $(@D)
	$(BIN)/python -c 'import sys, yaml; c = yaml.safe_load(open("_config.yml")); \
	  c["execute"]["execute_notebooks"] = "force"; \
	  yaml.safe_dump(c, open(sys.argv[1], "w"), sort_keys=False)' $@

$(VENDOR_JS): Makefile
	rm -rf $(@D) $(@D).tmp && mkdir -p $(@D).tmp/ipywidgets $(@D).tmp/mathjax
	cd $(@D).tmp && npm pack --silent $(HTML_MANAGER) $(REQUIREJS) $(MATHJAX) >/dev/null
	tar xzf $(@D).tmp/jupyter-widgets-html-manager-*.tgz -C $(@D).tmp/ipywidgets \
	  --strip-components=2 package/dist/embed-amd.js
	tar xzf $(@D).tmp/requirejs-*.tgz -C $(@D).tmp/ipywidgets --strip-components=1 package/require.js
	tar xzf $(@D).tmp/mathjax-*.tgz -C $(@D).tmp/mathjax --strip-components=2 \
	  package/es5/tex-mml-chtml.js package/es5/output/chtml package/es5/input/tex package/es5/a11y \
	  package/es5/ui
	rm $(@D).tmp/*.tgz && touch $(@D).tmp/.fetched && mv $(@D).tmp $(@D)

## test: the whole test suite (offline)
test: $(STAMP)
	$(BIN)/python -m pytest

## test-fast: the tests not marked slow (an author's edit-test loop)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q

## bench: print performance figures (kit build, site build, training throughput, grading)
bench: kit
	$(BIN)/python tests/bench/run_all.py

## exercises: MyST pages + reference -> nbgrader course folder _build/course/source
exercises: $(STAMP)
	$(BIN)/python -m autograde.assignments build

## release: student versions via `nbgrader generate_assignment`, then prove they match the sources
release: exercises
	$(BIN)/python -m autograde.assignments release
	$(BIN)/python -m autograde.assignments verify

## lock: rewrite requirements/lock.txt from the working environment (after editing pyproject.toml)
lock: $(STAMP)
	{ echo "# Exact versions the site build, tests and CI use (pip freeze of a working env on $$(date +%F))."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable | sed 's/+cpu$$//' | sort -f; } > requirements/lock.txt.tmp
	mv requirements/lock.txt.tmp requirements/lock.txt

## lint: ruff on the Python packages and tests
lint: $(STAMP)
	$(BIN)/ruff check book autograde solutions tests

## clean: remove build outputs (_build) and the pytest cache
clean:
	rm -rf _build .pytest_cache

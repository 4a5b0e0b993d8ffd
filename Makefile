# Fine-tuning language models, hands-on — one entry point for authors, instructors and CI.
# `make site` and `make test` are the two commands in the README; everything else is optional.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: site test kit bench lint exercises release clean

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

## site: environment + kit + execute every chapter + strict Jupyter Book build -> _build/html
site: kit
	$(BIN)/jupyter-book build . -W -n --keep-going

## test: the whole test suite (offline)
test: $(STAMP)
	$(BIN)/python -m pytest

## bench: print performance figures (kit build, site build, training throughput, grading)
bench: kit
	$(BIN)/python tests/bench/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check book autograde solutions tests

clean:
	rm -rf _build .pytest_cache

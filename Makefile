# Two entry points for a fresh machine: `make run` (install, build the index if missing, serve the UI)
# and `make test` (install with dev extras and Chromium, lint, run the whole test suite).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: run test lint eval bench clean

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

# torch first, pinned: it takes the local CPU build (an unpinned torch pulls a multi-GB CUDA build).
$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[dev,st]"
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(VENV)/bin/rag serve

test: $(VENV)/.installed-dev
	scripts/install-browser.sh
	$(VENV)/bin/ruff check rag ui tests benchmarks
	$(PY) -m pytest -q

eval: $(VENV)/.installed
	$(VENV)/bin/rag eval eval/dev.yaml eval/sections-dev.yaml eval/sections-dev2.yaml eval/real-dev.yaml eval/part4-rephrasings-dev.yaml --calibrate
	$(VENV)/bin/rag eval eval/heldout.yaml eval/rephrasings-final.yaml eval/sections-heldout.yaml eval/sections-final.yaml eval/real-report.yaml eval/part4-rephrasings.yaml
	$(VENV)/bin/rag eval-practice eval/practice.yaml eval/practice-heldout.yaml

bench: $(VENV)/.installed-dev
	$(PY) -m benchmarks.search

clean:
	rm -rf index .pytest_cache

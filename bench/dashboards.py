"""``make bench`` (third part): the dashboards at enterprise scale, timed against their own queries.

1. creates a fresh database next to the one ``DATABASE_URL`` names (``<name>_bench_dash_<pid>``; the
   named database is never touched) and migrates it;
2. seeds the SLA benchmark's data (``bench/sla_sweep.py``: 1,000 vendors, 10,000 contracts, 50,000 SLA
   terms, 2,000,000 measurements up to yesterday) and runs the SLA sweep over it, so evaluations,
   breaches and scorecards are real;
3. adds 2,000 vendors and 10,000 contracts of every status, engagement model, currency and renewal kind,
   120 functions that every contract covers one or two of, and each vendor's governance records
   (2 certifications, 3 risks, 3 access grants, 2 service reviews with 2 action items each): 3,000
   vendors and 20,000 contracts in all; then what the ledger reads over the league table's 12 months
   (``SEED_COST_SQL``): FX rates, named owners, a monthly invoice with billed hours for every contract in
   force, held reviews with internal attendees, logged owner hours, costs of delay and monthly
   defect-rate, on-time and say/do measurements;
4. signs in the CTO and renders, through Django's test client in-process (middleware, the session, the
   selectors, the templates): the portfolio overview as every view after the first reads it (the league
   table's scorecards and costs stored: ``apps.core.rollups``), the overview filtered (an htmx swap of its
   body), the vendor 360 of the vendor with the most breaches, and the overview with every vendor's
   scorecard and costs worked out again (the first view after a change every vendor reads): ``BENCH_RUNS`` times each (default 15) after one warm-up, printing the median and the 95th
   percentile;
5. the floor: the very SQL statements one rendering ran (captured), run directly on one connection,
   ``BENCH_RUNS`` times: what the page costs in the database alone. The difference is Python and the
   templates.

It also times the league table's cost columns alone (every engaged vendor's ledger over the window,
``apps.costs.ledger_rollup.vendor_costs``) against their floor, and prints PASS/FAIL for each row against
``TARGET_RATIO`` (page ÷ floor ≤ 2, the SLA sweep's target; this benchmark had none before).

It prints the figures and each page's query count, then drops the database (``BENCH_KEEP_DB=1`` keeps
it). A benchmark, not a test: it exits 0 unless something crashed. The query budgets themselves are
guarded by tests (``tests/dashboards``). Smaller: ``BENCH_TERMS=5000 BENCH_MEASUREMENTS=200000
BENCH_VENDORS=200 BENCH_CONTRACTS=1000``.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.common import env_int, run_in_fresh_database

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, not only as ``python -m bench.dashboards``
    sys.path.insert(0, str(ROOT))

DEFAULT_TERMS = 50_000
DEFAULT_MEASUREMENTS = 2_000_000
DEFAULT_VENDORS = 2_000
DEFAULT_CONTRACTS = 10_000
DEFAULT_FUNCTIONS = 120
DEFAULT_RUNS = 15
# Internal people who own the vendors and attend their reviews.
OWNERS = 60
# The overview (and the league table's cost columns alone) against its SQL floor: the house's
# target (the SLA sweep's), printed as PASS/FAIL; the other rows are printed for the record.
TARGET_RATIO = 2.0

# -- seeding (set-based SQL; the audit triggers skipped as in bench/sla_sweep.py) ------------------------
SEED_VENDORS_SQL = """
INSERT INTO vendors_vendor (created_at, updated_at, name, country, geography, timezone_overlap_hours, status, tier,
                            currency, website, description, review_cadence_days)
SELECT now(), now(), 'Portfolio vendor ' || (%(before)s + v),
       (ARRAY['IN', 'PL', 'RO', 'PT', 'UA', 'VN', 'PH', 'MX', 'BR', 'GB', 'US', 'DE'])[1 + v %% 12],
       (ARRAY['offshore', 'nearshore', 'nearshore', 'offshore', 'nearshore', 'offshore', 'offshore', 'nearshore',
              'offshore', 'onshore', 'onshore', 'onshore'])[1 + v %% 12],
       4,
       CASE WHEN v %% 20 < 14 THEN 'active' WHEN v %% 20 < 16 THEN 'pilot' WHEN v %% 20 = 16 THEN 'offboarding'
            WHEN v %% 20 = 17 THEN 'exited' WHEN v %% 20 = 18 THEN 'vetting' ELSE 'prospect' END,
       (ARRAY['tier_1', 'tier_2', 'tier_2', 'tier_3', 'tier_3'])[1 + v %% 5],
       (ARRAY['EUR', 'USD', 'GBP'])[1 + v %% 3], '', '', 90
FROM generate_series(1, %(vendors)s) AS v
"""

SEED_CONTRACTS_SQL = """
WITH c AS (
    SELECT n, random() AS r1, random() AS r2, random() AS r3 FROM generate_series(1, %(contracts)s) AS n
), dated AS (
    SELECT n, r3,
           %(today)s::date - CASE WHEN n %% 10 = 0 THEN 400 + (r1 * 600)::int ELSE 30 + (r1 * 900)::int END
               AS start_date,
           CASE WHEN n %% 10 = 0 THEN %(today)s::date - (5 + (r2 * 200)::int)
                WHEN n %% 4 = 0 THEN NULL
                ELSE %(today)s::date + (10 + (r2 * 800)::int) END AS end_date,
           (ARRAY['automatic', 'explicit', 'none'])[1 + n %% 3] AS renewal,
           (ARRAY[30, 60, 90])[1 + n %% 3] AS notice_days
    FROM c
)
INSERT INTO contracts_contract (created_at, updated_at, title, reference, engagement_model, start_date, end_date,
                                renewal, notice_days, cancel_by, value, currency, status, governing_law, text,
                                vendor_id)
SELECT now(), now(), 'Portfolio contract ' || (%(after_contract)s + n), 'PF-' || (%(after_contract)s + n),
       (ARRAY['staff_augmentation', 'managed_services', 'project_based'])[1 + n %% 3],
       start_date, end_date, renewal, notice_days,
       CASE WHEN renewal <> 'none' AND end_date IS NOT NULL THEN end_date - notice_days END,
       round((20000 + r3 * 3000000)::numeric, 2), (ARRAY['EUR', 'USD', 'GBP'])[1 + (n / 7) %% 3],
       CASE WHEN n %% 10 = 0 THEN 'expired' WHEN n %% 20 = 3 THEN 'draft' ELSE 'active' END, '', '',
       %(first_vendor)s + (n - 1) %% %(vendors)s
FROM dated
"""

SEED_FUNCTIONS_SQL = """
INSERT INTO functions_function (created_at, updated_at, name, category, description, strategic, sensitive, repeatable,
                                scarce, velocity_critical, decision, rationale)
SELECT now(), now(), 'Function ' || f,
       (ARRAY['core_architecture', 'devex_cicd', 'product_discovery', 'data_ml', 'it_operations', 'qa_testing',
              'support_tooling', 'payroll_hr', 'cloud_infrastructure', 'migrations', 'security_audits',
              'internal_tools'])[1 + f %% 12],
       '', 1 + f %% 5, 1 + (f * 3) %% 5, 1 + (f * 7) %% 5, 1 + (f * 11) %% 5, f %% 9 = 0,
       (ARRAY['', 'keep_in_house', 'hybrid', 'outsource', 'outsource'])[1 + f %% 5], ''
FROM generate_series(1, %(functions)s) AS f
"""

# Every contract (the SLA benchmark's too) covers one function, every third one a second (the contracts
# after ``after_contract``: the scale benchmark adds contracts in steps).
SEED_CONTRACT_FUNCTIONS_SQL = """
WITH f AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS idx, count(*) OVER () AS total FROM functions_function)
INSERT INTO contracts_contract_functions (contract_id, function_id)
SELECT c.id, f.id
FROM contracts_contract c
JOIN f ON f.idx = mod(c.id, f.total) OR (mod(c.id, 3) = 0 AND f.idx = mod(c.id * 7 + 1, f.total))
WHERE c.id > %(after_contract)s
"""

SEED_RECORDS_SQL = [
    # Two certifications per vendor: expiry spread from a year ago to two years ahead.
    """
    INSERT INTO vendors_certification (created_at, updated_at, kind, name, issued_on, expires_on, evidence_url,
                                       evidence_note, vendor_id)
    SELECT now(), now(), (ARRAY['soc2_type2', 'iso27001', 'iso9001'])[1 + (v.id + k) %% 3], '',
           %(today)s::date - 800, %(today)s::date - 365 + ((v.id * 37 + k * 211) %% 1100), '', '', v.id
    FROM (SELECT id::int AS id FROM vendors_vendor WHERE id > %(before)s) v CROSS JOIN generate_series(0, 1) AS k
    """,
    # Three risks per vendor, every likelihood and impact; one in five closed.
    """
    INSERT INTO vendors_vendorrisk (created_at, updated_at, category, title, description, likelihood, impact,
                                    mitigation, status, vendor_id)
    SELECT now(), now(),
           (ARRAY['ip_ownership', 'data_security', 'jurisdiction', 'knowledge_loss', 'lock_in', 'financial',
                  'delivery'])[1 + (v.id + k) %% 7],
           'Risk ' || k || ' of vendor ' || v.id, '', 1 + (v.id + k) %% 5, 1 + (v.id * 3 + k) %% 5, '',
           (ARRAY['open', 'mitigating', 'accepted', 'open', 'closed'])[1 + (v.id + k * 2) %% 5], v.id
    FROM (SELECT id::int AS id FROM vendors_vendor WHERE id > %(before)s) v CROSS JOIN generate_series(0, 2) AS k
    """,
    # Three access grants per vendor: some expired and not revoked (findings), some revoked.
    """
    INSERT INTO vendors_accessgrant (created_at, updated_at, person, person_email, system, privilege, account_name,
                                     named_account, mfa_enabled, granted_on, expires_on, revoked_on, vendor_id)
    SELECT now(), now(), 'Person ' || k || '-' || v.id, '', (ARRAY['GitHub', 'AWS', 'Jira'])[1 + k],
           (ARRAY['read', 'write', 'admin'])[1 + (v.id + k) %% 3], 'acct' || k || '-' || v.id, true,
           (v.id + k) %% 7 <> 0, %(today)s::date - 300,
           CASE WHEN (v.id + k) %% 4 = 0 THEN NULL ELSE %(today)s::date - 200 + ((v.id * 13 + k * 97) %% 500) END,
           CASE WHEN (v.id + k) %% 9 = 0 THEN %(today)s::date - 10 END, v.id
    FROM (SELECT id::int AS id FROM vendors_vendor WHERE id > %(before)s) v CROSS JOIN generate_series(0, 2) AS k
    """,
    # Two reviews per vendor: one held, one scheduled (a quarter of them overdue).
    """
    INSERT INTO vendors_servicereview (created_at, updated_at, scheduled_for, held_on, status, vendor_attendees,
                                       delivery_quality, decisions, risks_raised, notes, vendor_id, duration_hours)
    SELECT now(), now(),
           CASE WHEN k = 0 THEN %(today)s::date - 60 - v.id %% 60
                ELSE %(today)s::date - 20 + (v.id * 7) %% 80 END,
           CASE WHEN k = 0 THEN %(today)s::date - 60 - v.id %% 60 END,
           CASE WHEN k = 0 THEN 'held' ELSE 'scheduled' END, '', CASE WHEN k = 0 THEN 1 + v.id %% 5 END, '', '', '',
           v.id, 1.5
    FROM (SELECT id::int AS id FROM vendors_vendor WHERE id > %(before)s) v CROSS JOIN generate_series(0, 1) AS k
    """,
    # Two action items per held review, half of them done.
    """
    INSERT INTO vendors_actionitem (created_at, updated_at, description, due_on, done_on, review_id)
    SELECT now(), now(), 'Action ' || k || ' of review ' || r.id, r.held_on + 30 + k * 30,
           CASE WHEN (r.id + k) %% 2 = 0 THEN r.held_on + 20 END, r.id
    FROM vendors_servicereview r CROSS JOIN generate_series(0, 1) AS k
    WHERE r.status = 'held' AND r.vendor_id > %(before)s
    """,
]


# What the ledger reads (apps.costs.ledger), over the 13 months up to the last closed one (the league
# table's 12-month window and the month before it): FX rates for the contracts' other currencies, named
# owners for every vendor (standing overhead), a monthly invoice for every contract in force with its
# billed hours in two seniority bands, three more held service reviews per vendor with two internal
# attendees each, hours logged weekly on every tenth contract, a cost of delay on every fifth contract and
# every third function, and monthly defect-rate, on-time-delivery and say/do measurements for the
# portfolio's contracts (the SLA benchmark's contracts have theirs already).
SEED_COST_SQL = [
    """
    INSERT INTO core_fxrate (created_at, updated_at, currency, valid_on, rate)
    SELECT now(), now(), c.code, d::date, c.base + 0.01 * (extract(month FROM d)::int %% 5)
    FROM (VALUES ('USD', 0.90), ('GBP', 1.15)) AS c(code, base)
    CROSS JOIN generate_series(%(first)s::date - interval '12 months', %(today)s::date, interval '1 month') AS d
    ON CONFLICT DO NOTHING
    """,
    """
    UPDATE vendors_vendor v
    SET engineering_owner_id = (%(people)s::bigint[])[1 + v.id %% cardinality(%(people)s::bigint[])],
        delivery_owner_id = (%(people)s::bigint[])[1 + (v.id * 7 + 3) %% cardinality(%(people)s::bigint[])],
        security_contact_id = CASE WHEN v.id %% 3 = 0
            THEN (%(people)s::bigint[])[1 + (v.id * 11 + 5) %% cardinality(%(people)s::bigint[])] END
    """,
    "UPDATE contracts_contract SET cost_of_delay_per_week = 500 + (id %% 7) * 250 WHERE id %% 5 = 0",
    "UPDATE functions_function SET cost_of_delay_per_week = 1000 + (id %% 4) * 500 WHERE id %% 3 = 0",
    # One invoice a month per contract in force; hours 80–320, rates 45–94 an hour; 70 %% paid, 20 %%
    # approved, 10 %% received (not counted).
    """
    WITH months AS (
        SELECT m::date AS first, (m + interval '1 month' - interval '1 day')::date AS last
        FROM generate_series(%(first)s::date - interval '1 month', %(last)s::date, interval '1 month') AS m
    )
    INSERT INTO costs_invoice (created_at, updated_at, contract_id, number, period_start, period_end, amount,
                               currency, status, received_on, note)
    SELECT now(), now(), c.id, 'BI-' || c.id || '-' || to_char(m.first, 'YYYYMM'),
           greatest(m.first, c.start_date), least(m.last, coalesce(c.end_date, m.last)),
           (80 + (c.id %% 7) * 40) * (45 + c.id %% 50), c.currency,
           CASE WHEN (c.id + extract(month FROM m.first)::int) %% 10 < 7 THEN 'paid'
                WHEN (c.id + extract(month FROM m.first)::int) %% 10 < 9 THEN 'approved' ELSE 'received' END,
           least(m.last, coalesce(c.end_date, m.last)) + 5, ''
    FROM contracts_contract c JOIN months m
      ON c.start_date <= m.last AND (c.end_date IS NULL OR c.end_date >= m.first)
    WHERE c.status IN ('active', 'expired', 'terminated')
    """,
    """
    INSERT INTO costs_invoicehours (invoice_id, role, hours, seniority)
    SELECT i.id, band.role, round((80 + (i.contract_id %% 7) * 40) * band.share, 2), band.seniority
    FROM costs_invoice i
    CROSS JOIN (VALUES ('Senior developer', 0.4, 'senior'), ('Developer', 0.6, '')) AS band(role, share, seniority)
    WHERE i.number LIKE 'BI-%%'
    """,
    """
    INSERT INTO vendors_servicereview (created_at, updated_at, scheduled_for, held_on, status, vendor_attendees,
                                       delivery_quality, decisions, risks_raised, notes, vendor_id, duration_hours)
    SELECT now(), now(), d, d, 'held', '', 1 + v.id %% 5, '', '', '', v.id, 1 + (v.id %% 3) * 0.5
    FROM (SELECT id::int AS id FROM vendors_vendor) v
    CROSS JOIN generate_series(0, 2) AS k
    CROSS JOIN LATERAL (SELECT %(last)s::date + 14 - 120 * k - v.id %% 60 AS d) AS held
    """,
    """
    INSERT INTO vendors_servicereview_attendees (servicereview_id, user_id)
    SELECT DISTINCT r.id, (%(people)s::bigint[])[1 + (r.id * a + a) %% cardinality(%(people)s::bigint[])]
    FROM vendors_servicereview r CROSS JOIN generate_series(1, 2) AS a
    WHERE r.status = 'held'
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO costs_ownerhours (created_at, updated_at, week_of, hours, note, contract_id, person_id)
    SELECT now(), now(), w::date, 1 + c.id %% 4, '', c.id, v.engineering_owner_id
    FROM contracts_contract c JOIN vendors_vendor v ON v.id = c.vendor_id
    CROSS JOIN generate_series(date_trunc('week', %(first)s::date), %(last)s::date, interval '1 week') AS w
    WHERE c.id %% 10 = 0 AND c.status = 'active' AND v.engineering_owner_id IS NOT NULL
    ON CONFLICT DO NOTHING
    """,
    """
    WITH months AS (
        SELECT m::date AS first, (m + interval '1 month' - interval '1 day')::date AS last
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 month') AS m
    ), kpis AS (
        SELECT id, code FROM kpis_kpidefinition WHERE code IN ('defect_rate', 'on_time_delivery_rate', 'say_do_ratio')
    ), sample AS (
        SELECT c.id AS contract_id, k.id AS kpi_id, k.code, m.first, m.last,
               (20 + (c.id + k.id) %% 30)::numeric AS denominator,
               ((c.id * 7 + k.id * 3 + extract(month FROM m.first)::int) %% 10)::numeric AS r
        FROM contracts_contract c CROSS JOIN kpis k
        JOIN months m ON c.start_date <= m.last AND (c.end_date IS NULL OR c.end_date >= m.first)
        WHERE c.id >= %(first_contract)s AND c.status IN ('active', 'expired')
    )
    INSERT INTO kpis_measurement (created_at, updated_at, period_start, period_end, value, numerator, denominator,
                                  source, note, contract_id, kpi_id)
    SELECT now(), now(), first, last, round(numerator / denominator * 100, 4), numerator, denominator, 'import', '',
           contract_id, kpi_id
    FROM (
        SELECT sample.*, CASE WHEN code = 'defect_rate' THEN r ELSE denominator - r END AS numerator FROM sample
    ) AS valued
    ON CONFLICT DO NOTHING
    """,
]


def seed_costs(url: str, *, people: list[int], first_contract: int, today: date) -> dict[str, int]:
    """What the ledger reads for the league table's window (``SEED_COST_SQL``)."""
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # the last closed month
    index = last.year * 12 + last.month - 1 - 11
    first = date(index // 12, index % 12 + 1, 1)
    params = {"people": people, "first": first, "last": last, "today": today, "first_contract": first_contract}
    with psycopg.connect(url) as conn:
        try:
            conn.execute("SET session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
        for statement in SEED_COST_SQL:
            conn.execute(statement, params)
        counts = {
            table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]  # type: ignore[index]  # count(*) always returns a row
            for table in (
                "costs_invoice",
                "costs_invoicehours",
                "costs_ownerhours",
                "vendors_servicereview_attendees",
                "kpis_measurement",
            )
        }
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return counts


def seed_portfolio(
    url: str, *, vendors: int, contracts: int, functions: int, today: date, only_new: bool = False
) -> dict[str, int]:
    """Vendors, contracts, functions and each vendor's records (every vendor's and contract's in the
    database; with ``only_new``, only those this call adds: the scale benchmark grows in steps)."""
    with psycopg.connect(url) as conn:
        try:
            conn.execute("SET session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
        conn.execute("SELECT setseed(0.24)")
        (before,) = conn.execute("SELECT coalesce(max(id), 0) FROM vendors_vendor").fetchone() or (0,)
        (after_contract,) = conn.execute("SELECT coalesce(max(id), 0) FROM contracts_contract").fetchone() or (0,)
        conn.execute(SEED_VENDORS_SQL, {"vendors": vendors, "before": before})
        conn.execute(
            SEED_CONTRACTS_SQL,
            {
                "contracts": contracts,
                "today": today,
                "first_vendor": before + 1,
                "vendors": vendors,
                "after_contract": after_contract,
            },
        )
        if functions:
            conn.execute(SEED_FUNCTIONS_SQL, {"functions": functions})
        conn.execute(SEED_CONTRACT_FUNCTIONS_SQL, {"after_contract": after_contract if only_new else 0})
        for statement in SEED_RECORDS_SQL:
            conn.execute(statement, {"today": today, "before": before if only_new else 0})
        counts = {
            table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]  # type: ignore[index]  # count(*) always returns a row
            for table in (
                "vendors_vendor",
                "contracts_contract",
                "functions_function",
                "contracts_slaterm",
                "contracts_slaevaluation",
                "contracts_breach",
                "kpis_measurement",
                "vendors_certification",
                "vendors_vendorrisk",
                "vendors_accessgrant",
                "vendors_servicereview",
                "vendors_actionitem",
            )
        }
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return counts


# -- timing ----------------------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0–1) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(runs: int, action: Callable[[], Any]) -> list[float]:
    action()  # warm-up: caches, the first plans
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        durations.append(time.perf_counter() - started)
    return durations


def benchmark(url: str, *, terms: int, measurements: int, vendors: int, contracts: int, runs: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: static files are not collected here
    import django

    django.setup()
    import logging

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    # After django.setup(): the services, sla, models and scorecards modules import models.
    from apps.accounts.choices import Role
    from apps.accounts.services import user_create
    from apps.core.fx import fx_table
    from apps.core.models import RollupMark
    from apps.costs.ledger import trailing_months
    from apps.costs.ledger_rollup import vendor_costs
    from apps.costs.selectors import cost_settings
    from apps.dashboards.scope import Scope
    from apps.dashboards.tiles.vendors import engaged_vendors
    from apps.performance import sla
    from apps.performance.models import Breach
    from apps.performance.scorecards import MONTH, Period
    from bench import sla_sweep

    logging.getLogger("apps.performance.sla").setLevel(logging.WARNING)
    today = timezone.localdate()
    as_of = date.fromisoformat(os.environ["BENCH_AS_OF"]) if os.environ.get("BENCH_AS_OF") else today
    print("… migrate", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    print("… seed the SLA benchmark's data", flush=True)
    sla_sweep.seed(url, terms=terms, measurements=measurements, as_of=as_of)
    print("… SLA sweep", flush=True)
    sla._notify = lambda **_kwargs: None  # this measures pages, not e-mail
    connection.close()
    swept = sla.sla_sweep(as_of=as_of)
    print(f"  {sla_sweep.describe(swept)}")
    print("… seed the portfolio", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM contracts_contract")
        (sla_contracts,) = cursor.fetchone() or (0,)
    counts = seed_portfolio(url, vendors=vendors, contracts=contracts, functions=DEFAULT_FUNCTIONS, today=today)
    print("  " + ", ".join(f"{table.split('_', 1)[1]} {n:,}" for table, n in counts.items()))
    print("… seed what the ledger reads", flush=True)
    roles = (Role.ENGINEERING_MANAGER, Role.PROCUREMENT, Role.SECURITY, Role.EXECUTIVE, Role.ADMIN)
    people = [
        user_create(username=f"bench-owner-{n}", password=None, role=roles[n % len(roles)], first_name="Owner").pk
        for n in range(OWNERS)
    ]
    cost_counts = seed_costs(url, people=people, first_contract=sla_contracts + 1, today=today)
    print("  " + ", ".join(f"{table.split('_', 1)[1]} {n:,}" for table, n in cost_counts.items()))
    counts.update(cost_counts)

    cto = user_create(username="bench-cto", password=None, role=Role.EXECUTIVE, first_name="Bench")
    busiest = (
        Breach.objects.values("term__contract__vendor_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "term__contract__vendor_id")
        .first()
    )
    vendor_id = busiest["term__contract__vendor_id"] if busiest else 1
    client = Client()
    client.force_login(cto)
    overview = reverse("dashboards:overview")
    first_month, last_month = trailing_months(Period.last_closed(MONTH, today=today).start)
    # (label, path, headers, every vendor worked out): the overview as every view after the first reads it
    # (the league table's scorecards and costs stored, apps.core.rollups), and as the first view after a
    # change every vendor reads (a KPI, an FX rate, the cost settings): every vendor worked out again and
    # stored. ``timed`` warms up first.
    pages: list[tuple[str, str, dict[str, Any], bool]] = [
        ("overview", overview, {}, False),
        ("overview filtered (htmx)", overview + "?geography=offshore&tier=tier_2", {"HX-Request": "true"}, False),
        (
            f"vendor 360 ({busiest['n'] if busiest else 0} breaches)",
            reverse("dashboards:vendor-360", args=[vendor_id]),
            {},
            False,
        ),
        ("overview, every vendor worked out", overview, {}, True),
    ]

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone() or ("?",)
    print()
    print(
        f"Dashboard benchmark: {counts['vendors_vendor']:,} vendors, {counts['contracts_contract']:,} contracts, "
        f"{counts['contracts_slaterm']:,} SLA terms, {counts['contracts_slaevaluation']:,} evaluations, "
        f"{counts['contracts_breach']:,} breaches, {counts['kpis_measurement']:,} measurements; {runs} runs each; "
        f"PostgreSQL {version}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"Invoices {counts['costs_invoice']:,} ({counts['costs_invoicehours']:,} billed-hours rows), "
        f"owner hours {counts['costs_ownerhours']:,}, review attendees {counts['vendors_servicereview_attendees']:,}; "
        f"the league table's cost columns over {first_month:%b %Y} – {last_month:%b %Y}"
    )
    print(
        f"  {'page':<36}{'queries':>8}{'median':>10}{'p95':>10}{'floor median':>14}{'floor p95':>11}{'ratio':>8}"
        f"  target ≤ {TARGET_RATIO:g}"
    )

    def measure(label: str, action: Callable[[], Any], *, targeted: bool = True) -> bool:
        action()  # as it is after a first view (a cache filled), then its statements
        with CaptureQueriesContext(connection) as captured:
            action()
        statements = [query["sql"] for query in captured.captured_queries]

        def replay(statements: list[str] = statements) -> None:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                    if cursor.description is not None:
                        cursor.fetchall()

        page = timed(runs, action)
        floor = timed(runs, replay)
        median, floor_median = statistics.median(page), statistics.median(floor)
        ratio = median / floor_median
        print(
            f"  {label:<36}{len(statements):>8}{median:>9.3f}s{percentile(page, 0.95):>9.3f}s"
            f"{floor_median:>13.3f}s{percentile(floor, 0.95):>10.3f}s{ratio:>8.2f}"
            f"  {('PASS' if ratio <= TARGET_RATIO else 'FAIL') if targeted else '(no target)'}"
        )
        return ratio <= TARGET_RATIO or not targeted

    verdicts = []
    for label, path, headers, every_vendor in pages:

        def render(path: str = path, headers: dict[str, Any] = headers, every_vendor: bool = every_vendor) -> None:
            if every_vendor:
                RollupMark.objects.all().delete()  # as after a change every vendor's figures read
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")

        # The target is the overview's as every view but the first after a change reads it; the others are
        # printed for the record.
        verdicts.append(measure(label, render, targeted=label == "overview"))
    # The cost columns alone: every engaged vendor's ledger over the window (what the league table adds).
    engaged = [row.id for row in engaged_vendors(scope=Scope())]
    fx = fx_table()

    def cost_columns() -> None:
        vendor_costs(vendor_ids=engaged, start=first_month, end=last_month, fx=fx, rates=cost_settings())
        # (as worked out for the stored rollup: ``league_vendor_costs`` keeps each vendor's sum)

    verdicts.append(measure(f"cost columns alone ({len(engaged):,} vendors)", cost_columns))
    overview_verdict = verdicts[0]
    print(
        f"  the overview with its cost columns against its floor: {'PASS' if overview_verdict else 'FAIL'}; "
        f"every row: {'PASS' if all(verdicts) else 'FAIL'}"
    )


def main() -> int:
    terms = env_int("BENCH_TERMS", DEFAULT_TERMS)
    measurements = env_int("BENCH_MEASUREMENTS", DEFAULT_MEASUREMENTS)
    vendors = env_int("BENCH_VENDORS", DEFAULT_VENDORS)
    contracts = env_int("BENCH_CONTRACTS", DEFAULT_CONTRACTS)
    runs = max(1, env_int("BENCH_RUNS", DEFAULT_RUNS))
    return run_in_fresh_database(
        "bench_dash",
        lambda url: benchmark(
            url, terms=terms, measurements=measurements, vendors=vendors, contracts=contracts, runs=runs
        ),
    )


if __name__ == "__main__":
    sys.exit(main())

"""``make bench`` (fourth part): delivery telemetry at scale — the receivers' throughput against a plain
INSERT, and the metric computation against its SQL floor (docs/telemetry/demo-and-benchmark.md).

1. creates a fresh database next to the one ``DATABASE_URL`` names (``<name>_bench_tel_<pid>``; the
   named database is never touched), migrates it and seeds, with set-based SQL: 5,000 contracts (500
   vendors), a GitHub and a PagerDuty binding each, and 1,000,000 normalised events over the 26 weeks
   before today — per contract 90 commits in one chain, 30 deployments (one in eight a rollback or
   hot-fix, one in twenty failed, one in ten to staging), 50 pull requests and 30 incidents;
2. **receivers**: 20,000 signed deliveries (``TELEMETRY_BENCH_DELIVERIES``: GitHub ``push``,
   ``pull_request``, ``pull_request_review``, ``deployment_status`` and PagerDuty incident events, the
   demo's payloads, 1–5 KB each) posted to ``/api/v1/telemetry/<source>/<binding>/`` with Django's test
   client in-process, by ``TELEMETRY_BENCH_CLIENTS`` processes at once (default 2, one per core of the
   target machine): binding lookup, body limits, HMAC signature check, JSON parsing, the source's
   parser, the insert and the commit. The processing task each new delivery enqueues after its commit
   is counted, not published (this measures the receiver, not the broker). Against the **floor**: the
   same rows stored by the same number of processes with one plain ``INSERT … ON CONFLICT DO NOTHING``
   per delivery, each its own transaction (what storing a delivery costs the database alone);
3. **metrics**: the commit-chain walk once (``metrics.deployment_changes_rebuild``, which writes the
   links the computation reads; timed for information), then the metric computation over every
   contract and the 26 weeks (the metrics' pure computation step, ``metrics.telemetry_compute``: it
   reads the events and returns the values, writing nothing), against its **floor**
   (``metrics.telemetry_floor``, the statement ``metrics.FLOOR_SQL`` the metrics code defines): the
   same event rows and columns read by the times the metrics use (the commits through the deployments'
   links), grouped by contract, input and ISO week with counts and sums where the metrics take medians,
   distinct days and ratios, and returned — no bindings' KPI ranges or production environments, no
   rollback window, no matching of incidents to deployments, no medians, no write
   (docs/telemetry/metrics.md);
4. prints the figures, the ratios and PASS/FAIL against the targets (≥ 500 deliveries/s; computation ≤
   1.5 × its floor), then drops the database (``BENCH_KEEP_DB=1`` keeps it). A benchmark, not a test:
   it exits 0 unless something crashed.

Smaller: ``TELEMETRY_BENCH_EVENTS=100000`` (500 contracts at 200 events each; ``TELEMETRY_BENCH_CONTRACTS``
sets the contracts) and ``TELEMETRY_BENCH_DELIVERIES=5000``. ``TELEMETRY_BENCH_RUNS`` (default 2):
runs of each timing, the best counts. ``TELEMETRY_BENCH_ONLY=receivers`` or ``metrics`` runs one part.
The client processes' CPU time per delivery is printed too: the application's cost whatever else the
machine runs (the wall-clock rate, which the verdict uses, depends on it).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import platform
import resource
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.common import env_int, run_in_fresh_database

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, not only as ``python -m bench.telemetry``
    sys.path.insert(0, str(ROOT))

DEFAULT_EVENTS = 1_000_000
EVENTS_PER_CONTRACT = 200
CONTRACTS_PER_VENDOR = 10
DEFAULT_DELIVERIES = 20_000
DEFAULT_CLIENTS = 2
DEFAULT_RUNS = 2
WEEKS = 26
TARGET_DELIVERIES_PER_SECOND = 500.0
TARGET_COMPUTE_RATIO = 1.5
BENCH_SECRET = "bench-webhook-secret-0123456789abcdef"
# Per contract, of every 200 events: 90 commits, 30 deployments, 50 pull requests, 30 incidents.
SHARES = {"change": 0.45, "deployment": 0.15, "pull_request": 0.25, "incident": 0.15}


# -- seeding -----------------------------------------------------------------------------------------------------
SEED_VENDORS_SQL = """
INSERT INTO vendors_vendor (created_at, updated_at, name, country, geography, timezone_overlap_hours, status, tier,
                            currency, website, description, review_cadence_days)
SELECT now(), now(), 'Bench vendor ' || v, 'PL', 'nearshore', 6, 'active', 'tier_2', 'EUR', '', '', 90
FROM generate_series(1, %(vendors)s) AS v
"""
SEED_CONTRACTS_SQL = """
INSERT INTO contracts_contract (created_at, updated_at, title, reference, engagement_model, start_date, end_date,
                                renewal, notice_days, value, currency, status, governing_law, text, vendor_id)
SELECT now(), now(), 'Bench contract ' || n, 'TEL-' || n, 'managed_services', %(start)s::date, NULL,
       'none', 0, 240000, 'EUR', 'active', '', '', %(first_vendor)s + (n - 1) / %(per_vendor)s
FROM generate_series(1, %(contracts)s) AS n
"""
SEED_BINDINGS_SQL = """
INSERT INTO performance_sourcebinding (created_at, updated_at, contract_id, source, name, scope, component, label,
                                       production_environments, measures, covers_from, active, public_id,
                                       secret_sealed, secret_rotated_at, api_base_url, api_token_sealed,
                                       last_event_at, created_by_id)
SELECT now(), now(), c.id, s.source, '',
       CASE WHEN s.source = 'github' THEN 'bench-org/repo-' || c.id ELSE 'PSVC' || c.id END, '', '',
       ARRAY['production']::varchar[], s.measures, %(covers_from)s::date, true, gen_random_uuid(), %(sealed)s,
       NULL, '', '', NULL, NULL
FROM contracts_contract c
CROSS JOIN (VALUES ('github', %(git_measures)s::varchar[]), ('pagerduty', ARRAY['time_to_restore']::varchar[]))
     AS s(source, measures)
"""
# A commit's sha from (contract, index): 40 hexadecimal digits, the same wherever it is computed.
_SHA = "(md5({c} || ':' || {k}) || left(md5({k} || ':' || {c}), 8))"
# Commit k of a contract is authored at the start plus k steps, with a deterministic jitter.
_AUTHORED = "({start}::timestamptz + ({k} - 1 + (({c} * 7919 + {k} * 104729) %% 1000) / 2000.0) * {step})"
SEED_CHANGES_SQL = f"""
INSERT INTO performance_change (binding_id, contract_id, source_id, observed_at, url, repository, sha, parent_sha,
                                authored_at, author_email, author_login, by_vendor, message, is_revert, is_hotfix)
SELECT b.id, b.contract_id, b.scope || '@' || {_SHA.format(c="b.contract_id", k="k")},
       {_AUTHORED.format(start="%(start)s", c="b.contract_id", k="k", step="%(change_step)s::interval")},
       'https://github.com/' || b.scope || '/commit/' || {_SHA.format(c="b.contract_id", k="k")},
       b.scope, {_SHA.format(c="b.contract_id", k="k")},
       CASE WHEN k = 1 THEN '' ELSE {_SHA.format(c="b.contract_id", k="(k - 1)")} END,
       {_AUTHORED.format(start="%(start)s", c="b.contract_id", k="k", step="%(change_step)s::interval")},
       'dev' || (k %% 5) || '@vendor.example', 'dev-' || (k %% 5), true, 'Change ' || k,
       k %% 29 = 0, k %% 31 = 0
FROM performance_sourcebinding b CROSS JOIN generate_series(1, %(changes)s) AS k
WHERE b.source = 'github'
"""  # noqa: S608 - built from this module's constants only
# Deployment j ships commit k = j × changes ÷ deployments, 2 to 42 hours after it was authored.
SEED_DEPLOYMENTS_SQL = f"""
INSERT INTO performance_deployment (binding_id, contract_id, source_id, observed_at, url, repository, environment,
                                    status, sha, title, started_at, finished_at, is_rollback)
SELECT b.id, b.contract_id, (b.contract_id * 1000 + j)::text, d.finished_at,
       'https://github.com/' || b.scope || '/actions/runs/' || (b.contract_id * 1000 + j), b.scope,
       CASE WHEN j %% 10 = 5 THEN 'staging' ELSE 'production' END,
       CASE WHEN j %% 20 = 7 THEN 'failure' ELSE 'success' END,
       {_SHA.format(c="b.contract_id", k="d.k")}, 'deploy ' || j, d.finished_at - interval '8 minutes', d.finished_at,
       j %% 8 = 0
FROM performance_sourcebinding b CROSS JOIN generate_series(1, %(deployments)s) AS j
CROSS JOIN LATERAL (
    SELECT greatest(1, (j * %(changes)s) / %(deployments)s) AS k
) AS kk
CROSS JOIN LATERAL (
    SELECT kk.k,
           {_AUTHORED.format(start="%(start)s", c="b.contract_id", k="kk.k", step="%(change_step)s::interval")}
           + (2 + (b.contract_id + j) %% 41) * interval '1 hour' AS finished_at
) AS d
WHERE b.source = 'github'
"""  # noqa: S608 - built from this module's constants only
SEED_PULL_REQUESTS_SQL = f"""
INSERT INTO performance_pullrequest (binding_id, contract_id, source_id, observed_at, url, repository, number, title,
                                     author_login, by_vendor, state, opened_at, first_commit_at, first_review_at,
                                     merged_at, merge_sha, is_revert, is_hotfix)
SELECT b.id, b.contract_id, b.scope || '#' || p, o.opened_at + interval '30 hours',
       'https://github.com/' || b.scope || '/pull/' || p, b.scope, p, 'Pull request ' || p,
       'dev-' || (p %% 5), true, CASE WHEN p %% 10 = 3 THEN 'open' ELSE 'merged' END,
       o.opened_at, o.opened_at - interval '5 hours', o.opened_at + (1 + (b.contract_id + p) %% 19) * interval '1 hour',
       CASE WHEN p %% 10 = 3 THEN NULL ELSE o.opened_at + (21 + p %% 9) * interval '1 hour' END,
       CASE WHEN p %% 10 = 3 THEN '' ELSE {_SHA.format(c="b.contract_id", k="p")} END,
       p %% 17 = 0, p %% 13 = 0
FROM performance_sourcebinding b CROSS JOIN generate_series(1, %(pull_requests)s) AS p
CROSS JOIN LATERAL (SELECT %(start)s::timestamptz + (p - 1) * %(pr_step)s::interval AS opened_at) AS o
WHERE b.source = 'github'
"""  # noqa: S608 - built from this module's constants only
SEED_INCIDENTS_SQL = """
INSERT INTO performance_incident (binding_id, contract_id, source_id, observed_at, url, service, title, severity,
                                  status, opened_at, acknowledged_at, resolved_at, caused_by_sha, caused_by_deployment)
SELECT b.id, b.contract_id, 'Q' || b.contract_id || 'X' || i, o.opened_at + interval '12 hours',
       'https://bench.pagerduty.com/incidents/Q' || b.contract_id || 'X' || i, b.scope, 'Incident ' || i, 'P2',
       'resolved', o.opened_at, o.opened_at + interval '7 minutes',
       o.opened_at + (30 + ((b.contract_id * 31 + i * 17) %% 570)) * interval '1 minute', '', ''
FROM performance_sourcebinding b CROSS JOIN generate_series(1, %(incidents)s) AS i
CROSS JOIN LATERAL (SELECT %(start)s::timestamptz + (i - 1) * %(incident_step)s::interval
                           + ((b.contract_id + i) %% 11) * interval '1 hour' AS opened_at) AS o
WHERE b.source = 'pagerduty'
"""
EVENT_TABLES = ("performance_change", "performance_deployment", "performance_pullrequest", "performance_incident")


@dataclasses.dataclass(frozen=True)
class Scale:
    contracts: int
    events_per_contract: int
    changes: int
    deployments: int
    pull_requests: int
    incidents: int

    @property
    def events(self) -> int:
        return self.contracts * (self.changes + self.deployments + self.pull_requests + self.incidents)


def scale_from_environment() -> Scale:
    events = env_int("TELEMETRY_BENCH_EVENTS", DEFAULT_EVENTS)
    contracts = env_int("TELEMETRY_BENCH_CONTRACTS", max(1, events // EVENTS_PER_CONTRACT))
    per = max(8, events // contracts)
    counts = {kind: max(2, round(per * share)) for kind, share in SHARES.items()}
    return Scale(
        contracts=contracts,
        events_per_contract=per,
        changes=counts["change"],
        deployments=counts["deployment"],
        pull_requests=counts["pull_request"],
        incidents=counts["incident"],
    )


def seed(url: str, *, scale: Scale, today: date) -> dict[str, Any]:
    """Contracts, bindings and events, set-based. Triggers are off for the session (no audit events for
    the bindings, no foreign-key checks: the rows are consistent by construction); needs a superuser,
    as the other benchmarks' seeding does."""
    from apps.performance.choices import TELEMETRY_DEFAULT_KPIS
    from apps.performance.telemetry import secrets

    start = today - timedelta(weeks=WEEKS)
    span = timedelta(weeks=WEEKS) - timedelta(days=2)
    times: dict[str, Any] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute("SET session_replication_role = replica")
        except psycopg.Error:
            print("  (not a superuser: seeding with triggers on, slower)", flush=True)
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute(SEED_VENDORS_SQL, {"vendors": max(1, -(-scale.contracts // CONTRACTS_PER_VENDOR))})
        (first_vendor,) = conn.execute("SELECT min(id) FROM vendors_vendor").fetchone() or (1,)
        conn.execute(
            SEED_CONTRACTS_SQL,
            {
                "contracts": scale.contracts,
                "first_vendor": first_vendor,
                "per_vendor": CONTRACTS_PER_VENDOR,
                "start": today - timedelta(days=800),
            },
        )
        conn.execute(
            SEED_BINDINGS_SQL,
            {
                "covers_from": start,
                "sealed": secrets.seal(BENCH_SECRET),
                "git_measures": list(TELEMETRY_DEFAULT_KPIS["github"]),
            },
        )
        params = {
            "start": start,
            "changes": scale.changes,
            "deployments": scale.deployments,
            "pull_requests": scale.pull_requests,
            "incidents": scale.incidents,
            "change_step": span / scale.changes,
            "pr_step": span / scale.pull_requests,
            "incident_step": span / scale.incidents,
        }
        for name, statement in (
            ("changes", SEED_CHANGES_SQL),
            ("deployments", SEED_DEPLOYMENTS_SQL),
            ("pull requests", SEED_PULL_REQUESTS_SQL),
            ("incidents", SEED_INCIDENTS_SQL),
        ):
            started = time.perf_counter()
            conn.execute(statement, params)
            times[name] = time.perf_counter() - started
        conn.execute("SET session_replication_role = DEFAULT")
        for table in (*EVENT_TABLES, "performance_sourcebinding", "contracts_contract"):
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
        counts = {}
        for table in EVENT_TABLES:
            (counts[table],) = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone() or (0,)
        contract_ids = [row[0] for row in conn.execute("SELECT id FROM contracts_contract ORDER BY id")]
    return {"start": start, "counts": counts, "contract_ids": contract_ids, "times": times}


# -- (a) the receivers ---------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: dict[str, str]
    binding_id: int
    delivery_id: str
    event_type: str


def build_requests(url: str, wanted: int, *, today: date) -> list[Request]:
    """``wanted`` signed deliveries of the demo's kinds: the demo's stream generator with each bench
    contract's repository and service, one contract after another until there are enough."""
    from apps.demo.telemetry_demo import STREAMS, signed_headers, telemetry_demo_stream

    plans = list(STREAMS.values())
    requests: list[Request] = []
    with psycopg.connect(url) as conn:
        bindings = conn.execute(
            "SELECT contract_id, source, id, public_id, scope FROM performance_sourcebinding ORDER BY contract_id, source"
        ).fetchall()
    by_contract: dict[int, dict[str, tuple[int, Any, str]]] = {}
    for contract_id, source, pk, public_id, scope in bindings:
        by_contract.setdefault(contract_id, {})[source] = (pk, public_id, scope)
    for index, (contract_id, sources) in enumerate(sorted(by_contract.items())):
        if len(requests) >= wanted:
            break
        github, pagerduty = sources["github"], sources["pagerduty"]
        plan = dataclasses.replace(
            plans[index % len(plans)],
            contract_key=f"bench-{contract_id}",
            repository=github[2],
            service_id=pagerduty[2],
        )
        for delivery in telemetry_demo_stream(plan=plan, today=today):
            pk, public_id, _scope = sources[delivery.source]
            body = delivery.body()
            requests.append(
                Request(
                    path=f"/api/v1/telemetry/{delivery.source}/{public_id}/",
                    body=body,
                    headers=signed_headers(delivery, secret=BENCH_SECRET, body=body),
                    binding_id=pk,
                    delivery_id=delivery.delivery_id,
                    event_type=delivery.event_type,
                )
            )
    return requests[:wanted]


# What a forked client process works on (set before the fork: inherited, never pickled).
_REQUESTS: list[Request] = []
_FLOOR_URL = ""


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _post_slice(bounds: tuple[int, int]) -> tuple[dict[int, int], int, float]:
    """One client process: post its share of the requests; answers the status codes seen, how many
    processing tasks the receiver enqueued (counted by the stand-in) and the CPU seconds it spent (the
    application's share of the cost, whatever else the machine runs; PostgreSQL's is not in it)."""
    cpu = _cpu_seconds()
    from django.db import connections
    from django.test import Client

    from apps.performance.telemetry import tasks

    enqueued = 0

    def count(*args: Any, **kwargs: Any) -> None:
        nonlocal enqueued
        enqueued += 1

    tasks.process_delivery.apply_async = count  # type: ignore[method-assign, assignment]  # counts instead of publishing
    client = Client()
    statuses: Counter[int] = Counter()
    for request in _REQUESTS[bounds[0] : bounds[1]]:
        response = client.post(
            request.path, data=request.body, content_type="application/json", headers=request.headers
        )
        statuses[response.status_code] += 1
    connections.close_all()
    return dict(statuses), enqueued, _cpu_seconds() - cpu


FLOOR_INSERT_SQL = """
INSERT INTO performance_delivery (binding_id, delivery_id, event_type, status, payload, received_at, attempts, error,
                                  event_count)
VALUES (%s, %s, %s, 'received', %s::jsonb, now(), 0, '', 0)
ON CONFLICT (binding_id, delivery_id) DO NOTHING
RETURNING id
"""


def _insert_slice(bounds: tuple[int, int]) -> int:
    """One floor process: the same rows, one plain INSERT each, each its own transaction."""
    stored = 0
    with psycopg.connect(_FLOOR_URL, autocommit=True) as conn:
        for request in _REQUESTS[bounds[0] : bounds[1]]:
            row = conn.execute(
                FLOOR_INSERT_SQL,
                (request.binding_id, request.delivery_id, request.event_type, request.body.decode()),
                prepare=True,
            ).fetchone()
            stored += row is not None
    return stored


def slices(total: int, parts: int) -> list[tuple[int, int]]:
    size = -(-total // parts)
    return [(start, min(total, start + size)) for start in range(0, total, size)]


def in_processes(work: Callable[[tuple[int, int]], Any], total: int, clients: int) -> tuple[float, list[Any]]:
    """Run ``work`` over ``clients`` slices of the requests in forked processes; the wall time of all."""
    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's connection
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=clients) as pool:
        pool.map(_noop, range(clients))  # the processes are up before the clock starts
        started = time.perf_counter()
        results = pool.map(work, slices(total, clients), chunksize=1)
        elapsed = time.perf_counter() - started
    return elapsed, results


def _noop(_: int) -> None:
    return None


def empty_deliveries(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE performance_delivery RESTART IDENTITY")
        conn.execute("UPDATE performance_sourcebinding SET last_event_at = NULL")
        conn.execute("VACUUM ANALYZE performance_delivery, performance_sourcebinding")


def bench_receivers(url: str, *, requests: list[Request], clients: int, runs: int) -> dict[str, Any]:
    from django.urls import get_resolver

    global _REQUESTS, _FLOOR_URL
    _REQUESTS, _FLOOR_URL = requests, url
    get_resolver().url_patterns  # noqa: B018  # the URLconf imported once, before the fork, not per client
    total = len(requests)
    http_times, cpu_times, floor_times, replay = [], [], [], 0.0
    for run in range(1, runs + 1):
        empty_deliveries(url)
        print(f"… run {run}: {total:,} signed deliveries through the receivers, {clients} client(s)", flush=True)
        elapsed, results = in_processes(_post_slice, total, clients)
        statuses: Counter[int] = Counter()
        enqueued = 0
        for seen, count, _cpu in results:
            statuses.update(seen)
            enqueued += count
        if statuses != Counter({202: total}) or enqueued != total:
            raise SystemExit(
                f"Expected {total:,} answers 202 and as many tasks; got {dict(statuses)}, {enqueued} tasks."
            )
        http_times.append(elapsed)
        cpu_times.append(sum(cpu for _seen, _count, cpu in results))
        print(
            f"  {elapsed:.2f} s, {total / elapsed:,.0f} deliveries/s; "
            f"{cpu_times[-1] / total * 1000:.2f} ms of client-process CPU per delivery",
            flush=True,
        )
        if run == 1:
            print("… the same deliveries again (a replay: 200 duplicate)", flush=True)
            replay, results = in_processes(_post_slice, total, clients)
            duplicates = sum(seen.get(200, 0) for seen, _count, _cpu in results)
            if duplicates != total or any(count for _seen, count, _cpu in results):
                raise SystemExit(f"A replay should answer 200 and enqueue nothing: {results}")
            print(f"  {replay:.2f} s, {total / replay:,.0f} deliveries/s", flush=True)
        empty_deliveries(url)
        print(f"… run {run}: the floor, one plain INSERT per delivery, {clients} connection(s)", flush=True)
        elapsed, stored = in_processes(_insert_slice, total, clients)
        if sum(stored) != total:
            raise SystemExit(f"The floor stored {sum(stored):,} of {total:,} rows.")
        floor_times.append(elapsed)
        print(f"  {elapsed:.2f} s, {total / elapsed:,.0f} deliveries/s", flush=True)
    payload_bytes = sum(len(request.body) for request in requests)
    return {
        "deliveries": total,
        "http": min(http_times),
        "cpu": min(cpu_times),
        "floor": min(floor_times),
        "replay": replay,
        "bytes": payload_bytes,
    }


# -- (b) the metric computation ------------------------------------------------------------------------------------
def bench_metrics(*, contract_ids: list[int], since: date, today: date, runs: int) -> dict[str, Any]:
    """The commit-chain walk once (``deployment_changes_rebuild``: it writes the links the computation
    reads; timed for information), then ``runs`` times the pure computation (``telemetry_compute``) and
    its floor (``telemetry_floor``: ``metrics.FLOOR_SQL``), alternately, on fresh connections."""
    from django.db import connection

    from apps.performance.telemetry import metrics

    print(f"… the commit-chain walk (links) over {len(contract_ids):,} contracts", flush=True)
    started = time.perf_counter()
    _removed, added = metrics.deployment_changes_rebuild(contract_ids=contract_ids, since=since)
    links = time.perf_counter() - started
    print(f"  {links:.2f} s, {added:,} links", flush=True)
    compute_times, floor_times = [], []
    values = groups = 0
    for run in range(1, runs + 1):
        connection.close()
        print(f"… run {run}: the metric computation", flush=True)
        started = time.perf_counter()
        computed = metrics.telemetry_compute(contract_ids=contract_ids, since=since, until=today)
        compute_times.append(time.perf_counter() - started)
        values = len(computed)
        del computed
        print(f"  {compute_times[-1]:.2f} s, {values:,} values", flush=True)
        connection.close()
        print(f"… run {run}: its SQL floor", flush=True)
        started = time.perf_counter()
        groups = metrics.telemetry_floor(contract_ids=contract_ids, since=since, until=today)
        floor_times.append(time.perf_counter() - started)
        print(f"  {floor_times[-1]:.2f} s, {groups:,} groups", flush=True)
    return {
        "links": links,
        "links_added": added,
        "compute": min(compute_times),
        "floor": min(floor_times),
        "values": values,
        "groups": groups,
    }


# -- the run -----------------------------------------------------------------------------------------------------
def receiver_lines(receivers: dict[str, Any], clients: int) -> tuple[list[tuple[str, str, str]], bool]:
    total = receivers["deliveries"]
    http_rate, floor_rate = total / receivers["http"], total / receivers["floor"]
    ok = http_rate >= TARGET_DELIVERIES_PER_SECOND
    per_core = 1000 / (receivers["cpu"] / total * 1000) if receivers["cpu"] else float("inf")
    return [
        (
            "receivers (HTTP path)",
            f"{receivers['http']:8.2f} s",
            f"{http_rate:10,.0f} deliveries/s   {total:,} deliveries, {clients} client process(es), "
            f"{receivers['bytes'] / total / 1024:.1f} KB each",
        ),
        (
            "  client-process CPU",
            f"{receivers['cpu'] / total * 1000:8.2f} ms",
            f"{per_core:10,.0f} deliveries/s per core of the application alone (for information)",
        ),
        (
            "replay (200 duplicate)",
            f"{receivers['replay']:8.2f} s",
            f"{total / receivers['replay']:10,.0f} deliveries/s",
        ),
        ("INSERT (floor)", f"{receivers['floor']:8.2f} s", f"{floor_rate:10,.0f} deliveries/s   one per transaction"),
        ("receivers / INSERT", f"{http_rate / floor_rate:8.2f}  ", f"{'':10}                (for information)"),
        (
            "ingest",
            f"{'PASS' if ok else 'FAIL':>8}  ",
            f"{'':10}                target ≥ {TARGET_DELIVERIES_PER_SECOND:,.0f} deliveries/s",
        ),
    ], ok


def metric_lines(metrics: dict[str, Any]) -> tuple[list[tuple[str, str, str]], bool]:
    ratio = metrics["compute"] / metrics["floor"] if metrics["floor"] else float("inf")
    ok = ratio <= TARGET_COMPUTE_RATIO
    return [
        (
            "commit-chain walk",
            f"{metrics['links']:8.2f} s",
            f"{metrics['links_added']:10,} links   once, before the computation (for information)",
        ),
        ("metric computation", f"{metrics['compute']:8.2f} s", f"{metrics['values']:10,} values"),
        ("its SQL floor", f"{metrics['floor']:8.2f} s", f"{metrics['groups']:10,} groups   same rows read and grouped"),
        (
            "computation / floor",
            f"{ratio:8.2f}  ",
            f"{'':10}                target ≤ {TARGET_COMPUTE_RATIO}: {'PASS' if ok else 'FAIL'}",
        ),
    ], ok


def benchmark(url: str, *, scale: Scale, deliveries: int, clients: int, runs: int, only: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: static files are not collected here
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    today = timezone.localdate()
    load_before = os.getloadavg()[0]
    print("… migrate", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    print(
        f"… seed {scale.contracts:,} contracts, {2 * scale.contracts:,} bindings, {scale.events:,} events", flush=True
    )
    started = time.perf_counter()
    seeded = seed(url, scale=scale, today=today)
    seed_seconds = time.perf_counter() - started
    print(f"  {seed_seconds:.1f} s: " + ", ".join(f"{t}: {n:,}" for t, n in seeded["counts"].items()), flush=True)
    lines: list[tuple[str, str, str]] = [("seed (SQL)", f"{seed_seconds:8.2f} s", "")]
    verdicts: list[bool] = []
    if only in ("", "receivers") and deliveries:
        print(f"… build {deliveries:,} signed deliveries", flush=True)
        requests = build_requests(url, deliveries, today=today)
        part, ok = receiver_lines(bench_receivers(url, requests=requests, clients=clients, runs=runs), clients)
        lines += part
        verdicts.append(ok)
    if only in ("", "metrics"):
        metrics = bench_metrics(contract_ids=seeded["contract_ids"], since=seeded["start"], today=today, runs=runs)
        part, ok = metric_lines(metrics)
        lines += part
        verdicts.append(ok)
    with psycopg.connect(url) as conn:
        (version,) = conn.execute("SHOW server_version").fetchone() or ("?",)
    events = sum(seeded["counts"].values())
    print()
    print(
        f"Telemetry benchmark: {events:,} events over {scale.contracts:,} contracts ({WEEKS} weeks); best of {runs}; "
        f"PostgreSQL {version}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    for label, seconds, note in lines:
        print(f"  {label:<24}{seconds}   {note}".rstrip())
    print(f"  {'overall':<24}{'PASS' if verdicts and all(verdicts) else 'FAIL':>8}")


def main() -> int:
    scale = scale_from_environment()
    deliveries = env_int("TELEMETRY_BENCH_DELIVERIES", DEFAULT_DELIVERIES)
    clients = max(1, env_int("TELEMETRY_BENCH_CLIENTS", DEFAULT_CLIENTS))
    runs = max(1, env_int("TELEMETRY_BENCH_RUNS", DEFAULT_RUNS))
    only = os.environ.get("TELEMETRY_BENCH_ONLY", "").strip()
    if only not in ("", "receivers", "metrics"):
        raise SystemExit("TELEMETRY_BENCH_ONLY is receivers or metrics (unset: both).")
    return run_in_fresh_database(
        "bench_tel",
        lambda url: benchmark(url, scale=scale, deliveries=deliveries, clients=clients, runs=runs, only=only),
    )


if __name__ == "__main__":
    sys.exit(main())

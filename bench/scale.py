"""``make bench`` (``BENCH_ONLY=scale``): every list, page and endpoint of the issue-19 table at three
portfolio sizes, and how much each grows from the smallest to the largest.

1. creates a fresh database next to the one ``DATABASE_URL`` names (``<name>_bench_scale_<pid>``; the
   named database is never touched) and migrates it;
2. grows the portfolio in three steps, bulk-loaded with the dashboards benchmark's statements
   (``bench/dashboards.py``: vendors of every status, tier and geography, contracts of every status,
   engagement model and currency, 120 functions, and each vendor's certifications, risks, access grants,
   service reviews and action items): 1,000 contracts and 200 vendors, then 10,000 and 2,000, then
   100,000 and 20,000 (``BENCH_SCALE_SIZES``, e.g. ``1000:200,10000:2000``);
3. at each size, after ``VACUUM ANALYZE``, signs in the CTO and requests each path through Django's test
   client in-process (middleware, session, authentication, the view, the serializer or template):
   ``BENCH_RUNS`` times (default 15) after one warm-up, printing the median, the 95th percentile and the
   query count;
4. prints each path's growth (median at the largest size ÷ median at the smallest) with its verdict
   against ``GROWTH_TARGET`` (1.2: flat), the contract list's median at 10,000 contracts against its
   absolute target (75 ms, a thirtieth of the closest open-source peer's median measured on the same
   data), and the overview at the largest size against its 0.8 s target;
5. at the largest size, renders the overview in headless Chromium (``bench/browser.py``): the time to its
   first byte, to ``DOMContentLoaded`` and to ``load``, the last against the same 0.8 s.

Timings are in-process, so they leave out the HTTP server and the network: the same for every size, so
they do not change the growth. A benchmark, not a test: it exits 0 unless something crashed; the query
counts are guarded by tests. The database is dropped at the end (``BENCH_KEEP_DB=1`` keeps it).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.common import env_int, run_in_fresh_database

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, not only as ``python -m bench.scale``
    sys.path.insert(0, str(ROOT))

from bench.browser import overview_in_browser  # noqa: E402  # after the path is set
from bench.dashboards import percentile, seed_portfolio, timed  # noqa: E402

DEFAULT_SIZES = ((1_000, 200), (10_000, 2_000), (100_000, 20_000))
DEFAULT_RUNS = 15
FUNCTIONS = 120
# Flat: a path at the largest size within this many times its median at the smallest.
GROWTH_TARGET = 1.2
# The contract list at 10,000 contracts: a thirtieth of the peer's median on the same data (seconds).
CONTRACT_LIST_TARGET_AT_10K = 0.075
# The portfolio overview, its scorecards worked out, at the largest size (seconds, p95).
OVERVIEW_TARGET = 0.8


def sizes_from_env() -> tuple[tuple[int, int], ...]:
    text = os.environ.get("BENCH_SCALE_SIZES", "").replace("_", "")
    if not text:
        return DEFAULT_SIZES
    sizes = []
    for part in text.split(","):
        contracts, _, vendors = part.partition(":")
        sizes.append((int(contracts), int(vendors or max(1, int(contracts) // 5))))
    if sorted(sizes) != sizes or len(sizes) < 2:
        raise SystemExit("BENCH_SCALE_SIZES: two or more CONTRACTS:VENDORS sizes, smallest first.")
    return tuple(sizes)


@dataclass
class Path_:
    label: str
    path: Callable[[], str]
    headers: dict[str, str] = field(default_factory=dict)
    # Growth target applies (the overview is held to an absolute one instead).
    flat: bool = True
    medians: dict[int, float] = field(default_factory=dict)
    p95s: dict[int, float] = field(default_factory=dict)
    queries: dict[int, int] = field(default_factory=dict)


def benchmark(url: str, *, sizes: tuple[tuple[int, int], ...], runs: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: static files are not collected here
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from apps.accounts.choices import Role
    from apps.accounts.services import user_create

    today = timezone.localdate()
    print("… migrate", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    cto = user_create(username="bench-cto", password=None, role=Role.EXECUTIVE, first_name="Bench")
    client = Client()
    client.force_login(cto)

    def middle_contract() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM contracts_contract ORDER BY id OFFSET (SELECT count(*) / 2 FROM contracts_contract) LIMIT 1"
            )
            (pk,) = cursor.fetchone() or (1,)
        return f"/api/v1/contracts/{pk}/"

    def middle_vendor_360() -> str:
        # The vendor of the middle contract: a vendor with contracts, terms and history.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT vendor_id FROM contracts_contract ORDER BY id "
                "OFFSET (SELECT count(*) / 2 FROM contracts_contract) LIMIT 1"
            )
            (pk,) = cursor.fetchone() or (1,)
        return reverse("dashboards:vendor-360", args=[pk])

    paths = [
        Path_("GET /api/v1/contracts/?page_size=100", lambda: "/api/v1/contracts/?page_size=100"),
        Path_("GET /api/v1/contracts/?cursor=&page_size=100", lambda: "/api/v1/contracts/?cursor=&page_size=100"),
        Path_("GET /api/v1/vendors/?page_size=100", lambda: "/api/v1/vendors/?page_size=100"),
        Path_("GET /api/v1/contracts/{id}/", middle_contract),
        Path_("/contracts/ page", lambda: reverse("contracts:contract-list")),
        Path_("/vendors/ page", lambda: reverse("vendors:vendor-list")),
        Path_("/dashboard/vendors/{id}/ vendor 360", middle_vendor_360),
        Path_("/dashboard/ overview", lambda: reverse("dashboards:overview"), flat=False),
    ]

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone() or ("?",)
    print(
        f"Scale benchmark: sizes {', '.join(f'{c:,}/{v:,}' for c, v in sizes)} (contracts/vendors); {runs} runs each; "
        f"PostgreSQL {version}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    loaded_contracts = loaded_vendors = 0
    for contracts, vendors in sizes:
        print(f"… load up to {contracts:,} contracts and {vendors:,} vendors", flush=True)
        connection.close()
        seed_portfolio(
            url,
            vendors=vendors - loaded_vendors,
            contracts=contracts - loaded_contracts,
            functions=FUNCTIONS if not loaded_contracts else 0,
            today=today,
            only_new=True,
        )
        loaded_contracts, loaded_vendors = contracts, vendors
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"  {'path':<48}{'queries':>8}{'median':>10}{'p95':>10}", flush=True)
        for item in paths:
            path = item.path()

            def get(path: str = path, headers: dict[str, str] = item.headers) -> None:
                response = client.get(path, headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")

            get()
            with CaptureQueriesContext(connection) as captured:
                get()
            # Read now: each request clears the connection's query log (Django's request_started).
            item.queries[contracts] = len(captured.captured_queries)
            durations = timed(runs if item.flat else max(3, runs // 5), get)
            item.medians[contracts] = statistics.median(durations)
            item.p95s[contracts] = percentile(durations, 0.95)
            print(
                f"  {item.label:<48}{item.queries[contracts]:>8}{item.medians[contracts] * 1000:>8.1f}ms"
                f"{item.p95s[contracts] * 1000:>8.1f}ms",
                flush=True,
            )

    smallest, largest = sizes[0][0], sizes[-1][0]
    print()
    from django.conf import settings

    # The overview at the largest size as a person sees it: rendered in Chromium (bench/browser.py).
    in_browser = overview_in_browser(
        session_cookie=(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value),
        path=reverse("dashboards:overview"),
        runs=max(3, runs // 5),
        target=OVERVIEW_TARGET,
        percentile=percentile,
    )
    print()
    print(f"Growth from {smallest:,} to {largest:,} contracts (median ÷ median), target ≤ {GROWTH_TARGET:g}")
    header = "".join(f"{c:>12,}" for c, _ in sizes)
    print(f"  {'path':<48}{header}{'growth':>9}  verdict")
    verdicts = []
    for item in paths:
        medians = "".join(f"{item.medians[c] * 1000:>10.1f}ms" for c, _ in sizes)
        growth = item.medians[largest] / item.medians[smallest]
        if item.flat:
            verdict = growth <= GROWTH_TARGET
            shown = "PASS" if verdict else "FAIL"
        else:
            verdict = item.p95s[largest] <= OVERVIEW_TARGET
            shown = f"{'PASS' if verdict else 'FAIL'} (p95 {item.p95s[largest]:.3f} s, target ≤ {OVERVIEW_TARGET:g} s)"
        verdicts.append(verdict)
        print(f"  {item.label:<48}{medians}{growth:>9.2f}  {shown}")
    at_10k = next((c for c, _ in sizes if c == 10_000), None)
    if at_10k is not None:
        median = paths[0].medians[at_10k]
        verdict = median <= CONTRACT_LIST_TARGET_AT_10K
        verdicts.append(verdict)
        print(
            f"  the contract list at 10,000 contracts: {median * 1000:.1f} ms, target ≤ "
            f"{CONTRACT_LIST_TARGET_AT_10K * 1000:.0f} ms: {'PASS' if verdict else 'FAIL'}"
        )
    if in_browser is not None:
        verdicts.append(in_browser)
        print(f"  the overview in Chromium at {largest:,} contracts: {'PASS' if in_browser else 'FAIL'} (above)")
    print(f"  every target: {'PASS' if all(verdicts) else 'FAIL'}")


def main() -> int:
    sizes = sizes_from_env()
    runs = max(1, env_int("BENCH_RUNS", DEFAULT_RUNS))
    return run_in_fresh_database("bench_scale", lambda url: benchmark(url, sizes=sizes, runs=runs))


if __name__ == "__main__":
    sys.exit(main())

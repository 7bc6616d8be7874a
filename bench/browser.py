"""The portfolio overview rendered in a browser, at whatever size the database holds: the last step of the
scale benchmark (``bench/scale.py``), which calls ``overview_in_browser`` after loading its largest size.

Headless Chromium (Debian's ``chromium``, driven by Playwright as the browser tests drive it) opens
``/dashboard/`` as the benchmark's signed-in CTO, from Django's live server in this process (static files
served as the browser tests serve them), ``runs`` times after one warm-up. Each run reads the page's own
navigation timing: the time to the first byte of the HTML (the server's work), to ``DOMContentLoaded`` (the
HTML parsed, its scripts run) and to ``load`` (every stylesheet, script and image in). The verdict is the
``load`` time's 95th percentile against the overview's target: what a person waits for the whole page.

Without Chromium (or Playwright) it says so and returns no verdict: a benchmark, not a test.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
# A ceiling for one navigation, not an expected duration.
NAVIGATION_CEILING_MS = 120_000

NAVIGATION_TIMING = """() => {
  const [nav] = performance.getEntriesByType("navigation");
  return {first_byte: nav.responseStart, dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
}"""


@dataclass(frozen=True)
class BrowserTimings:
    first_byte: list[float]  # seconds, one per run
    dom: list[float]
    load: list[float]


def overview_in_browser(
    *,
    session_cookie: tuple[str, str],
    path: str,
    runs: int,
    target: float,
    percentile: Callable[[list[float], float], float],
) -> bool | None:
    """Print the overview's timings in Chromium and the verdict of its ``load`` p95 against ``target``
    (seconds); None (and why) when there is no browser to run."""
    if not Path(CHROMIUM).exists():
        print(f"  the overview in a browser: skipped, Chromium not found at {CHROMIUM} (apt-get install chromium)")
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("  the overview in a browser: skipped, Playwright is not installed (pip install -e '.[dev]')")
        return None
    timings = _timed_in_browser(sync_playwright, session_cookie=session_cookie, path=path, runs=runs)
    print(f"  the overview in Chromium ({runs} runs):  median      p95")
    for label, values in (
        ("first byte of the HTML", timings.first_byte),
        ("DOMContentLoaded", timings.dom),
        ("load (everything in)", timings.load),
    ):
        print(f"    {label:<28}{statistics.median(values) * 1000:>8.1f}ms{percentile(values, 0.95) * 1000:>8.1f}ms")
    p95 = percentile(timings.load, 0.95)
    verdict = p95 <= target
    print(f"    load p95 {p95:.3f} s, target ≤ {target:g} s: {'PASS' if verdict else 'FAIL'}")
    return verdict


def _timed_in_browser(sync_playwright: Any, *, session_cookie: tuple[str, str], path: str, runs: int) -> BrowserTimings:
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    # Playwright's sync API runs an event loop in this thread; the live server's threads do the ORM work.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    first_byte: list[float] = []
    dom: list[float] = []
    load: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.set_default_navigation_timeout(NAVIGATION_CEILING_MS)
            name, value = session_cookie
            context.add_cookies([{"name": name, "value": value, "url": base}])
            page = context.new_page()
            # A page timed without its stylesheets or scripts would be timed short: any failure stops it.
            failed: list[str] = []
            page.on(
                "response",
                lambda answer: failed.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None,
            )
            for run in range(runs + 1):
                response = page.goto(base + path, wait_until="load")
                if response is None or response.status != 200 or failed:
                    answered = response.status if response else "nothing"
                    raise SystemExit(f"{path} answered {answered} in the browser; failed: {failed}")
                if run == 0:
                    continue  # the warm-up: the browser's cache of static files filled
                timing = page.evaluate(NAVIGATION_TIMING)
                first_byte.append(timing["first_byte"] / 1000)
                dom.append(timing["dom"] / 1000)
                load.append(timing["load"] / 1000)
            browser.close()
    finally:
        server.terminate()
    return BrowserTimings(first_byte, dom, load)

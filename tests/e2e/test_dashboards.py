"""The portfolio overview in a real browser over the demo portfolio (seeded, then swept by the SLA
engine): the CTO signs in and lands on it, its charts are drawn (their canvases are not blank) with no
console error, a filter changes the tiles without a full reload and puts itself in the URL, a full load
of that URL shows the same, a tile drills down to a list of the same count, "Show as table" switches a
chart to its table, the keyboard reaches the numbers, the print stylesheet hides the workspace around
them, and nothing overflows a phone. Screenshots: test-artifacts/dashboard-overview-*.png."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from apps.dashboards.scope import Scope
from apps.dashboards.selectors import portfolio_overview
from apps.dashboards.vendor import vendor_360
from apps.demo.demo_data import DEMO_PASSWORD
from apps.performance.scorecards import MONTH, Period
from tests.e2e.conftest import screenshot
from tests.e2e.test_screenshots import DESKTOP, PHONE, overflowing_elements

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How many pixels of a canvas are painted (alpha > 0): a blank canvas has none.
PAINTED_PIXELS = """(canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
}"""
CHARTS = ("compliance", "breaches", "geography", "engagement")


def drawn_charts(page) -> dict[str, int]:
    """Wait for dashboards.js to draw every chart; the painted pixels of each canvas."""
    page.wait_for_function(
        "() => { const f = document.querySelectorAll('figure[data-dash-chart]');"
        " return f.length > 0 && [...f].every((x) => x.hasAttribute('data-chart-ready')"
        " && window.Chart && window.Chart.getChart(x.querySelector('canvas'))); }"
    )
    return {
        figure.get_attribute("id"): figure.locator("canvas").evaluate(PAINTED_PIXELS)
        for figure in page.locator("figure[data-dash-chart]").all()
    }


def tile_value(page, tile: str) -> str:
    return page.locator(f"[data-tile={tile}] .tile-value").inner_text().split("\n")[0].strip()


def listed_count(page) -> int:
    """The "N rows match the filters" line of a list page."""
    text = page.locator(".page-head p.muted").first.inner_text()
    match = re.match(r"\s*(\d+)", text)
    assert match, text
    return int(match.group(1))


def sign_in_as_the_cto(live_server, page) -> None:
    """The demo CTO signs in at a desktop's width and lands on the overview."""
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "cto")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_the_cto_reads_filters_and_drills_down_the_overview(live_server, page) -> None:
    call_command("seed_demo", verbosity=0)
    call_command("evaluate_slas", verbosity=0)
    today = timezone.localdate()
    expected = portfolio_overview(scope=Scope(), period=Period.last_closed(MONTH, today=today), today=today)
    offshore = portfolio_overview(
        scope=Scope(geography="offshore"), period=Period.last_closed(MONTH, today=today), today=today
    )
    assert expected.active_vendors.value != offshore.active_vendors.value  # the filter must show

    # The CTO signs in and lands on the overview; every chart is drawn, nothing is logged as an error.
    sign_in_as_the_cto(live_server, page)
    expect(page.locator("h1")).to_have_text("Good to see you, Claire")
    expect(page.locator(".page-head")).to_contain_text("Portfolio overview")
    painted = drawn_charts(page)
    assert set(painted) == {f"chart-{key}" for key in CHARTS}, painted
    assert all(count > 500 for count in painted.values()), painted
    assert tile_value(page, "active-vendors") == str(expected.active_vendors.value)
    assert tile_value(page, "open-breaches") == str(expected.breaches.open_total.value)
    screenshot(page, "dashboard-overview-1280")
    assert page.console_errors == []

    # A chart's table: "Show as table" shows it (the canvas hides), and back.
    figure = page.locator("#chart-compliance")
    toggle = figure.locator("[data-chart-toggle]")
    toggle.click()
    expect(figure.locator("[data-chart-table]")).not_to_have_class(re.compile(r"\bsr-only\b"))
    expect(figure.locator("[data-chart-canvas]")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(figure.locator("[data-chart-canvas]")).to_be_visible()

    # A filter swaps the body in place: the page is not reloaded, the URL carries the filter.
    page.evaluate("window.__marker = 1")
    with page.expect_response(lambda r: "/dashboard/" in r.url and "geography=offshore" in r.url) as swap:
        page.select_option("#dashboard-geography", "offshore")
    assert swap.value.request.headers.get("hx-request") == "true"
    page.wait_for_url(re.compile(r"/dashboard/\?.*geography=offshore"))
    expect(page.locator("[data-tile=active-vendors] .tile-value")).to_contain_text(str(offshore.active_vendors.value))
    assert page.evaluate("window.__marker") == 1
    assert "period=" not in page.url  # the default month stays out of a shared URL: the link stays current
    assert "tier=" not in page.url  # empty filters stay out of a shared URL
    expect(page.locator("#dashboard-status")).to_contain_text("Offshore")
    painted = drawn_charts(page)
    assert all(count > 500 for count in painted.values()), painted
    assert tile_value(page, "open-breaches") == str(offshore.breaches.open_total.value)

    # Another filter, then Back: htmx puts the previous view back (charts drawn, the filter bar as it was).
    shared = page.url
    page.select_option("#dashboard-tier", "tier_1")
    page.wait_for_url(re.compile(r"tier=tier_1"))
    page.go_back()
    page.wait_for_url(shared)
    # htmx keeps no copy of the page (templates/base.html): it asks the server again, then swaps.
    expect(page.locator("#dashboard-tier")).to_have_value("")
    assert page.evaluate("window.__marker") == 1
    assert page.locator("#dashboard-geography").input_value() == "offshore"
    assert all(count > 500 for count in drawn_charts(page).values())
    assert tile_value(page, "active-vendors") == str(offshore.active_vendors.value)

    # The same URL loaded afresh shows the same numbers (a shared link).
    page.goto(shared)
    assert page.evaluate("window.__marker") is None
    assert page.locator("#dashboard-geography").input_value() == "offshore"
    assert tile_value(page, "active-vendors") == str(offshore.active_vendors.value)

    # A tile drills down to the list of exactly the rows it counts.
    breaches = tile_value(page, "open-breaches")
    page.locator("[data-tile=open-breaches] .tile-value").click()
    page.wait_for_url(re.compile(r"/contracts/breaches/\?"))
    assert "geography=offshore" in page.url
    assert listed_count(page) == int(breaches)
    assert page.locator("table tbody tr[data-breach]").count() == int(breaches)
    page.go_back()
    page.wait_for_url(re.compile(r"/dashboard/\?"))
    reviews = tile_value(page, "reviews-overdue")
    page.locator("[data-tile=reviews-overdue] .tile-value").click()
    page.wait_for_url(re.compile(r"/reviews/\?"))
    assert listed_count(page) == int(reviews)

    # A chart's point drills down too: the last month of the compliance chart opens its SLA windows.
    page.goto(f"{live_server.url}/dashboard/")
    drawn_charts(page)
    canvas = page.locator("#chart-compliance canvas")
    point = canvas.evaluate(
        "(c) => { const p = window.Chart.getChart(c).getDatasetMeta(0).data.at(-1); return {x: p.x, y: p.y}; }"
    )
    canvas.click(position=point)
    page.wait_for_url(re.compile(r"/contracts/sla-evaluations/\?"))
    assert listed_count(page) == expected.compliance.current.evaluated

    # The keyboard reaches the filters and the numbers.
    page.goto(f"{live_server.url}/dashboard/")
    drawn_charts(page)
    reached: set[str] = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.className"))
        if "tile-value" in reached:
            break
    assert "dashboard-geography" in reached and "tile-value" in reached, reached

    # Printed: no navigation, no filter form; the charts and the tables stay.
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#dashboard-filters")).to_be_hidden()
    expect(page.locator("#chart-compliance canvas")).to_be_visible()
    screenshot(page, "dashboard-overview-print")
    page.emulate_media(media="screen")

    # On a phone: every chart drawn inside the screen, nothing overflows it.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dashboard/")
    painted = drawn_charts(page)
    assert all(count > 200 for count in painted.values()), painted
    widths = page.eval_on_selector_all(
        "figure[data-dash-chart] canvas", "(cs) => cs.map((c) => c.getBoundingClientRect().right)"
    )
    assert max(widths) <= PHONE["width"], widths
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, overflowing_elements(page)
    screenshot(page, "dashboard-overview-390")
    assert page.console_errors == []


def test_the_cto_opens_a_vendor_360_from_the_league_table(live_server, page) -> None:
    """A vendor of the league table with open breaches opens its vendor 360: the attention summary, the scorecard, KPI
    trend charts drawn, the breach tile leading to a list of the same count, the period switcher
    swapping the scorecard in place; printed and on a phone. Screenshots: test-artifacts/vendor-360-*.png."""
    call_command("seed_demo", verbosity=0)
    call_command("evaluate_slas", verbosity=0)
    sign_in_as_the_cto(live_server, page)
    # The first vendor of the league table with open breaches (a vendor with something to say).
    row = page.locator(".league-table tbody tr").filter(has=page.locator("a.text-bad")).first
    first = row.locator("th a.row-link")
    name = first.inner_text().strip()
    first.click()
    page.wait_for_url(re.compile(r"/dashboard/vendors/\d+/$"))
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("h1")).to_contain_text("vendor 360")
    vendor_id = int(re.search(r"/vendors/(\d+)/", page.url).group(1))
    data = vendor_360(
        vendor_id=vendor_id, period=Period.last_closed(MONTH, today=timezone.localdate()), today=timezone.localdate()
    )
    # The summary says what the selector found, in the same order.
    items = page.locator("[data-attention] li.attention-item")
    assert items.count() == len(data.attention)
    for i, item in enumerate(data.attention):
        expect(items.nth(i)).to_contain_text(item.text)
    # KPI trends drawn (not blank).
    page.wait_for_function(
        "() => { const f = document.querySelectorAll('figure[data-kpi-chart]');"
        " return f.length > 0 && [...f].every((x) => x.hasAttribute('data-chart-ready')"
        " && window.Chart && window.Chart.getChart(x.querySelector('canvas'))); }"
    )
    painted = [c.evaluate(PAINTED_PIXELS) for c in page.locator("figure[data-kpi-chart] canvas").all()]
    assert painted and all(count > 300 for count in painted), painted
    assert page.locator("table[data-table=sla-terms] tbody tr").count() == len(data.terms)
    screenshot(page, "vendor-360-1280")
    assert page.console_errors == []

    # The period switcher swaps the scorecard alone and keeps the page.
    page.evaluate("window.__marker = 1")
    page.locator(".period-switcher a[rel=prev]").click()
    page.wait_for_url(re.compile(r"\?period="))
    assert page.evaluate("window.__marker") == 1
    expect(page.locator("#performance-title")).to_contain_text(data.period.previous().label)
    # Back restores the page htmx kept (a history restore swaps with no target): no error, same page.
    page.go_back()
    page.wait_for_url(re.compile(r"/dashboard/vendors/\d+/$"))
    expect(page.locator("#performance-title")).to_contain_text(data.period.label)
    assert page.evaluate("window.__marker") == 1
    assert page.console_errors == []

    # The open-breaches tile leads to exactly its rows.
    opened = tile_value(page, "open-breaches")
    assert opened == str(data.breach_counts.open_total) and data.breach_counts.open_total > 0
    assert any("open breach" in item.text for item in data.attention)
    page.locator("[data-tile=open-breaches] .tile-value").click()
    page.wait_for_url(re.compile(r"/contracts/breaches/\?"))
    assert f"vendor={vendor_id}" in page.url
    assert listed_count(page) == int(opened)
    page.go_back()

    # Printed: no navigation, no buttons; the tables and charts stay.
    page.goto(f"{live_server.url}/dashboard/vendors/{vendor_id}/")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".page-head .actions")).to_be_hidden()
    expect(page.locator("table[data-table=contracts]")).to_be_visible()
    expect(page.locator(".period-switcher")).to_be_hidden()
    screenshot(page, "vendor-360-print")
    # On A4's width (794 px) every table, the scorecard's nine columns too, fits the page.
    page.set_viewport_size({"width": 794, "height": 1123})
    widest = page.eval_on_selector_all(
        "main table", "(ts) => Math.max(...ts.map((t) => t.getBoundingClientRect().right))"
    )
    assert widest <= 794, widest
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="screen")

    # On a phone nothing overflows the screen.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dashboard/vendors/{vendor_id}/")
    expect(page.locator("[data-attention]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, overflowing_elements(page)
    screenshot(page, "vendor-360-390")
    assert page.console_errors == []

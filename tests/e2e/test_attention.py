"""The attention ranking in a real browser over the demo portfolio: the CTO signs in at 1280 × 800 and,
without scrolling, reads which vendor needs attention first, why (its top reasons, each a link) and what
it costs; the league table below ranks the same vendor first, and a reason opens exactly its rows.
Screenshot: test-artifacts/attention-ranking-1280.png."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from apps.dashboards.scope import Scope
from apps.dashboards.selectors import portfolio_overview
from apps.performance.scorecards import MONTH, Period
from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboards import listed_count, sign_in_as_the_cto
from tests.e2e.test_screenshots import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _inside_the_viewport(page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None, locator
    assert box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"], box


def test_the_cto_sees_who_needs_attention_why_and_what_it_costs_without_scrolling(live_server, page) -> None:
    call_command("seed_demo", verbosity=0)
    call_command("evaluate_slas", verbosity=0)
    today = timezone.localdate()
    expected = portfolio_overview(scope=Scope(), period=Period.last_closed(MONTH, today=today), today=today)
    top = expected.attention_first[0]
    assert top.attention is not None and top.attention.top_reasons

    sign_in_as_the_cto(live_server, page)
    assert page.evaluate("window.scrollY") == 0
    first = page.locator("[data-attention-first] li.ranked-row").first
    expect(first).to_contain_text(top.vendor.name)
    reasons = first.locator("[data-attention-reasons]")
    cost = first.locator("[data-attention-cost]")
    expect(reasons).to_have_text(top.attention.sentence)
    expect(cost).to_contain_text("credits owed")
    expect(cost).to_contain_text(expected.concentration.reporting_currency)
    # Visible on the first screen: the vendor, its reasons (each a link) and its cost.
    for locator in (first.locator("a.attention-vendor"), reasons, cost):
        expect(locator).to_be_visible()
        _inside_the_viewport(page, locator)
    links = reasons.locator("a[data-reason]")
    assert links.count() == len(top.attention.top_reasons)
    for i in range(links.count()):
        _inside_the_viewport(page, links.nth(i))
    assert page.evaluate("window.scrollY") == 0
    screenshot(page, "attention-ranking-1280")

    # The league table ranks the same vendor first, with the same sentence.
    league_first = page.locator(".league-table tbody tr").first
    expect(league_first.locator("th a.row-link")).to_have_text(top.vendor.name)
    expect(league_first.locator("[data-attention-reasons]")).to_have_text(top.attention.sentence)

    # A reason that counts rows opens a list of exactly that many.
    counted = next((r for r in top.attention.top_reasons if r.on_list_page), None)
    if counted is not None:
        first.locator(f"a[data-reason={counted.key}]").click()
        page.wait_for_url(re.compile(r"\?"))
        assert listed_count(page) == counted.drill.value
    assert page.console_errors == []

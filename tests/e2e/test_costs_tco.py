"""The Total cost panels in a real browser (the hand-computed month of ``tests.costs.test_views_tco``): on the
contract page and the vendor 360 the stacked chart is drawn (its canvas is not blank), "Show as table" switches
to the table, and the console stays clean. Screenshots at 1280 px: test-artifacts/tco-contract.png,
tco-vendor-360.png; the ledger page: tco-ledger.png; at 390 px nothing overflows (tco-*-phone.png)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.costs.test_views_tco import build_world
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.test_charts import PAINTED_PIXELS
from tests.e2e.test_screenshots import PHONE, overflowing_elements

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "pass-word-123")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def shoot(page, selector: str, name: str) -> None:
    """The element alone, from the full page (the sticky top bar does not cover its head)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator(selector).bounding_box()
    clip = {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, clip=clip)


def drawn(page, selector: str) -> int:
    page.wait_for_function(f"() => document.querySelector('{selector}[data-chart-ready]') !== null")
    return page.locator(f"{selector} canvas").evaluate(PAINTED_PIXELS)


def test_the_total_cost_panels_draw_their_charts(live_server, page) -> None:
    world = build_world()
    sign_in(page, live_server, world["reader"].username)

    page.goto(f"{live_server.url}{world['c1'].get_absolute_url()}#costs")
    assert drawn(page, "#chart-tco-contract") > 500
    panel = page.locator("#costs")
    assert "22,660.00 EUR" in panel.inner_text()
    shoot(page, "#costs", "tco-contract")
    page.click("#chart-tco-contract [data-chart-toggle]")
    assert page.locator("#chart-tco-contract-table").is_visible()

    page.goto(f"{live_server.url}{reverse('dashboards:vendor-360', args=[world['vendor'].pk])}")
    assert drawn(page, "#chart-tco-vendor") > 500
    section = page.locator("#costs")
    assert "22,810.00 EUR" in section.inner_text()
    shoot(page, "#costs", "tco-vendor-360")

    page.goto(f"{live_server.url}{reverse('costs:ledger')}")
    screenshot(page, "tco-ledger")
    assert page.console_errors == []

    # On a phone nothing but a table's own scroll container reaches past the screen.
    page.set_viewport_size(PHONE)
    for name, path in (
        ("contract", world["c1"].get_absolute_url()),
        ("vendor-360", reverse("dashboards:vendor-360", args=[world["vendor"].pk])),
        ("ledger", reverse("costs:ledger")),
    ):
        page.goto(f"{live_server.url}{path}")
        assert overflowing_elements(page) == [], name
        if name != "ledger":
            page.locator("#costs").scroll_into_view_if_needed()
            shoot(page, "#costs", f"tco-{name}-phone")
    assert page.console_errors == []

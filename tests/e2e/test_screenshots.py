"""Screenshots of every main page over the demo portfolio, at laptop (1280 px) and phone (390 px) width,
for a person to look at (test-artifacts/desktop-*.png, phone-*.png). Each page must answer 200 with
no console error, and on a phone nothing but a table's own scroll container may be wider than the
screen."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.contracts.models import Contract
from apps.demo.demo_data import DEMO_PASSWORD
from apps.functions.models import Function
from apps.vendors.models import ServiceReview, Vendor
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def main_pages() -> list[tuple[str, str]]:
    """(name, path) of each main page, the records chosen to be the fullest the demo has."""
    function = Function.objects.filter(contracts__isnull=False).order_by("name").first()
    vendor = Vendor.objects.filter(access_grants__isnull=False, contracts__isnull=False).order_by("name").first()
    contract = Contract.objects.filter(sla_terms__isnull=False).exclude(text="").order_by("title").first()
    review = ServiceReview.objects.filter(status="held", action_items__isnull=False).order_by("-held_on").first()
    assert function and vendor and contract and review, "the demo portfolio changed shape"
    return [
        ("dashboard", "/"),
        ("functions", "/functions/"),
        ("function", function.get_absolute_url()),
        ("vendors", "/vendors/"),
        ("vendor", vendor.get_absolute_url()),
        ("vendor-access", f"/vendors/{vendor.pk}/access/"),
        ("contracts", "/contracts/"),
        ("contract", contract.get_absolute_url()),
        ("reviews", "/reviews/"),
        ("review", review.get_absolute_url()),
        ("risks", "/risks/"),
        ("kpis", "/kpis/"),
        ("measurements", "/kpis/measurements/"),
    ]


def overflowing_elements(page) -> list[str]:
    """The elements reaching past the right edge of the screen that are not inside a scroll container."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const scrolls = (el) => {
            for (let p = el.parentElement; p; p = p.parentElement) {
                const overflowX = getComputedStyle(p).overflowX;
                if (overflowX === "auto" || overflowX === "scroll" || overflowX === "hidden") return true;
            }
            return false;
        };
        const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
        return [...document.body.querySelectorAll("*")]
            .filter((el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
            .slice(0, 5)
            .map((el) => describe(el) + " right=" + Math.round(el.getBoundingClientRect().right));
    }"""
    )


def test_main_pages_at_laptop_and_phone_width(live_server, page) -> None:
    call_command("seed_demo", verbosity=0)
    pages = main_pages()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "procurement")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    problems: list[str] = []
    for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        for name, path in pages:
            errors_before = len(page.console_errors)
            response = page.goto(f"{live_server.url}{path}")
            if response is None or response.status != 200:
                problems.append(f"{device} {path}: answered {response.status if response else 'nothing'}")
            screenshot(page, f"{device}-{name}")
            errors = page.console_errors[errors_before:]
            if errors:
                problems.append(f"{device} {path}: console errors {errors}")
            if device == "phone":
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > viewport["width"] + 1:
                    problems.append(
                        f"phone {path}: the page is {scroll_width} px wide; too wide: {overflowing_elements(page)}"
                    )
    assert problems == []

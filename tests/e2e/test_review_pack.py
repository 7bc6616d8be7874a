"""The review pack in a real browser: an engineering manager opens a vendor 360, clicks "Download PDF" and
gets the vendor's pack as a PDF that names the vendor; the portfolio overview's "Download PDF" follows the
filter bar and downloads the overview. Screenshots: test-artifacts/review-pack-vendor-360.png (the page),
review-pack-pdf.png (the downloaded PDF's first page, in Chromium's PDF viewer) and
review-pack-overview.png; the PDFs themselves: test-artifacts/review-pack-*.pdf."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.factories import (
    AccessGrantFactory,
    ActionItemFactory,
    CertificationFactory,
    ContractFactory,
    ServiceReviewFactory,
    UserFactory,
    VendorFactory,
    VendorRiskFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"
# Only for the artifact image: Chromium's PDF viewer paints the page after the load event, and nothing
# inside the viewer can be waited for. No assertion depends on it.
PDF_VIEWER_PAINT_MS = 1500


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_a_manager_downloads_the_vendor_pack_and_the_overview(live_server, page) -> None:
    today = timezone.localdate()
    manager = UserFactory(username="marta", role="engineering_manager", password=PASSWORD)
    vendor = VendorFactory(name="Kraków Software House", engineering_owner=manager)
    ContractFactory(
        vendor=vendor,
        title="Platform squad — statement of work",
        start_date=today - dt.timedelta(days=200),
        end_date=today + dt.timedelta(days=45),
        status="active",
    )
    review = ServiceReviewFactory(vendor=vendor, scheduled_for=today + dt.timedelta(days=2))
    ActionItemFactory(review=review, description="Share the on-call runbook", due_on=today - dt.timedelta(days=3))
    VendorRiskFactory(vendor=vendor, title="Two engineers hold all the payment knowledge", likelihood=4, impact=4)
    CertificationFactory(vendor=vendor, expires_on=today + dt.timedelta(days=20))
    AccessGrantFactory(vendor=vendor, granted_on=today - dt.timedelta(days=30), expires_on=today - dt.timedelta(days=1))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "marta")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # The vendor 360 offers its review pack.
    page.goto(f"{live_server.url}/dashboard/vendors/{vendor.pk}/")
    expect(page.locator("h1")).to_contain_text("Kraków Software House")
    button = page.locator("a[data-review-pack]")
    expect(button).to_be_visible()
    screenshot(page, "review-pack-vendor-360")
    with page.expect_download() as download:
        button.click()
    assert re.fullmatch(r"review-pack-krakow-software-house-\d{4}-\d{2}-\d{2}\.pdf", download.value.suggested_filename)
    saved = ARTIFACTS / "review-pack-vendor.pdf"
    download.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "Kraków Software House — review pack" in text
    assert "Prepared for the service review of" in text
    assert "Two engineers hold all the payment knowledge" in text
    assert "Platform squad — statement of work" in text

    # The downloaded pack, its first page as Chromium's PDF viewer shows it.
    viewer = page.context.new_page()
    viewer.goto(saved.as_uri())
    viewer.wait_for_load_state("load")
    viewer.wait_for_timeout(PDF_VIEWER_PAINT_MS)
    screenshot(viewer, "review-pack-pdf")
    viewer.close()

    # The overview's button follows the filter bar (the body is swapped in place, the link with it).
    page.goto(f"{live_server.url}/dashboard/")
    overview_button = page.locator("#overview-pdf")
    expect(overview_button).to_have_attribute("href", "/dashboard/pdf/overview.pdf")
    page.select_option("#dashboard-geography", "nearshore")
    expect(overview_button).to_have_attribute("href", re.compile(r"geography=nearshore"))
    screenshot(page, "review-pack-overview")
    with page.expect_download() as download:
        page.locator("#overview-pdf").click()
    saved = ARTIFACTS / "review-pack-overview.pdf"
    download.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "Portfolio overview" in text and "Nearshore" in text and "Kraków Software House" in text
    assert page.console_errors == []

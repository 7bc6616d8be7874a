"""A newcomer's first import in a real browser: a procurement user uploads a generated workbook — 300
vendors with their owners, master agreements and statements of work under them, certificates, and six
bad rows over the three sheets — reads the preview per sheet (the refused rows with their sheet, row
number and reason, and the sentence saying what is written), starts it, and sees the done counts while a
real Celery worker writes it. Nothing of a refused row is written; the same workbook again changes
nothing. Screenshots: test-artifacts/import-registers-preview.png, import-registers-done.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.contracts.models import Contract
from apps.performance.models import ImportJob
from apps.vendors.models import Certification, Vendor
from tests.celery_worker import running_worker, wait_until
from tests.e2e.conftest import screenshot
from tests.factories import UserFactory
from tests.performance.workbook_fixture import OWNERS, workbook_bytes

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def upload(page, live_server, content: bytes) -> None:
    page.goto(f"{live_server.url}/imports/new/")
    page.select_option("#id_register", "workbook")
    page.set_input_files("#id_file", files=[{"name": "portfolio.xlsx", "mimeType": XLSX, "buffer": content}])
    page.get_by_role("button", name="Upload and preview").click()


def test_a_newcomer_imports_a_300_vendor_workbook(live_server, page) -> None:
    for name in OWNERS:
        UserFactory(username=name, role="engineering_manager")
    UserFactory(username="newcomer", role="procurement", password=PASSWORD)
    content, plan = workbook_bytes()
    sign_in(page, live_server, "newcomer")
    upload(page, live_server, content)

    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("data-status", "pending")
    total = plan.valid_rows + len(plan.bad_rows)
    expect(progress).to_contain_text(f"{total:,} rows read: {plan.valid_rows:,} can be imported, 6 have errors")
    expect(page.locator("[data-semantics]")).to_contain_text("nothing of a refused row is kept")
    expect(page.locator("#import-sheets tbody tr")).to_have_count(3)
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(len(plan.bad_rows))
    expect(errors.filter(has_text="Narnia")).to_contain_text("Vendors")
    expect(errors.filter(has_text="No vendor named")).to_contain_text("Contracts")
    assert Vendor.objects.count() == 0
    screenshot(page, "import-registers-preview")

    page.get_by_role("button", name=f"Import {plan.valid_rows:,} valid rows").click()
    expect(progress).to_have_attribute("data-status", "queued")
    with running_worker():
        assert wait_until(lambda: ImportJob.objects.get().status == "done")
        expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("[data-summary]")).to_contain_text(
        f"{plan.valid_rows:,} created, 0 updated, 0 unchanged, 6 skipped"
    )
    vendors_row = page.locator('#import-sheets tr[data-register="vendors"]')
    expect(vendors_row.locator('[data-count="created"]')).to_have_text(f"{plan.vendors}")
    screenshot(page, "import-registers-done")

    assert Vendor.objects.count() == 300 - 2 == plan.vendors
    assert Contract.objects.count() == plan.contracts and Certification.objects.count() == plan.certifications
    assert not Vendor.objects.filter(name__in=plan.refused_names).exists()
    assert not Contract.objects.filter(reference__in=plan.refused_names).exists()
    assert Contract.objects.filter(reference__startswith="SOW-WB-", parent__isnull=False).count() > 100
    assert page.console_errors == []

    # The same workbook again: every valid row is known and unchanged.
    upload(page, live_server, content)
    page.get_by_role("button", name=f"Import {plan.valid_rows:,} valid rows").click()
    with running_worker():
        assert wait_until(lambda: ImportJob.objects.latest("pk").status == "done")
        expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    again = ImportJob.objects.latest("pk")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, plan.valid_rows)
    assert Vendor.objects.count() == plan.vendors

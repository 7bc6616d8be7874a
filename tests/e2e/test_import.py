"""The CSV import in a real browser: a manager opens the measurements, follows "Import CSV", uploads a
file, reads the preview (a bad row with its row number), imports the valid rows and watches the
progress card (htmx polling every second) turn into the summary while a real Celery worker writes the
rows in chunks. Screenshots: test-artifacts/import-preview.png, import-done.png."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from apps.performance.models import ImportJob, Measurement
from tests.celery_worker import running_worker, wait_until
from tests.e2e.conftest import screenshot
from tests.e2e.test_screenshots import overflowing_elements
from tests.factories import ContractFactory, UserFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"
ROWS = 600


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def october_file() -> bytes:
    lines = ["contract,kpi,period_start,period_end,value,numerator,denominator,note"]
    first = dt.date(2025, 1, 1)
    for n in range(ROWS):
        day = (first + dt.timedelta(days=n)).isoformat()
        lines.append(f"MSA-7,sprint_velocity,{day},{day},{20 + n % 20},,,=from the tracker")
    lines.append("MSA-7,defect_rate,2025-10-01,2025-10-31,,3,0,<b>zero</b>")  # row ROWS + 2: denominator 0
    return ("\n".join(lines) + "\n").encode()


def test_a_manager_imports_a_csv_and_watches_the_progress(live_server, page, settings) -> None:
    settings.IMPORT_CHUNK_ROWS = 50  # twelve chunks: the progress moves in steps
    manager = UserFactory(username="manager", role="engineering_manager", password=PASSWORD)
    ContractFactory(
        reference="MSA-7",
        title="Platform MSA",
        start_date=dt.date(2024, 1, 1),
        end_date=None,
        vendor=VendorFactory(engineering_owner=manager),  # a manager imports the engagements they own
    )
    sign_in(page, live_server, "manager")

    page.goto(f"{live_server.url}/kpis/measurements/")
    page.get_by_role("link", name="Import CSV").click()
    page.wait_for_url(f"{live_server.url}/imports/new/?register=measurements")
    page.set_input_files("#id_file", files=[{"name": "october.csv", "mimeType": "text/csv", "buffer": october_file()}])
    page.get_by_role("button", name="Upload and preview").click()

    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("data-status", "pending")
    expect(progress).to_contain_text(f"{ROWS + 1} rows read: {ROWS} can be imported, 1 has errors")
    error_row = page.locator("#import-errors tbody tr")
    expect(error_row).to_have_count(1)
    expect(error_row).to_contain_text(f"{ROWS + 2}")  # its row in the file: the header is row 1
    expect(error_row).to_contain_text("The denominator must be above zero.")
    assert Measurement.objects.count() == 0
    screenshot(page, "import-preview")

    # Confirmed before any worker runs: the page shows the queued import and polls.
    page.get_by_role("button", name=f"Import {ROWS} valid rows").click()
    expect(progress).to_have_attribute("data-status", "queued")
    expect(progress).to_have_attribute("hx-trigger", "every 1s")
    expect(page.locator(".messages")).to_contain_text(f"Importing {ROWS} rows of october.csv")

    with running_worker():
        # Wait for the worker by condition (the job's row), with a generous ceiling for a busy machine;
        # then the polled card is swapped in place until the summary, which stops the polling.
        assert wait_until(lambda: ImportJob.objects.get().status == "done")
        expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")
    bar = page.locator("[role=progressbar] > span")
    expect(bar).to_have_attribute("data-bar-percent", "100")
    assert bar.evaluate("(span) => span.style.width") == "100%"  # set by app.js: no style="" under the CSP
    expect(page.locator("[data-summary]")).to_contain_text(f"{ROWS} created, 0 updated, 0 unchanged, 1 skipped")
    screenshot(page, "import-done")

    job = ImportJob.objects.get()
    assert (job.status, job.processed_rows, job.created_count, job.error_count) == ("done", ROWS + 1, ROWS, 1)
    assert Measurement.objects.filter(source="import").count() == ROWS
    assert set(Measurement.objects.values_list("note", flat=True)) == {"=from the tracker"}
    assert overflowing_elements(page) == []
    assert page.console_errors == []

"""The CSV import pages × roles: upload → preview (row errors, escaped) → "Import N valid rows" →
progress (polled with htmx every second while it runs) → summary; the template download; the link
from the measurements list."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from html import unescape as html_unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.performance import imports, measurement_imports
from apps.performance.models import ImportJob, Measurement
from apps.performance.tasks import run_import
from tests.api_matrix import role_may
from tests.conftest import ROLES
from tests.factories import ContractFactory, MeasurementFactory, UserFactory

pytestmark = pytest.mark.django_db
HEADER = "contract,kpi,period_start,period_end,value,numerator,denominator,note\n"
GOOD_AND_BAD = (
    HEADER
    + "MSA-7,sprint_velocity,2026-10-01,2026-10-14,40,,,<b>bold</b>\n"
    + "MSA-7,<script>alert(1)</script>,2026-10-01,2026-10-14,40,,,\n"
    + "MSA-7,defect_rate,2026-10-01,2026-10-31,,3,240,=1+2\n"
)


@pytest.fixture
def contract() -> Any:
    return ContractFactory(reference="MSA-7")


@pytest.fixture
def browser_for(user_with_role: Callable[[str], Any]) -> Callable[[str], Client]:
    def make(role: str) -> Client:
        client = Client()
        client.force_login(user_with_role(role))
        return client

    return make


def upload(client: Client, content: str | bytes = GOOD_AND_BAD, name: str = "october.csv") -> Any:
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("imports:create"), {"register": "measurements", "file": SimpleUploadedFile(name, data, "text/csv")}
    )


@pytest.mark.parametrize("role", ROLES)
def test_upload_and_start_by_role(
    role: str, browser_for: Callable[[str], Client], contract: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(run_import, "apply_async", lambda args, kwargs: None)
    client = browser_for(role)
    allowed = role_may(role, "performance.add_measurement")
    form = client.get(reverse("imports:create"))
    # The upload page is for whoever may import some register; the measurements are a choice of it
    # only for those who may add measurements (the others get the 403 page, or a refused choice).
    assert form.status_code in ((200,) if allowed else (200, 403))
    assert ('<option value="measurements"' in form.content.decode()) is allowed
    response = upload(client)
    if not allowed:
        assert response.status_code in (400, 403) and ImportJob.objects.count() == 0
        job = imports.import_job_create(
            register="measurements", actor=None, file_name="x.csv", content=GOOD_AND_BAD.encode()
        )
        assert client.post(reverse("imports:start", args=[job.pk])).status_code == 403
        assert client.get(job.get_absolute_url()).status_code == 200  # everyone signed in reads
        return
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Import 2 valid rows" in page
    response = client.post(reverse("imports:start", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "queued"


def test_the_preview_shows_row_errors_escaped_and_writes_nothing(
    browser_for: Callable[[str], Client], contract: Any
) -> None:
    client = browser_for(Role.ENGINEERING_MANAGER)
    job_url = upload(client)["Location"]
    html = client.get(job_url).content.decode()
    assert "3 rows read: <strong>2</strong> can be imported" in html
    assert 'data-action="start-import"' in html and "Import 2 valid rows" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<td class="num">3</td><td><code>kpi</code></td>' in html  # the file's row 3 (header = row 1)
    assert "hx-trigger" not in html  # a preview does not poll
    assert Measurement.objects.count() == 0


def test_start_enqueues_after_commit_then_the_page_polls_until_the_summary(
    browser_for: Callable[[str], Client], contract: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(run_import, "apply_async", lambda args, kwargs: sent.append(args))
    client = browser_for(Role.ENGINEERING_MANAGER)
    job = ImportJob.objects.get(pk=upload(client)["Location"].rstrip("/").rsplit("/", 1)[1])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("imports:start", args=[job.pk]), follow=True)
    assert len(callbacks) == 1 and sent == [(job.pk,)]
    html = response.content.decode()
    assert "Importing 2 rows of october.csv" in html
    assert 'hx-trigger="every 1s"' in html and f'hx-get="{job.get_absolute_url()}"' in html
    assert "waiting for a worker" in html
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith("<section") and "<html" not in partial and 'hx-trigger="every 1s"' in partial
    run_import(job.pk)  # the worker
    done = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done  # the last answer stops the polling
    assert 'data-status="done"' in done and 'aria-valuenow="3"' in done and 'data-bar-percent="100"' in done
    assert (
        '<strong data-count="created">2</strong>' in done
        and '<strong data-count="errors" class="text-bad">1</strong>' in done
    )
    assert "2 created, 0 updated, 0 unchanged, 1 skipped" in done
    assert Measurement.objects.filter(source="import").count() == 2
    assert Measurement.objects.get(kpi__code="defect_rate").note == "=1+2"
    # "See the 2 measurements it wrote": the list of exactly those, not every imported row there is.
    MeasurementFactory(contract=contract, source="import")
    link = re.search(r'<a href="([^"]+)">See the 2 measurements it wrote</a>', done)
    assert link, done
    listed = client.get(html_unescape(link.group(1)))
    assert listed.context["paginator"].count == 2


def test_progress_while_running(browser_for: Callable[[str], Client], contract: Any) -> None:
    client = browser_for(Role.EXECUTIVE)
    job = imports.import_job_create(
        register="measurements", actor=None, file_name="big.csv", content=GOOD_AND_BAD.encode()
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1, created_count=1)
    html = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert (
        'hx-trigger="every 1s"' in html and "1 of 3 rows processed (33 %)" in html and 'data-bar-percent="33"' in html
    )


def test_only_the_uploader_or_an_admin_starts_an_import(user_with_role: Any, contract: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(run_import, "apply_async", lambda args, kwargs: None)
    owner = user_with_role(Role.ENGINEERING_MANAGER)
    job = imports.import_job_create(
        register="measurements", actor=owner, file_name="x.csv", content=GOOD_AND_BAD.encode()
    )
    colleague = Client()
    colleague.force_login(UserFactory(role=Role.ENGINEERING_MANAGER))
    assert colleague.post(reverse("imports:start", args=[job.pk])).status_code == 403
    html = colleague.get(job.get_absolute_url()).content.decode()
    assert "Import 2 valid rows" not in html  # not offered to a colleague
    uploader = Client()
    uploader.force_login(owner)
    assert "Import 2 valid rows" in uploader.get(job.get_absolute_url()).content.decode()
    admin = Client()
    admin.force_login(user_with_role(Role.ADMIN))
    assert admin.post(reverse("imports:start", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == "queued"
    # Twice: queued again, harmless.
    response = admin.post(reverse("imports:start", args=[job.pk]), follow=True)
    assert response.status_code == 200


def test_a_started_import_cannot_be_started_again(browser_for: Callable[[str], Client], contract: Any) -> None:
    client = browser_for(Role.ENGINEERING_MANAGER)
    job = ImportJob.objects.get(pk=upload(client)["Location"].rstrip("/").rsplit("/", 1)[1])
    ImportJob.objects.filter(pk=job.pk).update(status="done")
    response = client.post(reverse("imports:start", args=[job.pk]), follow=True)
    assert "This import is already done." in response.content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,colour\nx,red\n", "Unknown column(s) in the header: name, colour"),
        (b"\xff\xfe\x00\x00", "not UTF-8"),
        (HEADER, "no rows"),
    ],
)
def test_a_bad_file_is_a_form_error(browser_for: Callable[[str], Client], content: Any, message: str) -> None:
    response = upload(browser_for(Role.ENGINEERING_MANAGER), content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    browser_for: Callable[[str], Client], settings: Any
) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    response = upload(browser_for(Role.ENGINEERING_MANAGER), HEADER + "x" * 2000)
    assert response.status_code == 400 and "the limit is" in response.content.decode()


def test_the_upload_form_is_multipart_and_links_the_template(browser_for: Callable[[str], Client]) -> None:
    html = browser_for(Role.ENGINEERING_MANAGER).get(reverse("imports:create")).content.decode()
    assert 'enctype="multipart/form-data"' in html and reverse("imports:template", args=["measurements", "csv"]) in html


def test_the_template_has_the_header_and_two_rows_that_import(
    browser_for: Callable[[str], Client], contract: Any
) -> None:
    response = browser_for(Role.SECURITY).get(reverse("imports:template", args=["measurements", "csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="measurements-template.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == measurement_imports.COLUMNS and len(rows) == 3
    assert rows[1][0] == "MSA-7"
    assert imports.import_preview("measurements", response.content)[1].valid_rows == 2


def test_the_list_and_the_measurements_page_link(browser_for: Callable[[str], Client], contract: Any) -> None:
    manager = browser_for(Role.ENGINEERING_MANAGER)
    upload(manager)
    measurements = manager.get(reverse("performance:measurement-list")).content.decode()
    assert reverse("imports:create") in measurements and "Import CSV" in measurements
    listing = manager.get(reverse("imports:list")).content.decode()
    assert "october.csv" in listing and "Awaiting confirmation" in listing
    assert listing.count(f'href="{reverse("imports:create")}"') == 1 and "Import a file" in listing
    cfo = browser_for(Role.EXECUTIVE).get(reverse("performance:measurement-list")).content.decode()
    assert reverse("imports:create") not in cfo and reverse("imports:list") in cfo


def test_pages_need_sign_in(contract: Any) -> None:
    job = imports.import_job_create(
        register="measurements", actor=None, file_name="x.csv", content=GOOD_AND_BAD.encode()
    )
    for url in (
        reverse("imports:list"),
        reverse("imports:create"),
        reverse("imports:template", args=["measurements", "csv"]),
        job.get_absolute_url(),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Client().post(reverse("imports:start", args=[job.pk])).status_code == 302


def test_the_page_lists_the_first_errors_and_counts_them_all(
    browser_for: Callable[[str], Client], contract: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(imports, "MAX_STORED_ERRORS", 2)
    bad = "".join(f"MSA-7,sprint_velocity,2026-10-01,2026-10-{day:02d},-1,,,\n" for day in range(1, 4))
    client = browser_for(Role.ENGINEERING_MANAGER)
    job = ImportJob.objects.get(pk=upload(client, HEADER + bad)["Location"].rstrip("/").rsplit("/", 1)[1])
    assert (job.error_count, len(job.errors), job.valid_rows) == (3, 2, 0)
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Rows with errors (the first 2 of 3)" in html
    assert "No row can be imported" in html and 'data-action="start-import"' not in html

"""The review pack (``apps/dashboards/pdf.py``, ``apps/dashboards/review_pack.py``): the vendor 360 and the
portfolio overview as PDF — what they say, who may download them, that rendering fetches nothing over the
network, the query budget — and the pack e-mailed to the vendor's owners before each service review, once."""

from __future__ import annotations

import datetime as dt
import io
import socket
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from weasyprint import HTML

from apps.accounts.choices import Role
from apps.dashboards.pdf import static_files_fetcher, static_path
from apps.dashboards.review_pack import review_of, review_pack_attachments
from apps.notifications.models import Notification, SentReminder
from apps.notifications.reminders import reminders_send
from apps.notifications.tasks import send_notification_email
from tests import factories
from tests.dashboards.conftest import Portfolio, _breach, _evaluation, count_queries
from tests.dashboards.test_vendor_360 import QUERY_BUDGET

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def words(text: str) -> str:
    """Extracted text with its line breaks (WeasyPrint wraps long sentences) as spaces."""
    return " ".join(text.split())


@pytest.fixture
def signed_in(client: Client, user_with_role: Any) -> Client:
    client.force_login(user_with_role(Role.ENGINEERING_MANAGER))
    return client


def vendor_pdf(pk: int) -> str:
    return reverse("dashboards:vendor-pdf", args=[pk])


# -- the downloads ---------------------------------------------------------------------------------------
def test_the_vendor_pack_is_a_pdf_of_the_vendor_360(signed_in: Client, portfolio: Portfolio) -> None:
    alpha = portfolio.vendors["alpha"]
    response = signed_in.get(vendor_pdf(alpha.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="review-pack-')
    assert "no-store" in response["Cache-Control"]
    text = words(text_of(response.content))
    assert f"{alpha.name} — review pack" in text
    for heading in ("Needs attention", "Scorecard", "SLA terms: current status", "Breaches and service credits"):
        assert heading in text
    assert "open breaches" in text.lower()  # the attention summary, as on the page
    assert "Page 1 of" in text and "Generated" in text and "money in EUR" in text
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata is not None and reader.metadata.title == f"{alpha.name} — review pack"


def test_the_overview_pack_follows_the_filters(signed_in: Client, portfolio: Portfolio) -> None:
    response = signed_in.get(reverse("dashboards:overview-pdf") + "?geography=offshore")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = words(text_of(response.content))
    assert "Portfolio overview" in text and "Offshore" in text and "filtered" in text
    assert "Vendor league table" in text and "SLA compliance" in text
    league = text.split("Vendor league table", 1)[1].split("Risk heat map", 1)[0]
    assert portfolio.vendors["alpha"].name in league  # Alpha is offshore …
    assert portfolio.vendors["beta"].name not in league  # … Beta is not


def test_both_pages_offer_the_pdf(signed_in: Client, portfolio: Portfolio) -> None:
    alpha = portfolio.vendors["alpha"]
    page = signed_in.get(reverse("dashboards:vendor-360", args=[alpha.pk])).content.decode()
    assert f'href="{vendor_pdf(alpha.pk)}"' in page and "Download PDF" in page
    overview = signed_in.get(reverse("dashboards:overview") + "?tier=tier_1").content.decode()
    assert f'href="{reverse("dashboards:overview-pdf")}?tier=tier_1"' in overview
    # The filter bar swaps the body: the head's link is swapped with it (out of band).
    swapped = signed_in.get(reverse("dashboards:overview") + "?tier=tier_2", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-swap-oob="true"' in swapped and "?tier=tier_2" in swapped


def test_signing_in_is_required_and_an_unknown_vendor_is_404(signed_in: Client, portfolio: Portfolio) -> None:
    for url in (vendor_pdf(portfolio.vendors["alpha"].pk), reverse("dashboards:overview-pdf")):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert signed_in.get(vendor_pdf(999_999)).status_code == 404
    assert signed_in.post(reverse("dashboards:overview-pdf")).status_code == 405


def test_the_vendor_pack_runs_a_bounded_number_of_queries(signed_in: Client, portfolio: Portfolio) -> None:
    vendor = portfolio.vendors["alpha"]
    few = count_queries(signed_in, vendor_pdf(vendor.pk))
    assert few <= QUERY_BUDGET
    today, period = portfolio.today, portfolio.period
    for i in range(3):
        contract = factories.ContractFactory(vendor=vendor, start_date=today - dt.timedelta(days=300))
        term = factories.SlaTermFactory(contract=contract)
        _breach(term, period, "open", "10.00", contract.currency)
        _evaluation(term, period.next().start, period.next().end, "at_risk", closed=False)
        review = factories.ServiceReviewFactory(vendor=vendor, scheduled_for=today + dt.timedelta(days=i + 1))
        factories.ActionItemFactory(review=review, due_on=today - dt.timedelta(days=1))
        factories.VendorRiskFactory(vendor=vendor, likelihood=5, impact=4)
        factories.CertificationFactory(vendor=vendor, expires_on=today + dt.timedelta(days=i))
        factories.AccessGrantFactory(vendor=vendor, granted_on=today - dt.timedelta(days=9))
        factories.MeasurementFactory(
            contract=contract, kpi=term.kpi, period_start=period.start, period_end=period.end, value=Decimal("50")
        )
    assert count_queries(signed_in, vendor_pdf(vendor.pk)) == few


# -- nothing over the network ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("http://localhost:8000/static/css/review-pack.css", True),  # SITE_URL + STATIC_URL
        ("/static/css/review-pack.css", True),
        ("https://cdn.example.com/static/css/review-pack.css", False),
        ("http://localhost:8000/static/css/../../config/settings/base.py", False),
        ("file:///etc/passwd", False),
        ("http://localhost:8000/dashboard/", False),
        ("/static/css/no-such-file.css", False),
    ],
)
def test_only_static_files_are_served_to_the_renderer(url: str, found: bool) -> None:
    assert (static_path(url) is not None) is found
    if not found:
        with pytest.raises(ValueError, match="only the workspace's static files"):
            static_files_fetcher().fetch(url)


def test_rendering_opens_no_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the renderer tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    html = (
        '<link rel="stylesheet" href="https://cdn.example.com/evil.css">'
        '<img src="http://169.254.169.254/latest/meta-data/">'
        '<p style="background: url(http://example.com/x.png)">Still rendered</p>'
    )
    pdf = HTML(string=html, base_url="http://localhost:8000/", url_fetcher=static_files_fetcher()).write_pdf()
    assert "Still rendered" in text_of(pdf)


# -- the pack by e-mail before each service review -------------------------------------------------------
@pytest.fixture
def emails_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """E-mail tasks run in-process, as a worker would run them."""

    def run_inline(args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
        return send_notification_email.apply(args=args, kwargs=kwargs or {}, throw=True)

    monkeypatch.setattr(send_notification_email, "apply_async", run_inline)


TODAY = dt.date(2026, 11, 23)


def packs(on: dt.date) -> int:
    return reminders_send(as_of=on)["review_pack"]


def test_the_owners_get_the_pack_once_two_days_before_the_review(
    emails_inline: None, django_capture_on_commit_callbacks: Any
) -> None:
    vendor = factories.VendorFactory(name="Vistula Software House")
    for owner in (vendor.delivery_owner, vendor.security_contact):  # one PDF rendered is enough here
        owner.email = ""
        owner.save()
    factories.UserFactory()  # not an owner: never told
    review = factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY + dt.timedelta(days=2))
    assert packs(TODAY - dt.timedelta(days=1)) == 0  # three days ahead: not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert packs(TODAY) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert packs(TODAY) == 0  # twice: once
        assert packs(TODAY + dt.timedelta(days=1)) == 0
    told = Notification.objects.filter(kind="review_pack")
    assert set(told.values_list("recipient", flat=True)) == set(vendor.owner_ids)
    assert told.first().url == reverse("dashboards:vendor-360", args=[vendor.pk])
    assert SentReminder.objects.filter(kind="review_pack").count() == 1
    [message] = [m for m in mail.outbox if "Review pack" in m.subject]
    assert message.to == [vendor.engineering_owner.email]
    [(filename, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and filename.startswith("review-pack-vistula-software-house-")
    text = words(text_of(content))
    assert "Vistula Software House — review pack" in text
    assert f"Prepared for the service review of {review.scheduled_for:%-d %b %Y}" in text


def test_a_rescheduled_review_gets_the_pack_again_a_past_cancelled_or_exited_one_none() -> None:
    vendor = factories.VendorFactory()
    review = factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY + dt.timedelta(days=1))
    factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY - dt.timedelta(days=1))  # past
    factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY, status="cancelled")
    factories.ServiceReviewFactory(vendor=factories.VendorFactory(status="exited"), scheduled_for=TODAY)
    assert packs(TODAY) == 1
    review.scheduled_for = TODAY + dt.timedelta(days=2)
    review.save()
    assert packs(TODAY) == 1
    assert set(SentReminder.objects.filter(kind="review_pack").values_list("item_key", "occasion")) == {
        (f"service_review:{review.pk}", f"due:{TODAY + dt.timedelta(days=1)}"),
        (f"service_review:{review.pk}", f"due:{TODAY + dt.timedelta(days=2)}"),
    }


def test_the_window_follows_the_setting(settings: Any) -> None:
    settings.REVIEW_PACK_DAYS_BEFORE = 5
    factories.ServiceReviewFactory(scheduled_for=TODAY + dt.timedelta(days=5))
    assert packs(TODAY) == 1


def test_a_review_gone_since_gets_no_attachment() -> None:
    owner = factories.UserFactory()
    notification = Notification.objects.create(
        recipient=owner,
        kind="review_pack",
        title="Review pack",
        dedupe_key="reminder:review_pack:service_review:999999:due:2026-11-25",
    )
    assert review_of(notification) == 999_999
    assert review_pack_attachments(notification) == []

"""The upload form's POST (in place with htmx, or a page of its own), the download (signed in, allowed,
attachment, nosniff, audited), and the Evidence sections of the vendor and contract pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pghistory.models import Events

from apps.documents.models import EvidenceFile
from apps.documents.services import evidence_upload
from tests.documents.files import pdf_bytes, upload, zip_bytes
from tests.factories import (
    CertificationFactory,
    ContractFactory,
    ServiceReviewFactory,
    UserFactory,
    VendorFactory,
    VendorRiskFactory,
    VettingAssessmentFactory,
)

pytestmark = pytest.mark.django_db


def upload_url(key: str, pk: int) -> str:
    return reverse("documents:upload", args=[key, pk])


def post_file(client, certification, name: str, data: bytes, **extra):
    prefix = f"ev-certification-{certification.pk}"
    return client.post(
        upload_url("vendors.certification", certification.pk),
        {f"{prefix}-kind": "soc2_report", f"{prefix}-title": "", f"{prefix}-file": upload(name, data)},
        **extra,
    )


def test_upload_then_back_to_the_page(client) -> None:
    certification = CertificationFactory()
    client.force_login(UserFactory(role="security"))
    response = post_file(client, certification, "soc2.pdf", pdf_bytes("report"))
    assert response.status_code == 302
    assert response.url == certification.get_absolute_url()
    evidence = EvidenceFile.objects.get()
    assert evidence.subject == certification
    page = client.get(response.url)
    assert "Kept “SOC 2 report” (version 1) from soc2.pdf." in page.content.decode()


def test_a_refused_upload_shows_the_reason_in_place(client) -> None:
    certification = CertificationFactory()
    client.force_login(UserFactory(role="security"))
    response = post_file(client, certification, "report.pdf", zip_bytes(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps the block with its errors
    html = response.content.decode()
    assert f'id="evidence-vendors-certification-{certification.pk}"' in html
    assert "This file is a ZIP archive, not one of: PDF" in html
    assert '<details class="evidence-upload" open>' in html
    # Without htmx: a page of its own with the form and the reason.
    response = post_file(client, certification, "report.pdf", zip_bytes())
    assert response.status_code == 400
    assert "This file is a ZIP archive" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_a_valid_htmx_upload_redirects_the_page(client) -> None:
    certification = CertificationFactory()
    client.force_login(UserFactory(role="security"))
    response = post_file(client, certification, "soc2.pdf", pdf_bytes("report"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == certification.get_absolute_url()


def test_too_big_with_a_small_limit(client, settings) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024
    certification = CertificationFactory()
    client.force_login(UserFactory(role="security"))
    response = post_file(client, certification, "soc2.pdf", pdf_bytes("x" * 2000))
    assert response.status_code == 400
    assert "the limit is 1 KB." in response.content.decode()


def test_who_may_post(client) -> None:
    certification = CertificationFactory()
    response = post_file(client, certification, "soc2.pdf", pdf_bytes("report"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(UserFactory(role="executive"))
    assert post_file(client, certification, "soc2.pdf", pdf_bytes("report")).status_code == 403
    assert client.post(upload_url("vendors.vendor", certification.vendor_id)).status_code == 404  # not a subject
    assert client.post(upload_url("vendors.certification", 999_999)).status_code == 404
    assert client.get(upload_url("vendors.certification", certification.pk)).status_code == 405
    assert not EvidenceFile.objects.exists()


def test_download_is_an_audited_attachment(client) -> None:
    data = pdf_bytes("report")
    evidence = evidence_upload(
        subject=CertificationFactory(),
        kind="soc2_report",
        upload=upload("SOC 2 “final”.pdf", data),
        actor=UserFactory(role="security"),
    ).evidence
    url = reverse("documents:download", args=[evidence.pk])
    assert client.get(url).status_code == 302  # signed in only
    reader = UserFactory(role="executive")
    client.force_login(reader)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''SOC%202%20%E2%80%9Cfinal%E2%80%9D.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    downloads = Events.objects.tracks(evidence).filter(pgh_label="download")
    assert [event.pgh_context["user"] for event in downloads] == [reader.pk]
    assert client.get(reverse("documents:download", args=[evidence.pk + 1000])).status_code == 404
    assert client.post(url).status_code == 405


def test_the_vendor_evidence_tab(client, django_assert_max_num_queries) -> None:
    vendor = VendorFactory(name="Kraków Software")
    security = UserFactory(role="security")
    certifications = CertificationFactory.create_batch(3, vendor=vendor)
    VettingAssessmentFactory(vendor=vendor)
    ServiceReviewFactory(vendor=vendor)
    VendorRiskFactory(vendor=vendor)
    for certification in certifications:
        for _ in range(2):
            evidence_upload(
                subject=certification, kind="soc2_report", upload=upload("soc2.pdf", pdf_bytes("r")), actor=security
            )
    client.force_login(security)
    url = reverse("vendors:vendor-tab", args=[vendor.pk, "evidence"])
    with django_assert_max_num_queries(30):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="evidence-block"') == 6  # 3 certifications, a vetting, a review, a risk
    assert html.count("data-evidence-file=") == 6  # two versions each
    assert html.count('class="evidence-upload"') == 4  # security: certifications and the risk
    for certification in certifications:
        assert upload_url("vendors.certification", certification.pk) in html


def test_the_vendor_evidence_tab_costs_the_same_for_more_records(client, django_assert_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    vendor = VendorFactory()
    security = UserFactory(role="security")
    client.force_login(security)
    url = reverse("vendors:vendor-tab", args=[vendor.pk, "evidence"])
    CertificationFactory(vendor=vendor)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for certification in CertificationFactory.create_batch(4, vendor=vendor):
        evidence_upload(subject=certification, kind="other", upload=upload("a.txt", b"a\n"), actor=security)
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    assert len(five) == len(one)


def test_the_contract_page_has_the_evidence_panel(client) -> None:
    contract = ContractFactory()
    client.force_login(UserFactory(role="procurement"))
    html = client.get(reverse("contracts:contract-detail", args=[contract.pk])).content.decode()
    assert 'id="evidence"' in html
    assert upload_url("contracts.contract", contract.pk) in html
    client.force_login(UserFactory(role="security"))  # may read, may not upload to a contract
    html = client.get(reverse("contracts:contract-detail", args=[contract.pk])).content.decode()
    assert 'id="evidence"' in html
    assert upload_url("contracts.contract", contract.pk) not in html

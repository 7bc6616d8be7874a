"""Evidence files in a real browser: a procurement lead attaches a SOC 2 PDF to a certification on the
vendor's Evidence tab, sees a ZIP named .pdf and a file over the limit refused in place with the reason,
and uploads a signed contract PDF whose vague phrases then show on the contract page.
Screenshots: test-artifacts/evidence-certification.png, evidence-refused-type.png,
evidence-refused-size.png, evidence-contract-text.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.contracts.models import Contract
from apps.documents.models import EvidenceFile
from tests.documents.files import pdf_bytes, zip_bytes
from tests.e2e.conftest import screenshot
from tests.e2e.test_screenshots import overflowing_elements
from tests.factories import CertificationFactory, ContractFactory, UserFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"
SIGNED = (
    "Master Services Agreement between Acme and Kraków Software.",
    "The Supplier shall use best efforts to restore the service and",
    "commercially reasonable measures to protect the data.",
)


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def shot(page, name: str) -> None:
    # From the top: the sticky header stays where a full-page screenshot starts.
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def attach(block, *, kind: str, name: str, data: bytes, mime: str = "application/pdf") -> None:
    details = block.locator("details.evidence-upload")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    block.locator("select[name$='-kind']").select_option(kind)
    block.locator("input[type=file]").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    block.get_by_role("button", name="Upload").click()


def test_evidence_uploads_refusals_and_the_contract_text(live_server, page, settings) -> None:
    UserFactory(username="procurement", role="procurement", password=PASSWORD)
    vendor = VendorFactory(name="Kraków Software")
    certification = CertificationFactory(vendor=vendor, kind="soc2_type2")
    contract = ContractFactory(vendor=vendor, title="Platform MSA", text="")
    sign_in(page, live_server, "procurement")

    # A SOC 2 report on the certification.
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/evidence/")
    block = page.locator(f"#evidence-vendors-certification-{certification.pk}")
    attach(block, kind="soc2_report", name="SOC2-Type-II-2026.pdf", data=pdf_bytes("SOC 2 Type II report"))
    expect(page.locator(".messages")).to_contain_text("Kept “SOC 2 report” (version 1) from SOC2-Type-II-2026.pdf.")
    block = page.locator(f"#evidence-vendors-certification-{certification.pk}")
    expect(block.locator("[data-evidence-file]")).to_have_count(1)
    expect(block.get_by_role("link", name="SOC2-Type-II-2026.pdf")).to_be_visible()
    shot(page, "evidence-certification")

    # A ZIP archive named .pdf: refused by its content, the reason beside the field, nothing kept.
    attach(block, kind="soc2_report", name="SOC2-bridge-letter.pdf", data=zip_bytes())
    error = block.locator(".field-error")
    expect(error).to_contain_text("This file is a ZIP archive, not one of: PDF")
    shot(page, "evidence-refused-type")

    # Over the limit (a small limit for the test).
    settings.EVIDENCE_MAX_BYTES = 1024
    attach(block, kind="soc2_report", name="SOC2-full.pdf", data=pdf_bytes("x" * 3000))
    expect(block.locator(".field-error")).to_contain_text("; the limit is 1 KB.")
    shot(page, "evidence-refused-size")
    assert EvidenceFile.objects.count() == 1
    settings.EVIDENCE_MAX_BYTES = 25 * 1024 * 1024

    # The signed contract fills the contract's text; its vague phrases show on the contract page.
    page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    attach(
        page.locator(f"#evidence-contracts-contract-{contract.pk}"),
        kind="signed_contract",
        name="signed.pdf",
        data=pdf_bytes(*SIGNED),
    )
    expect(page.locator(".messages")).to_contain_text("The contract's text now comes from it: 2 vague phrases found.")
    expect(page.locator('[data-finding="best efforts"]')).to_be_visible()
    expect(page.locator('[data-finding="commercially reasonable"]')).to_be_visible()
    shot(page, "evidence-contract-text")
    assert "best efforts" in Contract.objects.get(pk=contract.pk).text

    # The download goes through the app, as an attachment.
    with page.expect_download() as caught:
        page.get_by_role("link", name="signed.pdf").click()
    assert caught.value.suggested_filename == "signed.pdf"
    assert overflowing_elements(page) == []
    assert page.console_errors == []

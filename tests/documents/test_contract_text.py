"""A signed contract or amendment uploaded as PDF or DOCX fills the contract's text, so the
vague-language check runs on the real contract."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.contracts.vague_language import contract_vague_language_findings
from apps.documents.services import evidence_upload
from tests.documents.files import docx_bytes, pdf_bytes, upload
from tests.factories import ContractFactory, UserFactory

pytestmark = pytest.mark.django_db

LINES = (
    "Master Services Agreement.",
    "The Supplier shall use best efforts to restore the service and",
    "commercially reasonable measures to protect the data.",
)


def attach(contract, kind: str, name: str, data: bytes, *, title: str = ""):
    return evidence_upload(
        subject=contract, kind=kind, title=title, upload=upload(name, data), actor=UserFactory(role="procurement")
    )


def phrases(text: str) -> set[str]:
    return {finding.phrase for finding in contract_vague_language_findings(text)}


@pytest.mark.parametrize(("name", "data"), [("signed.pdf", pdf_bytes(*LINES)), ("signed.docx", docx_bytes(*LINES))])
def test_a_signed_contract_fills_the_text(name: str, data: bytes) -> None:
    contract = ContractFactory(text="Draft text, to be replaced.")
    result = attach(contract, "signed_contract", name, data)
    contract.refresh_from_db()
    assert contract.text.startswith("Master Services Agreement.")
    assert "Draft text" not in contract.text
    assert {"best efforts", "commercially reasonable"} <= phrases(contract.text)
    assert result.notice == "The contract's text now comes from it: 2 vague phrases found."


def test_an_amendment_is_added_under_its_heading() -> None:
    contract = ContractFactory(text="The original agreement.")
    attach(contract, "amendment", "amendment.docx", docx_bytes("Delivery as soon as possible."), title="Amendment 1")
    contract.refresh_from_db()
    assert contract.text.startswith("The original agreement.\n\nAmendment: Amendment 1 (version 1)\n")
    assert contract.text.endswith("Delivery as soon as possible.")
    assert "as soon as possible" in phrases(contract.text)


def test_other_kinds_and_types_leave_the_text_alone() -> None:
    contract = ContractFactory(text="Kept.")
    assert attach(contract, "other", "letter.pdf", pdf_bytes("best efforts")).notice == ""
    assert attach(contract, "signed_contract", "signed.txt", b"best efforts\n").notice == ""
    contract.refresh_from_db()
    assert contract.text == "Kept."


def test_an_unreadable_pdf_is_kept_and_the_text_unchanged() -> None:
    contract = ContractFactory(text="Kept.")
    result = attach(contract, "signed_contract", "broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50)
    contract.refresh_from_db()
    assert contract.text == "Kept."
    assert result.evidence.pk
    assert result.notice == "Its text could not be read (the PDF could not be read); the contract's text is unchanged."


def test_the_contract_page_shows_the_phrases_of_the_uploaded_contract(client) -> None:
    contract = ContractFactory()
    attach(contract, "signed_contract", "signed.pdf", pdf_bytes(*LINES))
    client.force_login(UserFactory(role="executive"))
    response = client.get(reverse("contracts:contract-detail", args=[contract.pk]))
    html = response.content.decode()
    assert 'data-finding="best efforts"' in html
    assert 'data-finding="commercially reasonable"' in html
    assert "signed.pdf" in html  # the evidence panel lists the file

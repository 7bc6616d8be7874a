"""A contract's text: its maximum (refused by the form, the API and the services alike, nothing written;
a longer text saved before the maximum is kept) and the contract page, whose size stays bounded however
long the text and however many vague phrases it holds."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.contracts.models import CHECKLIST_NOTE_MAX_CHARS, CONTRACT_TEXT_MAX_CHARS, Contract
from apps.contracts.services import contract_sync_status_by_date, contract_transition, contract_update
from apps.contracts.vague_language import TEXT_PAGE_MAX_CHARS, TEXT_PAGE_MAX_FINDINGS
from tests import factories

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * (CONTRACT_TEXT_MAX_CHARS + 1)

# The contract page with a text at the maximum, whatever it is made of: its HTML stays under this many
# bytes (the page around the text, one text page of TEXT_PAGE_MAX_CHARS characters — escaped, up to six
# bytes each — and at most TEXT_PAGE_MAX_FINDINGS highlighted and listed findings). Before the text was
# paged, the first worst case below rendered 15.5 MB with 40,000 <mark>s.
PAGE_MAX_BYTES = 300_000


def _worst_cases() -> dict[str, str]:
    """Texts at the maximum: nothing but the shortest phrase (the most findings: one every five
    characters), and a phrase every 200 characters padded with characters HTML escapes to six bytes
    (the most bytes per page)."""
    shortest = "etc. " * (CONTRACT_TEXT_MAX_CHARS // 5)
    escaped = ("best efforts " + '"' * 187) * (CONTRACT_TEXT_MAX_CHARS // 200)
    return {"shortest phrase": shortest[:CONTRACT_TEXT_MAX_CHARS], "escaped": escaped[:CONTRACT_TEXT_MAX_CHARS]}


WORST_CASES = _worst_cases()


def _client(user_with_role: Callable[[str], Any], role: str) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


def _contract_form(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "MSA",
        "vendor": factories.VendorFactory().pk,
        "engagement_model": "managed_services",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "renewal": "none",
        "notice_days": "30",
        "value": "1000",
        "currency": "EUR",
        **overrides,
    }


def _legacy_contract(text: str, **fields: Any) -> Contract:
    """A contract whose text was saved before the maximum existed (written past the validation)."""
    contract = factories.ContractFactory(**fields)
    Contract.objects.filter(pk=contract.pk).update(text=text)
    return Contract.objects.get(pk=contract.pk)


# -- the maximum ----------------------------------------------------------------------------------------
def test_api_refuses_a_text_over_the_maximum_and_writes_nothing(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for(Role.PROCUREMENT)
    payload = {
        "vendor": factories.VendorFactory().pk,
        "title": "MSA",
        "engagement_model": "managed_services",
        "start_date": "2026-01-01",
        "value": "1000",
        "currency": "EUR",
        "text": TOO_LONG,
    }
    response = client.post("/api/v1/contracts/", payload, format="json")
    assert response.status_code == 400, response.content[:500]
    assert f"at most {CONTRACT_TEXT_MAX_CHARS:,} characters" in " ".join(response.json()["text"])
    assert not Contract.objects.exists()

    contract = factories.ContractFactory(text="Short.")
    response = client.patch(f"/api/v1/contracts/{contract.pk}/", {"text": TOO_LONG}, format="json")
    assert response.status_code == 400 and "text" in response.json()
    contract.refresh_from_db()
    assert contract.text == "Short."

    response = client.post("/api/v1/contracts/", {**payload, "text": "y" * CONTRACT_TEXT_MAX_CHARS}, format="json")
    assert response.status_code == 201, response.content[:500]


def test_form_refuses_a_text_over_the_maximum_keeping_what_was_typed(user_with_role: Callable[[str], Any]) -> None:
    client = _client(user_with_role, Role.PROCUREMENT)
    typed = "The supplier shall use best efforts. " + TOO_LONG
    response = client.post(reverse("contracts:contract-create"), _contract_form(text=typed))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["text"] and f"at most {CONTRACT_TEXT_MAX_CHARS:,} characters" in errors["text"][0]
    assert not Contract.objects.exists()
    # Nothing typed is lost: the form comes back with the whole text in it, to be shortened.
    assert typed in response.content.decode()


def test_checklist_notes_have_a_maximum_too(api_client_for: Callable[[str], APIClient]) -> None:
    contract = factories.ContractFactory()
    clause = factories.ContractClauseFactory(contract=contract, note="Weak.")
    response = api_client_for(Role.PROCUREMENT).patch(
        f"/api/v1/contract-clauses/{clause.pk}/", {"note": "n" * (CHECKLIST_NOTE_MAX_CHARS + 1)}, format="json"
    )
    assert response.status_code == 400 and "note" in response.json()
    clause.refresh_from_db()
    assert clause.note == "Weak."


def test_a_longer_text_saved_before_the_maximum_is_kept(user_with_role: Callable[[str], Any]) -> None:
    """Its contract still validates while the text is unchanged (edits of other fields, transitions,
    the nightly status sync); an edit of the text must bring it within the maximum."""
    legacy = "best efforts " * (CONTRACT_TEXT_MAX_CHARS // 10)
    contract = _legacy_contract(legacy, status="draft", renewal="none")

    contract = contract_update(instance=contract, actor=None, data={"title": "Renamed"})
    contract_transition(contract=contract, to_status="terminated", actor=None, reason="Ended early.")
    contract.refresh_from_db()
    assert (contract.title, contract.status, contract.text) == ("Renamed", "terminated", legacy)

    with pytest.raises(ValidationError) as refused:
        contract_update(instance=Contract.objects.get(pk=contract.pk), actor=None, data={"text": legacy + "more"})
    assert "text" in refused.value.message_dict
    assert Contract.objects.get(pk=contract.pk).text == legacy

    # A deferred text loaded on first access counts as stored, too.
    deferred = Contract.objects.defer("text").get(pk=contract.pk)
    assert deferred.text == legacy
    deferred.full_clean()

    expiring = _legacy_contract(legacy, status="active", renewal="none", end_date=date(2026, 1, 31))
    counts = contract_sync_status_by_date(as_of=date(2026, 2, 1))
    assert counts["failed"] == 0
    expiring.refresh_from_db()
    assert expiring.status == "expired" and expiring.text == legacy


# -- the contract page stays bounded -----------------------------------------------------------------------
@pytest.mark.parametrize("case", list(WORST_CASES))
def test_contract_page_size_is_bounded_for_a_maximal_text(case: str, user_with_role: Callable[[str], Any]) -> None:
    client = _client(user_with_role, Role.SECURITY)
    empty = factories.ContractFactory(text="")
    with CaptureQueriesContext(connection) as empty_queries:
        assert client.get(reverse("contracts:contract-detail", args=[empty.pk])).status_code == 200
    contract = factories.ContractFactory(text=WORST_CASES[case])
    contract.full_clean()  # at the maximum, not past it

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("contracts:contract-detail", args=[contract.pk]))
    body = response.content
    assert len(queries) == len(empty_queries)  # the text costs no query
    assert len(body) < PAGE_MAX_BYTES, len(body)
    assert body.count(b"<mark") <= TEXT_PAGE_MAX_FINDINGS
    assert body.count(b"data-finding=") <= TEXT_PAGE_MAX_FINDINGS
    html = body.decode()
    total = len(re.findall(r"best efforts|etc\.", WORST_CASES[case]))
    assert f"{total} vague phrases" in html  # the count is of the whole text

    for page in ("2", "999999999", "last"):
        response = client.get(reverse("contracts:contract-text", args=[contract.pk]), {"page": page})
        assert response.status_code == 200
        assert len(response.content) < PAGE_MAX_BYTES, len(response.content)
        assert response.content.count(b"<mark") <= TEXT_PAGE_MAX_FINDINGS


def test_text_pages_walk_through_the_whole_text(user_with_role: Callable[[str], Any]) -> None:
    """Every finding is on exactly one text page, numbered through the whole text, and the pages join up
    to the text."""
    client = _client(user_with_role, Role.SECURITY)
    # Dense findings first (pages cut at TEXT_PAGE_MAX_FINDINGS), then plain text (cut at TEXT_PAGE_MAX_CHARS).
    text = "Clause.\nThe supplier uses best efforts. " * 250 + "Plain words, no vague ones. " * 2_000
    contract = factories.ContractFactory(text=text)
    url = reverse("contracts:contract-text", args=[contract.pk])
    first = client.get(url)
    count = first.context["text_page_count"]
    assert count > 1 and first.context["text_page"].number == 1
    numbers: list[int] = []
    joined = ""
    for page in range(1, count + 1):
        context = client.get(url, {"page": page}).context
        assert context["text_page"].end - context["text_page"].start <= TEXT_PAGE_MAX_CHARS
        numbers += [number for number, _finding in context["page_findings"]]
        joined += "".join(segment for segment, _finding, _number in context["segments"])
    assert joined == text
    assert numbers == list(range(1, text.count("best efforts") + 1))
    # The contract page shows the first text page and links to the next.
    html = client.get(reverse("contracts:contract-detail", args=[contract.pk])).content.decode()
    assert f'href="{url}?page=2"' in html and f"Text page 1 of {count}" in html


def test_text_page_is_scoped_like_the_contract(user_with_role: Callable[[str], Any]) -> None:
    client = _client(user_with_role, Role.SECURITY)
    response = client.get(reverse("contracts:contract-text", args=[999_999]))
    assert response.status_code == 404
    anonymous = Client().get(reverse("contracts:contract-text", args=[factories.ContractFactory().pk]))
    assert anonymous.status_code == 302

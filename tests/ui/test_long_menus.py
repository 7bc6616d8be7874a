"""A filter menu of thousands of records (20,000 vendors, 100,000 contracts) is not drawn whole
(``apps.core.ui.LONG_MENU``): it offers what is chosen and is searched as one types through the list's own
``?choices=<filter>&term=`` (JSON). A short menu is drawn whole, from the same one query."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.choices import Role
from apps.core import ui
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(user_with_role: Callable[[str], Any]) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def _select(body: str, name: str) -> str:
    found = re.search(rf'<select name="{name}".*?</select>', body, flags=re.S)
    assert found, f"no {name} menu in the filter bar"
    return found.group(0)


def _vendors() -> list[Any]:
    return [factories.VendorFactory(name=name) for name in ("Acme", "Globex", "Kraków Software", "Initech", "Umbrella")]


def test_a_long_menu_offers_what_is_chosen_and_says_where_to_search(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui, "LONG_MENU", 3)
    acme, globex, *_ = _vendors()
    factories.ContractFactory(vendor=acme, title="Acme MSA")
    factories.ContractFactory(vendor=globex, title="Globex SOW")
    body = client.get(reverse("contracts:contract-list"), {"vendor": acme.pk}).content.decode()
    menu = _select(body, "vendor")
    assert re.findall(r"<option[^>]*>([^<]*)</option>", menu) == ["Any vendor", "Acme"]
    assert f'<option value="{acme.pk}" selected>Acme</option>' in menu
    assert 'data-choices-url="?choices=vendor"' in menu
    assert "Acme MSA" in body and "Globex SOW" not in body  # the chosen vendor still filters

    nothing_chosen = _select(client.get(reverse("contracts:contract-list")).content.decode(), "vendor")
    assert re.findall(r"<option[^>]*>([^<]*)</option>", nothing_chosen) == ["Any vendor"]


def test_a_short_menu_is_drawn_whole_from_one_query(client: Client) -> None:
    vendors = _vendors()
    with CaptureQueriesContext(connection) as captured:
        body = client.get(reverse("contracts:contract-list")).content.decode()
    menu = _select(body, "vendor")
    assert "data-choices-url" not in menu
    assert all(f">{vendor.name}</option>" in menu for vendor in vendors)
    menus = [
        q["sql"] for q in captured.captured_queries if 'FROM "vendors_vendor"' in q["sql"] and "ORDER BY" in q["sql"]
    ]
    assert len(menus) == 1 and "LIMIT 201" in menus[0], menus


def test_the_menu_is_searched_accent_and_case_insensitively(client: Client) -> None:
    _vendors()
    url = reverse("contracts:contract-list")
    found = client.get(url, {"choices": "vendor", "term": "krakow"})
    assert found.status_code == 200
    assert [row["label"] for row in found.json()["results"]] == ["Kraków Software"]
    everyone = client.get(url, {"choices": "vendor", "term": ""}).json()["results"]
    assert [row["label"] for row in everyone] == ["Acme", "Globex", "Initech", "Kraków Software", "Umbrella"]
    assert client.get(url, {"choices": "vendor", "term": "zzz-nothing"}).json() == {"results": []}


def test_a_contract_menu_finds_by_title_or_vendor(client: Client) -> None:
    acme = factories.VendorFactory(name="Acme")
    mine = factories.ContractFactory(vendor=acme, title="Platform modernisation")
    factories.ContractFactory(title="Data pipeline")
    url = reverse("performance:measurement-list")
    by_vendor = client.get(url, {"choices": "contract", "term": "acme"}).json()["results"]
    assert by_vendor == [{"value": str(mine.pk), "label": "Platform modernisation — Acme"}]
    by_title = client.get(url, {"choices": "contract", "term": "modernis"}).json()["results"]
    assert [row["value"] for row in by_title] == [str(mine.pk)]


def test_only_a_searchable_menu_of_the_filter_bar_answers(client: Client) -> None:
    url = reverse("contracts:contract-list")
    for name in ("status", "nothing", ""):
        answer = client.get(url, {"choices": name, "term": "a"})
        assert answer.status_code == 404, name
        assert "no such menu" in answer.json()["detail"]


def test_at_most_twenty_records_are_found(client: Client) -> None:
    for n in range(25):
        factories.VendorFactory(name=f"Supplier {n:02d}")
    results = client.get(reverse("contracts:contract-list"), {"choices": "vendor", "term": "supplier"}).json()[
        "results"
    ]
    assert len(results) == ui.CHOICES_SHOWN == 20

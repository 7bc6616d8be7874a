"""The filters people reach for first: vendor on contracts and breaches, contract on measurements — in the
list pages' filter bars and in the API (one FilterSet each), with lean menus (one query however many rows)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(user_with_role: Callable[[str], Any]) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def _breach_of(vendor: Any) -> Any:
    return factories.BreachFactory(evaluation__term__contract=factories.ContractFactory(vendor=vendor))


def _rows(body: str) -> list[str]:
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)


def _select(body: str, name: str) -> str:
    found = re.search(rf'<select name="{name}".*?</select>', body, flags=re.S)
    assert found, f"no {name} menu in the filter bar"
    return found.group(0)


def test_contracts_filter_by_vendor_from_the_filter_bar(client: Client) -> None:
    acme, globex = factories.VendorFactory(name="Acme"), factories.VendorFactory(name="Globex")
    factories.ContractFactory(vendor=acme, title="Acme MSA")
    factories.ContractFactory(vendor=globex, title="Globex SOW")
    body = client.get(reverse("contracts:contract-list"), {"vendor": acme.pk}).content.decode()
    menu = _select(body, "vendor")
    assert '<option value="">Any vendor</option>' in menu
    assert f'<option value="{acme.pk}" selected>Acme</option>' in menu
    assert f'<option value="{globex.pk}">Globex</option>' in menu
    assert "Acme MSA" in body
    assert "Globex SOW" not in body


def test_breaches_filter_by_vendor_from_the_filter_bar(client: Client) -> None:
    acme, globex = factories.VendorFactory(name="Acme"), factories.VendorFactory(name="Globex")
    mine, theirs = _breach_of(acme), _breach_of(globex)
    body = client.get(reverse("performance:breach-list"), {"vendor": acme.pk}).content.decode()
    assert f'<option value="{acme.pk}" selected>Acme</option>' in _select(body, "vendor")
    assert mine.term.contract.title in body
    assert theirs.term.contract.title not in body


def test_measurements_filter_by_contract_named_with_its_vendor(client: Client) -> None:
    acme = factories.VendorFactory(name="Acme")
    kept = factories.MeasurementFactory(contract=factories.ContractFactory(vendor=acme, title="Support 2026"))
    other = factories.MeasurementFactory(contract=factories.ContractFactory(title="Support 2026 elsewhere"))
    body = client.get(reverse("performance:measurement-list"), {"contract": kept.contract_id}).content.decode()
    menu = _select(body, "contract")
    assert '<option value="">Any contract</option>' in menu
    assert f'<option value="{kept.contract_id}" selected>Support 2026 — Acme</option>' in menu
    assert f'value="{other.contract_id}"' in menu
    assert "Support 2026 elsewhere" not in body.replace(menu, "")


def test_an_unknown_vendor_is_said_on_the_page_and_matches_nothing(client: Client) -> None:
    factories.ContractFactory(title="Acme MSA")
    response = client.get(reverse("contracts:contract-list"), {"vendor": "999999"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in body
    assert "Acme MSA" not in body


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("contracts:contract-list", lambda: factories.ContractFactory(vendor=factories.VendorFactory())),
        ("performance:breach-list", lambda: _breach_of(factories.VendorFactory())),
        ("performance:measurement-list", lambda: factories.MeasurementFactory()),
    ],
)
def test_the_menus_cost_the_same_queries_however_many_vendors_and_contracts(
    client: Client, url_name: str, make: Callable[[], Any]
) -> None:
    url = reverse(url_name)
    make()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(8):
        make()
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


# -- the API: the same FilterSets ---------------------------------------------------------------------------------
@pytest.fixture
def api(api_client_for: Callable[[str], APIClient]) -> APIClient:
    return api_client_for(Role.EXECUTIVE)


def _ids(api: APIClient, path: str, query: dict[str, Any]) -> list[int]:
    response = api.get(path, query)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_the_api_filters_contracts_and_breaches_by_vendor(api: APIClient) -> None:
    acme = factories.VendorFactory(name="Acme")
    contract = factories.ContractFactory(vendor=acme)
    factories.ContractFactory()
    breach, _ = _breach_of(acme), _breach_of(factories.VendorFactory())
    assert set(_ids(api, "/api/v1/contracts/", {"vendor": acme.pk})) == {contract.pk, breach.term.contract_id}
    assert _ids(api, "/api/v1/breaches/", {"vendor": acme.pk}) == [breach.pk]


def test_the_api_filters_measurements_by_contract(api: APIClient) -> None:
    kept = factories.MeasurementFactory(period_end=dt.date(2026, 10, 31))
    factories.MeasurementFactory()
    assert _ids(api, "/api/v1/measurements/", {"contract": kept.contract_id}) == [kept.pk]


@pytest.mark.parametrize(
    ("path", "name"),
    [("/api/v1/contracts/", "vendor"), ("/api/v1/breaches/", "vendor"), ("/api/v1/measurements/", "contract")],
)
def test_the_api_refuses_an_unknown_id_on_the_filters_name(api: APIClient, path: str, name: str) -> None:
    response = api.get(path, {name: "999999"})
    assert response.status_code == 400
    assert name in response.json()

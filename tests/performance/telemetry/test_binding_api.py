"""Source bindings and deliveries over the API: CRUD × roles (generated; no delete, deliveries read-only),
the secret answered by create and rotate-secret only, switching off (the receiver then answers 404),
400s on the field at fault, 409 on a duplicate, filters, and list query counts."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.performance.models import Delivery, SourceBinding
from apps.performance.telemetry import secrets
from apps.performance.telemetry.setup import webhook_url
from tests.api_matrix import ApiResourceMatrix
from tests.factories import ContractFactory, SourceBindingFactory

pytestmark = pytest.mark.django_db

BINDINGS = "/api/v1/telemetry-bindings/"
DELIVERIES = "/api/v1/telemetry-deliveries/"
_scopes = itertools.count(1)
_deliveries = itertools.count(1)


def make_delivery(**fields: Any) -> Delivery:
    fields.setdefault("binding", SourceBindingFactory())
    fields.setdefault("delivery_id", f"delivery-{next(_deliveries)}")
    fields.setdefault("event_type", "push")
    fields.setdefault("payload", {"ref": "refs/heads/main", "commits": []})
    return Delivery.objects.create(**fields)


class TestSourceBindingApi(ApiResourceMatrix):
    basename = "sourcebinding"
    factory = SourceBindingFactory
    can_delete = False  # bindings are never deleted: they are switched off

    def create_payload(self) -> dict[str, Any]:
        return {
            "contract": ContractFactory().pk,
            "source": "gitlab",
            "scope": f"vendor-group/service-{next(_scopes)}",
            "production_environments": ["production"],
            "measures": ["deployment_frequency"],
            "covers_from": "2026-09-01",
        }

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"name": "Payments API", "covers_from": "2026-10-01"}


class TestDeliveryApi(ApiResourceMatrix):
    basename = "delivery"
    model_class = Delivery
    can_create = False
    can_update = False
    can_delete = False

    def make(self) -> Any:
        return make_delivery()


def client_for(role: str, api_client_for: Callable[[str], APIClient]) -> APIClient:
    return api_client_for(role)


@pytest.fixture
def procurement(api_client_for: Callable[[str], APIClient]) -> APIClient:
    return api_client_for(Role.PROCUREMENT)


# -- the secret ---------------------------------------------------------------------------------------------
def test_create_answers_the_secret_and_nothing_else_does(procurement: APIClient) -> None:
    contract = ContractFactory()
    created = procurement.post(
        BINDINGS, {"contract": contract.pk, "source": "github", "scope": "vendor-org/api"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    body = created.json()
    binding = SourceBinding.objects.get(pk=body["id"])
    assert body["secret"] == secrets.unseal(binding.secret_sealed)
    assert body["webhook_url"] == webhook_url(binding)
    assert body["health"] == "waiting" and body["active"] is True
    assert body["measures"] == list(binding.measures) and binding.measures  # the source's defaults
    assert "api_token" not in body and "secret_sealed" not in body
    listed = procurement.get(BINDINGS, {"contract": contract.pk}).json()["results"]
    assert [row["id"] for row in listed] == [binding.pk] and "secret" not in listed[0]
    detail = procurement.get(f"{BINDINGS}{binding.pk}/").json()
    assert "secret" not in detail and body["secret"] not in str(detail)
    patched = procurement.patch(f"{BINDINGS}{binding.pk}/", {"name": "API"}, format="json").json()
    assert "secret" not in patched


def test_rotate_secret_answers_a_new_one_once(procurement: APIClient) -> None:
    binding = SourceBindingFactory()
    old = binding.secret_plain
    rotated = procurement.post(f"{BINDINGS}{binding.pk}/rotate-secret/", {}, format="json")
    assert rotated.status_code == 200, rotated.content
    new = rotated.json()["secret"]
    binding.refresh_from_db()
    assert new != old and secrets.unseal(binding.secret_sealed) == new
    assert rotated.json()["secret_rotated_at"] is not None
    assert "secret" not in procurement.get(f"{BINDINGS}{binding.pk}/").json()


def test_an_api_token_is_written_never_answered(procurement: APIClient) -> None:
    binding = SourceBindingFactory()
    response = procurement.patch(f"{BINDINGS}{binding.pk}/", {"api_token": "glpat-history"}, format="json")
    assert response.status_code == 200 and "glpat-history" not in response.content.decode()
    binding.refresh_from_db()
    assert secrets.unseal(binding.api_token_sealed) == "glpat-history"


# -- switching off and on ------------------------------------------------------------------------------------
def test_deactivate_makes_the_receiver_404_and_activate_brings_it_back(procurement: APIClient, settings: Any) -> None:
    settings.SITE_URL = "http://testserver"
    binding = SourceBindingFactory()
    receiver = webhook_url(binding).removeprefix("http://testserver")
    off = procurement.post(f"{BINDINGS}{binding.pk}/deactivate/", {}, format="json")
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["health"] == "inactive"
    assert Client().post(receiver, b"{}", content_type="application/json").status_code == 404
    on = procurement.post(f"{BINDINGS}{binding.pk}/activate/", {}, format="json")
    assert on.status_code == 200 and on.json()["active"] is True
    assert Client().post(receiver, b"{}", content_type="application/json").status_code == 401


def test_a_binding_is_never_deleted_nor_replaced_whole(api_client_for: Callable[[str], APIClient]) -> None:
    binding = SourceBindingFactory()
    admin = api_client_for(Role.ADMIN)  # every permission: the method itself is not there
    assert admin.delete(f"{BINDINGS}{binding.pk}/").status_code == 405
    assert admin.put(f"{BINDINGS}{binding.pk}/", {"name": "x"}, format="json").status_code == 405
    assert SourceBinding.objects.filter(pk=binding.pk).exists()


@pytest.mark.parametrize("verb", ["rotate-secret", "activate", "deactivate"])
@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.SECURITY])
def test_the_actions_need_the_permission_to_change_bindings(
    verb: str, role: str, api_client_for: Callable[[str], APIClient]
) -> None:
    binding = SourceBindingFactory()
    before = (binding.secret_sealed, binding.active)
    assert api_client_for(role).post(f"{BINDINGS}{binding.pk}/{verb}/", {}, format="json").status_code == 403
    binding.refresh_from_db()
    assert (binding.secret_sealed, binding.active) == before


# -- refusals on their field -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"measures": ["deployment_frequency", "happiness"]}, "measures", '"happiness" is not a valid choice.'),
        ({"scope": ""}, "scope", "This field may not be blank."),
        ({"scope": "vendor org/api"}, "scope", "has no spaces"),
        ({"component": "Payments"}, "component", "Only a Jira binding narrows by component or label"),
        ({"label": "payments"}, "label", "Only a Jira binding narrows by component or label"),
        ({"source": "svn"}, "source", '"svn" is not a valid choice.'),
        ({"production_environments": "production"}, "production_environments", "Expected a list of items"),
    ],
)
def test_bad_input_is_a_400_on_its_field(
    procurement: APIClient, fields: dict[str, Any], field: str, message: str
) -> None:
    body = {"contract": ContractFactory().pk, "source": "github", "scope": "vendor-org/api", **fields}
    response = procurement.post(BINDINGS, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()[field]
    if isinstance(errors, dict):  # a list's item: its messages under its index
        errors = [text for messages in errors.values() for text in messages]
    assert any(message in text for text in errors), response.json()
    assert not SourceBinding.objects.exists()


def test_a_duplicate_binding_is_a_409(procurement: APIClient) -> None:
    binding = SourceBindingFactory(scope="vendor-org/api")
    body = {"contract": binding.contract_id, "source": "github", "scope": "vendor-org/api"}
    response = procurement.post(BINDINGS, body, format="json")
    assert response.status_code == 409, response.content
    assert "already has a binding of this source and scope" in response.content.decode()
    # The same scope narrowed to a Jira component is another binding.
    jira = {"contract": binding.contract_id, "source": "jira", "scope": "PAY"}
    assert procurement.post(BINDINGS, jira, format="json").status_code == 201
    assert procurement.post(BINDINGS, {**jira, "component": "Checkout"}, format="json").status_code == 201


def test_contract_source_and_scope_do_not_change(procurement: APIClient) -> None:
    binding = SourceBindingFactory(scope="vendor-org/api")
    other = ContractFactory()
    response = procurement.patch(
        f"{BINDINGS}{binding.pk}/",
        {"contract": other.pk, "source": "gitlab", "scope": "elsewhere/repo", "name": "API"},
        format="json",
    )
    assert response.status_code == 200
    binding.refresh_from_db()
    assert (binding.contract_id, binding.source, binding.scope, binding.name) == (
        binding.contract_id,
        "github",
        "vendor-org/api",
        "API",
    )
    assert binding.contract_id != other.pk


# -- filters ---------------------------------------------------------------------------------------------------
def test_bindings_filter_by_contract_source_and_active(procurement: APIClient) -> None:
    contract = ContractFactory()
    github = SourceBindingFactory(contract=contract)
    jira = SourceBindingFactory(contract=contract, source="jira", scope="PAY", active=False)
    SourceBindingFactory()

    def ids(**query: Any) -> set[int]:
        response = procurement.get(BINDINGS, query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(contract=contract.pk) == {github.pk, jira.pk}
    assert ids(contract=contract.pk, source="jira") == {jira.pk}
    assert ids(contract=contract.pk, active="true") == {github.pk}
    assert ids(vendor=contract.vendor_id, active="false") == {jira.pk}
    assert procurement.get(BINDINGS, {"active": "banana"}).status_code == 400


def test_deliveries_list_without_payload_and_filter(procurement: APIClient) -> None:
    binding = SourceBindingFactory()
    failed = make_delivery(binding=binding, status="failed", error="No commits")
    processed = make_delivery(binding=binding, status="processed", event_count=3)
    make_delivery()
    listed = procurement.get(DELIVERIES, {"binding": binding.pk}).json()["results"]
    assert {row["id"] for row in listed} == {failed.pk, processed.pk}
    assert all("payload" not in row for row in listed)
    assert [
        row["id"]
        for row in procurement.get(DELIVERIES, {"contract": binding.contract_id, "status": "failed"}).json()["results"]
    ] == [failed.pk]
    detail = procurement.get(f"{DELIVERIES}{failed.pk}/").json()
    assert detail["payload"] == {"ref": "refs/heads/main", "commits": []} and detail["error"] == "No commits"
    assert procurement.get(DELIVERIES, {"status": "lost"}).status_code == 400
    assert procurement.post(DELIVERIES, {}, format="json").status_code in (403, 405)  # read-only for everyone


def test_the_lists_cost_a_fixed_number_of_queries(procurement: APIClient, django_assert_max_num_queries: Any) -> None:
    SourceBindingFactory()
    make_delivery()
    for url in (BINDINGS, DELIVERIES):
        procurement.get(url)
        with CaptureQueriesContext(connection) as one:
            procurement.get(url)
        for _ in range(10):
            make_delivery()
        with django_assert_max_num_queries(len(one)):
            assert procurement.get(url).status_code == 200


def test_the_webhook_url_is_absolute(procurement: APIClient, settings: Any) -> None:
    settings.SITE_URL = "https://vg.example/"
    binding = SourceBindingFactory(source="pagerduty", scope="PABC123")
    body = procurement.get(f"{BINDINGS}{binding.pk}/").json()
    assert body["webhook_url"] == f"https://vg.example{reverse('telemetry-pagerduty', args=[binding.public_id])}"

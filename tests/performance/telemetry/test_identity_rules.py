"""A vendor's identity rules: the vendor page's Telemetry tab (who sees and may change them, what they
are for), the form (values kept in lower case, a bad e-mail domain on its field, a duplicate a form
error), deleting, the API (CRUD × roles generated; no update), and the tab's query budget."""

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
from apps.vendors.models import VendorIdentityRule
from tests.api_matrix import ApiResourceMatrix
from tests.factories import ContractFactory, SourceBindingFactory, UserFactory, VendorFactory, VendorIdentityRuleFactory

pytestmark = pytest.mark.django_db

RULES = "/api/v1/identity-rules/"
_domains = itertools.count(1)


class TestIdentityRuleApi(ApiResourceMatrix):
    basename = "vendoridentityrule"
    factory = VendorIdentityRuleFactory
    can_update = False  # a rule is added or deleted

    def create_payload(self) -> dict[str, Any]:
        return {"vendor": VendorFactory().pk, "kind": "email_domain", "value": f"team{next(_domains)}.example"}


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def as_role(role: str) -> Client:
    return browser(UserFactory(username=f"rules-{role}", role=role))


def tab(vendor: Any) -> str:
    return reverse("vendors:vendor-tab", args=[vendor.pk, "telemetry"])


def create_url(vendor: Any) -> str:
    return reverse("performance:identity-rule-create", args=[vendor.pk])


# -- the tab ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "writes"),
    [
        (Role.EXECUTIVE, False),
        (Role.PROCUREMENT, True),
        (Role.ENGINEERING_MANAGER, True),
        (Role.SECURITY, False),
        (Role.ADMIN, True),
    ],
)
def test_every_role_sees_the_rules_and_only_writers_may_change_them(role: str, writes: bool) -> None:
    rule = VendorIdentityRuleFactory(value="acme.example")
    binding = SourceBindingFactory(contract=ContractFactory(vendor=rule.vendor), scope="acme/payments")
    response = as_role(role).get(tab(rule.vendor))
    assert response.status_code == 200
    html = response.content.decode()
    assert "acme.example" in html and "acme/payments" in html and binding.contract.title in html
    assert "only as the identity needed for attribution" in html
    assert "telemetry_reprocess" in html
    assert (create_url(rule.vendor) in html) is writes
    assert (reverse("performance:identity-rule-delete", args=[rule.pk]) in html) is writes
    assert 'data-tab="telemetry"' in html  # the tab bar lists it


def test_the_tab_costs_the_same_queries_with_many_rules_and_bindings(django_assert_max_num_queries: Any) -> None:
    vendor = VendorFactory()
    client = as_role(Role.PROCUREMENT)
    VendorIdentityRuleFactory(vendor=vendor)
    client.get(tab(vendor))
    with CaptureQueriesContext(connection) as one:
        client.get(tab(vendor))
    for index in range(8):
        VendorIdentityRuleFactory(vendor=vendor, kind=("login", "team", "group", "email_domain")[index % 4])
        SourceBindingFactory(contract=ContractFactory(vendor=vendor))
    with django_assert_max_num_queries(len(one)):
        assert client.get(tab(vendor)).status_code == 200


# -- adding and deleting -----------------------------------------------------------------------------------------
def test_adding_a_rule_keeps_it_in_lower_case_and_says_stored_events_need_reprocessing() -> None:
    vendor = VendorFactory()
    client = as_role(Role.ENGINEERING_MANAGER)
    assert "only to attribute events" in client.get(create_url(vendor)).content.decode()
    response = client.post(create_url(vendor), {"kind": "email_domain", "value": " @Acme.Example "}, follow=True)
    assert response.redirect_chain[-1][0] == tab(vendor)
    rule = VendorIdentityRule.objects.get()
    assert (rule.vendor, rule.kind, rule.value) == (vendor, "email_domain", "acme.example")
    assert "telemetry_reprocess" in str(next(iter(response.context["messages"])))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "email_domain", "value": "jane@acme.example"}, "value", "Give an e-mail domain"),
        ({"kind": "email_domain", "value": "localhost"}, "value", "Give an e-mail domain"),
        ({"kind": "login", "value": ""}, "value", "This field is required."),
        ({"kind": "badge", "value": "x"}, "kind", "Select a valid choice"),
    ],
)
def test_the_form_refuses_bad_input_on_its_field(data: dict[str, str], field: str, message: str) -> None:
    vendor = VendorFactory()
    response = as_role(Role.PROCUREMENT).post(create_url(vendor), data)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert not VendorIdentityRule.objects.exists()


def test_a_duplicate_rule_is_a_form_error_not_a_500() -> None:
    rule = VendorIdentityRuleFactory(kind="login", value="jdoe")
    response = as_role(Role.PROCUREMENT).post(create_url(rule.vendor), {"kind": "login", "value": "JDoe"})
    assert response.status_code == 400
    assert "already has this identity rule" in response.content.decode()
    assert VendorIdentityRule.objects.count() == 1


def test_deleting_a_rule() -> None:
    rule = VendorIdentityRuleFactory()
    client = as_role(Role.PROCUREMENT)
    response = client.post(reverse("performance:identity-rule-delete", args=[rule.pk]), follow=True)
    assert response.redirect_chain[-1][0] == tab(rule.vendor)
    assert not VendorIdentityRule.objects.exists()
    assert "telemetry_reprocess" in str(next(iter(response.context["messages"])))


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.SECURITY])
def test_roles_without_the_permission_are_refused(role: str) -> None:
    rule = VendorIdentityRuleFactory()
    client = as_role(role)
    assert client.get(create_url(rule.vendor)).status_code == 403
    assert client.post(create_url(rule.vendor), {"kind": "login", "value": "x"}).status_code == 403
    assert client.post(reverse("performance:identity-rule-delete", args=[rule.pk])).status_code == 403
    assert VendorIdentityRule.objects.count() == 1


@pytest.mark.ownership
def test_an_engineering_manager_changes_only_the_rules_of_vendors_they_own() -> None:
    manager = UserFactory(username="rules-manager", role=Role.ENGINEERING_MANAGER)
    mine = VendorFactory(delivery_owner=manager)
    theirs = VendorIdentityRuleFactory(vendor=VendorFactory(name="Elsewhere Ltd"))
    client = browser(manager)
    html = client.get(tab(theirs.vendor)).content.decode()
    assert create_url(theirs.vendor) not in html
    refused = client.post(create_url(theirs.vendor), {"kind": "login", "value": "x"})
    assert refused.status_code == 403 and "Elsewhere Ltd" in refused.content.decode()
    assert client.post(reverse("performance:identity-rule-delete", args=[theirs.pk])).status_code == 403
    assert client.post(create_url(mine), {"kind": "login", "value": "x"}).status_code == 302
    assert VendorIdentityRule.objects.filter(vendor=mine).count() == 1


# -- the API ---------------------------------------------------------------------------------------------------
def test_the_api_normalises_refuses_on_the_field_and_answers_409_on_a_duplicate(
    api_client_for: Callable[[str], APIClient],
) -> None:
    client = api_client_for(Role.PROCUREMENT)
    vendor = VendorFactory()
    created = client.post(RULES, {"vendor": vendor.pk, "kind": "login", "value": "JDoe"}, format="json")
    assert created.status_code == 201 and created.json()["value"] == "jdoe"
    again = client.post(RULES, {"vendor": vendor.pk, "kind": "login", "value": "jdoe"}, format="json")
    assert again.status_code == 409, again.content
    bad = client.post(RULES, {"vendor": vendor.pk, "kind": "email_domain", "value": "a@b.example"}, format="json")
    assert bad.status_code == 400 and "value" in bad.json()
    assert client.patch(f"{RULES}{created.json()['id']}/", {"value": "x"}, format="json").status_code == 405
    VendorIdentityRuleFactory()
    listed = client.get(RULES, {"vendor": vendor.pk}).json()["results"]
    assert [row["id"] for row in listed] == [created.json()["id"]]

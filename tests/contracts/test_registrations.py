"""What contracts registers on the floors below it (apps.contracts.registrations): the portfolio scope
and its own filters on the functions and vendor lists, the policy conflict it sees, the vendor page's
contract count and the function page's contracts. Each test fails if its registration is removed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_filters import FilterSet

from apps.core.filters import registered_filter_names
from apps.core.sections import sections_for
from apps.functions.conflicts import registered_conflicts
from apps.functions.filters import FunctionFilterSet
from apps.functions.sections import FUNCTION_PAGE
from apps.functions.selectors import function_list
from apps.vendors import filters as vendor_filters
from apps.vendors.models import Certification
from apps.vendors.selectors import vendor_detail, vendor_list
from tests.factories import (
    CertificationFactory,
    ContractFactory,
    FunctionFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db

SCOPE = {"geography", "tier", "engagement_model", "function_category"}
OUTSOURCEABLE = {"strategic": 1, "sensitive": 2, "repeatable": 5, "scarce": 3}  # recommended outsource
RECORD_FILTERSETS = (
    vendor_filters.CertificationFilterSet,
    vendor_filters.VendorRiskFilterSet,
    vendor_filters.AccessGrantFilterSet,
    vendor_filters.ServiceReviewFilterSet,
)


def _names(filterset: type[FilterSet], queryset: Any, **data: Any) -> list[str]:
    bound = filterset(data, queryset=queryset)
    assert bound.is_valid(), bound.errors
    return sorted(str(row) for row in bound.qs)


def test_the_functions_list_takes_the_scope_and_the_covering_contract() -> None:
    assert registered_filter_names(FunctionFilterSet) == {*SCOPE, "contract", "served_by", "served_from"}
    offshore = VendorFactory(geography="offshore", tier="tier_1", country="IN")
    nearshore = VendorFactory(geography="nearshore", tier="tier_2", country="PL")
    covered = FunctionFactory(name="Covered", category="internal_tools")
    drafted = FunctionFactory(name="Drafted", category="internal_tools")
    elsewhere = FunctionFactory(name="Elsewhere", category="core_architecture")
    contract = ContractFactory(vendor=offshore, engagement_model="staff_augmentation")
    contract.functions.add(covered)
    ContractFactory(vendor=offshore, engagement_model="staff_augmentation", status="draft").functions.add(drafted)
    ContractFactory(vendor=nearshore, engagement_model="managed_services").functions.add(elsewhere)

    def names(**data: Any) -> list[str]:
        return _names(FunctionFilterSet, function_list(), **data)

    # A vendor's attribute or an engagement model keeps the functions an *active* contract covers.
    assert names(geography=["offshore"]) == ["Covered"]
    assert names(tier=["tier_1"]) == ["Covered"]
    assert names(engagement_model=["staff_augmentation"]) == ["Covered"]
    assert names(function_category=["core_architecture"]) == ["Elsewhere"]  # the function's own category
    assert names(served_by=str(offshore.pk)) == ["Covered"]
    assert names(served_from="in") == ["Covered"]
    assert names(contract=str(contract.pk)) == ["Covered"]  # any status


def test_the_vendor_lists_take_the_scope() -> None:
    assert registered_filter_names(vendor_filters.VendorFilterSet) == {"engagement_model", "function_category"}
    for records in RECORD_FILTERSETS:
        assert registered_filter_names(records) == SCOPE, records
    alpha = VendorFactory(name="Alpha", geography="offshore")
    beta = VendorFactory(name="Beta", geography="nearshore")
    for _ in range(2):  # two such contracts: still one row
        ContractFactory(vendor=alpha, engagement_model="staff_augmentation").functions.add(
            FunctionFactory(category="core_architecture")
        )
    ContractFactory(vendor=beta, engagement_model="managed_services")

    vendors = vendor_filters.VendorFilterSet
    assert _names(vendors, vendor_list(), engagement_model="staff_augmentation") == ["Alpha"]
    assert _names(vendors, vendor_list(), function_category=["core_architecture"]) == ["Alpha"]
    assert _names(vendors, vendor_list(), geography=["nearshore"]) == ["Beta"]  # the vendor's own filter

    CertificationFactory(vendor=alpha, name="Alpha ISO")
    CertificationFactory(vendor=beta, name="Beta ISO")
    certifications = Certification.objects.all()

    def vendors_of(**data: Any) -> list[str]:
        bound = vendor_filters.CertificationFilterSet(data, queryset=certifications)
        assert bound.is_valid(), bound.errors
        return sorted(str(row.vendor) for row in bound.qs)

    assert vendors_of(geography=["offshore"]) == ["Alpha"]
    assert vendors_of(tier=["tier_2"]) == ["Alpha", "Beta"]
    assert vendors_of(engagement_model=["managed_services"]) == ["Beta"]
    assert vendors_of(function_category=["core_architecture"]) == ["Alpha"]


def test_the_api_schema_lists_the_registered_filters() -> None:
    client = Client()
    client.force_login(UserFactory(role="executive"))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    def parameters(path: str) -> set[str]:
        return {parameter["name"] for parameter in schema["paths"][f"/api/v1/{path}"]["get"]["parameters"]}

    assert parameters("functions/") >= {*SCOPE, "contract", "served_by", "served_from"}
    assert parameters("vendors/") >= {"engagement_model", "function_category"}
    assert parameters("certifications/") >= SCOPE


def test_contracts_registers_the_policy_conflict_it_sees() -> None:
    assert "contract_conflict" in [conflict.name for conflict in registered_conflicts()]
    kept = FunctionFactory(name="Kept", decision="keep_in_house", **OUTSOURCEABLE)
    ContractFactory(status="active").functions.add(kept)
    row = function_list().get(pk=kept.pk)
    assert (row.contract_conflict, row.decision_conflict, row.policy_conflict) == (True, False, True)

    client = Client()
    client.force_login(UserFactory(role="executive"))
    page = client.get(reverse("functions:function-detail", args=[kept.pk])).content.decode()
    assert "An active contract covers this function although it is decided “keep in-house”" in page


def test_the_vendor_page_counts_the_vendors_contracts() -> None:
    vendor = VendorFactory()
    ContractFactory.create_batch(2, vendor=vendor)
    ContractFactory()  # another vendor's
    assert vendor_detail().get(pk=vendor.pk).contract_count == 2
    assert vendor_detail().get(pk=VendorFactory().pk).contract_count == 0


def test_the_function_page_lists_the_contracts_covering_it() -> None:
    # The costs app registers its panel on the same page (apps/costs/sourcing.py), after this one.
    first = sections_for(FUNCTION_PAGE)[0]
    assert (first.key, first.context.__module__) == (
        "contracts",
        "apps.contracts.registrations",
    )
    function = FunctionFactory()
    ContractFactory(title="Platform run", vendor=VendorFactory(name="Alpha Works")).functions.add(function)
    client = Client()
    client.force_login(UserFactory())
    page = client.get(reverse("functions:function-detail", args=[function.pk])).content.decode()
    assert "Contracts covering it" in page and "Platform run" in page and "Alpha Works" in page

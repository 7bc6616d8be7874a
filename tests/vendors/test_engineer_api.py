"""/api/v1/engineers/ (generated CRUD × role matrix, plus the delivery owner, filters, anonymised rows) and
the access grant's ``engineer`` over the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.vendors import services
from apps.vendors.models import Engineer
from tests.api_matrix import ApiResourceMatrix
from tests.factories import AccessGrantFactory, EngineerFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


class TestEngineerApi(ApiResourceMatrix):
    basename = "engineer"
    factory = EngineerFactory
    can_delete = False  # never deleted: anonymised (405)

    def create_payload(self) -> dict[str, Any]:
        return {
            "vendor": VendorFactory().pk,
            "name": "Anna Nowak",
            "email": "anna@acme.example",
            "git_handle": "anowak",
            "role": "Tech lead",
            "seniority": "principal",
            "overlap_hours": "4.5",
        }

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"seniority": "mid", "location": "Wrocław"}


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_delivery_owner_writes_their_vendors_engineers_only() -> None:
    owner = UserFactory(username="dlv", role=Role.ENGINEERING_MANAGER)
    vendor, other = VendorFactory(delivery_owner=owner), VendorFactory()
    client = _client(owner)
    created = client.post(
        reverse("engineer-list"), {"vendor": vendor.pk, "name": "Ola", "seniority": "mid"}, format="json"
    )
    assert created.status_code == 201, created.content
    refused = client.post(
        reverse("engineer-list"), {"vendor": other.pk, "name": "Ola", "seniority": "mid"}, format="json"
    )
    assert refused.status_code == 403 and "delivery owner of" in str(refused.json())
    stranger = EngineerFactory(vendor=other)
    assert client.patch(reverse("engineer-detail", args=[stranger.pk]), {"role": "x"}, format="json").status_code == 403
    mine = Engineer.objects.get(pk=created.json()["id"])
    assert client.patch(reverse("engineer-detail", args=[mine.pk]), {"role": "Lead"}, format="json").status_code == 200


def test_the_engineering_owner_who_does_not_deliver_is_refused() -> None:
    manager = UserFactory(username="eng", role=Role.ENGINEERING_MANAGER)
    vendor = VendorFactory(engineering_owner=manager)
    response = _client(manager).post(
        reverse("engineer-list"), {"vendor": vendor.pk, "name": "Ola", "seniority": "mid"}, format="json"
    )
    assert response.status_code == 403


def test_field_errors_are_400s_and_duplicates_409(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for(Role.PROCUREMENT)
    vendor = VendorFactory()
    bad = client.post(
        reverse("engineer-list"),
        {"vendor": vendor.pk, "name": "", "seniority": "guru", "overlap_hours": "25", "email": "nope"},
        format="json",
    )
    assert bad.status_code == 400
    assert {"name", "seniority", "overlap_hours", "email"} <= set(bad.json())
    EngineerFactory(vendor=vendor, email="taken@acme.example")
    duplicate = client.post(
        reverse("engineer-list"),
        {"vendor": vendor.pk, "name": "Twin", "seniority": "mid", "email": "TAKEN@acme.example"},
        format="json",
    )
    assert duplicate.status_code == 409
    assert "already has an engineer with this work e-mail" in str(duplicate.json())


def test_an_anonymised_engineer_is_readable_not_writable(api_client_for: Callable[[str], APIClient]) -> None:
    engineer = services.engineer_anonymise(engineer=EngineerFactory())
    client = api_client_for(Role.ADMIN)
    shown = client.get(reverse("engineer-detail", args=[engineer.pk]))
    assert shown.status_code == 200
    assert shown.json()["name"] == f"Former engineer #{engineer.pk}" and shown.json()["anonymised_on"]
    refused = client.patch(reverse("engineer-detail", args=[engineer.pk]), {"role": "Lead"}, format="json")
    assert refused.status_code == 400
    assert "an anonymised engineer cannot be edited" in refused.json()["detail"][0]
    # anonymised_on is read-only: it cannot be set, or cleared, over the API
    other = EngineerFactory()
    client.patch(reverse("engineer-detail", args=[other.pk]), {"anonymised_on": "2026-01-01"}, format="json")
    other.refresh_from_db()
    assert other.anonymised_on is None


def test_the_vendor_is_set_on_create_only(api_client_for: Callable[[str], APIClient]) -> None:
    engineer = EngineerFactory()
    client = api_client_for(Role.PROCUREMENT)
    response = client.patch(
        reverse("engineer-detail", args=[engineer.pk]), {"vendor": VendorFactory().pk}, format="json"
    )
    assert response.status_code == 200
    engineer.refresh_from_db()
    assert response.json()["vendor"] == engineer.vendor_id


def test_filters_vendor_seniority_and_q(api_client_for: Callable[[str], APIClient]) -> None:
    vendor = VendorFactory()
    EngineerFactory(vendor=vendor, name="Łukasz Żak", seniority="junior", git_handle="lzak")
    EngineerFactory(vendor=vendor, name="Maria Senior", seniority="senior", tracker_handle="msen")
    EngineerFactory(name="Elsewhere", seniority="junior")
    client = api_client_for(Role.EXECUTIVE)

    def names(**query: Any) -> list[str]:
        response = client.get(reverse("engineer-list"), query)
        assert response.status_code == 200, response.content
        return sorted(row["name"] for row in response.json()["results"])

    assert names(vendor=vendor.pk) == ["Maria Senior", "Łukasz Żak"]
    assert names(vendor=vendor.pk, seniority="junior") == ["Łukasz Żak"]
    assert names(q="lukasz zak") == ["Łukasz Żak"]
    assert names(q="LZAK") == ["Łukasz Żak"]
    assert names(q="msen") == ["Maria Senior"]
    assert names(q="@VENDOR.example", vendor=vendor.pk) == ["Maria Senior", "Łukasz Żak"]  # work e-mails too
    assert client.get(reverse("engineer-list"), {"seniority": "guru"}).status_code == 400


# -- the access grant's engineer -------------------------------------------------------------------------------
def test_a_grant_takes_an_engineer_of_its_vendor(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for(Role.SECURITY)
    grant = AccessGrantFactory()
    own, stranger = EngineerFactory(vendor=grant.vendor), EngineerFactory()
    url = reverse("accessgrant-detail", args=[grant.pk])
    response = client.patch(url, {"engineer": own.pk}, format="json")
    assert response.status_code == 200 and response.json()["engineer"] == own.pk
    refused = client.patch(url, {"engineer": stranger.pk}, format="json")
    assert refused.status_code == 400
    assert "another vendor's roster" in refused.json()["engineer"][0]
    created = client.post(
        reverse("accessgrant-list"),
        {
            "vendor": grant.vendor_id,
            "person": "Someone",
            "engineer": stranger.pk,
            "system": "Jira",
            "privilege": "read",
            "account_name": "someone",
            "granted_on": "2026-01-05",
        },
        format="json",
    )
    assert created.status_code == 400 and "engineer" in created.json()
    assert client.get(reverse("accessgrant-list"), {"engineer": own.pk}).json()["count"] == 1

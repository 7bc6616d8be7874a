"""The vendor admin: pages render, transitions run through the service, the owner rule holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.vendors.models import Vendor
from tests.factories import (
    AccessGrantFactory,
    ActionItemFactory,
    CertificationFactory,
    ServiceReviewFactory,
    UserFactory,
    VendorFactory,
    VendorRiskFactory,
    VettingAssessmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="demo_admin", role="admin"))
    return client


@pytest.mark.parametrize(
    ("model", "factory"),
    [
        ("vendor", VendorFactory),
        ("vettingassessment", VettingAssessmentFactory),
        ("certification", CertificationFactory),
        ("vendorrisk", VendorRiskFactory),
        ("accessgrant", AccessGrantFactory),
        ("servicereview", ServiceReviewFactory),
        ("actionitem", ActionItemFactory),
    ],
)
def test_admin_pages_render(model: str, factory: type, admin_client: Client) -> None:
    obj = factory()
    assert admin_client.get(reverse(f"admin:vendors_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:vendors_{model}_change", args=[obj.pk])).status_code == 200
    assert admin_client.get(reverse(f"admin:vendors_{model}_add")).status_code == 200


def test_transition_action_moves_the_allowed_and_reports_the_refused(admin_client: Client) -> None:
    prospect = VendorFactory(name="Andes", status="prospect")
    exited = VendorFactory(name="Baltic", status="exited")
    response = admin_client.post(
        reverse("admin:vendors_vendor_changelist"),
        {"action": "transition_to_vetting", "_selected_action": [prospect.pk, exited.pk]},
        follow=True,
    )
    assert response.status_code == 200
    prospect.refresh_from_db()
    exited.refresh_from_db()
    assert (prospect.status, exited.status) == ("vetting", "exited")
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert (
        "Baltic: A vendor cannot go from Exited to Vetting; from Exited it can go to: nowhere (it is final)." in texts
    )
    assert "Andes is now Vetting." in texts


def test_status_is_read_only_on_the_change_form(admin_client: Client) -> None:
    vendor = VendorFactory(status="prospect")
    page = admin_client.get(reverse("admin:vendors_vendor_change", args=[vendor.pk]))
    assert 'name="status"' not in page.content.decode()


def _vendor_form(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Andes",
        "country": "CO",
        "geography": "offshore",
        "timezone_overlap_hours": "5",
        "status": "prospect",
        "tier": "tier_2",
        "currency": "USD",
        "review_cadence_days": "14",
    }
    for prefix in ("certifications", "risks", "access_grants", "service_reviews"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | fields


def test_adding_an_active_vendor_without_owners_is_refused(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:vendors_vendor_add"), _vendor_form(status="active"))
    assert response.status_code == 200  # the form again, with the error
    assert "needs its three named owners" in response.content.decode()
    assert not Vendor.objects.exists()


def test_adding_a_prospect_is_saved_with_the_acting_user(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:vendors_vendor_add"), _vendor_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    vendor = Vendor.objects.get(name="Andes")
    event = Vendor.pgh_event_models["insert"].objects.filter(pgh_obj_id=vendor.pk).get()
    assert event.pgh_context.metadata["action"] == "admin_vendor_create"
    assert event.pgh_context.metadata["user"] == UserFactory(username="demo_admin").pk


def test_access_grant_findings_filter(admin_client: Client) -> None:
    today = timezone.localdate()
    AccessGrantFactory(person="Flagged Person", expires_on=today - timedelta(days=1))
    AccessGrantFactory(person="Clean Person", expires_on=today + timedelta(days=30))
    page = admin_client.get(reverse("admin:vendors_accessgrant_changelist") + "?findings=yes").content.decode()
    assert "Flagged Person" in page
    assert "Clean Person" not in page

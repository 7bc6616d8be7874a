"""Vendor governance over the API: CRUD × roles (generated) for every resource, the lifecycle
transition, recording reviews, completing actions, computed fields, error mapping and filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.vendors.choices import VENDOR_TRANSITIONS, VendorStatus
from apps.vendors.models import (
    AccessGrant,
    ActionItem,
    Certification,
    ServiceReview,
    Vendor,
    VendorRisk,
    VettingAssessment,
)
from tests.api_matrix import ROLES, ApiResourceMatrix, role_may
from tests.factories import (
    AccessGrantFactory,
    ActionItemFactory,
    CertificationFactory,
    ContractFactory,
    ServiceReviewFactory,
    UserFactory,
    VendorFactory,
    VendorRiskFactory,
    VettingAssessmentFactory,
    vendor_make_ready,
    vendor_ready_for,
)

ClientFor = Callable[[str], APIClient]


def matrix_manager() -> Any:
    """The engineering manager the role matrix signs in as (``user_with_role`` makes the same user)."""
    return UserFactory(username="demo_engineering_manager", role="engineering_manager")


def owned_vendor(**fields: Any) -> Vendor:
    """A vendor whose engineering owner is the matrix's engineering manager (who runs its reviews)."""
    return VendorFactory(engineering_owner=matrix_manager(), **fields)


# -- the generated CRUD × role matrix, one per resource ---------------------------------------------
class TestVendorApi(ApiResourceMatrix):
    basename = "vendor"
    factory = VendorFactory

    def create_payload(self) -> dict[str, Any]:
        return {
            "name": "Andes Code Labs",
            "country": "CO",
            "geography": "offshore",
            "timezone_overlap_hours": "5.0",
            "status": "vetting",
            "tier": "tier_2",
            "rate_min": "30.00",
            "rate_max": "55.00",
            "currency": "USD",
            "review_cadence_days": 7,
        }

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"rate_max": "95.00", "tier": "tier_1", "timezone_overlap_hours": "3.5"}


class TestVettingAssessmentApi(ApiResourceMatrix):
    basename = "vettingassessment"
    factory = VettingAssessmentFactory

    def create_payload(self) -> dict[str, Any]:
        return {
            "vendor": VendorFactory().pk,
            "assessed_on": "2026-11-01",
            "delivery_maturity": 5,
            "retention_stability": 4,
            "security_posture": 4,
            "technical_depth": 3,
            "escalation_model": 3,
            "communication": 3,
            "flag_fast_yes": True,
            "pilot_outcome": "passed",
            "verdict": "conditional",
        }

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"verdict": "approve", "communication": 5}


class TestCertificationApi(ApiResourceMatrix):
    basename = "certification"
    factory = CertificationFactory

    def create_payload(self) -> dict[str, Any]:
        return {
            "vendor": VendorFactory().pk,
            "kind": "soc2_type2",
            "issued_on": "2026-01-01",
            "expires_on": "2027-01-01",
        }

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"expires_on": "2028-01-01", "evidence_url": "https://example.com/soc2.pdf"}


class TestVendorRiskApi(ApiResourceMatrix):
    basename = "vendorrisk"
    factory = VendorRiskFactory

    def create_payload(self) -> dict[str, Any]:
        return {
            "vendor": VendorFactory().pk,
            "category": "lock_in",
            "title": "Scripts only in vendor repos",
            "likelihood": 3,
            "impact": 4,
        }

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"status": "mitigating", "mitigation": "Move pipelines."}


class TestAccessGrantApi(ApiResourceMatrix):
    basename = "accessgrant"
    factory = AccessGrantFactory

    def create_payload(self) -> dict[str, Any]:
        return {
            "vendor": VendorFactory().pk,
            "person": "Ana",
            "system": "AWS",
            "privilege": "production",
            "account_name": "ana",
            "named_account": True,
            "mfa_enabled": True,
            "granted_on": "2026-11-01",
        }

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"revoked_on": "2026-11-20"}


class TestServiceReviewApi(ApiResourceMatrix):
    basename = "servicereview"
    factory = ServiceReviewFactory

    def make(self) -> Any:
        return ServiceReviewFactory(vendor=owned_vendor())

    def create_payload(self) -> dict[str, Any]:
        return {"vendor": owned_vendor().pk, "scheduled_for": "2026-12-01", "attendees": [matrix_manager().pk]}

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"scheduled_for": "2026-12-03", "notes": "Moved for the holiday."}


class TestActionItemApi(ApiResourceMatrix):
    basename = "actionitem"
    factory = ActionItemFactory

    def make(self) -> Any:
        return ActionItemFactory(review=ServiceReviewFactory(vendor=owned_vendor()))

    def create_payload(self) -> dict[str, Any]:
        return {
            "review": ServiceReviewFactory(vendor=owned_vendor()).pk,
            "description": "Share the runbook",
            "due_on": "2026-12-10",
        }

    def update_payload(self, obj: Any) -> dict[str, Any]:
        return {"done_on": "2026-11-20"}


pytestmark = pytest.mark.django_db


# -- the lifecycle transition --------------------------------------------------------------------------
TRANSITION_CASES = [
    (start, target)
    for start in VendorStatus.values
    for target in (*VENDOR_TRANSITIONS[start], *(s for s in VendorStatus.values if s not in VENDOR_TRANSITIONS[start]))
]


@pytest.mark.parametrize(("start", "target"), TRANSITION_CASES)
def test_transition_endpoint(start: str, target: str, api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status=start)
    payload = {"status": target}
    if target in VENDOR_TRANSITIONS[start]:
        vendor_make_ready(vendor, target)
        payload["reason"] = "Decided in the vendor review."
    response = api_client_for("procurement").post(f"/api/v1/vendors/{vendor.pk}/transition/", payload, format="json")
    vendor.refresh_from_db()
    if target in VENDOR_TRANSITIONS[start]:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == target
        assert response.json()["id"] == vendor.pk
        assert vendor.status == target
    else:
        assert response.status_code == 409, response.content
        message = response.json()["status"][0]
        assert message.startswith(
            f"A vendor cannot go from {VendorStatus(start).label} to {VendorStatus(target).label}"
        )
        assert vendor.status == start


def test_refused_transition_says_where_the_vendor_can_go(api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="prospect")
    response = api_client_for("procurement").post(f"/api/v1/vendors/{vendor.pk}/transition/", {"status": "active"})
    assert response.status_code == 409
    assert response.json() == {
        "status": ["A vendor cannot go from Prospect to Active; from Prospect it can go to: Vetting, Exited."]
    }


def test_transition_needs_the_three_owners(api_client_for: ClientFor) -> None:
    vendor = vendor_ready_for("pilot", engineering_owner=None, security_contact=None, name="Andes")
    response = api_client_for("procurement").post(f"/api/v1/vendors/{vendor.pk}/transition/", {"status": "pilot"})
    assert response.status_code == 409
    assert response.json() == {
        "status": [
            "Not ready to move Andes to Pilot: All three owners are named (missing: engineering owner, security contact)."
        ],
        "unmet": [
            {
                "code": "owners_named",
                "label": "All three owners are named",
                "met": False,
                "detail": "missing: engineering owner, security contact",
            }
        ],
    }
    vendor.refresh_from_db()
    assert vendor.status == "vetting"


def test_transition_to_an_unknown_status_is_400(api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="prospect")
    response = api_client_for("procurement").post(f"/api/v1/vendors/{vendor.pk}/transition/", {"status": "dormant"})
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_transition_needs_the_change_permission(role: str, api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="prospect")
    response = api_client_for(role).post(f"/api/v1/vendors/{vendor.pk}/transition/", {"status": "vetting"})
    vendor.refresh_from_db()
    if role_may(role, "vendors.change_vendor"):
        assert response.status_code == 200, response.content
        assert vendor.status == "vetting"
    else:
        assert response.status_code == 403, response.content
        assert vendor.status == "prospect"


def test_transition_of_a_missing_vendor_is_404(api_client_for: ClientFor) -> None:
    response = api_client_for("procurement").post("/api/v1/vendors/987654/transition/", {"status": "vetting"})
    assert response.status_code == 404


def test_transition_unauthenticated_is_401(api_client: APIClient) -> None:
    vendor = VendorFactory(status="prospect")
    assert api_client.post(f"/api/v1/vendors/{vendor.pk}/transition/", {"status": "vetting"}).status_code == 401


@pytest.mark.parametrize("method", ["patch", "put"])
def test_status_is_read_only_on_update(method: str, api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="prospect", name="Andes")
    payload = {
        "name": "Andes Labs",
        "country": "CO",
        "geography": "offshore",
        "timezone_overlap_hours": "5.0",
        "status": "active",
    }
    response = getattr(api_client_for("procurement"), method)(f"/api/v1/vendors/{vendor.pk}/", payload, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "prospect"
    vendor.refresh_from_db()
    assert (vendor.name, vendor.status) == ("Andes Labs", "prospect")


def test_status_may_be_given_on_create_and_defaults_to_prospect(api_client_for: ClientFor) -> None:
    client = api_client_for("procurement")
    base = {"country": "CO", "geography": "offshore", "timezone_overlap_hours": "5"}
    given = client.post("/api/v1/vendors/", {**base, "name": "A", "status": "vetting"}, format="json")
    default = client.post("/api/v1/vendors/", {**base, "name": "B"}, format="json")
    assert (given.status_code, given.json()["status"]) == (201, "vetting")
    assert (default.status_code, default.json()["status"]) == (201, "prospect")


# -- validation → 400 with field messages, conflicts → 409 --------------------------------------------
VENDOR = {"name": "Andes", "country": "CO", "geography": "offshore", "timezone_overlap_hours": "5"}


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"rate_min": "90", "rate_max": "40"},
            "non_field_errors",
            "The minimum hourly rate cannot be above the maximum.",
        ),
        ({"currency": "XXY"}, "currency", "“XXY” is not an ISO-4217 currency code (e.g. USD, EUR)."),
        ({"country": "ZZ"}, "country", "is not a valid choice"),
        ({"geography": "moon"}, "geography", "is not a valid choice"),
        ({"status": "dormant"}, "status", "is not a valid choice"),
        ({"timezone_overlap_hours": "25"}, "timezone_overlap_hours", "less than or equal to 24"),
        ({"rate_min": "-5"}, "rate_min", "greater than or equal to 0"),
        ({"status": "active"}, "engineering_owner", "missing: engineering owner, delivery owner, security contact"),
        ({"name": "n" * 201}, "name", "no more than 200 characters"),
        ({"engineering_owner": 987654}, "engineering_owner", "object does not exist"),
    ],
)
def test_bad_vendor_input_is_400(payload: dict[str, Any], field: str, message: str, api_client_for: ClientFor) -> None:
    response = api_client_for("procurement").post("/api/v1/vendors/", {**VENDOR, **payload}, format="json")
    assert response.status_code == 400, response.content
    assert any(message in text for text in response.json()[field]), response.json()
    assert Vendor.objects.count() == 0


def test_duplicate_vendor_name_is_409_case_insensitive(api_client_for: ClientFor) -> None:
    VendorFactory(name="Andes")
    response = api_client_for("procurement").post("/api/v1/vendors/", {**VENDOR, "name": "ANDES"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"non_field_errors": ["A vendor with this name already exists."]}
    assert Vendor.objects.count() == 1


def test_renaming_onto_another_vendor_is_409(api_client_for: ClientFor) -> None:
    VendorFactory(name="Andes")
    other = VendorFactory(name="Baltic")
    response = api_client_for("procurement").patch(f"/api/v1/vendors/{other.pk}/", {"name": "andes"}, format="json")
    assert response.status_code == 409
    other.refresh_from_db()
    assert other.name == "Baltic"


def test_deleting_a_vendor_with_records_is_409(api_client_for: ClientFor) -> None:
    vendor = ContractFactory().vendor
    response = api_client_for("procurement").delete(f"/api/v1/vendors/{vendor.pk}/")
    assert response.status_code == 409
    assert "cannot be deleted" in response.json()["detail"][0]
    assert Vendor.objects.filter(pk=vendor.pk).exists()


def test_removing_an_owner_of_an_active_vendor_is_400(api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="active")
    response = api_client_for("procurement").patch(
        f"/api/v1/vendors/{vendor.pk}/", {"delivery_owner": None}, format="json"
    )
    assert response.status_code == 400
    assert "missing: delivery owner" in response.json()["delivery_owner"][0]


SCORES = {
    "delivery_maturity": 4,
    "retention_stability": 4,
    "security_posture": 4,
    "technical_depth": 4,
    "escalation_model": 4,
    "communication": 4,
}
GRANT = {"person": "A", "system": "AWS", "account_name": "a", "granted_on": "2026-11-01"}


@pytest.mark.parametrize(
    ("role", "resource", "payload", "field", "message"),
    [
        (
            "procurement",
            "vetting-assessments",
            {"assessed_on": "2026-11-01", **SCORES, "communication": 6, "verdict": "approve"},
            "communication",
            "Ensure this value is less than or equal to 5.",
        ),
        (
            "procurement",
            "vetting-assessments",
            {"assessed_on": "2026-11-01", **SCORES, "delivery_maturity": 0, "verdict": "approve"},
            "delivery_maturity",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            "security",
            "certifications",
            {"kind": "iso27001", "issued_on": "2026-05-01", "expires_on": "2026-01-01"},
            "non_field_errors",
            "A certification must expire after it was issued.",
        ),
        (
            "security",
            "certifications",
            {"kind": "other", "issued_on": "2026-01-01", "expires_on": "2027-01-01"},
            "non_field_errors",
            "Name the certification when its kind is “Other”.",
        ),
        (
            "security",
            "risks",
            {"category": "financial", "title": "x", "likelihood": 6, "impact": 1},
            "likelihood",
            "Ensure this value is less than or equal to 5.",
        ),
        (
            "security",
            "access-grants",
            {**GRANT, "privilege": "production", "named_account": False},
            "non_field_errors",
            "A shared account never gets production access: use a named account.",
        ),
        (
            "security",
            "access-grants",
            {**GRANT, "privilege": "read", "expires_on": "2026-10-01"},
            "non_field_errors",
            "Access cannot expire before it is granted.",
        ),
        (
            "security",
            "access-grants",
            {**GRANT, "privilege": "read", "revoked_on": "2026-10-01"},
            "non_field_errors",
            "Access cannot be revoked before it is granted.",
        ),
        (
            "engineering_manager",
            "service-reviews",
            {"scheduled_for": "2026-12-01", "status": "held"},
            "non_field_errors",
            "A held review needs the date it was held.",
        ),
        (
            "engineering_manager",
            "service-reviews",
            {"scheduled_for": "2026-12-01", "delivery_quality": 6},
            "delivery_quality",
            "Ensure this value is less than or equal to 5.",
        ),
    ],
)
def test_bad_record_input_is_400(
    role: str, resource: str, payload: dict[str, Any], field: str, message: str, api_client_for: ClientFor
) -> None:
    vendor = owned_vendor()
    response = api_client_for(role).post(f"/api/v1/{resource}/", {"vendor": vendor.pk, **payload}, format="json")
    assert response.status_code == 400, response.content
    assert message in response.json()[field], response.json()
    model = {
        "vetting-assessments": VettingAssessment,
        "certifications": Certification,
        "risks": VendorRisk,
        "access-grants": AccessGrant,
        "service-reviews": ServiceReview,
    }[resource]
    assert model._default_manager.count() == 0


def test_bad_update_is_400_and_changes_nothing(api_client_for: ClientFor) -> None:
    certification = CertificationFactory()
    before = (certification.issued_on, certification.expires_on)
    response = api_client_for("security").patch(
        f"/api/v1/certifications/{certification.pk}/",
        {"expires_on": str(certification.issued_on - timedelta(days=1))},
        format="json",
    )
    assert response.status_code == 400
    certification.refresh_from_db()
    assert (certification.issued_on, certification.expires_on) == before


# -- computed, read-only fields ------------------------------------------------------------------------
def test_vetting_score_and_red_flags(api_client_for: ClientFor) -> None:
    assessment = VettingAssessmentFactory(
        delivery_maturity=5,
        retention_stability=4,
        security_posture=4,
        technical_depth=3,
        escalation_model=3,
        communication=3,
        flag_fast_yes=True,
        flag_no_pilot=True,
    )
    body = api_client_for("executive").get(f"/api/v1/vetting-assessments/{assessment.pk}/").json()
    assert body["score"] == "3.7"  # 22 / 6
    assert body["red_flags"] == ["A fast yes to every requirement", "No pilot option"]


def test_computed_fields_cannot_be_written(api_client_for: ClientFor) -> None:
    risk = VendorRiskFactory(likelihood=2, impact=3)
    response = api_client_for("security").patch(f"/api/v1/risks/{risk.pk}/", {"score": 25, "impact": 4}, format="json")
    assert response.status_code == 200
    assert response.json()["score"] == 8


def test_access_grant_findings_are_exposed(api_client_for: ClientFor) -> None:
    today = timezone.localdate()
    exited = VendorFactory(status="exited")
    both = AccessGrantFactory(
        vendor=exited, granted_on=today - timedelta(days=60), expires_on=today - timedelta(days=1)
    )
    revoked = AccessGrantFactory(
        vendor=exited, granted_on=today - timedelta(days=60), expires_on=today - timedelta(days=1), revoked_on=today
    )
    fine = AccessGrantFactory(granted_on=today - timedelta(days=60), expires_on=today)
    client = api_client_for("security")

    def codes(findings: list[dict[str, str]]) -> list[str]:
        return [finding["code"] for finding in findings]

    assert codes(client.get(f"/api/v1/access-grants/{both.pk}/").json()["findings"]) == ["expired", "vendor_leaving"]
    listed = {row["id"]: codes(row["findings"]) for row in client.get("/api/v1/access-grants/").json()["results"]}
    assert listed == {both.pk: ["expired", "vendor_leaving"], revoked.pk: [], fine.pk: []}
    flagged = client.get("/api/v1/access-grants/?has_findings=true").json()["results"]
    assert [row["id"] for row in flagged] == [both.pk]
    created = client.post(
        "/api/v1/access-grants/",
        {**GRANT, "vendor": exited.pk, "privilege": "read", "granted_on": str(today - timedelta(days=5))},
        format="json",
    )
    assert created.status_code == 201
    assert codes(created.json()["findings"]) == ["vendor_leaving"]


# -- service reviews and action items --------------------------------------------------------------------
def test_record_review_schedules_the_next(api_client_for: ClientFor) -> None:
    held_on = timezone.localdate() - timedelta(days=3)
    review = ServiceReviewFactory(vendor=owned_vendor(review_cadence_days=14), scheduled_for=held_on)
    colleague = UserFactory()
    response = api_client_for("engineering_manager").post(
        f"/api/v1/service-reviews/{review.pk}/record/",
        {"held_on": str(held_on), "delivery_quality": 4, "attendees": [colleague.pk], "decisions": "Hire a QA."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["held_on"], body["delivery_quality"], body["attendees"]) == (
        "held",
        str(held_on),
        4,
        [colleague.pk],
    )
    upcoming = review.vendor.service_reviews.get(status="scheduled")
    assert upcoming.scheduled_for == held_on + timedelta(days=14)


def test_record_in_the_future_is_400(api_client_for: ClientFor) -> None:
    review = ServiceReviewFactory(vendor=owned_vendor())
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = api_client_for("engineering_manager").post(
        f"/api/v1/service-reviews/{review.pk}/record/", {"held_on": str(tomorrow)}, format="json"
    )
    assert response.status_code == 400
    assert "held_on" in response.json()
    assert ServiceReview.objects.get(pk=review.pk).status == "scheduled"
    assert ServiceReview.objects.count() == 1


def test_recording_a_cancelled_review_is_409(api_client_for: ClientFor) -> None:
    review = ServiceReviewFactory(vendor=owned_vendor(), status="cancelled")
    response = api_client_for("engineering_manager").post(f"/api/v1/service-reviews/{review.pk}/record/", {})
    assert response.status_code == 409


@pytest.mark.parametrize("role", ROLES)
def test_record_and_complete_need_the_change_permission(role: str, api_client_for: ClientFor) -> None:
    review = ServiceReviewFactory(vendor=owned_vendor(), scheduled_for=timezone.localdate() - timedelta(days=1))
    item = ActionItemFactory(review=review)
    client = api_client_for(role)
    recorded = client.post(f"/api/v1/service-reviews/{review.pk}/record/", {}, format="json")
    completed = client.post(f"/api/v1/action-items/{item.pk}/complete/", {}, format="json")
    expected_record = 200 if role_may(role, "vendors.change_servicereview") else 403
    expected_complete = 200 if role_may(role, "vendors.change_actionitem") else 403
    assert (recorded.status_code, completed.status_code) == (expected_record, expected_complete)


def test_complete_action_item(api_client_for: ClientFor) -> None:
    item = ActionItemFactory(review=ServiceReviewFactory(vendor=owned_vendor()))
    client = api_client_for("engineering_manager")
    response = client.post(f"/api/v1/action-items/{item.pk}/complete/", {}, format="json")
    assert response.status_code == 200
    assert (response.json()["is_done"], response.json()["done_on"]) == (True, str(timezone.localdate()))
    dated = client.post(f"/api/v1/action-items/{item.pk}/complete/", {"done_on": "2026-11-01"}, format="json")
    assert dated.json()["done_on"] == "2026-11-01"
    assert str(ActionItem.objects.get(pk=item.pk).done_on) == "2026-11-01"


def test_engineering_manager_only_runs_reviews_of_vendors_they_own(api_client_for: ClientFor) -> None:
    client = api_client_for("engineering_manager")
    other_vendor = VendorFactory()  # owned by other people
    review = ServiceReviewFactory(vendor=other_vendor, scheduled_for=timezone.localdate() - timedelta(days=1))
    item = ActionItemFactory(review=review)
    own_review = ServiceReviewFactory(vendor=owned_vendor())
    own_item = ActionItemFactory(review=own_review)
    description = item.description
    counts = (ServiceReview.objects.count(), ActionItem.objects.count())

    refused = [
        client.post("/api/v1/service-reviews/", {"vendor": other_vendor.pk, "scheduled_for": "2026-12-01"}),
        client.patch(f"/api/v1/service-reviews/{review.pk}/", {"notes": "x"}),
        client.patch(f"/api/v1/service-reviews/{own_review.pk}/", {"vendor": other_vendor.pk}),
        client.delete(f"/api/v1/service-reviews/{review.pk}/"),
        client.post(f"/api/v1/service-reviews/{review.pk}/record/", {}),
        client.post("/api/v1/action-items/", {"review": review.pk, "description": "x", "due_on": "2026-12-01"}),
        client.patch(f"/api/v1/action-items/{item.pk}/", {"description": "x"}),
        client.patch(f"/api/v1/action-items/{own_item.pk}/", {"review": review.pk}),
        client.post(f"/api/v1/action-items/{item.pk}/complete/", {}),
        client.delete(f"/api/v1/action-items/{item.pk}/"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert "engineering or delivery owner" in refused[0].json()["detail"][0]
    assert (ServiceReview.objects.count(), ActionItem.objects.count()) == counts
    review.refresh_from_db()
    item.refresh_from_db()
    assert (review.status, review.notes, item.description, item.done_on) == ("scheduled", "", description, None)
    assert ServiceReview.objects.get(pk=own_review.pk).vendor_id != other_vendor.pk
    assert ActionItem.objects.get(pk=own_item.pk).review_id == own_review.pk

    # …while an admin (not an owner either) is limited by permissions only.
    admin = api_client_for(Role.ADMIN)
    assert admin.patch(f"/api/v1/service-reviews/{review.pk}/", {"notes": "ok"}).status_code == 200


def test_delivery_owner_runs_the_reviews_too(api_client_for: ClientFor) -> None:
    vendor = VendorFactory(delivery_owner=matrix_manager())
    response = api_client_for("engineering_manager").post(
        "/api/v1/service-reviews/", {"vendor": vendor.pk, "scheduled_for": "2026-12-01"}
    )
    assert response.status_code == 201, response.content


# -- filters --------------------------------------------------------------------------------------------
def _names(client: APIClient, query: str) -> list[str]:
    response = client.get(f"/api/v1/vendors/?{query}")
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_vendor_filters(api_client_for: ClientFor) -> None:
    andes = VendorFactory(name="Andes", status="active", geography="offshore", tier="tier_1", country="CO")
    baltic = VendorFactory(name="Baltic", status="prospect", geography="nearshore", tier="tier_2", country="PL")
    VendorFactory(name="Coastal", status="pilot", geography="onshore", tier="tier_3", country="GB")
    ContractFactory(vendor=andes, engagement_model="staff_augmentation")
    ContractFactory(vendor=andes, engagement_model="staff_augmentation")  # still one row
    ContractFactory(vendor=baltic, engagement_model="managed_services")
    client = api_client_for("executive")

    assert _names(client, "status=active") == ["Andes"]
    assert _names(client, "status=active&status=prospect") == ["Andes", "Baltic"]
    assert _names(client, "geography=nearshore") == ["Baltic"]
    assert _names(client, "tier=tier_3") == ["Coastal"]
    assert _names(client, "country=GB") == ["Coastal"]
    assert _names(client, "engagement_model=staff_augmentation") == ["Andes"]
    assert _names(client, "engagement_model=managed_services") == ["Baltic"]
    assert _names(client, "engagement_model=project_based") == []
    assert _names(client, "q=alt") == ["Baltic"]
    assert _names(client, "status=active&geography=nearshore") == []
    assert _names(client, "ordering=-name") == ["Coastal", "Baltic", "Andes"]


@pytest.mark.parametrize("query", ["status=dormant", "geography=moon", "engagement_model=outsourced"])
def test_unknown_filter_values_are_400(query: str, api_client_for: ClientFor) -> None:
    assert api_client_for("executive").get(f"/api/v1/vendors/?{query}").status_code == 400


def test_record_filters(api_client_for: ClientFor) -> None:
    vendor = VendorFactory()
    soon = CertificationFactory(vendor=vendor, issued_on="2025-12-01", expires_on="2026-12-01")
    later = CertificationFactory(issued_on="2026-01-01", expires_on="2027-06-01")
    done = ActionItemFactory(review=ServiceReviewFactory(vendor=vendor), done_on="2026-11-01")
    open_item = ActionItemFactory()
    client = api_client_for("executive")

    def ids(path: str) -> set[int]:
        response = client.get(path)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("/api/v1/certifications/?expires_before=2027-01-01") == {soon.pk}
    assert ids("/api/v1/certifications/?expires_after=2027-01-01") == {later.pk}
    assert ids(f"/api/v1/certifications/?vendor={vendor.pk}") == {soon.pk}
    assert ids("/api/v1/action-items/?done=true") == {done.pk}
    assert ids("/api/v1/action-items/?done=false") == {open_item.pk}
    assert ids(f"/api/v1/action-items/?vendor={vendor.pk}") == {done.pk}


# -- the OpenAPI document -----------------------------------------------------------------------------
def schemas_of(response: Any) -> dict[str, Any]:
    return response.json()["components"]["schemas"]


def test_actions_are_documented(api_client_for: ClientFor) -> None:
    response = api_client_for("executive").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/vendors/{id}/transition/",
        "/api/v1/service-reviews/{id}/record/",
        "/api/v1/action-items/{id}/complete/",
    ):
        assert "requestBody" in paths[path]["post"], path
    assert {"status", "reason", "override"} <= set(schemas_of(response)["TransitionRequest"]["properties"])
    assert "/api/v1/vendors/{id}/readiness/" in paths
    schemas = response.json()["components"]["schemas"]
    design_fields = {
        "name",
        "country",
        "geography",
        "timezone_overlap_hours",
        "status",
        "tier",
        "rate_min",
        "rate_max",
        "currency",
        "engineering_owner",
        "delivery_owner",
        "security_contact",
    }
    assert design_fields <= set(schemas["Vendor"]["properties"])
    assert schemas["AccessGrant"]["properties"]["findings"]["readOnly"] is True

"""The workspace's forms: bad input is shown in place and writes nothing; good input goes through the
services (with the acting user in the audit trail); buttons explain a refused transition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pghistory.models import Events

from apps.accounts.choices import Role
from apps.contracts.choices import ClauseKind
from apps.contracts.models import Contract
from apps.contracts.services import contract_checklists_create
from apps.functions.models import Function, SourcingDecision
from apps.performance.models import SlaTerm
from apps.vendors.models import AccessGrant, Certification, ServiceReview, Vendor, VettingAssessment
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def signed_in(user_with_role: Callable[[str], Any], role: str) -> tuple[Client, Any]:
    client = Client()
    user = user_with_role(role)
    client.force_login(user)
    return client, user


def vendor_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Acme Delivery",
        "country": "PT",
        "geography": "nearshore",
        "timezone_overlap_hours": "6",
        "tier": "tier_2",
        "rate_min": "40",
        "rate_max": "70",
        "currency": "EUR",
        "review_cadence_days": "14",
        "website": "",
        "description": "",
    }
    return {**data, **overrides}


def field_errors(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def all_messages(response: Any) -> str:
    return " ".join(message for messages in field_errors(response).values() for message in messages)


# -- bad input, in place, nothing written ---------------------------------------------------------------------
BAD_VENDOR_INPUT = [
    ("rates reversed", {"rate_min": "90", "rate_max": "50"}, "rate"),
    ("negative money", {"rate_min": "-5"}, "rate_min"),
    ("unknown currency", {"currency": "ZZZ"}, "currency"),
    ("overlap over a day", {"timezone_overlap_hours": "30"}, "timezone_overlap_hours"),
    ("over-long name", {"name": "x" * 201}, "name"),
    ("no country", {"country": ""}, "country"),
    ("unknown geography", {"geography": "moon"}, "geography"),
    ("cadence of zero days", {"review_cadence_days": "0"}, "review_cadence_days"),
    ("not a number", {"rate_max": "lots"}, "rate_max"),
]


@pytest.mark.parametrize(("case", "overrides", "field"), BAD_VENDOR_INPUT, ids=[c[0] for c in BAD_VENDOR_INPUT])
def test_vendor_form_shows_bad_input_in_place(
    case: str, overrides: dict[str, Any], field: str, user_with_role: Callable[[str], Any]
) -> None:
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    response = client.post(reverse("vendors:vendor-create"), vendor_form(**overrides))
    assert response.status_code == 400
    errors = field_errors(response)
    assert errors, case
    assert any(
        field in name or (name == "__all__" and field in " ".join(msgs).lower()) for name, msgs in errors.items()
    ), errors
    assert Vendor.objects.count() == 0
    html = response.content.decode()
    assert 'class="field-error"' in html or 'class="message error"' in html
    # What the user typed is still there.
    typed = overrides.get("name", "Acme Delivery")
    assert f'value="{typed}"' in html


def test_duplicate_vendor_name_is_a_field_error(user_with_role: Callable[[str], Any]) -> None:
    factories.VendorFactory(name="Acme Delivery")
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    response = client.post(reverse("vendors:vendor-create"), vendor_form(name="ACME delivery"))
    assert response.status_code == 400
    assert "already exists" in all_messages(response)
    assert Vendor.objects.count() == 1


def test_html_in_text_fields_is_rendered_inert(user_with_role: Callable[[str], Any]) -> None:
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post(reverse("vendors:vendor-create"), vendor_form(name="Inert <b>Ltd</b>", description=payload))
    assert response.status_code == 302
    vendor = Vendor.objects.get()
    assert vendor.description == payload  # kept as typed…
    html = Client()
    html.force_login(user_with_role(Role.PROCUREMENT))
    page = html.get(vendor.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page  # …and shown as text
    assert "&lt;script&gt;alert" in page
    assert "Inert &lt;b&gt;Ltd&lt;/b&gt;" in page


def test_vendor_is_created_through_the_service_with_the_actor(user_with_role: Callable[[str], Any]) -> None:
    client, user = signed_in(user_with_role, Role.PROCUREMENT)
    owner = factories.UserFactory()
    response = client.post(
        reverse("vendors:vendor-create"), vendor_form(engineering_owner=owner.pk, website="acme.example")
    )
    vendor = Vendor.objects.get()
    assert response.status_code == 302 and response["Location"] == vendor.get_absolute_url()
    assert vendor.status == "prospect" and vendor.engineering_owner == owner
    assert vendor.website == "https://acme.example"  # a URL without a scheme is https
    event = Events.objects.tracks(vendor).get(pgh_label="insert")
    assert event.pgh_context["user"] == user.pk
    assert event.pgh_context["action"] == "vendor_create"


BAD_CONTRACT_INPUT = [
    ("dates reversed", {"start_date": "2026-06-01", "end_date": "2026-01-01"}, "end_date"),
    ("negative value", {"value": "-1"}, "value"),
    ("unknown currency", {"currency": "ABC"}, "currency"),
    ("no title", {"title": ""}, "title"),
    ("notice of ten years and more", {"notice_days": "4000"}, "notice_days"),
]


@pytest.mark.parametrize(("case", "overrides", "field"), BAD_CONTRACT_INPUT, ids=[c[0] for c in BAD_CONTRACT_INPUT])
def test_contract_form_shows_bad_input_in_place(
    case: str, overrides: dict[str, Any], field: str, user_with_role: Callable[[str], Any]
) -> None:
    vendor = factories.VendorFactory()
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    data = {
        "title": "MSA",
        "vendor": vendor.pk,
        "engagement_model": "managed_services",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "renewal": "none",
        "notice_days": "30",
        "value": "1000",
        "currency": "EUR",
        **overrides,
    }
    response = client.post(reverse("contracts:contract-create"), data)
    assert response.status_code == 400
    errors = field_errors(response)
    assert field in errors or any(field.split("_")[0] in " ".join(m).lower() for m in errors.values()), errors
    assert Contract.objects.count() == 0


def test_contract_is_created_with_its_checklists(user_with_role: Callable[[str], Any]) -> None:
    vendor = factories.VendorFactory()
    function = factories.FunctionFactory()
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    response = client.post(
        reverse("contracts:contract-create"),
        {
            "title": "MSA",
            "vendor": vendor.pk,
            "engagement_model": "managed_services",
            "functions": [function.pk],
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "renewal": "automatic",
            "notice_days": "60",
            "value": "1000.50",
            "currency": "EUR",
            "text": "The supplier will use best efforts.",
        },
    )
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert list(contract.functions.all()) == [function]
    assert contract.cancel_by == dt.date(2026, 11, 1)
    assert contract.clauses.count() == len(ClauseKind.values) and contract.exit_plan_items.count() == 5


@pytest.mark.parametrize(
    ("url_name", "model", "data", "field"),
    [
        ("vendors:vetting-create", VettingAssessment, {"delivery_maturity": "6"}, "delivery_maturity"),
        ("vendors:certification-create", Certification, {"expires_on": "2020-01-01"}, "expires_on"),
        ("vendors:access-create", AccessGrant, {"named_account": "", "privilege": "production"}, "named_account"),
    ],
    ids=["score out of range", "certification expires before issued", "shared account in production"],
)
def test_vendor_records_refuse_bad_input(
    url_name: str, model: type[Any], data: dict[str, Any], field: str, user_with_role: Callable[[str], Any]
) -> None:
    vendor = factories.VendorFactory()
    client, _ = signed_in(user_with_role, Role.ADMIN)
    base = {
        "vendors:vetting-create": {
            "assessed_on": "2026-01-10",
            **dict.fromkeys(
                (
                    "delivery_maturity",
                    "retention_stability",
                    "security_posture",
                    "technical_depth",
                    "escalation_model",
                    "communication",
                ),
                "4",
            ),
            "pilot_outcome": "passed",
            "verdict": "approve",
        },
        "vendors:certification-create": {"kind": "iso27001", "issued_on": "2025-01-01", "expires_on": "2027-01-01"},
        "vendors:access-create": {
            "person": "Ana",
            "system": "AWS",
            "privilege": "read",
            "account_name": "ops-shared",
            "named_account": "on",
            "mfa_enabled": "on",
            "granted_on": "2026-01-01",
        },
    }[url_name]
    response = client.post(reverse(url_name, args=[vendor.pk]), {**base, **data})
    assert response.status_code == 400, response.content[:500]
    messages = all_messages(response).lower()
    assert messages
    assert model.objects.count() == 0


def test_function_duplicate_name_and_score_out_of_range(user_with_role: Callable[[str], Any]) -> None:
    factories.FunctionFactory(name="Payroll")
    client, _ = signed_in(user_with_role, Role.EXECUTIVE)
    data = {
        "name": "payroll",
        "category": "payroll_hr",
        "strategic": "0",
        "sensitive": "3",
        "repeatable": "5",
        "scarce": "2",
    }
    response = client.post(reverse("functions:function-create"), data)
    assert response.status_code == 400
    assert "strategic" in field_errors(response)
    assert "already exists" in all_messages(response)
    assert Function.objects.count() == 1


# -- sourcing decisions -------------------------------------------------------------------------------------
def test_executive_records_a_sourcing_decision(user_with_role: Callable[[str], Any]) -> None:
    function = factories.FunctionFactory(strategic=1, repeatable=5)  # recommended outsource
    client, user = signed_in(user_with_role, Role.EXECUTIVE)
    url = reverse("functions:function-decide", args=[function.pk])
    assert client.post(url, {"decision": "outsource", "rationale": ""}).status_code == 400
    response = client.post(url, {"decision": "outsource", "rationale": "Commoditised work."})
    assert response.status_code == 302
    decision = SourcingDecision.objects.get()
    assert (decision.decision, decision.decided_by) == ("outsource", user)
    detail = client.get(function.get_absolute_url()).content.decode()
    assert "Commoditised work." in detail


def test_other_roles_cannot_record_a_decision(user_with_role: Callable[[str], Any]) -> None:
    function = factories.FunctionFactory()
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    response = client.post(
        reverse("functions:function-decide", args=[function.pk]), {"decision": "outsource", "rationale": "x"}
    )
    assert response.status_code == 403
    assert SourcingDecision.objects.count() == 0
    assert b"Record a sourcing decision" not in client.get(function.get_absolute_url()).content


# -- lifecycle buttons (the transition page: tests/vendors/test_lifecycle_gates.py has the gates) ------------
def test_refused_transition_is_explained_and_changes_nothing(user_with_role: Callable[[str], Any]) -> None:
    vendor = factories.vendor_ready_for("pilot", security_contact=None)
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    response = client.post(reverse("vendors:vendor-transition", args=[vendor.pk, "pilot"]), {})
    assert response.status_code == 400
    text = response.content.decode()
    assert "All three owners are named" in text and "missing: security contact" in text
    vendor.refresh_from_db()
    assert vendor.status == "vetting"


def test_transition_moves_the_vendor(user_with_role: Callable[[str], Any]) -> None:
    vendor = factories.VendorFactory(status="prospect")
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    response = client.post(reverse("vendors:vendor-transition", args=[vendor.pk, "vetting"]), {}, follow=True)
    assert f"{vendor.name} is now Vetting." in response.content.decode()
    vendor.refresh_from_db()
    assert vendor.status == "vetting"
    # A move the lifecycle does not allow has no page.
    assert client.get(reverse("vendors:vendor-transition", args=[vendor.pk, "offboarding"])).status_code == 404


def test_transition_page_is_role_checked(user_with_role: Callable[[str], Any]) -> None:
    vendor = factories.VendorFactory(status="prospect")
    client, _ = signed_in(user_with_role, Role.SECURITY)
    url = reverse("vendors:vendor-transition", args=[vendor.pk, "vetting"])
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    vendor.refresh_from_db()
    assert vendor.status == "prospect"


def test_contract_activation_and_refusal(user_with_role: Callable[[str], Any]) -> None:
    contract = factories.ReadyContractFactory(
        status="draft", start_date=TODAY - dt.timedelta(days=10), end_date=TODAY + dt.timedelta(days=300)
    )
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    client.post(reverse("contracts:contract-transition", args=[contract.pk, "active"]), {"reason": ""})
    contract.refresh_from_db()
    assert contract.status == "active"
    # A move the lifecycle does not offer from here has no page.
    assert client.get(reverse("contracts:contract-transition", args=[contract.pk, "draft"])).status_code == 404


def test_deleting_a_referenced_vendor_is_refused_with_a_message(user_with_role: Callable[[str], Any]) -> None:
    contract = factories.ContractFactory()
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    response = client.post(reverse("vendors:vendor-delete", args=[contract.vendor.pk]), follow=True)
    assert response.status_code == 200
    assert "cannot be deleted" in response.content.decode()
    assert Vendor.objects.filter(pk=contract.vendor.pk).exists()


# -- service reviews: engineering managers run the reviews of the vendors they own ------------------------------
def test_manager_records_a_review_of_their_vendor(user_with_role: Callable[[str], Any]) -> None:
    client, manager = signed_in(user_with_role, Role.ENGINEERING_MANAGER)
    vendor = factories.VendorFactory(delivery_owner=manager, review_cadence_days=14)
    review = factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY - dt.timedelta(days=1))
    response = client.post(
        reverse("vendors:review-record", args=[review.pk]),
        {
            "held_on": "",
            "attendees": [manager.pk],
            "delivery_quality": "4",
            "decisions": "Ship the pilot.",
            "risks_raised": "",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.held_on, review.delivery_quality) == ("held", review.scheduled_for, 4)
    assert list(review.attendees.all()) == [manager]
    assert ServiceReview.objects.filter(
        vendor=vendor, status="scheduled", scheduled_for=review.scheduled_for + dt.timedelta(days=14)
    ).exists()

    bad = client.post(reverse("vendors:review-record", args=[review.pk]), {"delivery_quality": "9"})
    assert bad.status_code == 400 and "delivery_quality" in field_errors(bad)

    client.post(
        reverse("vendors:action-create", args=[review.pk]),
        {"description": "Fix CI", "owner": manager.pk, "due_on": "2026-12-01"},
    )
    item = review.action_items.get()
    client.post(reverse("vendors:action-complete", args=[item.pk]))
    item.refresh_from_db()
    assert item.done_on == TODAY


def test_manager_cannot_touch_reviews_of_vendors_they_do_not_own(user_with_role: Callable[[str], Any]) -> None:
    client, manager = signed_in(user_with_role, Role.ENGINEERING_MANAGER)
    review = factories.ServiceReviewFactory(scheduled_for=TODAY)
    assert client.get(reverse("vendors:review-record", args=[review.pk])).status_code == 403
    assert client.post(reverse("vendors:review-record", args=[review.pk]), {"delivery_quality": "4"}).status_code == 403
    assert (
        client.post(
            reverse("vendors:action-create", args=[review.pk]), {"description": "x", "due_on": "2026-12-01"}
        ).status_code
        == 403
    )
    assert b"Record the meeting" not in client.get(review.get_absolute_url()).content
    # Scheduling offers only the vendors they own; another vendor is refused by the service (403).
    owned = factories.VendorFactory(engineering_owner=manager)
    form = client.get(reverse("vendors:review-create")).context["form"]
    assert list(form.fields["vendor"].queryset) == [owned]
    response = client.post(
        reverse("vendors:review-create"), {"vendor": review.vendor.pk, "scheduled_for": "2026-12-01"}
    )
    assert response.status_code == 400  # not a choice offered to them
    review.refresh_from_db()
    assert review.status == "scheduled"


# -- SLA terms and checklists in place (htmx) ------------------------------------------------------------------
HX = {"HTTP_HX_REQUEST": "true"}


def sla_form(kpi: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "area": "quality",
        "kpi": kpi.pk,
        "comparator": "lte",
        "target": "2",
        "window": "month",
        "min_samples": "1",
        "severity": "major",
        "credit_percent": "5",
        **overrides,
    }


def test_sla_terms_are_added_edited_and_removed_in_place(user_with_role: Callable[[str], Any]) -> None:
    contract = factories.ContractFactory()
    kpi = factories.KpiDefinitionFactory(name="Defect rate", unit="%", direction="lower")
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    create = reverse("performance:sla-term-create", args=[contract.pk])

    form = client.get(create, **HX)
    assert form.status_code == 200 and b'id="sla-terms"' in form.content and b"<html" not in form.content

    bad = client.post(create, sla_form(kpi, window="rolling"), **HX)  # rolling needs its window_days
    assert b'id="sla-terms"' in bad.content
    assert b"Give the number of days for a rolling window" in bad.content  # the model's rule, at the top
    assert SlaTerm.objects.count() == 0

    added = client.post(create, sla_form(kpi), **HX)
    term = SlaTerm.objects.get()
    assert f'data-term="{term.pk}"'.encode() in added.content and b"Added the SLA term" in added.content

    update = reverse("performance:sla-term-update", args=[term.pk])
    client.post(update, sla_form(kpi, target="1.5"), **HX)
    term.refresh_from_db()
    assert term.target == Decimal("1.5")

    removed = client.post(reverse("performance:sla-term-delete", args=[term.pk]), **HX)
    assert removed.status_code == 200 and b"No SLA terms yet" in removed.content
    assert SlaTerm.objects.count() == 0


def test_clause_row_saves_in_place(user_with_role: Callable[[str], Any]) -> None:
    contract = factories.ContractFactory()
    contract_checklists_create(contract=contract)
    clause = contract.clauses.get(kind="ip_ownership")
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    prefix = f"clause-{clause.pk}"
    response = client.post(
        reverse("contracts:clause-update", args=[clause.pk]),
        {f"{prefix}-assessment": "weak", f"{prefix}-note": "Clause 7"},
        **HX,
    )
    assert response.status_code == 200 and b"saved" in response.content and b"<html" not in response.content
    clause.refresh_from_db()
    assert (clause.assessment, clause.note) == ("weak", "Clause 7")
    assert (
        client.post(
            reverse("contracts:clause-update", args=[clause.pk]), {f"{prefix}-assessment": "bogus"}, **HX
        ).status_code
        == 200
    )
    clause.refresh_from_db()
    assert clause.assessment == "weak"


def test_cancel_goes_back_to_the_record_not_to_the_failed_form(user_with_role: Callable[[str], Any]) -> None:
    vendor = factories.VendorFactory()
    client, _ = signed_in(user_with_role, Role.PROCUREMENT)
    assert (
        client.get(reverse("vendors:vendor-update", args=[vendor.pk])).context["cancel_url"]
        == vendor.get_absolute_url()
    )
    create_certification = reverse("vendors:certification-create", args=[vendor.pk])
    assert client.get(create_certification).context["cancel_url"] == vendor.get_absolute_url()
    create = reverse("vendors:vendor-create")
    failed = client.post(create, vendor_form(currency="ZZZ"), HTTP_REFERER=f"http://testserver{create}")
    assert failed.context["cancel_url"] == "/"
    came_from_list = client.get(create, HTTP_REFERER="http://testserver/vendors/?status=active")
    assert came_from_list.context["cancel_url"] == "http://testserver/vendors/?status=active"
    assert client.get(create, HTTP_REFERER="https://evil.example/").context["cancel_url"] == "/"

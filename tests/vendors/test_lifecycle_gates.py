"""The vendor lifecycle's readiness gates: each condition met and unmet, enforcement in the service
(409 listing what is missing, nothing written), the executive's override (400 without a reason, 403
for anyone else, recorded as a StatusChange and in the audit trail), the reason an exit needs, the
readiness endpoint, the transition page's checklist and the vendor page's buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.formatting import format_date
from apps.core.gates import GateError, gate_report
from apps.core.models import StatusChange
from apps.vendors import services
from apps.vendors.choices import VENDOR_TRANSITIONS
from apps.vendors.models import Vendor, VettingAssessment
from tests.factories import (
    AccessGrantFactory,
    CertificationFactory,
    UserFactory,
    VendorFactory,
    VendorRiskFactory,
    VettingAssessmentFactory,
    vendor_ready_for,
)

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], APIClient]
TODAY = timezone.localdate()


def check(vendor: Vendor, to_status: str, code: str) -> Any:
    """The one check ``code`` of the gate into ``to_status``, as evaluated for ``vendor`` now."""
    (found,) = [c for c in gate_report(vendor, to_status).checks if c.code == code]
    return found


def transition_events(vendor: Vendor) -> list[Any]:
    event_model = Vendor.pgh_event_models["update"]
    return list(
        event_model.objects.filter(pgh_obj_id=vendor.pk, pgh_label="update")
        .select_related("pgh_context")
        .order_by("pgh_id")
    )


# -- the lifecycle map ---------------------------------------------------------------------------
def test_active_is_reached_from_pilot_only_for_a_new_vendor() -> None:
    assert "active" not in VENDOR_TRANSITIONS["vetting"]
    assert "active" not in VENDOR_TRANSITIONS["prospect"]
    assert "active" in VENDOR_TRANSITIONS["pilot"]
    # Cancelling an offboarding returns a vendor that was active; it needs a reason (below).
    assert "active" in VENDOR_TRANSITIONS["offboarding"]


# -- each condition, met and unmet ---------------------------------------------------------------
@pytest.mark.parametrize(("owner", "met"), [(True, True), (False, False)])
def test_vetting_needs_an_engineering_owner(owner: bool, met: bool) -> None:
    vendor = VendorFactory(status="prospect", **({} if owner else {"engineering_owner": None}))
    assert check(vendor, "vetting", "engineering_owner_named").met is met


@pytest.mark.parametrize(
    ("verdicts", "met", "detail"),
    [
        ((), False, "not vetted yet"),
        (("approve",), True, "Approve on"),
        (("conditional",), True, "Conditional on"),
        (("reject",), False, "Reject on"),
        (("approve", "reject"), False, "Reject on"),  # the latest assessment counts
        (("reject", "conditional"), True, "Conditional on"),
    ],
)
def test_pilot_needs_a_passing_verdict_on_the_latest_vetting(verdicts: tuple[str, ...], met: bool, detail: str) -> None:
    vendor = VendorFactory(status="vetting")
    for days_ago, verdict in zip(range(len(verdicts) * 10, 0, -10), verdicts, strict=True):
        VettingAssessmentFactory(vendor=vendor, verdict=verdict, assessed_on=TODAY - timedelta(days=days_ago))
    found = check(vendor, "pilot", "vetting_verdict")
    assert found.met is met
    assert found.detail.startswith(detail)


@pytest.mark.parametrize(
    ("flags", "met", "detail"),
    [
        ({}, True, "no red flags recorded"),
        ({"flag_fast_yes": True}, False, "no note yet: A fast yes to every requirement"),
        ({"flag_fast_yes": True, "flag_fast_yes_note": "   "}, False, "no note yet: A fast yes to every requirement"),
        (
            {"flag_fast_yes": True, "flag_fast_yes_note": "Asked again: they pushed back on two items."},
            True,
            "1 answered",
        ),
        (
            {"flag_no_pilot": True, "flag_no_pilot_note": "Paid pilot agreed.", "flag_junior_interviewers": True},
            False,
            "no note yet: Only junior interviewers",
        ),
        ({"flag_no_pilot_note": "a note without its flag"}, True, "no red flags recorded"),
    ],
)
def test_pilot_needs_every_red_flag_answered(flags: dict[str, Any], met: bool, detail: str) -> None:
    vendor = VendorFactory(status="vetting")
    VettingAssessmentFactory(vendor=vendor, **flags)
    found = check(vendor, "pilot", "red_flags_answered")
    assert (found.met, found.detail) == (met, detail)


@pytest.mark.parametrize("to_status", ["pilot", "active"])
@pytest.mark.parametrize(
    ("missing", "detail"),
    [
        ((), ""),
        (("delivery_owner",), "missing: delivery owner"),
        (("engineering_owner", "security_contact"), "missing: engineering owner, security contact"),
    ],
)
def test_pilot_and_active_need_all_three_owners(to_status: str, missing: tuple[str, ...], detail: str) -> None:
    vendor = VendorFactory(status="vetting", **dict.fromkeys(missing))
    found = check(vendor, to_status, "owners_named")
    assert (found.met, found.detail) == (not missing, detail)


@pytest.mark.parametrize(
    ("outcomes", "met", "detail"),
    [
        ((), False, "no pilot outcome recorded"),
        (("not_run",), False, "no pilot outcome recorded"),
        (("passed",), True, "Passed"),
        (("mixed",), False, "Mixed"),
        (("failed",), False, "Failed"),
        (("passed", "not_run"), True, "Passed"),  # a later vetting without a pilot keeps the pilot's outcome
        (("passed", "failed"), False, "Failed"),
    ],
)
def test_active_needs_a_passed_pilot(outcomes: tuple[str, ...], met: bool, detail: str) -> None:
    vendor = VendorFactory(status="pilot")
    for days_ago, outcome in zip(range(len(outcomes) * 10, 0, -10), outcomes, strict=True):
        VettingAssessmentFactory(vendor=vendor, pilot_outcome=outcome, assessed_on=TODAY - timedelta(days=days_ago))
    found = check(vendor, "active", "pilot_passed")
    assert found.met is met
    assert found.detail.startswith(detail)


def _certified(vendor: Vendor, kind: str, *, issued: int = -300, expires: int = 300) -> None:
    CertificationFactory(
        vendor=vendor, kind=kind, issued_on=TODAY + timedelta(days=issued), expires_on=TODAY + timedelta(days=expires)
    )


@pytest.mark.parametrize(
    ("tier", "arrange", "met", "warning"),
    [
        ("tier_3", lambda v: None, True, False),
        ("tier_1", lambda v: None, False, False),
        ("tier_2", lambda v: None, False, False),
        ("tier_1", lambda v: _certified(v, "soc2_type2"), True, False),
        ("tier_2", lambda v: _certified(v, "iso27001"), True, False),
        ("tier_1", lambda v: _certified(v, "iso27001", expires=0), True, False),  # still valid on its last day
        ("tier_1", lambda v: _certified(v, "iso27001", expires=-1), False, False),  # expired yesterday
        ("tier_1", lambda v: _certified(v, "iso27001", issued=5, expires=400), False, False),  # not issued yet
        ("tier_1", lambda v: _certified(v, "iso9001"), False, False),  # not a security certification
        (
            "tier_1",
            lambda v: VendorRiskFactory(vendor=v, category="data_security", status="accepted"),
            True,
            True,
        ),
        ("tier_1", lambda v: VendorRiskFactory(vendor=v, category="data_security", status="open"), False, False),
        ("tier_1", lambda v: VendorRiskFactory(vendor=v, category="financial", status="accepted"), False, False),
    ],
)
def test_active_needs_a_security_certification_for_tiers_1_and_2(
    tier: str, arrange: Callable[[Vendor], Any], met: bool, warning: bool
) -> None:
    vendor = VendorFactory(status="pilot", tier=tier)
    arrange(vendor)
    found = check(vendor, "active", "security_certification")
    assert (found.met, found.warning) == (met, warning)


@pytest.mark.parametrize(
    ("revoked_days", "met"),
    [(None, False), (-1, True), (0, True), (3, False)],  # revoked in the future: still access today
)
def test_exit_needs_every_access_grant_revoked(revoked_days: int | None, met: bool) -> None:
    vendor = VendorFactory(status="offboarding")
    AccessGrantFactory(vendor=vendor, revoked_on=TODAY - timedelta(days=5))
    AccessGrantFactory(
        vendor=vendor,
        person="Ana Ruiz",
        system="AWS",
        granted_on=TODAY - timedelta(days=30),
        revoked_on=None if revoked_days is None else TODAY + timedelta(days=revoked_days),
    )
    found = check(vendor, "exited", "access_revoked")
    assert found.met is met
    if not met:
        assert found.detail == "1 not revoked: Ana Ruiz on AWS"


# -- the service: enforced, overridden, recorded ------------------------------------------------------
def test_an_unmet_gate_is_a_409_listing_what_is_missing_and_writes_nothing() -> None:
    vendor = VendorFactory(status="vetting", name="Andes", delivery_owner=None)
    VettingAssessmentFactory(vendor=vendor, verdict="reject", assessed_on=TODAY - timedelta(days=3))
    with pytest.raises(GateError) as caught:
        services.vendor_transition(vendor=vendor, to_status="pilot", actor=UserFactory(role="procurement"))
    assert caught.value.status_code == 409
    body = caught.value.as_dict()
    assert body["status"] == [
        f"Not ready to move Andes to Pilot: A vetting assessment with verdict Approve or Conditional "
        f"(Reject on {format_date(TODAY - timedelta(days=3))}); All three owners are named (missing: delivery owner)."
    ]
    assert [item["code"] for item in body["unmet"]] == ["vetting_verdict", "owners_named"]
    assert Vendor.objects.get(pk=vendor.pk).status == "vetting"
    assert not StatusChange.objects.exists()
    assert transition_events(vendor) == []


def test_a_met_gate_moves_and_records_the_status_change() -> None:
    vendor = vendor_ready_for("pilot")
    actor = UserFactory(role="procurement")
    services.vendor_transition(vendor=vendor, to_status="pilot", actor=actor)
    change = StatusChange.objects.get()
    assert (change.subject, change.from_status, change.to_status, change.actor) == (vendor, "vetting", "pilot", actor)
    assert (change.reason, change.overridden, change.is_override) == ("", [], False)


def test_an_executive_overrides_with_a_reason_and_the_override_is_recorded() -> None:
    vendor = VendorFactory(status="pilot", tier="tier_1")
    VettingAssessmentFactory(vendor=vendor, pilot_outcome="mixed")
    executive = UserFactory(role="executive")
    moved = services.vendor_transition(
        vendor=vendor,
        to_status="active",
        actor=executive,
        reason="Launch cannot wait; SOC 2 in January.",
        override=True,
    )
    assert moved.status == "active"
    change = StatusChange.objects.get()
    assert change.is_open_override
    assert (change.actor, change.reason) == (executive, "Launch cannot wait; SOC 2 in January.")
    assert [item["code"] for item in change.overridden] == ["pilot_passed", "security_certification"]
    context = transition_events(vendor)[-1].pgh_context.metadata
    assert context["action"] == "vendor_transition_active"
    assert context["reason"] == "Launch cannot wait; SOC 2 in January."
    assert context["overridden"] == [
        "A pilot with outcome Passed",
        "Tier 1–2: a current SOC 2 Type II or ISO 27001, or an accepted data-security risk",
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_without_a_reason_is_a_400(reason: str) -> None:
    vendor = VendorFactory(status="pilot")
    with pytest.raises(ApplicationError) as caught:
        services.vendor_transition(
            vendor=vendor, to_status="active", actor=UserFactory(role="executive"), reason=reason, override=True
        )
    assert (caught.value.status_code, caught.value.field) == (400, "reason")
    assert Vendor.objects.get(pk=vendor.pk).status == "pilot"
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize("role", ["procurement", "engineering_manager", "security"])
def test_only_an_executive_or_admin_may_override(role: str) -> None:
    vendor = VendorFactory(status="pilot")
    with pytest.raises(PermissionDeniedError):
        services.vendor_transition(
            vendor=vendor, to_status="active", actor=UserFactory(role=role), reason="Because.", override=True
        )
    assert Vendor.objects.get(pk=vendor.pk).status == "pilot"
    admin = UserFactory(role="admin")
    services.vendor_transition(vendor=vendor, to_status="active", actor=admin, reason="Because.", override=True)
    assert Vendor.objects.get(pk=vendor.pk).status == "active"


def test_an_override_of_a_met_gate_is_a_plain_move() -> None:
    vendor = vendor_ready_for("pilot")
    services.vendor_transition(
        vendor=vendor, to_status="pilot", actor=UserFactory(role="executive"), reason="Go.", override=True
    )
    assert StatusChange.objects.get().overridden == []


@pytest.mark.parametrize("start", ["prospect", "vetting", "pilot", "offboarding"])
def test_exiting_needs_a_reason_which_is_kept(start: str) -> None:
    vendor = VendorFactory(status=start)
    actor = UserFactory(role="procurement")
    with pytest.raises(ApplicationError) as caught:
        services.vendor_transition(vendor=vendor, to_status="exited", actor=actor, reason="  ")
    assert (caught.value.status_code, caught.value.field) == (400, "reason")
    assert caught.value.message == "Exiting a vendor needs a reason."
    assert Vendor.objects.get(pk=vendor.pk).status == start
    services.vendor_transition(vendor=vendor, to_status="exited", actor=actor, reason=" Contract ended. ")
    assert StatusChange.objects.get().reason == "Contract ended."
    assert transition_events(vendor)[-1].pgh_context.metadata["reason"] == "Contract ended."


def test_exit_is_refused_while_access_is_live_and_lists_it() -> None:
    vendor = VendorFactory(status="offboarding", name="Andes")
    AccessGrantFactory(vendor=vendor, person="Ana Ruiz", system="AWS")
    with pytest.raises(GateError) as caught:
        services.vendor_transition(vendor=vendor, to_status="exited", actor=None, reason="Done.")
    assert caught.value.as_dict()["unmet"] == [
        {
            "code": "access_revoked",
            "label": "Every access grant is revoked",
            "met": False,
            "detail": "1 not revoked: Ana Ruiz on AWS",
        }
    ]


def test_cancelling_an_offboarding_needs_a_reason_and_the_active_gate() -> None:
    vendor = vendor_ready_for("active", status="offboarding")
    with pytest.raises(ApplicationError, match="Cancelling an offboarding needs a reason"):
        services.vendor_transition(vendor=vendor, to_status="active", actor=None)
    services.vendor_transition(vendor=vendor, to_status="active", actor=None, reason="Renegotiated.")
    assert Vendor.objects.get(pk=vendor.pk).status == "active"
    VettingAssessment.objects.filter(vendor=vendor).update(pilot_outcome="failed")
    services.vendor_transition(vendor=vendor, to_status="offboarding", actor=None)
    with pytest.raises(GateError, match="A pilot with outcome Passed"):
        services.vendor_transition(vendor=vendor, to_status="active", actor=None, reason="Renegotiated.")


# -- what was seen: three clicks from prospect to active ------------------------------------------------
def test_the_seen_vendor_no_longer_reaches_active_in_three_clicks(api_client_for: ClientFor) -> None:
    """A conditional verdict, security posture 2/5, a red flag, no pilot and no contract."""
    vendor = VendorFactory(status="prospect", tier="tier_1")
    VettingAssessmentFactory(
        vendor=vendor, verdict="conditional", security_posture=2, flag_fast_yes=True, pilot_outcome="not_run"
    )
    client = api_client_for("procurement")

    def move(to_status: str) -> Any:
        return client.post(f"/api/v1/vendors/{vendor.pk}/transition/", {"status": to_status}, format="json")

    assert move("vetting").status_code == 200
    refused = move("pilot")
    assert refused.status_code == 409
    assert [item["code"] for item in refused.json()["unmet"]] == ["red_flags_answered"]
    refused = move("active")  # no longer offered from vetting at all
    assert refused.status_code == 409
    assert refused.json()["status"][0].startswith("A vendor cannot go from Vetting to Active")
    VettingAssessment.objects.filter(vendor=vendor).update(flag_fast_yes_note="They agreed to every requirement.")
    assert move("pilot").status_code == 200
    refused = move("active")
    assert refused.status_code == 409
    assert [item["code"] for item in refused.json()["unmet"]] == ["pilot_passed", "security_certification"]
    assert Vendor.objects.get(pk=vendor.pk).status == "pilot"


# -- the API --------------------------------------------------------------------------------------------
def test_api_override_400_403_200(api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="pilot")
    url = f"/api/v1/vendors/{vendor.pk}/transition/"
    executive = api_client_for("executive")
    response = executive.post(url, {"status": "active", "override": True}, format="json")
    assert (response.status_code, response.json()) == (400, {"reason": ["An override needs a reason."]})
    response = api_client_for("procurement").post(
        url, {"status": "active", "override": True, "reason": "Because."}, format="json"
    )
    assert (response.status_code, response.json()) == (
        403,
        {"detail": ["Only an executive can override a readiness gate."]},
    )
    response = executive.post(url, {"status": "active", "override": True, "reason": "Board decision."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active"
    change = StatusChange.objects.get()
    assert change.reason == "Board decision." and change.is_override


def test_api_executive_without_the_change_permission_may_only_override(api_client_for: ClientFor) -> None:
    executive = api_client_for("executive")
    ready = vendor_ready_for("pilot")
    response = executive.post(f"/api/v1/vendors/{ready.pk}/transition/", {"status": "pilot"}, format="json")
    assert response.status_code == 403
    response = executive.post(
        f"/api/v1/vendors/{ready.pk}/transition/", {"status": "pilot", "override": True, "reason": "x"}, format="json"
    )
    assert response.status_code == 403  # nothing to override: a plain move is not theirs
    unready = VendorFactory(status="vetting")
    response = executive.post(f"/api/v1/vendors/{unready.pk}/transition/", {"status": "pilot"}, format="json")
    assert response.status_code == 403
    assert Vendor.objects.get(pk=unready.pk).status == "vetting"


def test_api_exit_without_a_reason_is_400(api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="offboarding")
    response = api_client_for("procurement").post(
        f"/api/v1/vendors/{vendor.pk}/transition/", {"status": "exited"}, format="json"
    )
    assert (response.status_code, response.json()) == (400, {"reason": ["Exiting a vendor needs a reason."]})
    assert Vendor.objects.get(pk=vendor.pk).status == "offboarding"


def test_api_readiness_lists_each_move_with_its_checklist(api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="vetting", delivery_owner=None)
    VettingAssessmentFactory(vendor=vendor, verdict="approve")
    response = api_client_for("procurement").get(f"/api/v1/vendors/{vendor.pk}/readiness/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "vetting"
    assert [move["to_status"] for move in body["transitions"]] == list(VENDOR_TRANSITIONS["vetting"])
    pilot = body["transitions"][0]
    assert {key: pilot[key] for key in ("label", "allowed", "ready", "reason_required", "can_override")} == {
        "label": "Pilot",
        "allowed": True,
        "ready": False,
        "reason_required": False,
        "can_override": False,
    }
    assert [(c["code"], c["met"]) for c in pilot["checks"]] == [
        ("vetting_verdict", True),
        ("red_flags_answered", True),
        ("owners_named", False),
    ]
    assert pilot["checks"][2]["detail"] == "missing: delivery owner"
    exited = body["transitions"][1]
    assert (exited["to_status"], exited["ready"], exited["reason_required"]) == ("exited", True, True)


def test_api_readiness_of_one_move(api_client_for: ClientFor) -> None:
    vendor = VendorFactory(status="vetting")
    executive = api_client_for("executive")
    body = executive.get(f"/api/v1/vendors/{vendor.pk}/readiness/?to_status=pilot").json()
    assert [(m["to_status"], m["ready"], m["can_override"]) for m in body["transitions"]] == [("pilot", False, True)]
    body = executive.get(f"/api/v1/vendors/{vendor.pk}/readiness/?to_status=active").json()
    assert body["transitions"] == [
        {
            "to_status": "active",
            "label": "Active",
            "allowed": False,
            "ready": False,
            "reason_required": False,
            "can_override": False,
            "checks": [],
        }
    ]
    response = executive.get(f"/api/v1/vendors/{vendor.pk}/readiness/?to_status=dormant")
    assert response.status_code == 400
    assert "to_status" in response.json()


def test_api_red_flag_notes(api_client_for: ClientFor) -> None:
    assessment = VettingAssessmentFactory(flag_fast_yes=True, flag_no_pilot=True, flag_no_pilot_note="Paid pilot.")
    client = api_client_for("procurement")
    body = client.get(f"/api/v1/vetting-assessments/{assessment.pk}/").json()
    assert body["flag_no_pilot_note"] == "Paid pilot."
    assert body["unanswered_red_flags"] == ["A fast yes to every requirement"]
    response = client.patch(
        f"/api/v1/vetting-assessments/{assessment.pk}/", {"flag_fast_yes_note": "Asked again."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["unanswered_red_flags"] == []


# -- the pages ------------------------------------------------------------------------------------------
def signed_in(user_with_role: Callable[[str], Any], role: str) -> tuple[Client, Any]:
    client = Client()
    user = user_with_role(role)
    client.force_login(user)
    return client, user


def test_vendor_page_buttons_lead_to_the_transition_page_and_say_what_is_missing(
    user_with_role: Callable[[str], Any],
) -> None:
    vendor = VendorFactory(status="vetting", delivery_owner=None, security_contact=None)
    client, _ = signed_in(user_with_role, "procurement")
    html = client.get(vendor.get_absolute_url()).content.decode()
    assert 'data-transition="active"' not in html  # never offered straight from vetting
    assert f'href="{reverse("vendors:vendor-transition", args=[vendor.pk, "pilot"])}"' in html
    assert 'Move to Pilot <span class="muted small">— 2 conditions missing</span>' in html
    assert 'data-transition="exited"' in html and 'data-ready="yes"' in html
    assert "<form" not in html.split('class="actions"')[1].split("</div>")[0]  # no one-click move left


def test_executives_see_only_the_moves_they_could_override(user_with_role: Callable[[str], Any]) -> None:
    vendor = VendorFactory(status="vetting")  # pilot unmet (not vetted), exit met
    client, _ = signed_in(user_with_role, "executive")
    html = client.get(vendor.get_absolute_url()).content.decode()
    assert 'data-transition="pilot"' in html
    assert 'data-transition="exited"' not in html
    client, _ = signed_in(user_with_role, "security")
    assert "data-transition" not in client.get(vendor.get_absolute_url()).content.decode()


def test_transition_page_shows_the_checklist_before_the_button(user_with_role: Callable[[str], Any]) -> None:
    vendor = VendorFactory(status="vetting")
    VettingAssessmentFactory(vendor=vendor, verdict="conditional", flag_fast_yes=True)
    client, _ = signed_in(user_with_role, "procurement")
    response = client.get(reverse("vendors:vendor-transition", args=[vendor.pk, "pilot"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<li class="met" data-condition="vetting_verdict">' in html
    assert '<li class="unmet" data-condition="red_flags_answered">' in html
    assert "no note yet: A fast yes to every requirement" in html
    assert '<li class="met" data-condition="owners_named">' in html
    assert html.index('data-condition="owners_named"') < html.index("Move to Pilot</button>")
    assert 'data-gate="blocked"' in html
    assert 'name="override"' not in html  # not theirs


def test_transition_page_refuses_an_unmet_gate_and_changes_nothing(user_with_role: Callable[[str], Any]) -> None:
    vendor = VendorFactory(status="vetting")
    client, _ = signed_in(user_with_role, "procurement")
    response = client.post(reverse("vendors:vendor-transition", args=[vendor.pk, "pilot"]), {"reason": ""})
    assert response.status_code == 400
    assert "Not ready to move" in response.content.decode()
    assert Vendor.objects.get(pk=vendor.pk).status == "vetting"


def test_transition_page_moves_a_ready_vendor(user_with_role: Callable[[str], Any]) -> None:
    vendor = vendor_ready_for("pilot")
    client, user = signed_in(user_with_role, "procurement")
    response = client.post(reverse("vendors:vendor-transition", args=[vendor.pk, "pilot"]), {}, follow=True)
    assert f"{vendor.name} is now Pilot." in response.content.decode()
    assert StatusChange.objects.get().actor == user


def test_transition_page_for_a_move_the_lifecycle_does_not_allow_is_404(
    user_with_role: Callable[[str], Any],
) -> None:
    vendor = VendorFactory(status="vetting")
    client, _ = signed_in(user_with_role, "procurement")
    assert client.get(reverse("vendors:vendor-transition", args=[vendor.pk, "active"])).status_code == 404


def test_exit_page_asks_for_the_reason(user_with_role: Callable[[str], Any]) -> None:
    vendor = VendorFactory(status="offboarding")
    client, _ = signed_in(user_with_role, "procurement")
    url = reverse("vendors:vendor-transition", args=[vendor.pk, "exited"])
    assert 'name="reason"' in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "This step needs a reason." in response.content.decode()
    assert Vendor.objects.get(pk=vendor.pk).status == "offboarding"
    client.post(url, {"reason": "The platform was retired."})
    assert Vendor.objects.get(pk=vendor.pk).status == "exited"
    assert StatusChange.objects.get().reason == "The platform was retired."


def test_executive_overrides_on_the_page_and_history_shows_it(user_with_role: Callable[[str], Any]) -> None:
    vendor = VendorFactory(status="pilot", tier="tier_3")
    client, executive = signed_in(user_with_role, "executive")
    url = reverse("vendors:vendor-transition", args=[vendor.pk, "active"])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="override"' in page.content.decode()
    response = client.post(url, {"override": "on", "reason": ""})
    assert response.status_code == 400
    assert "An override needs a reason." in response.content.decode()
    client.post(url, {"override": "on", "reason": "Strategic launch partner."})
    assert Vendor.objects.get(pk=vendor.pk).status == "active"
    change = StatusChange.objects.get()
    assert (change.actor, change.reason, [c["code"] for c in change.overridden]) == (
        executive,
        "Strategic launch partner.",
        ["pilot_passed"],
    )
    history = client.get(reverse("vendors:vendor-tab", args=[vendor.pk, "history"])).content.decode()
    assert "Reason: Strategic launch partner." in history
    assert "passed unmet: A pilot with outcome Passed" in history


def test_executive_cannot_open_a_move_whose_gate_is_met(user_with_role: Callable[[str], Any]) -> None:
    vendor = vendor_ready_for("pilot")
    client, _ = signed_in(user_with_role, "executive")
    assert client.get(reverse("vendors:vendor-transition", args=[vendor.pk, "pilot"])).status_code == 403


@pytest.mark.parametrize("role", ["security", "engineering_manager"])
def test_other_roles_cannot_open_the_transition_page(role: str, user_with_role: Callable[[str], Any]) -> None:
    vendor = VendorFactory(status="vetting")
    client, _ = signed_in(user_with_role, role)
    url = reverse("vendors:vendor-transition", args=[vendor.pk, "pilot"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"override": "on", "reason": "x"}).status_code == 403
    assert Vendor.objects.get(pk=vendor.pk).status == "vetting"


def test_vetting_form_and_tab_keep_a_note_per_red_flag(user_with_role: Callable[[str], Any]) -> None:
    assessment = VettingAssessmentFactory(flag_fast_yes=True, flag_no_pilot=True)
    client, _ = signed_in(user_with_role, "procurement")
    url = reverse("vendors:vetting-update", args=[assessment.pk])
    form_html = client.get(url).content.decode()
    assert 'name="flag_fast_yes_note"' in form_html and 'name="flag_no_pilot_note"' in form_html
    tab = reverse("vendors:vendor-tab", args=[assessment.vendor_id, "vetting"])
    assert client.get(tab).content.decode().count("no note yet — holds the pilot") == 2
    form = client.get(url).context["form"]
    payload = {
        name: value
        for name, value in {**form.initial, "flag_no_pilot_note": "A paid two-week pilot was agreed."}.items()
        if value is not None and value is not False
    }
    response = client.post(url, payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    assessment.refresh_from_db()
    assert assessment.flag_no_pilot_note == "A paid two-week pilot was agreed."
    assert assessment.unanswered_red_flags == ["A fast yes to every requirement"]
    assert client.get(tab).content.decode().count("no note yet — holds the pilot") == 1

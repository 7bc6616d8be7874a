"""The contract's activation gate, the reasons of consequential contract moves, the policy exception of
a contract covering in-house functions, and the vendor exit conditions only contracts can see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.contracts import services
from apps.contracts.gates import POLICY_EXCEPTION_KIND
from apps.contracts.models import Contract, ContractClause, ExitPlanItem
from apps.core.errors import ApplicationError, PermissionDeniedError, TransitionError
from apps.core.gates import GateError, gate_report
from apps.core.models import PolicyException, StatusChange
from tests.factories import (
    BreachFactory,
    ContractFactory,
    FunctionFactory,
    ReadyContractFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


def ready(**kwargs: Any) -> Contract:
    """A draft that passes the gate, running from last month to next year."""
    kwargs.setdefault("start_date", today() - timedelta(days=30))
    kwargs.setdefault("end_date", today() + timedelta(days=365))
    kwargs.setdefault("renewal", "none")
    return ReadyContractFactory(**kwargs)


def checks(contract: Contract) -> dict[str, tuple[bool, bool]]:
    """code → (met, warning) of the activation gate."""
    return {check.code: (check.met, check.warning) for check in gate_report(contract, "active").checks}


def unmet(contract: Contract) -> set[str]:
    return {code for code, (met, _) in checks(contract).items() if not met}


def activate(contract: Contract, **kwargs: Any) -> Contract:
    return services.contract_transition(
        contract=contract, to_status="active", actor=kwargs.pop("actor", None), **kwargs
    )


def status_of(contract: Contract) -> str:
    return Contract.objects.get(pk=contract.pk).status


# -- the gate, condition by condition ------------------------------------------------------------------
def test_a_ready_contract_meets_every_condition_and_its_activation_is_recorded() -> None:
    contract = ready()
    assert unmet(contract) == set()
    assert set(checks(contract)) == {
        "vendor_in_force",
        "master_agreement_active",
        "within_master_agreement",
        "clause_ip_ownership",
        "clause_confidentiality",
        "clause_security",
        "clause_exit_transition",
        "policy_exception",
    }
    actor = UserFactory(role="procurement")
    activate(contract, actor=actor)
    change = StatusChange.objects.get(object_id=contract.pk, content_type__model="contract")
    assert (change.from_status, change.to_status, change.actor, change.overridden) == ("draft", "active", actor, [])


@pytest.mark.parametrize(
    ("vendor_status", "allowed"),
    [
        ("prospect", False),
        ("vetting", False),
        ("pilot", True),
        ("active", True),
        ("offboarding", False),
        ("exited", False),
    ],
)
def test_the_vendor_must_be_in_pilot_or_active(vendor_status: str, allowed: bool) -> None:
    contract = ready(vendor=VendorFactory(status=vendor_status))
    assert ("vendor_in_force" not in unmet(contract)) is allowed
    if allowed:
        activate(contract)
        assert status_of(contract) == "active"
    else:
        with pytest.raises(GateError):
            activate(contract)
        assert status_of(contract) == "draft"


def test_seen_a_contract_for_an_exited_vendor_does_not_activate_silently() -> None:
    contract = ready(vendor=VendorFactory(status="exited", name="Gone Ltd"))
    with pytest.raises(GateError) as caught:
        activate(contract)
    assert caught.value.status_code == 409
    assert "Gone Ltd is exited" in caught.value.message
    assert [check["code"] for check in caught.value.as_dict()["unmet"]] == ["vendor_in_force"]
    assert status_of(contract) == "draft"
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(("msa_status", "allowed"), [("draft", False), ("active", True), ("expired", False)])
def test_seen_a_statement_of_work_needs_its_master_agreement_active(msa_status: str, allowed: bool) -> None:
    vendor = VendorFactory()
    msa = ready(vendor=vendor, status=msa_status, start_date=today() - timedelta(days=400))
    if msa_status == "expired":
        msa.end_date = today() - timedelta(days=1)
        msa.save()
    sow = ready(vendor=vendor, parent=msa, start_date=today() - timedelta(days=10), end_date=msa.end_date or today())
    assert ("master_agreement_active" not in unmet(sow)) is allowed
    if msa_status == "draft":
        with pytest.raises(GateError, match="master agreement"):
            activate(sow)
        assert status_of(sow) == "draft"
    if msa_status == "active":
        activate(sow)
        assert status_of(sow) == "active"


@pytest.mark.parametrize(
    ("sow_start", "sow_end", "allowed"),
    [
        (-100, 100, True),  # inside
        (-400, 100, False),  # starts before the master agreement
        (-100, 400, False),  # ends after it
        (-100, None, False),  # open-ended under a master agreement that ends
    ],
)
def test_a_statement_of_work_lies_inside_its_master_agreement(
    sow_start: int, sow_end: int | None, allowed: bool
) -> None:
    vendor = VendorFactory()
    msa = ready(
        vendor=vendor, status="active", start_date=today() - timedelta(days=200), end_date=today() + timedelta(days=200)
    )
    sow = ready(
        vendor=vendor,
        parent=msa,
        start_date=today() + timedelta(days=sow_start),
        end_date=None if sow_end is None else today() + timedelta(days=sow_end),
    )
    assert ("within_master_agreement" not in unmet(sow)) is allowed


@pytest.mark.parametrize("kind", ["ip_ownership", "confidentiality", "security", "exit_transition"])
def test_a_missing_critical_clause_blocks_and_a_weak_one_warns(kind: str) -> None:
    contract = ready()
    clause = ContractClause.objects.get(contract=contract, kind=kind)
    clause.assessment = "missing"
    clause.save()
    assert unmet(contract) == {f"clause_{kind}"}
    clause.assessment = "weak"
    clause.save()
    assert checks(contract)[f"clause_{kind}"] == (True, True)
    assert gate_report(contract, "active").warnings[0].code == f"clause_{kind}"
    activate(contract)
    assert status_of(contract) == "active"


def test_seen_activation_with_security_and_subcontracting_missing_is_refused() -> None:
    contract = ready()
    ContractClause.objects.filter(contract=contract, kind__in=["security", "subcontracting"]).update(
        assessment="missing"
    )
    with pytest.raises(GateError, match="Security obligations & incident notification clause present"):
        activate(contract)
    # Sub-contracting limits is on the checklist but not critical: only the security clause blocks.
    assert unmet(contract) == {"clause_security"}


def test_a_clause_with_no_checklist_row_counts_as_missing() -> None:
    contract = ready(clauses=False)
    assert unmet(contract) == {
        "clause_ip_ownership",
        "clause_confidentiality",
        "clause_security",
        "clause_exit_transition",
    }


# -- the policy exception -----------------------------------------------------------------------------
def keep_in_house() -> Any:
    return FunctionFactory(name="CI/CD platform", decision="keep_in_house")


def never_outsource() -> Any:
    return FunctionFactory(name="Pricing engine", strategic=5, sensitive=5)


@pytest.mark.parametrize("function", [keep_in_house, never_outsource])
def test_a_draft_covering_an_in_house_function_cannot_activate_without_an_exception(function: Any) -> None:
    contract = ready()
    contract.functions.add(function())
    assert unmet(contract) == {"policy_exception"}
    with pytest.raises(GateError, match="policy exception"):
        activate(contract)
    services.contract_update(
        instance=contract,
        actor=None,
        data={
            "exception_justification": "Six-month bridge while we hire.",
            "exception_review_on": today() + timedelta(days=90),
        },
    )
    assert checks(contract)["policy_exception"] == (True, True)
    activate(contract)
    assert status_of(contract) == "active"


def test_an_exception_past_its_review_date_no_longer_counts() -> None:
    contract = ready()
    contract.functions.add(keep_in_house())
    services.contract_update(
        instance=contract,
        actor=None,
        data={"exception_justification": "Bridge.", "exception_review_on": today() + timedelta(days=1)},
    )
    PolicyException.objects.update(review_on=today() - timedelta(days=1))
    assert unmet(contract) == {"policy_exception"}


def contract_payload(vendor: Any, **extra: Any) -> dict[str, Any]:
    return {
        "vendor": vendor,
        "title": "CI/CD managed service",
        "engagement_model": "managed_services",
        "start_date": today() - timedelta(days=1),
        "end_date": today() + timedelta(days=365),
        "value": 1000,
        "currency": "EUR",
        **extra,
    }


def test_seen_an_active_contract_covering_a_keep_in_house_function_is_refused_without_an_exception() -> None:
    function = keep_in_house()
    data = contract_payload(VendorFactory(), status="active", functions=[function])
    with pytest.raises(Exception) as caught:
        services.contract_create(actor=None, data=data)
    errors = caught.value.message_dict
    assert set(errors) == {"exception_justification", "exception_review_on"}
    assert "CI/CD platform (decided keep in-house)" in errors["exception_justification"][0]
    assert not Contract.objects.exists() and not PolicyException.objects.exists()

    cto = UserFactory(role="executive")
    review_on = today() + timedelta(days=180)
    contract = services.contract_create(
        actor=cto,
        data={**data, "exception_justification": "No one in-house for a year.", "exception_review_on": review_on},
    )
    exception = PolicyException.objects.get()
    assert (exception.kind, exception.subject, exception.review_on, exception.raised_by) == (
        POLICY_EXCEPTION_KIND,
        contract,
        review_on,
        cto,
    )
    assert exception.justification == "No one in-house for a year."
    assert "CI/CD platform" in exception.summary


def test_an_exception_needs_a_future_review_date() -> None:
    data = contract_payload(
        VendorFactory(),
        status="active",
        functions=[keep_in_house()],
        exception_justification="Bridge.",
        exception_review_on=today(),
    )
    with pytest.raises(Exception) as caught:
        services.contract_create(actor=None, data=data)
    assert set(caught.value.message_dict) == {"exception_review_on"}
    assert not Contract.objects.exists()


def test_a_draft_may_be_saved_without_the_exception_and_an_active_one_not_edited_into_conflict() -> None:
    function = keep_in_house()
    draft = services.contract_create(actor=None, data=contract_payload(VendorFactory(), functions=[function]))
    assert draft.status == "draft" and not PolicyException.objects.exists()
    active = ContractFactory(status="active")
    with pytest.raises(Exception) as caught:
        services.contract_update(instance=active, actor=None, data={"functions": [function]})
    assert "exception_justification" in caught.value.message_dict
    assert not Contract.objects.get(pk=active.pk).functions.exists()


def test_the_contract_form_asks_for_the_exception(user_with_role: Callable[[str], Any]) -> None:
    function = keep_in_house()
    contract = ContractFactory(status="active", end_date=today() + timedelta(days=300))
    client = Client()
    client.force_login(user_with_role(Role.PROCUREMENT))
    url = reverse("contracts:contract-update", args=[contract.pk])
    page = client.get(url).content.decode()
    assert "CI/CD platform — decided keep in-house: needs a policy exception" in page
    assert 'name="exception_justification"' in page and 'name="exception_review_on"' in page
    form = {
        "title": contract.title,
        "vendor": contract.vendor_id,
        "engagement_model": contract.engagement_model,
        "functions": [function.pk],
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "renewal": contract.renewal,
        "notice_days": contract.notice_days,
        "value": "1000",
        "currency": "EUR",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "accepted only as a policy exception with a justification" in refused.content.decode()
    assert not contract.functions.exists()
    saved = client.post(
        url,
        {
            **form,
            "exception_justification": "Bridge.",
            "exception_review_on": (today() + timedelta(days=60)).isoformat(),
        },
    )
    assert saved.status_code == 302
    assert list(contract.functions.all()) == [function]
    assert PolicyException.objects.get().subject == contract


# -- creating a contract directly as active --------------------------------------------------------------
def test_creating_an_active_contract_applies_what_can_be_checked_at_creation() -> None:
    with pytest.raises(Exception) as caught:
        services.contract_create(actor=None, data=contract_payload(VendorFactory(status="exited"), status="active"))
    assert "vendor" in caught.value.message_dict
    vendor = VendorFactory()
    msa = ContractFactory(vendor=vendor, status="draft")
    with pytest.raises(Exception) as caught:
        services.contract_create(actor=None, data=contract_payload(vendor, status="active", parent=msa))
    assert "parent" in caught.value.message_dict
    msa.status = "active"
    msa.save()
    with pytest.raises(Exception) as caught:
        services.contract_create(
            actor=None,
            data=contract_payload(vendor, status="active", parent=msa, end_date=msa.end_date + timedelta(days=1)),
        )
    assert "end_date" in caught.value.message_dict
    assert Contract.objects.count() == 1
    # A draft is never refused for these: its activation gate will be.
    draft = services.contract_create(actor=None, data=contract_payload(VendorFactory(status="exited")))
    assert draft.status == "draft"


# -- overrides ------------------------------------------------------------------------------------------
def test_an_executive_overrides_with_a_reason_and_the_unmet_conditions_are_recorded() -> None:
    contract = ready(vendor=VendorFactory(status="vetting"))
    cto = UserFactory(role="executive")
    with pytest.raises(ApplicationError) as caught:
        activate(contract, actor=cto, override=True, reason="  ")
    assert (caught.value.status_code, caught.value.field) == (400, "reason")
    with pytest.raises(PermissionDeniedError):
        activate(contract, actor=UserFactory(role="procurement"), override=True, reason="Urgent.")
    assert status_of(contract) == "draft"
    activate(contract, actor=cto, override=True, reason="Board approved the pilot start.")
    assert status_of(contract) == "active"
    change = StatusChange.objects.get(object_id=contract.pk, content_type__model="contract")
    assert change.is_open_override and change.reason == "Board approved the pilot start."
    assert [item["code"] for item in change.overridden] == ["vendor_in_force"]


# -- reasons -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "target", "end"),
    [("active", "terminated", 100), ("draft", "terminated", 100), ("active", "expired", -1)],
)
def test_terminating_and_expiring_by_hand_need_a_reason(start: str, target: str, end: int) -> None:
    contract = ContractFactory(
        status=start, start_date=today() - timedelta(days=400), end_date=today() + timedelta(days=end)
    )
    for blank in ("", "   "):
        with pytest.raises(ApplicationError) as caught:
            services.contract_transition(contract=contract, to_status=target, actor=None, reason=blank)
        assert (caught.value.status_code, caught.value.field) == (400, "reason")
    assert status_of(contract) == start and not StatusChange.objects.exists()
    services.contract_transition(contract=contract, to_status=target, actor=None, reason="  Vendor breached the MSA. ")
    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status, change.reason) == (start, target, "Vendor breached the MSA.")


# -- the API -------------------------------------------------------------------------------------------------
def test_api_answers_an_unmet_gate_with_409_listing_the_unmet_conditions(
    api_client_for: Callable[[str], APIClient],
) -> None:
    contract = ready(vendor=VendorFactory(status="exited"))
    ContractClause.objects.filter(contract=contract, kind="security").update(assessment="missing")
    response = api_client_for("procurement").post(
        f"/api/v1/contracts/{contract.pk}/transition/", {"status": "active"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["status"][0].startswith("Not ready to activate this contract")
    assert [(item["code"], item["met"]) for item in body["unmet"]] == [
        ("vendor_in_force", False),
        ("clause_security", False),
    ]
    assert {"label", "detail"} <= set(body["unmet"][0])


def test_api_override_by_an_executive(api_client_for: Callable[[str], APIClient]) -> None:
    contract = ready(vendor=VendorFactory(status="vetting"))
    url = f"/api/v1/contracts/{contract.pk}/transition/"
    cto = api_client_for("executive")
    assert cto.post(url, {"status": "active"}, format="json").status_code == 403  # no override: not theirs
    no_reason = cto.post(url, {"status": "active", "override": True}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    procurement = api_client_for("procurement").post(
        url, {"status": "active", "override": True, "reason": "Hurry."}, format="json"
    )
    assert procurement.status_code == 403
    assert status_of(contract) == "draft"
    done = cto.post(url, {"status": "active", "override": True, "reason": "Pilot start approved."}, format="json")
    assert done.status_code == 200, done.content
    assert status_of(contract) == "active"
    # An override is no way around procurement's permission on a move with nothing to override.
    terminate = cto.post(url, {"status": "terminated", "override": True, "reason": "Because."}, format="json")
    assert terminate.status_code == 403
    assert status_of(contract) == "active"


@pytest.mark.parametrize(("body", "status"), [({}, 400), ({"reason": " "}, 400), ({"reason": "Vendor exit."}, 200)])
def test_api_terminate_needs_a_reason(
    body: dict[str, str], status: int, api_client_for: Callable[[str], APIClient]
) -> None:
    contract = ContractFactory(status="active", end_date=today() + timedelta(days=100))
    response = api_client_for("procurement").post(
        f"/api/v1/contracts/{contract.pk}/transition/", {"status": "terminated", **body}, format="json"
    )
    assert response.status_code == status, response.content
    if status == 400:
        assert "reason" in response.json()
        assert status_of(contract) == "active"
    else:
        assert StatusChange.objects.get().reason == "Vendor exit."


def test_api_readiness_lists_the_checklist(api_client_for: Callable[[str], APIClient]) -> None:
    contract = ready()
    ContractClause.objects.filter(contract=contract, kind="confidentiality").update(assessment="weak")
    client = api_client_for("security")  # anyone signed in may read it
    body = client.get(f"/api/v1/contracts/{contract.pk}/readiness/?status=active").json()
    assert body["status"] == "active" and body["passed"] is True
    by_code = {check["code"]: check for check in body["checks"]}
    assert by_code["clause_confidentiality"]["warning"] is True and by_code["clause_confidentiality"]["met"] is True
    assert client.get(f"/api/v1/contracts/{contract.pk}/readiness/").json()["status"] == "active"
    assert client.get(f"/api/v1/contracts/{contract.pk}/readiness/?status=paused").status_code == 400
    assert client.get(f"/api/v1/contracts/{contract.pk}/readiness/?status=terminated").json()["checks"] == []


@pytest.mark.parametrize("pk", ["null,null", "abc", "1.5"])
def test_api_readiness_of_an_id_that_is_no_number_is_404(api_client_for: Callable[[str], APIClient], pk: str) -> None:
    """Found by schemathesis: the contract was looked up with Django's get_object_or_404, which lets the
    id's ValueError through (a 500); the viewset's own lookup answers 404."""
    assert api_client_for("security").get(f"/api/v1/contracts/{pk}/readiness/").status_code == 404


def test_api_create_with_the_exception_fields(api_client_for: Callable[[str], APIClient]) -> None:
    function = keep_in_house()
    payload = {
        "vendor": VendorFactory().pk,
        "title": "Build service",
        "engagement_model": "managed_services",
        "start_date": (today() - timedelta(days=1)).isoformat(),
        "end_date": (today() + timedelta(days=100)).isoformat(),
        "value": "1000.00",
        "currency": "EUR",
        "status": "active",
        "functions": [function.pk],
    }
    client = api_client_for("procurement")
    refused = client.post("/api/v1/contracts/", payload, format="json")
    assert refused.status_code == 400
    assert {"exception_justification", "exception_review_on"} <= set(refused.json())
    review_on = (today() + timedelta(days=30)).isoformat()
    created = client.post(
        "/api/v1/contracts/",
        {**payload, "exception_justification": "Bridge.", "exception_review_on": review_on},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert "exception_justification" not in created.json()  # write-only
    assert PolicyException.objects.get().object_id == created.json()["id"]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}, {"note": ""}])
def test_api_resolve_needs_a_reason(body: dict[str, str], api_client_for: Callable[[str], APIClient]) -> None:
    breach = BreachFactory()
    response = api_client_for("engineering_manager").post(f"/api/v1/breaches/{breach.pk}/resolve/", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    breach.refresh_from_db()
    assert breach.status == "open"


def test_api_resolve_accepts_the_older_note_field(user_with_role: Callable[[str], Any]) -> None:
    manager = user_with_role("engineering_manager")
    breach = BreachFactory(evaluation__term__contract__vendor__engineering_owner=manager)  # resolved by its owner
    client = APIClient()
    client.force_authenticate(manager)
    response = client.post(f"/api/v1/breaches/{breach.pk}/resolve/", {"note": "Fixed."}, format="json")
    assert response.status_code == 200 and response.json()["resolution_note"] == "Fixed."


# -- the transition page -----------------------------------------------------------------------------------
def signed_in(user_with_role: Callable[[str], Any], role: str) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


def test_the_contract_page_links_to_the_transition_pages(user_with_role: Callable[[str], Any]) -> None:
    contract = ready()
    page = signed_in(user_with_role, Role.PROCUREMENT).get(contract.get_absolute_url()).content.decode()
    assert reverse("contracts:contract-transition", args=[contract.pk, "active"]) in page
    assert reverse("contracts:contract-transition", args=[contract.pk, "terminated"]) in page
    assert 'data-condition="clause_security"' in page  # the readiness checklist, before the button


def test_the_terminate_page_asks_a_reason(user_with_role: Callable[[str], Any]) -> None:
    contract = ContractFactory(status="active", end_date=today() + timedelta(days=100))
    client = signed_in(user_with_role, Role.PROCUREMENT)
    url = reverse("contracts:contract-transition", args=[contract.pk, "terminated"])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "This step needs a reason." in refused.content.decode()
    assert status_of(contract) == "active"
    assert client.post(url, {"reason": "Vendor exit."}).status_code == 302
    assert status_of(contract) == "terminated"
    assert StatusChange.objects.get().reason == "Vendor exit."
    assert client.get(reverse("contracts:contract-transition", args=[contract.pk, "active"])).status_code == 404


def test_the_activation_page_shows_what_blocks_and_lets_an_executive_override(
    user_with_role: Callable[[str], Any],
) -> None:
    contract = ready(vendor=VendorFactory(status="exited"))
    url = reverse("contracts:contract-transition", args=[contract.pk, "active"])
    procurement = signed_in(user_with_role, Role.PROCUREMENT)
    page = procurement.get(url).content.decode()
    assert 'data-gate="blocked"' in page and 'data-condition="vendor_in_force"' in page
    refused = procurement.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Not ready to activate this contract" in refused.content.decode()
    assert status_of(contract) == "draft"
    cto = signed_in(user_with_role, Role.EXECUTIVE)
    assert 'name="override"' in cto.get(url).content.decode()
    assert cto.post(url, {"override": "on", "reason": "Exit reversed by the board."}).status_code == 302
    assert status_of(contract) == "active"


# -- the vendor's exit, as its contracts see it ----------------------------------------------------------------
def vendor_checks(vendor: Any, to_status: str) -> dict[str, bool]:
    return {check.code: check.met for check in gate_report(vendor, to_status).checks}


def test_offboarding_needs_an_owner_for_each_exit_plan_item_of_active_contracts() -> None:
    vendor = VendorFactory(status="active")
    contract = ContractFactory(vendor=vendor, status="active")
    services.contract_checklists_create(contract=contract)
    ContractFactory(vendor=vendor, status="terminated")  # an ended contract's plan is not asked about here
    assert vendor_checks(vendor, "offboarding")["exit_plan_owned"] is False
    owner = UserFactory()
    ExitPlanItem.objects.filter(contract=contract).exclude(kind="documentation").update(owner=owner)
    assert vendor_checks(vendor, "offboarding")["exit_plan_owned"] is False
    item = ExitPlanItem.objects.get(contract=contract, kind="documentation")
    services.exit_plan_item_waive(instance=item, actor=None, reason="Nothing was documented by them.")
    assert vendor_checks(vendor, "offboarding")["exit_plan_owned"] is True


def test_exit_needs_every_item_done_or_waived_and_no_active_contract() -> None:
    vendor = VendorFactory(status="offboarding")
    contract = ContractFactory(vendor=vendor, status="active")
    services.contract_checklists_create(contract=contract)
    draft = ContractFactory(vendor=vendor, status="draft")
    services.contract_checklists_create(contract=draft)  # never in force: its plan does not matter
    gate = vendor_checks(vendor, "exited")
    assert (gate["exit_plan_closed"], gate["no_active_contract"]) == (False, False)
    items = list(ExitPlanItem.objects.filter(contract=contract))
    for item in items[1:]:
        services.exit_plan_item_update(instance=item, actor=None, data={"done_on": today()})
    services.contract_transition(contract=contract, to_status="terminated", actor=None, reason="Exit.")
    gate = vendor_checks(vendor, "exited")
    assert (gate["exit_plan_closed"], gate["no_active_contract"]) == (False, True)
    services.exit_plan_item_waive(instance=items[0], actor=None, reason="No repositories were shared.")
    assert vendor_checks(vendor, "exited")["exit_plan_closed"] is True


def test_waiving_an_exit_plan_item_needs_a_reason_and_not_a_done_item() -> None:
    item = ExitPlanItem.objects.create(contract=ContractFactory(), kind="repositories")
    actor = UserFactory(role="procurement")
    with pytest.raises(ApplicationError) as caught:
        services.exit_plan_item_waive(instance=item, actor=actor, reason=" ")
    assert (caught.value.status_code, caught.value.field) == (400, "reason")
    waived = services.exit_plan_item_waive(instance=item, actor=actor, reason="Nothing to hand back.")
    assert (waived.waived_on, waived.waived_by, waived.waiver_reason) == (today(), actor, "Nothing to hand back.")
    done = ExitPlanItem.objects.create(contract=item.contract, kind="credentials", done_on=today())
    with pytest.raises(TransitionError):
        services.exit_plan_item_waive(instance=done, actor=actor, reason="x")


def test_waiving_an_exit_plan_item_from_the_contract_page_and_the_api(
    user_with_role: Callable[[str], Any], api_client_for: Callable[[str], APIClient]
) -> None:
    contract = ContractFactory()
    services.contract_checklists_create(contract=contract)
    item = ExitPlanItem.objects.get(contract=contract, kind="open_tickets")
    client = signed_in(user_with_role, Role.PROCUREMENT)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert reverse("contracts:exit-item-waive", args=[item.pk]) in page
    url = reverse("contracts:exit-item-waive", args=[item.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "No open tickets."}).status_code == 302
    item.refresh_from_db()
    assert item.waiver_reason == "No open tickets."
    assert "No open tickets." in client.get(contract.get_absolute_url()).content.decode()
    other = ExitPlanItem.objects.get(contract=contract, kind="documentation")
    api = api_client_for("procurement")
    assert api.post(f"/api/v1/exit-plan-items/{other.pk}/waive/", {}, format="json").status_code == 400
    answer = api.post(f"/api/v1/exit-plan-items/{other.pk}/waive/", {"reason": "None kept."}, format="json")
    assert answer.status_code == 200 and answer.json()["waiver_reason"] == "None kept."
    assert (
        api_client_for("security")
        .post(f"/api/v1/exit-plan-items/{other.pk}/waive/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )

"""The contract page's Team panel (anchor #team) and the roster's form pages: what each role sees and may
press, the forms' errors, an approval from the page, and a query count that does not grow with the team."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.roster.choices import FindingKind, SubstitutionStatus
from apps.roster.models import Assignment, RosterFinding, StaffingPlan, Substitution
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def contract() -> Any:
    contract = factories.ContractFactory(
        start_date=TODAY - dt.timedelta(days=200), end_date=TODAY + dt.timedelta(days=300)
    )
    from apps.contracts.services import contract_checklists_create

    contract_checklists_create(contract=contract)
    return contract


@pytest.fixture
def team(contract: Any) -> dict[str, Any]:
    vendor = contract.vendor
    lead = factories.AssignmentFactory(
        contract=contract,
        engineer=factories.EngineerFactory(vendor=vendor, name="Ada Senior", seniority="senior"),
        key_person=True,
        role="Tech lead",
    )
    half = factories.AssignmentFactory(
        contract=contract,
        engineer=factories.EngineerFactory(vendor=vendor, name="Jo Junior", seniority="junior"),
        allocation_percent=50,
    )
    gone = factories.AssignmentFactory(
        contract=contract,
        engineer=factories.EngineerFactory(vendor=vendor, name="Ex Mid", seniority="mid"),
        start_date=TODAY - dt.timedelta(days=120),
        end_date=TODAY - dt.timedelta(days=10),
    )
    plan = factories.StaffingPlanFactory(contract=contract)
    factories.StaffingPlanLineFactory(plan=plan, seniority="senior", headcount=Decimal("2"))
    substitution = factories.SubstitutionFactory(leaver_assignment=half, joins_on=TODAY + dt.timedelta(days=3))
    RosterFinding.objects.create(
        vendor=vendor,
        contract=contract,
        kind=FindingKind.UNDERSTAFFED,
        subject=f"contract:{contract.pk}",
        message="1.5 FTE active against 2 planned.",
        opened_at=dt.datetime.now(dt.UTC),
        last_seen_at=dt.datetime.now(dt.UTC),
    )
    return {"lead": lead, "half": half, "gone": gone, "plan": plan, "substitution": substitution}


def _page(client: Client, contract: Any) -> str:
    response = client.get(reverse("contracts:contract-detail", args=[contract.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_team_panel_shows_plan_mix_people_substitutions_and_findings(
    contract: Any, team: dict[str, Any], client: Client, user_with_role: Any
) -> None:
    client.force_login(user_with_role("executive"))
    html = _page(client, contract)
    assert 'id="team"' in html
    assert "Ada Senior" in html and "Jo Junior" in html and "Ex Mid" in html
    assert "data-key-personnel" in html and "<strong>Ada Senior</strong>" in html
    assert 'data-state="ended"' in html
    assert "1.5 FTE active against 2 planned." in html and 'data-finding-kind="understaffed"' in html
    assert f'data-substitution="{team["substitution"].pk}"' in html
    # the senior band: 2 planned, 1 active; the junior band 0.5
    assert 'data-band="senior"' in html and 'data-band="junior"' in html
    # the key personnel clause is on the checklist
    assert 'data-clause="key_personnel"' in html and "Key personnel" in html


@pytest.mark.parametrize(
    ("who", "manages", "decides"),
    [
        ("procurement", True, False),
        ("admin", True, False),
        ("executive", False, False),
        ("engineering_manager", False, False),
        ("security", False, False),
        ("delivery_owner", True, False),
        ("engineering_owner", False, True),
    ],
)
def test_buttons_per_role(
    who: str, manages: bool, decides: bool, contract: Any, team: dict[str, Any], client: Client, user_with_role: Any
) -> None:
    if who == "delivery_owner":
        user = contract.vendor.delivery_owner
    elif who == "engineering_owner":
        user = contract.vendor.engineering_owner
    else:
        user = user_with_role(who)
    client.force_login(user)
    html = _page(client, contract)
    assert ('data-roster-action="add-assignment"' in html) == manages
    assert ('data-roster-action="edit-plan"' in html) == manages
    assert ('data-roster-action="end-assignment"' in html) == manages
    assert ('data-roster-action="request-substitution"' in html) == (manages or decides)
    assert ('data-substitution-action="approve"' in html) == decides
    assert ('data-substitution-action="refuse"' in html) == decides


def test_forms_are_403_for_non_managers(
    contract: Any, team: dict[str, Any], client: Client, user_with_role: Any
) -> None:
    client.force_login(user_with_role("executive"))
    for url in (
        reverse("roster:assignment-create", args=[contract.pk]),
        reverse("roster:staffing-plan", args=[contract.pk]),
        reverse("roster:substitution-create", args=[contract.pk]),
        reverse("roster:assignment-end", args=[team["lead"].pk]),
        reverse("roster:substitution-approve", args=[team["substitution"].pk]),
    ):
        assert client.get(url).status_code == 403, url
    client.force_login(user_with_role("admin"))  # an administrator manages the roster, but does not decide
    assert client.get(reverse("roster:assignment-create", args=[contract.pk])).status_code == 200
    assert client.get(reverse("roster:substitution-approve", args=[team["substitution"].pk])).status_code == 403


def test_add_assignment_form_with_errors_then_saved(
    contract: Any, team: dict[str, Any], client: Client, user_with_role: Any
) -> None:
    client.force_login(user_with_role("procurement"))
    url = reverse("roster:assignment-create", args=[contract.pk])
    assert client.get(url).status_code == 200
    # the same engineer over the same days: the service's message on the start date
    response = client.post(
        url,
        {
            "engineer": team["lead"].engineer_id,
            "role": "Reviewer",
            "allocation_percent": 20,
            "start_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 400 and "already assigned" in response.content.decode()
    newcomer = factories.EngineerFactory(vendor=contract.vendor, name="New Person")
    response = client.post(
        url,
        {"engineer": newcomer.pk, "role": "QA", "allocation_percent": 100, "start_date": TODAY.isoformat()},
    )
    assert response.status_code == 302 and response["Location"].endswith("#team")
    assert Assignment.objects.filter(engineer=newcomer, contract=contract).exists()


def test_engineer_of_another_vendor_is_not_offered(contract: Any, client: Client, user_with_role: Any) -> None:
    client.force_login(user_with_role("procurement"))
    stranger = factories.EngineerFactory(name="Someone Elsewhere")
    html = client.get(reverse("roster:assignment-create", args=[contract.pk])).content.decode()
    assert "Someone Elsewhere" not in html
    response = client.post(
        reverse("roster:assignment-create", args=[contract.pk]),
        {"engineer": stranger.pk, "role": "QA", "allocation_percent": 100, "start_date": TODAY.isoformat()},
    )
    assert response.status_code == 400


def test_staffing_plan_page_saves_the_bands(contract: Any, client: Client) -> None:
    client.force_login(contract.vendor.delivery_owner)
    url = reverse("roster:staffing-plan", args=[contract.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"senior": "2", "mid": "1.5", "junior": "", "principal": "", "note": "SOW 4"})
    assert response.status_code == 302
    plan = StaffingPlan.objects.get(contract=contract)
    assert {line.seniority: line.headcount for line in plan.lines.all()} == {"senior": 2, "mid": Decimal("1.5")}
    response = client.post(url, {"senior": "-1", "note": ""})
    assert response.status_code == 400


def test_end_assignment_page(contract: Any, team: dict[str, Any], client: Client, user_with_role: Any) -> None:
    client.force_login(user_with_role("procurement"))
    url = reverse("roster:assignment-end", args=[team["lead"].pk])
    response = client.post(url, {"end_date": TODAY.isoformat(), "reason": ""})
    assert response.status_code == 400
    response = client.post(url, {"end_date": TODAY.isoformat(), "reason": "Rolled off"})
    assert response.status_code == 302
    team["lead"].refresh_from_db()
    assert team["lead"].end_date == TODAY


def test_request_then_approve_from_the_page(contract: Any, team: dict[str, Any], client: Client) -> None:
    client.force_login(contract.vendor.delivery_owner)
    joiner = factories.EngineerFactory(vendor=contract.vendor, name="Joining Person")
    response = client.post(
        reverse("roster:substitution-create", args=[contract.pk]),
        {
            "leaver_assignment": team["lead"].pk,
            "joiner": joiner.pk,
            "joins_on": (TODAY + dt.timedelta(days=10)).isoformat(),
            "overlap_days": 2,
            "reason": "Promotion elsewhere",
        },
    )
    assert response.status_code == 302, response.content.decode()
    substitution = Substitution.objects.get(leaver_assignment=team["lead"])
    client.force_login(contract.vendor.engineering_owner)
    url = reverse("roster:substitution-approve", args=[substitution.pk])
    response = client.post(url, {"note": ""})
    assert response.status_code == 302
    substitution.refresh_from_db()
    assert substitution.status == SubstitutionStatus.APPROVED and substitution.joiner_assignment is not None
    # a second approval (a double click, a second tab) is a form error, never a 500
    response = client.post(url, {"note": ""})
    assert response.status_code == 400 and "cannot become" in response.content.decode()


def test_refuse_page_needs_a_note(contract: Any, team: dict[str, Any], client: Client) -> None:
    client.force_login(contract.vendor.engineering_owner)
    url = reverse("roster:substitution-refuse", args=[team["substitution"].pk])
    assert client.post(url, {"note": ""}).status_code == 400
    assert client.post(url, {"note": "Not before the release"}).status_code == 302
    assert Substitution.objects.get().status == SubstitutionStatus.REFUSED


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_team_panel_queries_do_not_grow_with_the_team(
    contract: Any, team: dict[str, Any], client: Client, user_with_role: Any
) -> None:
    client.force_login(user_with_role("procurement"))
    url = reverse("contracts:contract-detail", args=[contract.pk])
    _queries(client, url)
    few = _queries(client, url)
    for _ in range(6):
        assignment = factories.AssignmentFactory(contract=contract, key_person=True)
        factories.SubstitutionFactory(leaver_assignment=assignment)
    factories.StaffingPlanLineFactory(plan=team["plan"], seniority="mid")
    many = _queries(client, url)
    assert many == few

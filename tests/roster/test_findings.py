"""The roster job (``apps.roster.findings``): each finding opens on the case it describes, closes when
fixed, a second run writes nothing, and the job costs the same queries for 1 or 5 contracts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.roster.findings import open_roster_findings, open_roster_findings_per_vendor, roster_findings_evaluate
from apps.roster.models import RosterFinding
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def contract(**extra: Any) -> Any:
    return factories.ContractFactory(start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 12, 31), **extra)


def engineer(vendor: Any, name: str, seniority: str = "senior", **extra: Any) -> Any:
    return factories.EngineerFactory(vendor=vendor, name=name, seniority=seniority, **extra)


def assign(on: Any, who: Any, *, start: dt.date = dt.date(2026, 1, 1), **extra: Any) -> Any:
    return factories.AssignmentFactory(contract=on, engineer=who, start_date=start, **extra)


def kinds(**filters: Any) -> list[tuple[str, str]]:
    return sorted(RosterFinding.objects.filter(closed_at__isnull=True, **filters).values_list("kind", "subject"))


# -- unapproved swap -----------------------------------------------------------------------------------------
def test_a_key_person_replaced_by_a_junior_without_approval_is_an_unapproved_swap() -> None:
    c = contract(title="Payments SOW")
    anna = engineer(c.vendor, "Anna Kowalska", "senior")
    tom = engineer(c.vendor, "Tom Reed", "junior")
    leaver = assign(c, anna, role="Tech lead", key_person=True, end_date=dt.date(2026, 11, 12))
    assign(c, tom, role="tech lead", start=dt.date(2026, 11, 13))
    summary = roster_findings_evaluate(today=TODAY)
    assert summary.opened == 1
    [finding] = RosterFinding.objects.filter(kind="unapproved_swap")
    assert finding.subject == str(leaver.pk) and finding.engineer == anna and finding.contract == c
    assert finding.message == (
        "Anna Kowalska (senior, key person) left on 12 Nov 2026 and Tom Reed (junior) took the Tech lead role "
        "on “Payments SOW” on 13 Nov 2026 without an approved substitution."
    )
    assert finding.figures["joiner"] == "Tom Reed" and finding.figures["leaver_seniority"] == "senior"
    # Approving a substitution of that assignment (after the fact) closes it.
    factories.SubstitutionFactory(leaver_assignment=leaver, status="approved")
    assert roster_findings_evaluate(today=TODAY).closed == 1
    finding.refresh_from_db()
    assert finding.closed_at is not None
    assert kinds() == []


def test_a_key_person_who_left_without_a_joiner_or_is_reallocated() -> None:
    c = contract(title="Core")
    anna, bo = engineer(c.vendor, "Anna"), engineer(c.vendor, "Bo")
    left = assign(c, anna, role="Architect", key_person=True, end_date=dt.date(2026, 10, 31))
    # Bo changes role on the same contract the next day: not a leaver.
    assign(c, bo, role="Developer", key_person=True, end_date=dt.date(2026, 9, 30))
    assign(c, bo, role="Reviewer", start=dt.date(2026, 10, 1))
    # A key person leaving later with nobody in the role yet: a plan, not a swap.
    assign(c, engineer(c.vendor, "Cy"), role="QA lead", key_person=True, end_date=dt.date(2026, 12, 31))
    # A leaver who is not a key person: not a swap.
    assign(c, engineer(c.vendor, "Di"), role="Developer", end_date=dt.date(2026, 10, 1))
    roster_findings_evaluate(today=TODAY)
    [finding] = RosterFinding.objects.filter(kind="unapproved_swap")
    assert finding.subject == str(left.pk)
    assert (
        finding.message
        == "Anna (senior, key person) left the Architect role on “Core” on 31 Oct 2026 without an approved substitution."
    )


def test_a_joiner_taking_the_role_while_the_key_person_is_still_there() -> None:
    c = contract(title="Core")
    lead = assign(c, engineer(c.vendor, "Anna"), role="Tech lead", key_person=True, end_date=dt.date(2026, 12, 15))
    assign(c, engineer(c.vendor, "Tom", "junior"), role="Tech lead", start=dt.date(2026, 11, 16))
    roster_findings_evaluate(today=TODAY)
    [finding] = RosterFinding.objects.filter(kind="unapproved_swap")
    assert finding.subject == str(lead.pk)
    assert "Tom (junior) took the Tech lead role on “Core” on 16 Nov 2026 while Anna" in finding.message


# -- the staffing plan ---------------------------------------------------------------------------------------
def plan(on: Any, **bands: str) -> Any:
    staffing = factories.StaffingPlanFactory(contract=on)
    for band, headcount in bands.items():
        factories.StaffingPlanLineFactory(plan=staffing, seniority=band, headcount=Decimal(headcount))
    return staffing


def test_seniority_drift_and_understaffing_against_the_plan() -> None:
    c = contract(title="Data SOW")
    plan(c, senior="2", principal="1")  # (2×3 + 1×4) ÷ 3 = 3.33; 3 FTE
    assign(c, engineer(c.vendor, "A", "junior"))
    assign(c, engineer(c.vendor, "B", "mid"), allocation_percent=50)
    # (100×1 + 50×2) ÷ 150 = 1.33: 2 below the plan; 1.5 FTE: 50 % short.
    roster_findings_evaluate(today=TODAY)
    assert kinds() == [("seniority_drift", str(c.pk)), ("understaffed", str(c.pk))]
    drift = RosterFinding.objects.get(kind="seniority_drift")
    assert drift.figures == {"active_seniority": "1.33", "planned_seniority": "3.33", "gap": "2.00", "tolerance": "0.5"}
    assert drift.message.startswith("The team on “Data SOW” averages 1.33 in seniority (1 junior, 0.5 mid)")
    short = RosterFinding.objects.get(kind="understaffed")
    assert short.message == (
        "“Data SOW” has 1.5 full-time engineers against 3 in its staffing plan: 50 % short, more than the 10 % allowed."
    )
    # Fixed: two principals join full time. (100 + 100 + 400 + 400) ÷ 350 = 2.86 (within 0.5); 3.5 FTE.
    assign(c, engineer(c.vendor, "P1", "principal"))
    assign(c, engineer(c.vendor, "P2", "principal"))
    summary = roster_findings_evaluate(today=TODAY)
    assert (summary.opened, summary.closed) == (0, 2)
    assert kinds() == []


def test_within_the_tolerances_nothing_is_found() -> None:
    c = contract()
    plan(c, senior="2")
    assign(c, engineer(c.vendor, "A", "senior"))
    assign(c, engineer(c.vendor, "B", "mid"), allocation_percent=90)  # 1.9 FTE: 5 % short; 2.53 vs 3: 0.47
    roster_findings_evaluate(today=TODAY)
    assert kinds() == []


# -- access ----------------------------------------------------------------------------------------------------
def test_a_leaver_with_live_access_and_only_them() -> None:
    c = contract(title="Core")
    anna, bo, cy = engineer(c.vendor, "Anna"), engineer(c.vendor, "Bo"), engineer(c.vendor, "Cy")
    assign(c, anna, start=dt.date(2025, 3, 1), end_date=dt.date(2025, 12, 31))
    assign(c, anna, end_date=dt.date(2026, 10, 31))
    assign(c, bo)  # still on it
    grant = factories.AccessGrantFactory(vendor=c.vendor, engineer=anna, system="AWS", account_name="anna")
    factories.AccessGrantFactory(vendor=c.vendor, engineer=anna, revoked_on=dt.date(2026, 11, 1))  # revoked
    factories.AccessGrantFactory(vendor=c.vendor, engineer=bo)  # on an assignment
    factories.AccessGrantFactory(vendor=c.vendor, engineer=cy)  # never assigned: not a leaver
    roster_findings_evaluate(today=TODAY)
    assert kinds() == [("leaver_with_access", str(grant.pk))]
    finding = RosterFinding.objects.get()
    assert finding.contract == c and finding.engineer == anna
    assert finding.message == (
        "Anna's write access to AWS (account anna) is not revoked, though their last assignment ended on "
        "31 Oct 2026 (“Core”)."
    )
    grant.revoked_on = TODAY
    grant.save()
    assert roster_findings_evaluate(today=TODAY).closed == 1


# -- telemetry ----------------------------------------------------------------------------------------------
def _change(
    binding: Any, n: int, *, email: str = "", login: str = "", by_vendor: bool | None = True, days_ago: int = 2
) -> None:
    from apps.performance.telemetry.models import Change

    at = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(12)))
    Change.objects.create(
        binding=binding,
        contract=binding.contract,
        source_id=f"c{n}",
        observed_at=at,
        repository=binding.scope,
        sha=f"{n:040x}",
        authored_at=at,
        author_email=email,
        author_login=login,
        by_vendor=by_vendor,
    )


def _pull(binding: Any, n: int, *, login: str, days_ago: int = 2) -> None:
    from apps.performance.telemetry.models import PullRequest

    at = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(12)))
    PullRequest.objects.create(
        binding=binding,
        contract=binding.contract,
        source_id=f"p{n}",
        observed_at=at,
        repository=binding.scope,
        number=n,
        author_login=login,
        by_vendor=True,
        state="open",
        opened_at=at,
    )


def test_unlisted_contributors_and_inactive_key_people() -> None:
    c = contract(title="Core")
    binding = factories.SourceBindingFactory(contract=c)
    anna = engineer(c.vendor, "Anna", email="Anna@Vendor.example", git_handle="anna-k")
    bo = engineer(c.vendor, "Bo", email="bo@vendor.example", git_handle="bo")
    key = assign(c, anna, role="Tech lead", key_person=True)
    assign(c, bo, role="Tech lead", key_person=True)
    assign(c, engineer(c.vendor, "New", git_handle="new"), key_person=True, start=TODAY - dt.timedelta(days=5))
    _change(binding, 1, email="ANNA@vendor.example")  # Anna by e-mail, any case
    _change(binding, 2, email="ghost@vendor.example", login="ghost")
    _change(binding, 3, email="ghost@vendor.example", login="ghost")
    _pull(binding, 4, login="Phantom")
    _pull(binding, 8, login="ghost")  # the same person as the commits by ghost@vendor.example: one finding
    _change(binding, 9, email="phantom@vendor.example", login="phantom")
    _change(binding, 5, email="ours@client.example", by_vendor=False)  # not the vendor's
    _change(binding, 6, email="old@vendor.example", days_ago=40)  # outside the window
    _pull(binding, 7, login="BO", days_ago=30)  # Bo's last, too long ago
    roster_findings_evaluate(today=TODAY)
    bo_key = RosterFinding.objects.get(kind="key_person_inactive")
    assert bo_key.engineer == bo and bo_key.subject != str(key.pk)
    assert bo_key.message.startswith("Bo (senior, key person), Tech lead on “Core” since 1 Jan 2026, has no commit")
    assert kinds(kind="unlisted_contributor") == [
        ("unlisted_contributor", f"{c.pk}:ghost"),
        ("unlisted_contributor", f"{c.pk}:phantom"),
    ]
    ghost = RosterFinding.objects.get(subject=f"{c.pk}:ghost")
    assert ghost.figures["events"] == 3
    assert (
        "ghost (ghost@vendor.example), a vendor identity, authored 3 commits or pull requests on “Core” in the"
        " last 21 days"
    ) in ghost.message
    assert RosterFinding.objects.get(subject=f"{c.pk}:phantom").figures["events"] == 2
    # Ghost joins the roster on the contract: that finding closes.
    assign(c, engineer(c.vendor, "Ghost", email="ghost@vendor.example"))
    assert roster_findings_evaluate(today=TODAY).closed == 1


def test_without_a_code_binding_there_are_no_telemetry_findings() -> None:
    c = contract()
    factories.SourceBindingFactory(contract=c, source="jira", measures=[])
    assign(c, engineer(c.vendor, "Anna"), key_person=True)
    roster_findings_evaluate(today=TODAY)
    assert kinds() == []


# -- the job --------------------------------------------------------------------------------------------------
def _portfolio(n: int) -> None:
    for _ in range(n):
        c = contract()
        binding = factories.SourceBindingFactory(contract=c)
        plan(c, principal="3")
        anna = engineer(c.vendor, "Anna")
        left = assign(c, anna, role="Lead", key_person=True, end_date=dt.date(2026, 10, 31))
        assign(c, engineer(c.vendor, "Tom", "junior"), role="Lead", start=dt.date(2026, 11, 1))
        factories.AccessGrantFactory(vendor=c.vendor, engineer=anna)
        assign(c, engineer(c.vendor, "Key"), key_person=True)
        _change(binding, left.pk, email=f"x{left.pk}@vendor.example")


def test_a_second_run_writes_nothing_and_the_queries_do_not_grow() -> None:
    _portfolio(1)
    with CaptureQueriesContext(connection) as one:
        first = roster_findings_evaluate(today=TODAY)
    assert first.opened == 6 and first.holding == {
        "unapproved_swap": 1,
        "seniority_drift": 1,
        "understaffed": 1,
        "leaver_with_access": 1,
        "unlisted_contributor": 1,
        "key_person_inactive": 1,
    }
    stored = {f.pk: (f.last_seen_at, f.message) for f in RosterFinding.objects.all()}
    with CaptureQueriesContext(connection) as again:
        second = roster_findings_evaluate(today=TODAY)
    assert (second.opened, second.refreshed, second.closed) == (0, 0, 0)
    assert {f.pk: (f.last_seen_at, f.message) for f in RosterFinding.objects.all()} == stored
    writes = [q["sql"] for q in again.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []
    # Five times the portfolio: the same number of queries.
    RosterFinding.objects.all().delete()
    _portfolio(4)
    with CaptureQueriesContext(connection) as five:
        fifth = roster_findings_evaluate(today=TODAY)
    assert fifth.opened == 30
    assert len(five) == len(one)
    # The next day the findings still holding are seen again (and nothing else changes).
    later = roster_findings_evaluate(today=TODAY + dt.timedelta(days=30))
    assert later.opened == 0 and later.refreshed + later.closed == 30


def test_the_selectors() -> None:
    _portfolio(2)
    roster_findings_evaluate(today=TODAY)
    some = RosterFinding.objects.first()
    assert some is not None
    assert open_roster_findings(vendor=some.vendor).count() == 6
    assert open_roster_findings(contract=some.contract_id).count() == 6
    counts = open_roster_findings_per_vendor()
    assert counts[some.vendor_id] == {
        "unapproved_swap": 1,
        "seniority_drift": 1,
        "understaffed": 1,
        "leaver_with_access": 1,
        "unlisted_contributor": 1,
        "key_person_inactive": 1,
    }

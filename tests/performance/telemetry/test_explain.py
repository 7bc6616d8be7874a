"""The explain page (``apps.performance.telemetry.explain``): the events behind a telemetry-measured
value — exactly those the value is computed from, grouped by kind, linked to their source — for a week
or a whole SLA window, in a bounded number of queries; a 400 page for a window it cannot read, a 404 for
an unknown contract or KPI; and no people on it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from apps.accounts.choices import Role
from apps.performance.models import Change, Deployment, Incident, SourceBinding
from apps.performance.scorecards import Period
from apps.performance.telemetry.evidence import telemetry_evidence
from apps.performance.telemetry.explain import PAGE_ROWS, explain_url
from tests import factories

pytestmark = pytest.mark.django_db

CFR = "change_failure_rate"
REPO = "vendor-org/api"


# -- building events with the models (shared with the other telemetry page tests) -------------------------
def month() -> Period:
    """The last closed month: the window the tests explain (the scorecard's default period)."""
    return Period.last_closed()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def measured_contract(*, covers_from: dt.date | None = None, **binding: Any) -> tuple[Any, SourceBinding]:
    """An active contract running around the last closed month, with a GitHub binding that measures the
    Git KPIs (change failure rate among them) and a PagerDuty binding for its incidents, both covering
    from ``covers_from`` (by default a quarter before the month)."""
    today = timezone.localdate()
    covers_from = covers_from or month().start - dt.timedelta(days=90)
    contract = factories.ContractFactory(
        start_date=month().start - dt.timedelta(days=400), end_date=today + dt.timedelta(days=400), status="active"
    )
    github = factories.SourceBindingFactory(
        contract=contract, source="github", scope=REPO, covers_from=covers_from, **binding
    )
    factories.SourceBindingFactory(contract=contract, source="pagerduty", scope="PSERVICE", covers_from=covers_from)
    return contract, github


def week_ends_in(moment: dt.datetime, start: dt.date, end: dt.date) -> bool:
    """Whether the ISO week of ``moment`` ends (its Sunday) in ``start``–``end``: a window's events are
    those of the weeks whose period ends in it, as the SLA engine places the weekly measurements."""
    day = timezone.localtime(moment).date()
    return start <= day + dt.timedelta(days=6 - day.weekday()) <= end


def deploy(
    binding: SourceBinding,
    number: int,
    when: dt.datetime,
    *,
    status: str = "success",
    environment: str = "production",
    rollback: bool = False,
) -> Deployment:
    return Deployment.objects.create(
        binding=binding,
        contract=binding.contract,
        source_id=str(number),
        observed_at=when,
        url=f"https://github.com/{REPO}/deployments/{number}",
        repository=REPO,
        environment=environment,
        status=status,
        sha=f"{number:040x}",
        title=f"Deploy {number}",
        started_at=when - dt.timedelta(minutes=5),
        finished_at=when,
        is_rollback=rollback,
    )


def finished(deployment: Deployment) -> dt.datetime:
    assert deployment.finished_at is not None
    return deployment.finished_at


def incident(contract: Any, key: str, when: dt.datetime, *, caused_by: Deployment | None = None) -> Incident:
    binding = SourceBinding.objects.get(contract=contract, source="pagerduty")
    return Incident.objects.create(
        binding=binding,
        contract=contract,
        source_id=key,
        observed_at=when,
        url=f"https://vendor.pagerduty.com/incidents/{key}",
        service="PSERVICE",
        title=f"Checkout down ({key})",
        status="resolved",
        opened_at=when,
        acknowledged_at=when + dt.timedelta(minutes=3),
        resolved_at=when + dt.timedelta(hours=2),
        caused_by_deployment=caused_by.source_id if caused_by is not None else "",
    )


def commit(binding: SourceBinding, sha: str, when: dt.datetime, **fields: Any) -> Change:
    return Change.objects.create(
        binding=binding,
        contract=binding.contract,
        source_id=f"{REPO}@{sha}",
        observed_at=when,
        url=f"https://github.com/{REPO}/commit/{sha}",
        repository=REPO,
        sha=sha,
        authored_at=when,
        **fields,
    )


def october_like_history(binding: SourceBinding) -> dict[str, Any]:
    """In the month: 6 production deployments, one failing with an incident it caused, one failed by the
    rollback after it, plus a staging deployment (not production); a production deployment of a week
    before the month and one of a week after it (outside the window)."""
    contract, first = binding.contract, month().start
    inside = [deploy(binding, 100 + n, at(first + dt.timedelta(days=1 + 3 * n))) for n in range(6)]
    broken = inside[1]
    caused = incident(contract, "PD-123", finished(broken) + dt.timedelta(minutes=30), caused_by=broken)
    rolled_back = inside[3]
    rollback = deploy(binding, 200, finished(rolled_back) + dt.timedelta(hours=1), rollback=True)
    staging = deploy(binding, 300, at(first + dt.timedelta(days=5)), environment="staging")
    before = deploy(binding, 400, at(first - dt.timedelta(days=10)))
    after = deploy(binding, 401, at(month().end + dt.timedelta(days=8)))
    return {
        "production": [*inside, rollback],
        "broken": broken,
        "incident": caused,
        "rolled_back": rolled_back,
        "rollback": rollback,
        "outside": [staging, before, after],
    }


def signed_in(user_with_role: Callable[[str], Any], role: str = Role.SECURITY) -> Client:
    """Any signed-in user reads the page: the security lead, who writes nothing of the performance domain."""
    client = Client()
    client.force_login(user_with_role(role))
    return client


def source_links(html: str) -> set[str]:
    """The links the page opens in a new tab: the events' sources."""
    return set(re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener noreferrer">', html))


def page(client: Client, contract: Any, code: str = CFR, **query: str) -> Any:
    window = {"start": month().start.isoformat(), "end": month().end.isoformat(), **query}
    return client.get(reverse("performance:telemetry-explain", args=[contract.pk, code]), window)


# -- what it lists --------------------------------------------------------------------------------------------
def test_the_page_lists_exactly_the_events_the_value_is_computed_from(user_with_role: Any) -> None:
    contract, binding = measured_contract()
    history = october_like_history(binding)
    evidence = telemetry_evidence(
        contract_id=contract.pk, kpi_code=CFR, period_start=month().start, period_end=month().end
    )
    response = page(signed_in(user_with_role), contract)
    assert response.status_code == 200
    html = response.content.decode()
    # The page lists the evidence, every row of it, and nothing else.
    assert source_links(html) == {row.url for row in evidence.rows}
    deployments = {row.url for row in evidence.rows if row.kind == "deployment"}
    assert deployments == {deployment.url for deployment in history["production"]}
    for outside in history["outside"]:
        assert outside.url not in html
    assert history["incident"].url in source_links(html)  # the incident that failed a deployment
    # The failed ones say so, with their reason; the rest succeeded.
    rows = {row.url: row for row in evidence.rows}
    broken, rolled_back = rows[history["broken"].url], rows[history["rolled_back"].url]
    assert broken.counts == "failed" and "PD-123" in broken.detail
    assert rolled_back.counts == "failed" and "rollback" in rolled_back.detail
    assert rows[history["production"][0].url].counts == "succeeded"
    for row in evidence.rows:
        assert re.search(rf'data-counts(?: class="text-bad")?>{re.escape(row.counts)}</td>', html)
        assert escape(row.detail) in html
    # The value, its numerator and denominator, and the definition in words.
    assert evidence.value is not None and evidence.numerator == 2 and evidence.denominator == len(deployments)
    assert "data-numerator>2<" in html and f"data-denominator>{len(deployments)}<" in html
    assert escape(evidence.definition) in html
    assert '<section class="card flush" aria-labelledby="events-deployment" data-events="deployment">' in html
    assert 'data-counts class="text-bad">failed<' in html and "data-counts>succeeded<" in html
    # The window's weeks: those ending in it, from the Monday of its first day's week.
    first_monday = month().start - dt.timedelta(days=month().start.weekday())
    assert f"events from {date_format(first_monday)} to" in html


def test_links_open_in_a_new_tab_and_only_http_links_are_printed(user_with_role: Any) -> None:
    contract, binding = measured_contract()
    shipped = deploy(binding, 7, at(month().start + dt.timedelta(days=3)))
    Deployment.objects.filter(pk=shipped.pk).update(url="javascript:alert(1)")
    deploy(binding, 8, at(month().start + dt.timedelta(days=4)))
    html = page(signed_in(user_with_role), contract).content.decode()
    assert "javascript:" not in html
    assert source_links(html) == {f"https://github.com/{REPO}/deployments/8"}


def test_a_window_of_several_weeks_lists_every_event_of_the_window(user_with_role: Any) -> None:
    """An SLA window (a quarter here) is explained whole: every week's events, not only the last week's."""
    quarter = Period.last_closed("quarter")
    contract, binding = measured_contract(covers_from=quarter.start - dt.timedelta(days=30))
    days = (quarter.end - quarter.start).days
    deployments = [deploy(binding, 500 + n, at(quarter.start + dt.timedelta(days=n * 5))) for n in range(days // 5 + 3)]
    client = signed_in(user_with_role)
    html = page(client, contract, start=quarter.start.isoformat(), end=quarter.end.isoformat()).content.decode()
    expected = {d.url for d in deployments if week_ends_in(finished(d), quarter.start, quarter.end)}
    assert len(expected) >= 12 and len(expected) < len(deployments)
    assert source_links(html) == expected
    assert f"{date_format(quarter.start)} – {date_format(quarter.end)}" in html


def test_many_events_are_paged_and_the_page_says_so(user_with_role: Any) -> None:
    contract, binding = measured_contract()
    first = month().start
    Deployment.objects.bulk_create(
        Deployment(
            binding=binding,
            contract=contract,
            source_id=str(n),
            observed_at=at(first),
            url=f"https://github.com/{REPO}/deployments/{n}",
            repository=REPO,
            environment="production",
            status="success",
            sha=f"{n:040x}",
            finished_at=at(first + dt.timedelta(days=n % 21), hour=n % 24),
        )
        for n in range(PAGE_ROWS + 30)
    )
    client = signed_in(user_with_role)
    one = page(client, contract).content.decode()
    two = page(client, contract, page="2").content.decode()
    assert len(source_links(one)) == PAGE_ROWS and len(source_links(two)) == 30
    assert source_links(one).isdisjoint(source_links(two))
    assert f"Events 1–{PAGE_ROWS} of {PAGE_ROWS + 30}" in one and "Page 1 of 2" in one
    assert f"Events {PAGE_ROWS + 1}–{PAGE_ROWS + 30} of {PAGE_ROWS + 30}" in two


def test_the_query_count_does_not_grow_with_the_number_of_events(
    user_with_role: Any, django_assert_max_num_queries: Any
) -> None:
    contract, binding = measured_contract()
    october_like_history(binding)
    client = signed_in(user_with_role)
    page(client, contract)  # the session and content types are read once
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page(client, contract)
    for n in range(40):
        broken = deploy(binding, 1000 + n, at(month().start + dt.timedelta(days=n % 21), hour=n % 20))
        incident(contract, f"PD-{1000 + n}", finished(broken) + dt.timedelta(minutes=5), caused_by=broken)
    with django_assert_max_num_queries(len(few)):
        response = page(client, contract)
    assert len(source_links(response.content.decode())) > 40


# -- what it refuses -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": None, "end": None}, "“start” is missing"),
        ({"end": None}, "“end” is missing"),
        ({"start": "2026-13-01"}, "“2026-13-01” is not a date: write start as YYYY-MM-DD"),
        ({"end": "yesterday"}, "“yesterday” is not a date: write end as YYYY-MM-DD"),
        ({"start": "2026-10-31", "end": "2026-10-01"}, "end must be on or after start"),
        ({"start": "2024-01-01", "end": "2026-10-31"}, "at most 366 days"),
        ({"page": "99"}, "There is no such page of events"),
        ({"page": "two"}, "There is no such page of events"),
    ],
)
def test_a_window_it_cannot_read_is_a_400_page_saying_why(
    user_with_role: Any, query: dict[str, str | None], message: str
) -> None:
    contract, _ = measured_contract()
    window = {"start": month().start.isoformat(), "end": month().end.isoformat(), **query}
    response = signed_in(user_with_role).get(
        reverse("performance:telemetry-explain", args=[contract.pk, CFR]),
        {name: value for name, value in window.items() if value is not None},
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_contract_or_kpi_is_a_404(user_with_role: Any) -> None:
    contract, _ = measured_contract()
    client = signed_in(user_with_role)
    assert page(client, contract, code="no_such_kpi").status_code == 404
    assert page(client, contract, code="on_time_delivery_rate").status_code == 404  # not a telemetry KPI
    missing = factories.ContractFactory()
    missing_pk = missing.pk
    missing.delete()
    response = client.get(
        reverse("performance:telemetry-explain", args=[missing_pk, CFR]),
        {"start": month().start.isoformat(), "end": month().end.isoformat()},
    )
    assert response.status_code == 404


def test_a_kpi_no_binding_measures_is_typed_and_lists_nothing(user_with_role: Any) -> None:
    contract, binding = measured_contract(measures=["deployment_frequency"])
    october_like_history(binding)
    response = page(signed_in(user_with_role), contract)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not measured by telemetry" in html and "data-not-measured" in html
    assert source_links(html) == set()


def test_a_switched_off_binding_measures_nothing(user_with_role: Any) -> None:
    contract, binding = measured_contract(active=False)
    october_like_history(binding)
    html = page(signed_in(user_with_role), contract).content.decode()
    assert "Not measured by telemetry" in html and source_links(html) == set()


def test_signing_in_is_needed(client: Client) -> None:
    contract, _ = measured_contract()
    response = page(client, contract)
    assert response.status_code == 302 and "login" in response["Location"]


# -- privacy -----------------------------------------------------------------------------------------------------
def test_no_person_appears_on_the_page(user_with_role: Any) -> None:
    """Commits carry their author (for the identity rules); the page shows events and counts, never who."""
    contract, binding = measured_contract(measures=["change_failure_rate", "lead_time_for_changes", "rework_rate"])
    history = october_like_history(binding)
    for deployment in history["production"]:
        commit(
            binding,
            deployment.sha,
            deployment.finished_at - dt.timedelta(hours=3),
            author_email="jane.doe@vendor.example",
            author_login="janedoe-secret",
            message="Fix the checkout",
        )
    client = signed_in(user_with_role)
    for code in ("change_failure_rate", "lead_time_for_changes", "rework_rate"):
        html = page(client, contract, code=code).content.decode()
        assert "jane.doe@vendor.example" not in html and "janedoe-secret" not in html
        assert "vendor.example" not in html


def test_explain_url_names_the_window() -> None:
    url = explain_url(contract_id=7, kpi_code=CFR, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
    assert url == "/contracts/7/telemetry/explain/change_failure_rate/?start=2026-10-01&end=2026-10-31"
    absolute = explain_url(
        contract_id=7, kpi_code=CFR, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), absolute=True
    )
    assert absolute.startswith("http") and absolute.endswith(url)

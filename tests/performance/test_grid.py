"""The KPI entry grid: who may open it for which engagement, the period, pre-filling and updating a
logged period, the created/updated/unchanged counts, every measurement rule shown next to its cell,
all-or-nothing saving, the audit trail and the query budget."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.core.errors import ConflictError
from apps.kpis.catalogue import KPI_CATALOGUE
from apps.kpis.models import KpiDefinition
from apps.performance import services
from apps.performance.forms import PeriodForm
from apps.performance.models import Measurement
from tests.conftest import ROLES
from tests.factories import (
    ContractFactory,
    KpiDefinitionFactory,
    MeasurementFactory,
    SlaTermFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.ownership]

MAY_LOG = {Role.ENGINEERING_MANAGER, Role.ADMIN}


def kpi(code: str) -> KpiDefinition:
    return KpiDefinition.objects.get(code=code)


def last_month() -> tuple[dt.date, dt.date]:
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def month_param(day: dt.date) -> str:
    return day.strftime("%Y-%m")


@pytest.fixture
def manager(user_with_role):
    return user_with_role(Role.ENGINEERING_MANAGER)


@pytest.fixture
def contract(manager):
    """The manager's engagement: the SLA measures on-time delivery (a ratio, %) and lead time (hours)."""
    contract = ContractFactory(vendor=VendorFactory(engineering_owner=manager), title="Payments platform")
    SlaTermFactory(contract=contract, kpi=kpi("on_time_delivery_rate"), comparator="gte", target=Decimal(95))
    SlaTermFactory(contract=contract, kpi=kpi("lead_time_for_changes"), comparator="lte", target=Decimal(48))
    return contract


def grid_url(contract: Any, **query: str) -> str:
    url = reverse("performance:grid", args=[contract.pk])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def month_post(**cells: str) -> dict[str, str]:
    """A grid POST for last month; ``cells`` named ``<kpi code>__<field>``."""
    start, _end = last_month()
    data = {"kind": "month", "month": month_param(start)}
    for name, value in cells.items():
        if "__" in name:
            code, field = name.split("__")
            data[f"kpi-{code}-{field}"] = value
        else:
            data[name] = value
    return data


def input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    return match[0]


def cell_error(html: str, code: str, field: str) -> str:
    """The error shown right under the cell ``field`` of ``code``'s row."""
    match = re.search(rf'<small class="field-error" id="id_kpi-{code}-{field}_error">([^<]*)</small>', html)
    assert match, f"no error under {code}.{field}"
    return match[1]


# -- who may open the grid --------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_grid_pages_by_role(role: str, user_with_role, contract, client: Client) -> None:
    client.force_login(user_with_role(role))
    expected = 200 if role in MAY_LOG else 403
    assert client.get(reverse("performance:grid-start")).status_code == expected
    response = client.get(grid_url(contract))
    assert response.status_code == expected
    if expected == 403:
        assert b"Not allowed" in response.content
        assert client.post(grid_url(contract), month_post(lead_time_for_changes__value="30")).status_code == 403
        assert not Measurement.objects.exists()


def test_a_manager_cannot_log_for_an_engagement_they_do_not_own(contract, client: Client) -> None:
    other = UserFactory(username="other_manager", role=Role.ENGINEERING_MANAGER)
    client.force_login(other)
    response = client.get(grid_url(contract))
    assert response.status_code == 403
    assert "Only the engineering or delivery owner" in response.content.decode()
    assert client.post(grid_url(contract), month_post(lead_time_for_changes__value="30")).status_code == 403
    assert not Measurement.objects.exists()
    # Nor is the engagement offered, nor the button on the contract page.
    assert contract.title not in client.get(reverse("performance:grid-start")).content.decode()
    assert grid_url(contract) not in client.get(contract.get_absolute_url()).content.decode()


def test_the_delivery_owner_logs_too(contract, client: Client) -> None:
    delivery = UserFactory(username="delivery", role=Role.ENGINEERING_MANAGER)
    contract.vendor.delivery_owner = delivery
    contract.vendor.save()
    client.force_login(delivery)
    assert client.get(grid_url(contract)).status_code == 200


def test_an_unknown_contract_is_404_and_a_visitor_signs_in_first(manager, client: Client) -> None:
    assert client.get(reverse("performance:grid", args=[999999])).status_code == 302
    client.force_login(manager)
    assert client.get(reverse("performance:grid", args=[999999])).status_code == 404


def test_the_engagement_list_offers_ones_own_running_contracts(manager, contract, user_with_role, client) -> None:
    theirs_as_delivery = ContractFactory(vendor=VendorFactory(delivery_owner=manager), title="Data platform")
    expired = ContractFactory(vendor=contract.vendor, title="Old SOW", status="expired")
    draft = ContractFactory(vendor=contract.vendor, title="Future SOW", status="draft")
    someone_elses = ContractFactory(title="Someone else's")
    MeasurementFactory(contract=contract, kpi=kpi("lead_time_for_changes"), period_end=dt.date(2026, 10, 31))

    client.force_login(manager)
    html = client.get(reverse("performance:grid-start")).content.decode()
    for shown in (contract, theirs_as_delivery, expired):
        assert grid_url(shown) in html
    for hidden in (draft, someone_elses):
        assert grid_url(hidden) not in html
    assert "2 SLA KPIs" not in html  # the count is a column
    row = re.search(rf'<tr data-contract="{contract.pk}">(.*?)</tr>', html, re.S)
    assert row and ">2<" in row[1] and "31 Oct 2026" in row[1]

    client.force_login(user_with_role(Role.ADMIN))
    html = client.get(reverse("performance:grid-start")).content.decode()
    assert grid_url(someone_elses) in html and grid_url(contract) in html


def test_log_kpis_is_offered_from_the_menu_the_contract_and_the_measurements(manager, contract, client) -> None:
    client.force_login(manager)
    home = client.get(reverse("home"))
    assert {"label": "KPI measurements", "url": reverse("performance:grid-start")} in home.context["nav_new_entries"]
    assert grid_url(contract) in client.get(contract.get_absolute_url()).content.decode()
    assert reverse("performance:grid-start") in client.get(reverse("performance:measurement-list")).content.decode()


# -- the grid itself ---------------------------------------------------------------------------------------
def test_the_grid_shows_the_slas_kpis_first_with_definition_unit_and_target(manager, contract, client) -> None:
    client.force_login(manager)
    response = client.get(grid_url(contract))
    html = response.content.decode()
    start, end = last_month()
    grid = response.context["grid"]
    assert (grid.period.start, grid.period.end) == (start, end)  # last month by default
    assert [row.kpi.code for row in grid.rows] == ["lead_time_for_changes", "on_time_delivery_rate"]
    assert "Time from a commit to that commit running in production (DORA)." in html
    assert "≥ 95 %" in html and "≤ 48 h" in html
    # A ratio KPI takes its two parts, labelled in its own words; the others a value.
    assert 'name="kpi-on_time_delivery_rate-numerator"' in html
    assert "Milestones delivered on time" in html and "Milestones due" in html
    assert 'name="kpi-on_time_delivery_rate-value"' not in html
    assert 'name="kpi-lead_time_for_changes-value"' in html
    # The first cell has the focus; every cell is described by the KPI's definition.
    assert "autofocus" in input_tag(html, "kpi-lead_time_for_changes-value")
    assert 'aria-describedby="kpi-lead_time_for_changes-definition"' in html
    # The rest of the catalogue is one click away.
    assert f"Show all {len(KPI_CATALOGUE)} KPIs" in html
    everything = client.get(grid_url(contract, kind="month", month=month_param(start), all="1")).context["grid"]
    codes = [row.kpi.code for row in everything.rows]
    assert len(codes) == len(KPI_CATALOGUE) and codes[:2] == ["lead_time_for_changes", "on_time_delivery_rate"]


def test_a_contract_without_sla_terms_shows_the_whole_catalogue(manager, client) -> None:
    contract = ContractFactory(vendor=VendorFactory(engineering_owner=manager))
    client.force_login(manager)
    assert len(client.get(grid_url(contract)).context["grid"].rows) == len(KPI_CATALOGUE)


def test_saving_creates_with_counts_and_shows_the_saved_values(manager, contract, client: Client) -> None:
    client.force_login(manager)
    data = month_post(
        on_time_delivery_rate__numerator="19",
        on_time_delivery_rate__denominator="20",
        lead_time_for_changes__value="30.5",
        lead_time_for_changes__note="Two slow releases",
    )
    response = client.post(grid_url(contract), data)
    start, end = last_month()
    assert response.status_code == 302
    assert response["Location"] == grid_url(contract, kind="month", month=month_param(start))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "2 created, 0 updated, 0 unchanged" in html
    ratio = Measurement.objects.get(kpi__code="on_time_delivery_rate")
    assert (ratio.value, ratio.numerator, ratio.denominator) == (95, 19, 20)
    assert (ratio.period_start, ratio.period_end, ratio.contract, ratio.source) == (start, end, contract, "form")
    assert ratio.recorded_by == manager
    lead = Measurement.objects.get(kpi__code="lead_time_for_changes")
    assert (lead.value, lead.note) == (Decimal("30.5"), "Two slow releases")
    # The grid shows what is stored: the ratio's value computed, the cells pre-filled.
    assert 'value="30.5"' in html and 'value="Two slow releases"' in html
    assert 'value="19"' in html and 'value="20"' in html
    assert "data-computed>95 %<" in html


def test_a_logged_period_is_prefilled_and_updated_with_counts(manager, contract, client: Client) -> None:
    start, end = last_month()
    common = {"contract": contract, "period_start": start, "period_end": end}
    MeasurementFactory(**common, kpi=kpi("lead_time_for_changes"), value=Decimal(30), note="")
    MeasurementFactory(
        **common, kpi=kpi("on_time_delivery_rate"), value=Decimal(90), numerator=Decimal(18), denominator=Decimal(20)
    )
    other_period = MeasurementFactory(
        **{**common, "period_start": start - dt.timedelta(days=40)}, kpi=kpi("sprint_velocity"), value=Decimal(40)
    )
    client.force_login(manager)
    page = client.get(grid_url(contract))
    html = page.content.decode()
    assert re.search(r'name="kpi-lead_time_for_changes-value" value="30"', html)
    assert re.search(r'name="kpi-on_time_delivery_rate-numerator" value="18"', html)
    assert "data-computed>90 %<" in html
    assert [row.kpi.code for row in page.context["grid"].rows if row.measurement] == [
        "lead_time_for_changes",
        "on_time_delivery_rate",
    ]
    assert "sprint_velocity" not in html  # another period's measurement is not this one's

    data = month_post(
        lead_time_for_changes__value="30",  # unchanged
        on_time_delivery_rate__numerator="19",  # updated
        on_time_delivery_rate__denominator="20",
        deployment_frequency__value="4",  # created (shown with "all")
    )
    data["all"] = "1"
    response = client.post(grid_url(contract), data, follow=True)
    assert "1 created, 1 updated, 1 unchanged" in response.content.decode()
    assert Measurement.objects.filter(contract=contract).count() == 4
    assert Measurement.objects.get(kpi__code="on_time_delivery_rate").value == 95
    other_period.refresh_from_db()
    assert other_period.value == 40


def test_an_empty_grid_saves_nothing_and_says_so(manager, contract, client: Client) -> None:
    client.force_login(manager)
    response = client.post(grid_url(contract), month_post(lead_time_for_changes__value="  "), follow=True)
    assert "Nothing to save: every row is empty." in response.content.decode()
    assert not Measurement.objects.exists()


def test_emptying_a_logged_row_keeps_its_measurement(manager, contract, client: Client) -> None:
    start, end = last_month()
    MeasurementFactory(contract=contract, kpi=kpi("lead_time_for_changes"), period_start=start, period_end=end)
    client.force_login(manager)
    client.post(grid_url(contract), month_post(lead_time_for_changes__value=""))
    assert Measurement.objects.count() == 1


# -- every rule, next to its cell ---------------------------------------------------------------------------
RULES = [
    pytest.param(
        {"on_time_delivery_rate__numerator": "12", "on_time_delivery_rate__denominator": "10"},
        ("on_time_delivery_rate", "numerator", "cannot be above 100 %"),
        id="a percentage above 100",
    ),
    pytest.param(
        {"uptime__value": "100.5"},
        ("uptime", "value", "Uptime cannot be above 100 %"),
        id="a percentage value above 100",
    ),
    pytest.param(
        {"uptime__value": "-1"},
        ("uptime", "value", "Uptime cannot be below 0 %"),
        id="a negative percentage",
    ),
    pytest.param(
        {"on_time_delivery_rate__numerator": "-1", "on_time_delivery_rate__denominator": "10"},
        ("on_time_delivery_rate", "numerator", "The numerator cannot be negative."),
        id="a negative count",
    ),
    pytest.param(
        {"lead_time_for_changes__value": "-3"},
        ("lead_time_for_changes", "value", "cannot be below 0 hours"),
        id="a negative duration",
    ),
    pytest.param(
        {"on_time_delivery_rate__numerator": "3", "on_time_delivery_rate__denominator": "0"},
        ("on_time_delivery_rate", "denominator", "The denominator must be above zero."),
        id="a zero denominator",
    ),
    pytest.param(
        {"on_time_delivery_rate__numerator": "3"},
        ("on_time_delivery_rate", "denominator", "give the denominator (Milestones due)"),
        id="a ratio without its denominator",
    ),
    pytest.param(
        {"lead_time_for_changes__note": "Only a note"},
        ("lead_time_for_changes", "value", "Give the value of Lead time for changes (hours)."),
        id="a note without a value",
    ),
    pytest.param(
        {"lead_time_for_changes__value": "about 3"},
        ("lead_time_for_changes", "value", "Enter a number."),
        id="not a number",
    ),
]


@pytest.mark.parametrize(("cells", "expected"), RULES)
def test_every_rule_is_shown_next_to_its_cell_and_nothing_is_saved(
    cells: dict[str, str], expected: tuple[str, str, str], manager, contract, client: Client
) -> None:
    uptime = KpiDefinitionFactory(
        code="uptime", name="Uptime", unit="%", aggregation="mean", min_value=Decimal(0), max_value=Decimal(100)
    )
    SlaTermFactory(contract=contract, kpi=uptime)
    client.force_login(manager)
    # A valid row next to the refused one: all or nothing.
    response = client.post(grid_url(contract), month_post(sprint_velocity__value="40", **cells, all="1"))
    assert response.status_code == 400
    html = response.content.decode()
    code, field, message = expected
    assert message in cell_error(html, code, field)
    assert "Nothing was saved: 1 row needs fixing" in html
    assert not Measurement.objects.exists()
    # What was typed stays, the refused cell says so and has the focus.
    assert 'name="kpi-sprint_velocity-value" value="40"' in html
    cell = input_tag(html, f"kpi-{code}-{field}")
    assert 'aria-invalid="true"' in cell and "autofocus" in cell
    assert f'aria-describedby="id_kpi-{code}-{field}_error kpi-{code}-definition"' in cell


def test_several_refused_rows_are_all_marked(manager, contract, client: Client) -> None:
    client.force_login(manager)
    data = month_post(
        lead_time_for_changes__value="-3",
        on_time_delivery_rate__numerator="1",
        on_time_delivery_rate__denominator="0",
    )
    html = client.post(grid_url(contract), data).content.decode()
    assert "Nothing was saved: 2 rows need fixing (Lead time for changes, On-time delivery rate)." in html
    assert cell_error(html, "lead_time_for_changes", "value")
    assert cell_error(html, "on_time_delivery_rate", "denominator")


def test_a_row_refused_by_the_database_rolls_back_the_rows_before_it(manager, contract, client, monkeypatch) -> None:
    """The service saved the first row, then refused the second: the first is rolled back too."""
    real = services.measurement_record
    calls: list[str] = []

    def second_refused(**kwargs: Any):
        calls.append(kwargs["data"]["kpi"].code)
        if len(calls) == 2:
            raise ConflictError("The measurement kept changing concurrently; try again.")
        return real(**kwargs)

    monkeypatch.setattr(services, "measurement_record", second_refused)
    client.force_login(manager)
    data = month_post(
        lead_time_for_changes__value="30",
        on_time_delivery_rate__numerator="19",
        on_time_delivery_rate__denominator="20",
    )
    response = client.post(grid_url(contract), data)
    assert response.status_code == 400
    assert calls == ["lead_time_for_changes", "on_time_delivery_rate"]
    assert "kept changing concurrently" in response.content.decode()
    assert not Measurement.objects.exists()


# -- the period --------------------------------------------------------------------------------------------
def test_month_week_and_sprint_periods() -> None:
    def period(**data: str):
        form = PeriodForm(data)
        assert form.is_valid(), form.errors
        return form.period.start, form.period.end

    assert period(kind="month", month="2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert period(kind="month", month="2025-12") == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    # ISO weeks run Monday to Sunday; week 1 of 2026 starts in 2025.
    assert period(kind="week", week="2026-W01") == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert period(kind="week", week="2026-W43") == (dt.date(2026, 10, 19), dt.date(2026, 10, 25))
    assert period(kind="sprint", start="2026-01-05", end="2026-01-18") == (dt.date(2026, 1, 5), dt.date(2026, 1, 18))
    # The inputs of other kinds are ignored.
    assert period(kind="month", month="2026-01", start="nonsense") == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "month", "month": "2026-13"}, "month", "Choose a month"),
        ({"kind": "week", "week": "2026-W60"}, "week", "Choose a week"),
        ({"kind": "sprint", "start": "2026-01-05"}, "end", "Give the sprint's last day."),
        (
            {"kind": "sprint", "start": "2026-01-18", "end": "2026-01-05"},
            "end",
            "The period cannot end before it starts.",
        ),
    ],
)
def test_a_period_that_is_no_period_is_refused(data: dict[str, str], field: str, message: str) -> None:
    form = PeriodForm(data)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_period_rules_are_shown_in_the_page(manager, contract, client: Client) -> None:
    client.force_login(manager)
    today = timezone.localdate()
    # This month is not over: it ends in the future.
    page = client.get(grid_url(contract, kind="month", month=month_param(today)))
    assert page.status_code == 200
    html = page.content.decode()
    assert "The period cannot end in the future: log a period once it is over." in html
    assert "Choose a period that is over" in html
    assert 'name="kpi-lead_time_for_changes-value"' not in html
    # A sprint ending before it starts.
    html = client.get(grid_url(contract, kind="sprint", start="2026-02-10", end="2026-02-01")).content.decode()
    assert "The period cannot end before it starts." in html
    # Posted anyway: refused, nothing saved.
    future = {"kind": "sprint", "start": today.isoformat(), "end": (today + dt.timedelta(days=3)).isoformat()}
    response = client.post(grid_url(contract), {**future, "kpi-lead_time_for_changes-value": "3"})
    assert response.status_code == 400
    assert "The period cannot end in the future" in response.content.decode()
    assert not Measurement.objects.exists()


def test_a_week_and_a_sprint_are_logged_on_their_dates(manager, contract, client: Client) -> None:
    client.force_login(manager)
    client.post(grid_url(contract), {"kind": "week", "week": "2026-W43", "kpi-lead_time_for_changes-value": "20"})
    client.post(
        grid_url(contract),
        {"kind": "sprint", "start": "2026-10-05", "end": "2026-10-16", "kpi-lead_time_for_changes-value": "25"},
    )
    assert list(Measurement.objects.order_by("period_start").values_list("period_start", "period_end", "value")) == [
        (dt.date(2026, 10, 5), dt.date(2026, 10, 16), 25),
        (dt.date(2026, 10, 19), dt.date(2026, 10, 25), 20),
    ]


# -- htmx, audit, queries ---------------------------------------------------------------------------------
def test_with_htmx_the_grid_is_saved_in_place(manager, contract, client: Client) -> None:
    client.force_login(manager)
    response = client.post(
        grid_url(contract), month_post(lead_time_for_changes__value="12"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert "1 created, 0 updated, 0 unchanged" in html
    assert 'name="kpi-lead_time_for_changes-value" value="12"' in html
    refused = client.post(
        grid_url(contract), month_post(lead_time_for_changes__value="-1"), headers={"HX-Request": "true"}
    )
    assert "cannot be below 0 hours" in cell_error(refused.content.decode(), "lead_time_for_changes", "value")


def test_every_change_is_in_the_audit_history_with_its_author(manager, contract, client, user_with_role) -> None:
    client.force_login(manager)
    client.post(grid_url(contract), month_post(lead_time_for_changes__value="30"))
    admin = user_with_role(Role.ADMIN)
    client.force_login(admin)
    client.post(grid_url(contract), month_post(lead_time_for_changes__value="31"))
    measurement = Measurement.objects.get()
    insert, update = measurement.events.order_by("pgh_id")
    assert (insert.pgh_label, insert.pgh_context.metadata["user"], insert.value) == ("insert", manager.pk, 30)
    assert (update.pgh_label, update.pgh_context.metadata["user"], update.value) == ("update", admin.pk, 31)
    assert update.pgh_context.metadata["action"] == "measurement_record"
    assert (measurement.recorded_by, measurement.source) == (admin, "form")


def test_the_grid_costs_the_same_few_queries_however_much_is_logged(
    manager, contract, client: Client, django_assert_max_num_queries
) -> None:
    client.force_login(manager)
    start, end = last_month()
    url = grid_url(contract, kind="month", month=month_param(start), all="1")
    client.get(url)  # the session and permissions warm up like any later page
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    for entry in KPI_CATALOGUE[:8]:
        SlaTermFactory(contract=contract, kpi=kpi(entry["code"]))
        MeasurementFactory(contract=contract, kpi=kpi(entry["code"]), period_start=start, period_end=end, value=1)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    # The grid's start page is a list: + 1 for its saved views menu (apps/accounts/templatetags/saved_views.py).
    with django_assert_max_num_queries(9):
        assert client.get(reverse("performance:grid-start")).status_code == 200
    for _ in range(6):
        more = ContractFactory(vendor=contract.vendor)
        SlaTermFactory(contract=more, kpi=kpi("defect_rate"))
        MeasurementFactory(contract=more, kpi=kpi("defect_rate"), period_start=start, period_end=end, value=1)
    # The grid's start page is a list: + 1 for its saved views menu (apps/accounts/templatetags/saved_views.py).
    with django_assert_max_num_queries(9):
        assert client.get(reverse("performance:grid-start")).status_code == 200


def test_a_period_outside_the_contract_and_a_draft_contract_are_refused(manager, contract, client: Client) -> None:
    client.force_login(manager)
    # The factory's contract runs through 2026: December 2025 is before it.
    html = client.get(grid_url(contract, kind="month", month="2025-12")).content.decode()
    assert "The contract runs from 1 Jan 2026 to 31 Dec 2026: this period is outside it." in html
    assert 'name="kpi-lead_time_for_changes-value"' not in html
    response = client.post(
        grid_url(contract), {"kind": "month", "month": "2025-12", "kpi-lead_time_for_changes-value": "3"}
    )
    assert response.status_code == 400 and not Measurement.objects.exists()
    # A draft is not offered, and its grid is not there.
    draft = ContractFactory(vendor=contract.vendor, status="draft")
    assert client.get(grid_url(draft)).status_code == 404
    assert str(draft.title) not in client.get(reverse("performance:grid-start")).content.decode()

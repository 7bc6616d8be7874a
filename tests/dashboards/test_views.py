"""The portfolio overview's pages: every signed-in role reads them, htmx swaps the body in place, every
number's drill-down list holds exactly the rows it counts, the query budget holds whatever the data
size, and every table downloads as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.choices import Role
from apps.accounts.roles import ROLE_PERMISSIONS
from apps.core.fx import fx_table
from apps.dashboards.exports import TABLES
from apps.dashboards.scope import Drill, Scope
from apps.dashboards.selectors import Overview, portfolio_overview
from apps.dashboards.tiles.spend import counted_annual
from tests import factories
from tests.conftest import ROLES
from tests.dashboards.conftest import EXPECTED, Portfolio, count_queries, grow_portfolio
from tests.rollups import read_until_settled

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboards:overview")
# + the attention ranking of the league table (tests/dashboards/test_attention.py; its open roster findings: 1)
# + the league table's cost columns: the cost settings and every vendor's ledger (tests/dashboards/test_league_tco.py)
# The league table's scorecards and costs are read from their stored rollups (apps.core.rollups): two queries
# each once stored, which is what the budget counts (the first view after a change works the changed vendors
# out again, in a number of queries that does not grow with them either). The league's order is one statement
# over the whole portfolio (apps.dashboards.ranking), then the page's rows are read by id. The spend is read from
# its stored rollup too (apps.dashboards.tiles.spend.SPEND_ROLLUP: its audit heads, the portfolio's groups, each
# vendor's amount and the currencies of the concentration rows shown — four queries where the sum over the
# contracts was one), and the league page's vendors' own spend rows in one more. The engaged vendors are counted
# in the database and the league page's read by id (one query more than reading all 20,000 of them). Who serves
# which function is read from its stored rollup (one query more: its heads), and so are the attention points of
# the vendors' own records (apps.dashboards.ranking.ATTENTION_ROLLUP: one more, its heads). The functions' vendors
# are counted per function and who serves the critical functions per vendor and country in the database (one
# query more: two aggregates where the stored pairs were read whole).
QUERY_BUDGET = 45
FILTERS = [
    "",
    "geography=offshore",
    "tier=tier_2",
    "engagement_model=managed_services",
    "function_category=cloud_infrastructure",
]


@pytest.fixture
def cto(user_with_role: Callable[[str], Any]) -> Any:
    return user_with_role(Role.EXECUTIVE)


@pytest.fixture
def signed_in(client: Client, cto: Any) -> Client:
    client.force_login(cto)
    return client


def overview_of(client: Client, query: str = "") -> Overview:
    response = client.get(f"{OVERVIEW}?{query}" if query else OVERVIEW)
    assert response.status_code == 200
    return response.context["overview"]


# -- who may read ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_role_reads_the_overview(
    role: str, portfolio: Portfolio, user_with_role: Any, client: Client
) -> None:
    client.force_login(user_with_role(role))
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Portfolio overview</h1>" in html
    # The overview itself changes nothing: no approve, waive or acknowledge button for anyone.
    assert (
        "data-breach-action" not in html
        and 'method="post"' not in html.split('<main id="main">')[1].split("</main>")[0]
    )
    export = client.get(reverse("dashboards:export", args=["league-table"]))
    assert export.status_code == 200


def test_signing_in_is_required(client: Client) -> None:
    for url in (OVERVIEW, reverse("dashboards:export", args=["summary"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_the_executives_home_is_the_overview(
    role: str, portfolio: Portfolio, user_with_role: Any, client: Client
) -> None:
    client.force_login(user_with_role(role))
    html = client.get(reverse("home")).content.decode()
    if role == Role.EXECUTIVE:
        assert "<strong>Portfolio overview:</strong>" in html and 'data-tile="open-breaches"' in html
        assert "Good to see you" in html
    else:
        assert "Good to see you" in html and f'href="{OVERVIEW}"' in html


@pytest.mark.parametrize("role", ROLES)
def test_only_those_who_may_waive_see_waive_on_the_breach_list(
    role: str, portfolio: Portfolio, user_with_role: Any, client: Client
) -> None:
    client.force_login(user_with_role(role))
    html = client.get(overview_of(client).breaches.open_total.url).content.decode()
    may_waive = role == Role.ADMIN or "performance.waive_breach" in ROLE_PERMISSIONS.get(role, set())
    assert ('data-breach-action="waive"' in html) == may_waive
    assert may_waive == (role in (Role.EXECUTIVE, Role.ADMIN))


# -- htmx and the URL -------------------------------------------------------------------------------------------
def test_a_filter_swaps_the_body_and_the_same_url_renders_the_page(signed_in: Client, portfolio: Portfolio) -> None:
    query = "geography=offshore"
    partial = signed_in.get(f"{OVERVIEW}?{query}", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    fragment = partial.content.decode()
    assert "<html" not in fragment and 'id="dashboard-filters"' not in fragment
    assert 'data-tile="active-vendors"' in fragment
    assert "HX-Request" in partial["Vary"]
    full = signed_in.get(f"{OVERVIEW}?{query}")
    page = full.content.decode()
    assert "<html" in page and 'id="dashboard-filters"' in page
    assert partial.context["overview"].active_vendors == full.context["overview"].active_vendors
    # The tiles' markup is the same in both.
    start = fragment.index('<ul class="tiles"')
    assert fragment[start : fragment.index("</ul>", start)] in page
    # The form shows the filter chosen, and every filter has a label.
    assert '<option value="offshore" selected>' in page
    for name in ("period", "geography", "engagement-model", "tier", "function-category"):
        assert f'<label for="dashboard-{name}">' in page


def test_the_form_is_htmx_with_a_loading_indicator_and_a_plain_get_fallback(signed_in: Client) -> None:
    html = signed_in.get(OVERVIEW).content.decode()
    form = html[
        html.index('<form id="dashboard-filters"') : html.index("</form>", html.index('id="dashboard-filters"'))
    ]
    assert f'method="get" action="{OVERVIEW}"' in form
    assert f'hx-get="{OVERVIEW}"' in form and 'hx-push-url="true"' in form and 'hx-target="#dashboard-body"' in form
    assert 'hx-indicator="#dashboard-loading, #dashboard-body"' in form and 'class="htmx-indicator' in form


def test_an_invalid_filter_says_so_and_shows_the_default(signed_in: Client, portfolio: Portfolio) -> None:
    response = signed_in.get(f"{OVERVIEW}?geography=mars&period=1999-01")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    overview = response.context["overview"]
    assert overview.period == portfolio.period and overview.active_vendors.value == EXPECTED["active_vendors"]


def test_the_period_filter_picks_the_month(signed_in: Client, portfolio: Portfolio) -> None:
    previous = portfolio.period.previous()
    overview = overview_of(signed_in, f"period={previous.key}")
    assert overview.period == previous and overview.compliance.current.percent == Decimal("33.3")
    assert previous.label in signed_in.get(f"{OVERVIEW}?period={previous.key}").content.decode()


def spend_of(contracts: Any, *, today: Any, converted: bool) -> Decimal:
    """The listed contracts' annual spend by the rule in Python: each master agreement less its active
    statements of work; summed per currency and, when ``converted``, in the reporting currency (a
    currency without a rate left out)."""
    table = fx_table()
    per_currency: dict[str, Decimal] = {}
    for contract in contracts:
        amount = counted_annual(contract, contract.children.all(), on=today, fx=table)
        per_currency[contract.currency] = per_currency.get(contract.currency, Decimal(0)) + amount
    if not converted:
        return sum(per_currency.values(), Decimal(0)).quantize(Decimal("0.01"))
    total = Decimal(0)
    for currency, amount in per_currency.items():
        total += table.convert(amount, currency, on=today).converted or Decimal(0)
    return total.quantize(Decimal("0.01"))


# -- drill-down ---------------------------------------------------------------------------------------------------
def _list_rows(client: Client, drill: Drill) -> tuple[int, Any]:
    response = client.get(drill.url)
    assert response.status_code == 200, drill
    return response.context["paginator"].count, response.context["filterset"].qs


@pytest.mark.parametrize("query", FILTERS)
def test_every_number_drills_down_to_a_list_of_exactly_its_rows(
    signed_in: Client, portfolio: Portfolio, fx_rates: None, query: str
) -> None:
    overview = overview_of(signed_in, query)
    checked = 0
    for drill in overview.drills():
        count, rows = _list_rows(signed_in, drill)
        if drill.counts_rows:
            assert count == drill.value, f"{drill.label}: {drill.value} on the dashboard, {count} in {drill.url}"
        elif "breaches" in drill.url:  # service credits: the sum of the listed breaches' credits
            assert sum((b.credit_amount for b in rows), Decimal(0)) == drill.value, drill
        else:  # annual spend: the listed active contracts, annualised (and converted when it adds currencies)
            assert spend_of(rows, today=overview.today, converted="currency=" not in drill.url) == drill.value, drill
        checked += 1
    assert checked > 60


def test_one_vendors_numbers_drill_down_too(signed_in: Client, portfolio: Portfolio) -> None:
    """The selectors a vendor's own page will reuse (``Scope(vendor=…)``) lead to that vendor's rows."""
    overview = portfolio_overview(
        scope=Scope(vendor=portfolio.vendors["alpha"].pk), period=portfolio.period, today=portfolio.today
    )
    for drill in overview.drills():
        if drill.counts_rows:
            count, _ = _list_rows(signed_in, drill)
            assert count == drill.value, f"{drill.label}: {drill.value} on the dashboard, {count} in {drill.url}"


def test_tiles_link_to_their_lists(signed_in: Client, portfolio: Portfolio) -> None:
    html = signed_in.get(OVERVIEW).content.decode()
    overview = overview_of(signed_in)
    for drill in (
        overview.active_vendors,
        overview.compliance.current.drill,
        overview.compliance.at_risk,
        overview.breaches.open_total,
        overview.renewals,
        *overview.certifications.drills,
        overview.reviews_overdue,
        *overview.access_findings.drills,
        overview.policy_conflicts,
        *(amount.drill for amount in overview.spend),
        *(amount.drill for amount in overview.breaches.credits),
    ):
        assert f'href="{drill.url.replace("&", "&amp;")}"' in html, drill.label


def test_a_drilled_list_keeps_the_dashboards_filters(signed_in: Client, portfolio: Portfolio) -> None:
    overview = overview_of(signed_in, "geography=offshore")
    assert "geography=offshore" in overview.breaches.open_total.url
    count, rows = _list_rows(signed_in, overview.breaches.open_total)
    assert count == 2 and {b.term.contract.vendor.name for b in rows} == {"Alpha Works"}


# -- speed ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["", "geography=offshore&function_category=cloud_infrastructure"])
def test_the_overview_runs_a_bounded_number_of_queries(
    signed_in: Client, portfolio: Portfolio, query: str, django_assert_max_num_queries: Any
) -> None:
    url = f"{OVERVIEW}?{query}"
    # As a running server: Django's content-type cache warm (a fresh test process reads three content
    # types once, whichever test comes first), the scorecards and costs stored (tests/rollups.py).
    spend = "function_category" not in query  # narrowed to a function category, the spend is summed
    read_until_settled(lambda: signed_in.get(url), spend=spend)
    with django_assert_max_num_queries(QUERY_BUDGET):
        signed_in.get(url)
    few = count_queries(signed_in, url)
    grow_portfolio(portfolio, 15)
    read_until_settled(lambda: signed_in.get(url), spend=spend)  # the new vendors' figures stored
    with django_assert_max_num_queries(QUERY_BUDGET):
        signed_in.get(url)
    many = count_queries(signed_in, url)
    assert many == few, f"{few} queries with the small portfolio, {many} with the larger one"
    assert count_queries(signed_in, f"{url}&x=1") == few


def test_the_htmx_swap_and_the_exports_are_bounded_too(signed_in: Client, portfolio: Portfolio) -> None:
    grow_portfolio(portfolio, 5)
    read_until_settled(lambda: signed_in.get(OVERVIEW))  # the scorecards and costs stored
    with CaptureQueriesContext(connection) as captured:
        signed_in.get(OVERVIEW, HTTP_HX_REQUEST="true")
    assert len(captured) <= QUERY_BUDGET
    for table in TABLES:
        assert count_queries(signed_in, reverse("dashboards:export", args=[table])) <= QUERY_BUDGET


LIST_ROWS: dict[str, Callable[[int], object]] = {
    "performance:breach-list": lambda n: [factories.BreachFactory() for _ in range(n)],
    "performance:sla-evaluation-list": lambda n: [factories.SlaEvaluationFactory() for _ in range(n)],
    "vendors:certification-list": lambda n: [factories.CertificationFactory() for _ in range(n)],
    "vendors:access-list": lambda n: [factories.AccessGrantFactory() for _ in range(n)],
}


@pytest.mark.parametrize("url_name", sorted(LIST_ROWS))
def test_the_new_drill_down_lists_cost_the_same_queries_whatever_their_rows(signed_in: Client, url_name: str) -> None:
    url = reverse(url_name) + "?geography=nearshore&function_category=internal_tools"
    LIST_ROWS[url_name](2)
    few = count_queries(signed_in, url)
    LIST_ROWS[url_name](12)
    assert count_queries(signed_in, url) == few <= 12
    assert count_queries(signed_in, reverse(url_name) + "?export=csv") <= 10


# -- CSV ------------------------------------------------------------------------------------------------------------------
def _csv(client: Client, table: str, query: str = "") -> list[list[str]]:
    response = client.get(reverse("dashboards:export", args=[table]) + (f"?{query}" if query else ""))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("table", TABLES)
def test_every_table_downloads_as_csv(signed_in: Client, portfolio: Portfolio, table: str) -> None:
    rows = _csv(signed_in, table)
    assert len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows)


def test_csv_holds_the_dashboards_numbers(signed_in: Client, portfolio: Portfolio, fx_rates: None) -> None:
    league = _csv(signed_in, "league-table")
    assert league[0][:3] == ["Rank", "Vendor", "Country"]
    assert [row[1] for row in league[1:]] == ["Alpha Works", "Beta Software", "Delta Cloud"]
    assert league[1][4] == "100.0" and league[1][8] == "2"
    summary = {(row[0], row[2]): row[1] for row in _csv(signed_in, "summary")[1:]}
    assert summary[("Annual contracted spend", "USD")] == "500000.00"
    # USD 500,000 × 0.80 + EUR 120,000 + GBP 36,500 × 1.20
    assert summary[("Annual contracted spend, converted", "EUR")] == "563800.00"
    assert summary[("Open breaches", "")] == "2"
    heat = {(row[0], row[1]): row[3] for row in _csv(signed_in, "risk-heat-map")[1:]}
    assert heat[("3", "4")] == "2" and heat[("5", "5")] == "0"
    concentration = _csv(signed_in, "concentration")
    assert ["Annual spend", "Vendor", "Alpha Works", "EUR", "372000.00", "66.0", "yes", "30"] in concentration
    compliance = _csv(signed_in, "compliance")
    assert compliance[1] == [portfolio.period.key, "3", "1", "1", "75.0"]


def test_csv_follows_the_filters(signed_in: Client, portfolio: Portfolio) -> None:
    league = _csv(signed_in, "league-table", "geography=offshore")
    assert [row[1] for row in league[1:]] == ["Alpha Works"]


def test_csv_cells_are_never_formulas(signed_in: Client, portfolio: Portfolio) -> None:
    vendor = portfolio.vendors["beta"]
    vendor.name = '=HYPERLINK("http://evil.example","x")'
    vendor.save()
    league = _csv(signed_in, "league-table")
    assert '\'=HYPERLINK("http://evil.example","x")' in [row[1] for row in league]


# -- accessibility and empty states ---------------------------------------------------------------------------------------
def test_landmarks_headings_and_chart_alternatives(signed_in: Client, portfolio: Portfolio) -> None:
    html = signed_in.get(OVERVIEW).content.decode()
    assert html.count("<h1>") == 1 and '<main id="main">' in html and 'role="search"' in html
    for section in (
        "tiles-title",
        "sla-title",
        "spend-title",
        "league-title",
        "matrix-title",
        "heat-title",
        "concentration-title",
    ):
        assert f'aria-labelledby="{section}"' in html and f'id="{section}"' in html
    # Every chart: a canvas described in words, its table in the page, a "Show as table" toggle, JSON data.
    for key in ("compliance", "breaches", "geography", "engagement"):
        assert f'id="chart-{key}-table"' in html and f'aria-controls="chart-{key}-table"' in html
        assert f'id="chart-{key}-data" type="application/json"' in html
    assert html.count('<canvas role="img" aria-label=') == 4
    assert "<script>" not in html  # data only in JSON islands, no inline script


def test_empty_states_say_what_to_do(signed_in: Client) -> None:
    html = signed_in.get(OVERVIEW).content.decode()
    assert "No SLA evaluations for" in html and "manage.py evaluate_slas" in html
    assert "No active contracts" in html and "+ New → Contract" in html
    assert "No function in the catalogue yet" in html
    assert "No open vendor risks" in html


def test_the_print_stylesheet_is_linked(signed_in: Client) -> None:
    html = signed_in.get(OVERVIEW).content.decode()
    assert 'css/print.css" media="print"' in html


def test_an_unknown_table_is_404(signed_in: Client) -> None:
    assert signed_in.get(reverse("dashboards:export", args=["passwords"])).status_code == 404


def test_a_tier_one_vendor_concentration_is_flagged_on_the_page(signed_in: Client, portfolio: Portfolio) -> None:
    factories.ContractFactory(vendor=portfolio.vendors["alpha"], currency="EUR", value=Decimal("1"))
    html = signed_in.get(OVERVIEW).content.decode()
    assert "concentrations above 30 %" in html and 'class="flagged"' in html


def test_a_month_without_evaluations_says_why_when_the_sweep_has_run(signed_in: Client, portfolio: Portfolio) -> None:
    """An onshore vendor's only window ended the month before the period: the tile says why the period
    has none, not "run the sweep"."""
    vendor = factories.VendorFactory(geography="onshore", country="GB")
    term = factories.SlaTermFactory(contract=factories.ContractFactory(vendor=vendor))
    before = portfolio.period.previous()
    factories.SlaEvaluationFactory(term=term, window_start=before.start, window_end=before.end, status="met")
    html = signed_in.get(f"{OVERVIEW}?geography=onshore").content.decode()
    assert "No SLA window that ended in" in html and "for these filters" in html
    assert "manage.py evaluate_slas" not in html

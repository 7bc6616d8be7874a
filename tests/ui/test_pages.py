"""Every workspace page × every role, generated from one registry and from ``ROLE_PERMISSIONS``: a role
that may use a page gets it (200), one that may not gets the 403 page (never a 500), and a visitor who
is not signed in is sent to the sign-in page. List and detail pages cost the same number of queries
whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.choices import Role
from apps.accounts.roles import ROLE_PERMISSIONS
from apps.contracts.services import contract_checklists_create
from apps.core.gates import gate_report
from apps.performance.models import ImportJob
from apps.vendors.services import vendor_update
from tests import factories
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """One record of each kind; the engineering manager owns the vendor (so runs its reviews)."""

    users: dict[str, Any]
    function: Any = None
    vendor: Any = None
    contract: Any = None
    term: Any = None
    review: Any = None
    action: Any = None
    records: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(user_with_role: Callable[[str], Any]) -> World:
    users = {role: user_with_role(role) for role in ROLES}
    vendor = factories.VendorFactory(engineering_owner=users[Role.ENGINEERING_MANAGER])
    contract = factories.ContractFactory(vendor=vendor, text="We use best efforts.")
    contract_checklists_create(contract=contract)
    # A change by a person, so the History tab has someone to name from the start.
    vendor_update(instance=vendor, actor=users[Role.PROCUREMENT], data={"description": "Our first partner."})
    review = factories.ServiceReviewFactory(vendor=vendor, scheduled_for=dt.date.today() - dt.timedelta(days=1))
    return World(
        users=users,
        function=factories.FunctionFactory(),
        vendor=vendor,
        contract=contract,
        term=factories.SlaTermFactory(contract=contract),
        review=review,
        action=factories.ActionItemFactory(review=review),
        records={
            "vetting": factories.VettingAssessmentFactory(vendor=vendor),
            "certification": factories.CertificationFactory(vendor=vendor),
            "risk": factories.VendorRiskFactory(vendor=vendor),
            "access": factories.AccessGrantFactory(vendor=vendor),
            "engineer": factories.EngineerFactory(vendor=vendor),
            "clause": contract.clauses.first(),
            "exit": contract.exit_plan_items.first(),
            "import": _measurement_import(users[Role.ENGINEERING_MANAGER]),
        },
    )


def _measurement_import(user: Any) -> Any:
    return ImportJob.objects.create(
        file_name="october.csv", created_by=user, rows=[{"row": 2}], total_rows=1, valid_rows=1
    )


@dataclass(frozen=True)
class Route:
    name: str
    args: tuple[Callable[[World], Any], ...]

    def __call__(self, world: World) -> str:
        return reverse(self.name, args=[arg(world) for arg in self.args])


@dataclass(frozen=True)
class Page:
    name: str
    url: Route
    permission: str | None = None  # None: every signed-in user


def _u(name: str, *args: Callable[[World], Any]) -> Route:
    return Route(name, args)


PAGES = [
    Page("home", _u("home")),
    Page("function list", _u("functions:function-list")),
    Page("function detail", _u("functions:function-detail", lambda w: w.function.pk)),
    Page("function create", _u("functions:function-create"), "functions.add_function"),
    Page("function edit", _u("functions:function-update", lambda w: w.function.pk), "functions.change_function"),
    Page("function decide", _u("functions:function-decide", lambda w: w.function.pk), "functions.add_sourcingdecision"),
    Page("vendor list", _u("vendors:vendor-list")),
    Page("vendor create", _u("vendors:vendor-create"), "vendors.add_vendor"),
    Page("vendor edit", _u("vendors:vendor-update", lambda w: w.vendor.pk), "vendors.change_vendor"),
    Page("vendor overview", _u("vendors:vendor-detail", lambda w: w.vendor.pk)),
    *[
        Page(f"vendor tab {tab}", _u("vendors:vendor-tab", lambda w: w.vendor.pk, lambda w, t=tab: t))
        for tab in (
            "performance",
            "vetting",
            "certifications",
            "risks",
            "access",
            "team",
            "contracts",
            "reviews",
            "history",
        )
    ],
    Page("vetting create", _u("vendors:vetting-create", lambda w: w.vendor.pk), "vendors.add_vettingassessment"),
    Page(
        "vetting edit",
        _u("vendors:vetting-update", lambda w: w.records["vetting"].pk),
        "vendors.change_vettingassessment",
    ),
    Page(
        "certification create", _u("vendors:certification-create", lambda w: w.vendor.pk), "vendors.add_certification"
    ),
    Page(
        "certification edit",
        _u("vendors:certification-update", lambda w: w.records["certification"].pk),
        "vendors.change_certification",
    ),
    Page("risk create (vendor)", _u("vendors:vendor-risk-create", lambda w: w.vendor.pk), "vendors.add_vendorrisk"),
    Page("risk create (register)", _u("vendors:risk-create"), "vendors.add_vendorrisk"),
    Page("risk edit", _u("vendors:risk-update", lambda w: w.records["risk"].pk), "vendors.change_vendorrisk"),
    Page("access create", _u("vendors:access-create", lambda w: w.vendor.pk), "vendors.add_accessgrant"),
    Page("access edit", _u("vendors:access-update", lambda w: w.records["access"].pk), "vendors.change_accessgrant"),
    # The roster: procurement and admins (and the vendor's delivery owner: tests/vendors/test_engineers.py).
    Page("engineer create", _u("vendors:engineer-create", lambda w: w.vendor.pk), "vendors.add_engineer"),
    Page("engineer edit", _u("vendors:engineer-update", lambda w: w.records["engineer"].pk), "vendors.change_engineer"),
    Page("risk list", _u("vendors:risk-list")),
    Page("certification list", _u("vendors:certification-list")),
    Page("access grant list", _u("vendors:access-list")),
    Page("review list", _u("vendors:review-list")),
    Page("review create", _u("vendors:review-create"), "vendors.add_servicereview"),
    Page("review detail", _u("vendors:review-detail", lambda w: w.review.pk)),
    Page("review record", _u("vendors:review-record", lambda w: w.review.pk), "vendors.change_servicereview"),
    Page("action create", _u("vendors:action-create", lambda w: w.review.pk), "vendors.add_actionitem"),
    Page("contract list", _u("contracts:contract-list")),
    Page("breach list", _u("performance:breach-list")),
    Page("invoice list", _u("costs:invoice-list")),
    Page("invoice create", _u("costs:invoice-create", lambda w: w.contract.pk), "costs.add_invoice"),
    Page("SLA evaluation list", _u("performance:sla-evaluation-list")),
    Page("contract detail", _u("contracts:contract-detail", lambda w: w.contract.pk)),
    Page("contract text", _u("contracts:contract-text", lambda w: w.contract.pk)),
    Page("contract create", _u("contracts:contract-create"), "contracts.add_contract"),
    Page("contract edit", _u("contracts:contract-update", lambda w: w.contract.pk), "contracts.change_contract"),
    Page(
        "clause edit",
        _u("contracts:clause-update", lambda w: w.records["clause"].pk),
        "contracts.change_contractclause",
    ),
    Page(
        "exit item edit",
        _u("contracts:exit-item-update", lambda w: w.records["exit"].pk),
        "contracts.change_exitplanitem",
    ),
    Page(
        "exit item waive",
        _u("contracts:exit-item-waive", lambda w: w.records["exit"].pk),
        "contracts.change_exitplanitem",
    ),
    Page("SLA term create", _u("performance:sla-term-create", lambda w: w.contract.pk), "performance.add_slaterm"),
    Page("SLA term edit", _u("performance:sla-term-update", lambda w: w.term.pk), "performance.change_slaterm"),
    Page("KPI list", _u("kpis:kpi-list")),
    Page("measurement list", _u("performance:measurement-list")),
    Page("KPI entry: engagements", _u("performance:grid-start"), "performance.add_measurement"),
    Page("KPI entry grid", _u("performance:grid", lambda w: w.contract.pk), "performance.add_measurement"),
    Page("imports", _u("imports:list")),
    Page("import upload", _u("imports:create")),  # every role may import some register
    Page("import template", _u("imports:template", lambda w: "measurements", lambda w: "csv")),
    Page("import", _u("imports:detail", lambda w: w.records["import"].pk)),
    Page("portfolio overview", _u("dashboards:overview")),
    Page("portfolio overview CSV", _u("dashboards:export", lambda w: "league-table")),
    Page("portfolio overview XLSX", _u("dashboards:export-xlsx", lambda w: "league-table")),
    Page("vendor 360", _u("dashboards:vendor-360", lambda w: w.vendor.pk)),
    Page("vendor 360 CSV", _u("dashboards:vendor-export", lambda w: w.vendor.pk, lambda w: "breaches")),
    Page("vendor 360 XLSX", _u("dashboards:vendor-export-xlsx", lambda w: w.vendor.pk, lambda w: "breaches")),
]


def may(role: str, permission: str | None) -> bool:
    return permission is None or role == Role.ADMIN or permission in ROLE_PERMISSIONS.get(role, set())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_by_role(page: Page, role: str, world: World, client: Client) -> None:
    client.force_login(world.users[role])
    response = client.get(page.url(world))
    expected = 200 if may(role, page.permission) else 403
    assert response.status_code == expected, f"{page.name} as {role}: {response.status_code}"
    if expected == 403:
        assert b"Not allowed" in response.content


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_needs_sign_in(page: Page, world: World, client: Client) -> None:
    response = client.get(page.url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_workspace_url_is_in_the_matrix() -> None:
    """A new page must join the matrix above (POST-only buttons are tested where they are used)."""
    from django.urls import get_resolver

    post_only = {
        "vendors:vendor-transition",  # a page per move and gate: tests/vendors/test_lifecycle_gates.py
        "vendors:vendor-delete",
        "vendors:vetting-delete",
        "vendors:certification-delete",
        "vendors:risk-delete",
        "vendors:access-delete",
        "vendors:review-delete",
        "vendors:action-complete",
        "vendors:action-delete",
        "vendors:vendor-watch",  # the vendor 360's Watch button: tests/notifications/calendar/test_page.py
        "vendors:vendor-unwatch",
        "contracts:contract-transition",  # a page per move and gate: tests/contracts/test_contract_gates.py
        "contracts:contract-delete",
        "performance:sla-term-delete",
        "performance:breach-action",
        "imports:start",
        # PDFs rendered by WeasyPrint (a second or two each, too slow for every role here): sign-in and
        # rendering in tests/dashboards/test_review_pack.py.
        "dashboards:overview-pdf",
        "dashboards:vendor-pdf",
    }
    covered = {
        "home",
        *(
            f"{ns}:{name}"
            for ns in ("functions", "vendors", "contracts", "kpis", "dashboards")
            for name in get_resolver().namespace_dict[ns][1].reverse_dict
            if isinstance(name, str)
        ),
    }
    in_matrix = {page.url.name for page in PAGES}
    assert covered - post_only - in_matrix == set()


# -- navigation by role ----------------------------------------------------------------------------------
NEW_MENU = {
    "Function": "functions.add_function",
    "Vendor": "vendors.add_vendor",
    "Contract": "contracts.add_contract",
    "Service review": "vendors.add_servicereview",
    "Risk": "vendors.add_vendorrisk",
    "KPI measurements": "performance.add_measurement",
}


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_only_what_the_role_may_do(role: str, world: World, client: Client) -> None:
    client.force_login(world.users[role])
    response = client.get(reverse("home"))
    menu = response.context["nav_new_entries"]
    assert [entry["label"] for entry in menu] == [label for label, perm in NEW_MENU.items() if may(role, perm)]
    assert [area["label"] for area in response.context["nav_areas"]] == [
        "Dashboard",
        "Functions",
        "Vendors",
        "Contracts",
        "Costs",
        "KPIs",
        "Reviews",
        "Risks",
        "Exceptions",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_vendor_page_buttons_follow_the_role(role: str, world: World, client: Client) -> None:
    client.force_login(world.users[role])
    html = client.get(reverse("vendors:vendor-detail", args=[world.vendor.pk])).content.decode()
    # Executives (who may not move vendors) are offered only the moves they could override.
    offered = may(role, "vendors.change_vendor") or (
        may(role, "core.override_gate") and not gate_report(world.vendor, "offboarding").passed
    )
    assert ('data-transition="offboarding"' in html) == offered
    assert (reverse("vendors:vendor-update", args=[world.vendor.pk]) in html) == may(role, "vendors.change_vendor")


# -- query budgets ----------------------------------------------------------------------------------------
def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


ROW_MAKERS: dict[str, Callable[[World, int], object]] = {
    "functions:function-list": lambda w, n: [factories.FunctionFactory() for _ in range(n)],
    "vendors:vendor-list": lambda w, n: [factories.VendorFactory() for _ in range(n)],
    "contracts:contract-list": lambda w, n: [factories.ContractFactory() for _ in range(n)],
    "vendors:risk-list": lambda w, n: [factories.VendorRiskFactory() for _ in range(n)],
    "vendors:review-list": lambda w, n: [factories.ActionItemFactory() for _ in range(n)],
    "kpis:kpi-list": lambda w, n: [factories.KpiDefinitionFactory() for _ in range(n)],
    "imports:list": lambda w, n: [_measurement_import(factories.UserFactory()) for _ in range(n)],
    "performance:measurement-list": lambda w, n: (
        [
            factories.MeasurementFactory(
                period_start=dt.date(2025, 1, 1) + dt.timedelta(days=i),
                period_end=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            )
            for i in range(n)
        ]
    ),
}


@pytest.mark.parametrize("url_name", sorted(ROW_MAKERS))
def test_list_page_queries_do_not_grow_with_rows(url_name: str, world: World, client: Client) -> None:
    client.force_login(world.users[Role.PROCUREMENT])
    url = reverse(url_name)
    ROW_MAKERS[url_name](world, 2)
    few = _queries(client, url)
    ROW_MAKERS[url_name](world, 12)
    many = _queries(client, url)
    assert many == few, f"{url_name}: {few} queries with few rows, {many} with many"
    assert many <= 12
    assert _queries(client, f"{url}?export=csv") <= 10


DETAIL_PAGES: dict[str, Callable[[World], str]] = {
    **{
        f"vendor {tab}": (lambda w, t=tab: reverse("vendors:vendor-tab", args=[w.vendor.pk, t]))
        for tab in (
            "overview",
            "performance",
            "vetting",
            "certifications",
            "risks",
            "access",
            "contracts",
            "reviews",
            "history",
        )
    },
    "contract": lambda w: reverse("contracts:contract-detail", args=[w.contract.pk]),
    "review": lambda w: reverse("vendors:review-detail", args=[w.review.pk]),
    "vendor 360": lambda w: reverse("dashboards:vendor-360", args=[w.vendor.pk]),
    "function": lambda w: reverse("functions:function-detail", args=[w.function.pk]),
}


# The contract page also shows the contract's scorecard and KPI trends (five queries,
# apps/performance/scorecards.py ``contract_performance``); the vendor 360 everything about its vendor, and its
# attention score (one set-based read per component, apps/dashboards/attention.py). The contract page's
# telemetry panel reads its bindings, their last deliveries and the KPIs they measure, and its scorecard, SLA
# terms and breaches panels each ask which KPIs are measured by telemetry (apps/performance/telemetry). The
# vendor 360 also asks whether the person watches the vendor (its Watch button).
# The contract page: + 1 for its evidence files panel (apps/contracts/evidence.py); + 5 for its Team panel
# (apps/roster/sections.py: the assignments, the staffing plan and its lines, the substitutions, the open findings).
# The vendor 360: + 3 for its Team panel and ranking (apps/dashboards/vendor.py: the open roster findings, the
# active headcount by band, and the attention ranking's roster findings count).
# The contract page: + 2 for its Invoices panel (apps/costs/sections.py: the invoices with their flags, their hours).
# The function page: + 13 for its "Cost: vendors vs in-house" panel (apps/costs/sourcing.py: the contracts with
# their function counts, the billed hours by band, the cost settings, the FX table, the ledger's ten and the
# names of the vendors set side by side).
# The contract page: + 12 for its Total cost panel (apps/costs/sections.py: the FX table, the cost settings, the
# ledger's ten); the vendor 360: + 11 for its own (the cost settings, the ledger's ten) and + 1 for its attention
# score's costs over the league table's window (the rollup statement, as the ranking counts the hidden cost).
DETAIL_PAGE_BUDGETS = {"contract": 53, "vendor 360": 51, "function": 23}


def _grow(world: World, n: int) -> None:
    vendor, contract, review = world.vendor, world.contract, world.review
    for _ in range(n):
        factories.VettingAssessmentFactory(vendor=vendor, assessor=factories.UserFactory())
        factories.CertificationFactory(vendor=vendor)
        factories.VendorRiskFactory(vendor=vendor, owner=factories.UserFactory())
        factories.AccessGrantFactory(vendor=vendor, granted_by=factories.UserFactory())
        factories.ContractFactory(vendor=vendor).functions.add(world.function)
        term = factories.SlaTermFactory(contract=contract)
        factories.MeasurementFactory(contract=contract, kpi=term.kpi)  # for the scorecard and the KPI trends
        factories.ActionItemFactory(review=review, owner=factories.UserFactory())
        factories.ServiceReviewFactory(vendor=vendor)
        factories.SourcingDecisionFactory(function=world.function, decided_by=factories.UserFactory())
        factories.ContractFactory(vendor=vendor, parent=contract)
        # The contract's Team panel (apps/roster/sections.py): people, a substitution each, the plan's bands.
        leaver = factories.AssignmentFactory(contract=contract, key_person=True)
        factories.SubstitutionFactory(leaver_assignment=leaver)
        plan = factories.StaffingPlanFactory(contract=contract) if not hasattr(contract, "staffing_plan") else None
        if plan is not None:
            factories.StaffingPlanLineFactory(plan=plan, seniority="senior")
            factories.StaffingPlanLineFactory(plan=plan, seniority="mid")
        # The contract's Invoices panel (apps/costs/sections.py): an invoice with its billed hours.
        factories.InvoiceFactory(contract=contract).hours.create(role="Developer", hours=8)


@pytest.mark.parametrize("page", sorted(DETAIL_PAGES))
def test_detail_page_queries_do_not_grow_with_rows(page: str, world: World, client: Client) -> None:
    client.force_login(world.users[Role.PROCUREMENT])
    url = DETAIL_PAGES[page](world)
    _grow(world, 1)
    _queries(client, url)  # warms the caches of a first request (content types), which are not rows
    few = _queries(client, url)
    _grow(world, 6)
    # The first view after new contracts works out what is cached until a contract changes (the vendor
    # 360's portfolio spend: apps.core.audit_cache); count the next.
    _queries(client, url)
    many = _queries(client, url)
    assert many == few, f"{page}: {few} queries with few rows, {many} with many"
    assert many <= DETAIL_PAGE_BUDGETS.get(page, 20), many

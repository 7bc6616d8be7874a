"""The in-house comparison of a function (apps.costs.sourcing): the estimate by seniority band, the even split
of a contract serving several functions, the review flag around its threshold, the figures a sourcing
decision records (through the service, the page's form and the API), their line in the decision history,
and the floors (functions never imports costs)."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.sections import sections_for
from apps.costs.models import CostSettings, Invoice
from apps.costs.sourcing import (
    comparison_window,
    decision_snapshot_text,
    function_in_house_comparison,
)
from apps.functions import services
from apps.functions.figures import registered_decision_figures
from apps.functions.models import Function, SourcingDecision
from apps.functions.sections import FUNCTION_PAGE
from tests.factories import ContractFactory, FunctionFactory, InvoiceFactory, SourcingDecisionFactory, VendorFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 4)  # the window: December 2025 to November 2026
IN_WINDOW = dt.date(2026, 11, 30)
# A profile recommended "outsource": deciding to outsource it needs no policy exception.
OUTSOURCEABLE = {"strategic": 1, "sensitive": 2, "repeatable": 5, "scarce": 3}


def _contract(*functions: Function, **fields: Any) -> Any:
    """An active contract of a vendor with no named owners, so its TCO has no standing overhead: here the
    vendors' TCO is what was invoiced."""
    vendor = VendorFactory(engineering_owner=None, delivery_owner=None, security_contact=None)
    contract = ContractFactory(vendor=vendor, start_date=dt.date(2025, 1, 1), end_date=None, **fields)
    contract.functions.add(*functions)
    return contract


def _invoice(
    contract: Any,
    amount: str,
    hours: dict[str, tuple[str, str]] | None = None,
    *,
    period_end: dt.date = IN_WINDOW,
    status: str = "approved",
) -> Invoice:
    """An invoice with its billed hours: ``{role: (hours, seniority)}``."""
    invoice = InvoiceFactory(
        contract=contract,
        amount=Decimal(amount),
        period_start=period_end.replace(day=1),
        period_end=period_end,
        status=status,
    )
    for role, (count, seniority) in (hours or {}).items():
        invoice.hours.create(role=role, hours=Decimal(count), seniority=seniority)
    return invoice


def _settings(**fields: Any) -> CostSettings:
    return CostSettings.objects.update_or_create(pk=1, defaults=fields)[0]


def _hand_computed_function() -> Function:
    """160 senior hours and 100 mid hours (an empty band counts as mid) invoiced at 30,000 EUR: with the
    default salaries, senior 110,000 × 1.35 ÷ 1,720 × 160 = 13,813.95 and mid 80,000 × 1.35 ÷ 1,720 × 100
    = 6,279.07, so 20,093.02 in-house."""
    function = FunctionFactory(**OUTSOURCEABLE)
    contract = _contract(function)
    _invoice(contract, "30000.00", {"Lead developer": ("160", "senior"), "Developer": ("100", "")})
    # Not counted: an invoice not yet approved, one ending in the current month, one before the window.
    _invoice(contract, "999.00", {"Developer": ("50", "mid")}, status="received")
    _invoice(contract, "999.00", {"Developer": ("50", "mid")}, period_end=dt.date(2026, 12, 3))
    _invoice(contract, "999.00", {"Developer": ("50", "mid")}, period_end=dt.date(2025, 11, 30))
    return function


# -- the estimate ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("as_of", "window"),
    [
        (AS_OF, (dt.date(2025, 12, 1), dt.date(2026, 11, 1))),
        (dt.date(2026, 1, 1), (dt.date(2025, 1, 1), dt.date(2025, 12, 1))),
        (dt.date(2026, 3, 31), (dt.date(2025, 3, 1), dt.date(2026, 2, 1))),
    ],
)
def test_the_window_is_the_twelve_complete_months_before_the_day(as_of: dt.date, window: tuple) -> None:
    assert comparison_window(as_of) == window


def test_a_hand_computed_in_house_estimate() -> None:
    comparison = function_in_house_comparison(_hand_computed_function(), as_of=AS_OF)
    bands = {band.band: band for band in comparison.bands}
    assert [band.band for band in comparison.bands] == ["junior", "mid", "senior", "principal"]
    assert (bands["senior"].hours, bands["mid"].hours, bands["junior"].hours) == (160, 100, 0)
    assert (bands["senior"].hourly_cost, bands["mid"].hourly_cost) == (Decimal("86.34"), Decimal("62.79"))
    assert (bands["senior"].cost, bands["mid"].cost) == (Decimal("13813.95"), Decimal("6279.07"))
    assert comparison.billed_hours == 260
    assert comparison.in_house == Decimal("20093.02")
    assert comparison.vendor_tco == Decimal("30000.00")
    assert comparison.difference == Decimal("9906.98")
    assert comparison.difference_percent == Decimal("49.3")  # 9,906.98 ÷ 20,093.02
    assert comparison.flagged
    assert "exceeds the in-house estimate" in comparison.flag_reason and "20 %" in comparison.flag_reason
    assert comparison.months[0] == dt.date(2025, 12, 1) and len(comparison.months) == 12
    assert comparison.currency == settings.REPORTING_CURRENCY


def test_the_settings_price_the_estimate() -> None:
    function = _hand_computed_function()
    _settings(
        salary_senior=Decimal("172000"), salary_mid=Decimal("86000"), overhead_percent=0, working_hours_per_year=1720
    )
    comparison = function_in_house_comparison(function, as_of=AS_OF)
    assert comparison.in_house == Decimal(160 * 100 + 100 * 50)


def test_a_contract_serving_several_functions_is_split_evenly() -> None:
    mine, theirs, third = FunctionFactory(), FunctionFactory(), FunctionFactory()
    _invoice(_contract(mine, theirs), "20000.00", {"Senior developer": ("100", "senior")})
    _invoice(_contract(mine), "5000.00", {"Developer": ("40", "mid")})
    _invoice(_contract(theirs, third), "3000.00", {"Tester": ("30", "junior")})

    comparison = function_in_house_comparison(mine, as_of=AS_OF)
    bands = {band.band: band.hours for band in comparison.bands}
    assert (comparison.contracts, comparison.shared_contracts) == (2, 1)
    assert comparison.vendor_tco == Decimal("15000.00")  # half of 20,000 + 5,000
    assert (bands["senior"], bands["mid"], bands["junior"]) == (50, 40, 0)
    # 50 × 110,000 × 1.35 ÷ 1,720 = 4,316.86; 40 × 80,000 × 1.35 ÷ 1,720 = 2,511.63
    assert comparison.in_house == Decimal("6828.49")

    other = function_in_house_comparison(theirs, as_of=AS_OF)
    assert other.vendor_tco == Decimal("11500.00")  # half of 20,000 + half of 3,000
    assert {band.band: band.hours for band in other.bands}["junior"] == 15


@pytest.mark.parametrize(
    ("invoiced", "flagged", "difference"),
    [
        ("11000.00", False, "10.0"),
        ("12000.00", False, "20.0"),  # exactly the threshold: not more than it
        ("12000.01", True, "20.0"),
        ("8000.00", False, "-20.0"),  # cheaper than in-house
    ],
)
def test_the_flag_is_raised_above_the_threshold_only(invoiced: str, flagged: bool, difference: str) -> None:
    # 100 mid hours at 172,000 ÷ 1,720 an hour, no overhead: 10,000 in-house.
    _settings(salary_mid=Decimal("172000"), overhead_percent=0, working_hours_per_year=1720, in_house_flag_percent=20)
    function = FunctionFactory()
    _invoice(_contract(function), invoiced, {"Developer": ("100", "mid")})
    comparison = function_in_house_comparison(function, as_of=AS_OF)
    assert comparison.in_house == Decimal("10000.00")
    assert comparison.flagged is flagged
    assert comparison.difference_percent == Decimal(difference)
    assert bool(comparison.flag_reason) is flagged


def test_no_billed_hours_means_no_estimate_and_no_flag() -> None:
    function = FunctionFactory()
    _invoice(_contract(function), "50000.00")  # invoiced, but no hours billed
    comparison = function_in_house_comparison(function, as_of=AS_OF)
    assert comparison.vendor_tco == Decimal("50000.00")
    assert not comparison.has_billed_hours
    assert (comparison.in_house, comparison.difference_percent, comparison.flagged) == (None, None, False)
    assert comparison.figures()["in_house"] is None
    assert "no billed hours" in decision_snapshot_text(comparison.figures())


def test_the_vendors_tco_is_the_ledgers(user_with_role: Callable[[str], Any]) -> None:
    """Not only what was invoiced: an owner's standing overhead counts too (the ledger's management load)."""
    function = FunctionFactory()
    contract = ContractFactory(start_date=dt.date(2025, 1, 1), end_date=None)  # a vendor with three owners
    contract.functions.add(function)
    _invoice(contract, "1000.00", {"Developer": ("10", "mid")})
    comparison = function_in_house_comparison(function, as_of=AS_OF)
    assert comparison.vendor_tco > Decimal("1000.00")


def test_the_comparison_reads_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    function = _hand_computed_function()
    for _ in range(5):
        _invoice(_contract(function, FunctionFactory()), "100.00", {"Developer": ("1", "junior")})
    with django_assert_max_num_queries(14):
        function_in_house_comparison(function, as_of=AS_OF)


# -- the figures a decision records ------------------------------------------------------------------------
def _recent_function() -> Function:
    """The hand-computed function, invoiced last month (in the window of a decision made today)."""
    function = FunctionFactory(**OUTSOURCEABLE)
    last_month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    _invoice(
        _contract(function),
        "30000.00",
        {"Lead developer": ("160", "senior"), "Developer": ("100", "mid")},
        period_end=last_month_end,
    )
    return function


def _assert_recorded(decision: SourcingDecision, *, as_of: dt.date) -> None:
    figures = decision.figures
    assert figures["as_of"] == as_of.isoformat()
    assert (figures["months"], figures["currency"]) == (12, settings.REPORTING_CURRENCY)
    assert (figures["vendor_tco"], figures["in_house"]) == ("30000.00", "20093.02")
    assert (figures["difference_percent"], figures["flagged"]) == ("49.3", True)
    assert figures["billed_hours"] == {"junior": "0", "mid": "100.00", "senior": "160.00", "principal": "0"}


def test_costs_registers_the_figures_provider() -> None:
    assert "costs" in [provider.name for provider in registered_decision_figures()]


def test_the_service_records_the_figures_of_the_decision(user_with_role: Callable[[str], Any]) -> None:
    function = _recent_function()
    decision = services.function_decide(
        function=function, decision="outsource", rationale="Cheaper?", actor=user_with_role("executive")
    )
    decision.refresh_from_db()
    _assert_recorded(decision, as_of=timezone.localdate())


def test_a_back_dated_decision_records_the_months_before_its_date(user_with_role: Callable[[str], Any]) -> None:
    function = _recent_function()
    decided_on = timezone.localdate() - dt.timedelta(days=400)
    decision = services.function_decide(
        function=function,
        decision="hybrid",
        rationale="Earlier",
        actor=user_with_role("executive"),
        decided_on=decided_on,
    )
    assert decision.figures["as_of"] == decided_on.isoformat()
    assert decision.figures["vendor_tco"] == "0.00"  # last month's invoice is after its window
    assert decision.figures["in_house"] is None


def test_a_function_no_contract_serves_records_no_figures(user_with_role: Callable[[str], Any]) -> None:
    decision = services.function_decide(
        function=FunctionFactory(**OUTSOURCEABLE),
        decision="outsource",
        rationale="x",
        actor=user_with_role("executive"),
    )
    assert decision.figures == {}


def test_the_page_form_records_the_figures_and_the_history_shows_them(user_with_role: Callable[[str], Any]) -> None:
    function = _recent_function()
    SourcingDecisionFactory(function=function, rationale="Before the figures were kept.")  # empty figures
    client = Client()
    client.force_login(user_with_role("executive"))
    response = client.post(
        reverse("functions:function-decide", args=[function.pk]), {"decision": "outsource", "rationale": "Commodity."}
    )
    assert response.status_code == 302
    decision = SourcingDecision.objects.get(rationale="Commodity.")
    _assert_recorded(decision, as_of=timezone.localdate())

    page = client.get(function.get_absolute_url()).content.decode()
    assert page.count("data-decision-figures") == 1  # the older decision, with empty figures, shows nothing
    assert "made on: vendors 30,000.00 EUR vs in-house 20,093.02 EUR (+49.3 %), flagged for review" in page


def test_the_api_records_the_figures_and_exposes_them_read_only(api_client_for: Callable[[str], APIClient]) -> None:
    function = _recent_function()
    client = api_client_for("executive")
    url = f"/api/v1/functions/{function.pk}/"
    response = client.patch(url, {"decision": "outsource", "rationale": "Commodity.", "figures": {}}, format="json")
    assert response.status_code == 200, response.content
    _assert_recorded(SourcingDecision.objects.get(function=function), as_of=timezone.localdate())
    history = client.get(url + "decisions/").json()["results"]
    assert history[0]["figures"]["vendor_tco"] == "30000.00"
    assert history[0]["figures"]["billed_hours"]["senior"] == "160.00"


def test_the_decision_history_line() -> None:
    figures = {
        "as_of": "2026-12-04",
        "months": 12,
        "first_month": "2025-12-01",
        "last_month": "2026-11-01",
        "currency": "EUR",
        "vendor_tco": "8000.00",
        "in_house": "10000.00",
        "difference_percent": "-20.0",
        "flagged": False,
    }
    assert decision_snapshot_text(figures) == (
        "made on: vendors 8,000.00 EUR vs in-house 10,000.00 EUR (-20 %) (1 Dec 2025 – 30 Nov 2026)"
    )
    assert decision_snapshot_text({}) == ""
    assert decision_snapshot_text({"something": "else"}) == ""  # another provider's snapshot


# -- the function page's panel ------------------------------------------------------------------------------
def test_the_function_page_shows_the_panel_with_the_flag(user_with_role: Callable[[str], Any]) -> None:
    function = _recent_function()
    client = Client()
    client.force_login(user_with_role("procurement"))
    page = client.get(function.get_absolute_url()).content.decode()
    assert "Cost: vendors vs in-house" in page
    assert [panel.key for panel in sections_for(FUNCTION_PAGE)] == ["contracts", "costs"]  # after the contracts
    assert "Flagged for review:" in page and "more than the 20 % threshold" in page
    assert 'data-band="senior"' in page and "13,813.95 EUR" in page
    assert "20,093.02 EUR" in page and "30,000.00 EUR" in page


def test_the_function_page_without_billed_hours_or_contracts(user_with_role: Callable[[str], Any]) -> None:
    client = Client()
    client.force_login(user_with_role("procurement"))
    alone = client.get(FunctionFactory().get_absolute_url()).content.decode()
    assert "No contract serves this function" in alone and "Flagged for review" not in alone
    function = FunctionFactory()
    last_month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    _invoice(_contract(function), "50000.00", period_end=last_month_end)
    page = client.get(function.get_absolute_url()).content.decode()
    assert "No billed hours in these months" in page and "Flagged for review" not in page


# -- the floors -----------------------------------------------------------------------------------------------
def test_functions_does_not_import_costs() -> None:
    root = Path(settings.BASE_DIR)
    for path in (root / "apps" / "functions").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(name.startswith("apps.costs") for name in names), path
    result = subprocess.run(
        [str(root / ".venv" / "bin" / "lint-imports")], cwd=root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""The in-house comparison of a function: what its vendors cost against what doing the same work in-house
would cost, and the figures a sourcing decision records (docs/architecture/costs-sourcing.md).

For a function and a window of months (by default the 12 complete months before today):

- **billed hours**: the hours of the approved and paid invoices of the function's contracts whose period
  ends in the window (``InvoiceHours``, as the ledger counts them), by seniority band — an empty band
  counts as mid;
- **in-house estimate**: each band's hours × ``salary_<band>`` ÷ ``working_hours_per_year`` ×
  (1 + ``overhead_percent`` ÷ 100), summed (``CostSettings``, the reporting currency);
- **vendors' TCO**: the ledger's total cost of ownership of the same contracts over the same months
  (``apps.costs.ledger``);
- **difference**: (vendors' TCO − in-house) ÷ in-house, in %; the function is **flagged for review** when
  the vendors' TCO exceeds the in-house estimate by more than ``in_house_flag_percent``.

**A contract serving several functions** is split evenly among them: each of its N functions is counted
1/N of its TCO and of each band's billed hours (the ledger does not know which function an hour served).
The two sides of the comparison therefore always cover the same share of the same work.

No billed hours: there is no capacity to price in-house, so there is no estimate, no difference and no flag.

What costs registers on the floor below (``register``, from ``CostsConfig.ready``): the function page's
*Cost: vendors vs in-house* panel (``apps.core.sections``) and the provider of a sourcing decision's
figures (``apps.functions.figures``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from apps.contracts.models import Contract
from apps.core.formatting import format_date, format_money, format_number, format_percent
from apps.core.fx import FxTable, fx_table
from apps.core.sections import register_section
from apps.costs.choices import INVOICE_COUNTED_STATUSES
from apps.costs.ledger import LedgerTotals, ledger_lines, months_between, totals_by
from apps.costs.models import CostSettings, InvoiceHours
from apps.costs.selectors import cost_settings
from apps.functions.figures import DecisionFigures, register_decision_figures
from apps.functions.models import Function
from apps.functions.sections import FUNCTION_PAGE
from apps.vendors.choices import SeniorityBand
from apps.vendors.models import Vendor

WINDOW_MONTHS = 12
# Billed hours without a seniority band are priced as mid-level work.
DEFAULT_BAND = SeniorityBand.MID
ZERO = Decimal(0)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def comparison_window(as_of: date, months: int = WINDOW_MONTHS) -> tuple[date, date]:
    """The first days of the first and last of the ``months`` complete months before ``as_of``'s month."""
    last = (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)
    index = last.year * 12 + last.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1), last


@dataclass(frozen=True)
class BandEstimate:
    """One seniority band of the in-house estimate: its billed hours and what they would cost us."""

    band: str
    label: str
    hours: Decimal
    salary: Decimal
    hourly_cost: Decimal  # the loaded internal cost of an hour, rounded to the cent (shown)
    cost: Decimal  # hours × the unrounded hourly cost, rounded to the cent


@dataclass(frozen=True)
class VendorCostRow:
    """One vendor serving the function, over the same months: what it bills an hour against what it really
    costs, and per unit delivered (its contracts for the function, whole: a ratio does not change with the
    split of a shared contract)."""

    vendor_id: int
    name: str
    totals: LedgerTotals

    @property
    def url(self) -> str:
        return reverse("dashboards:vendor-360", args=[self.vendor_id]) + "#costs"

    @property
    def hidden(self) -> Decimal:
        """What the invoices do not show: management, rework and delay."""
        return self.totals.management + self.totals.rework + self.totals.delay


@dataclass
class InHouseComparison:
    """A function's vendors against an in-house estimate over ``months`` (first days, inclusive)."""

    function_id: int
    as_of: date
    months: list[date]
    currency: str
    flag_percent: Decimal
    contracts: int = 0  # the function's contracts
    shared_contracts: int = 0  # of which serve other functions too (split evenly)
    vendor_tco: Decimal = ZERO
    bands: list[BandEstimate] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # ledger figures not counted (no FX rate)
    vendors: list[VendorCostRow] = field(default_factory=list)  # by billed rate, cheapest first

    @property
    def billed_hours(self) -> Decimal:
        return sum((band.hours for band in self.bands), ZERO)

    @property
    def has_billed_hours(self) -> bool:
        return self.billed_hours > 0

    @property
    def in_house(self) -> Decimal | None:
        """The in-house estimate; None without billed hours (nothing to price)."""
        if not self.has_billed_hours:
            return None
        return sum((band.cost for band in self.bands), ZERO)

    @property
    def difference(self) -> Decimal | None:
        return None if self.in_house is None else self.vendor_tco - self.in_house

    @property
    def difference_percent(self) -> Decimal | None:
        """(vendors' TCO − in-house) ÷ in-house × 100, to 0.1; None without an estimate."""
        if not self.in_house:
            return None
        return ((self.vendor_tco - self.in_house) * 100 / self.in_house).quantize(TENTH, rounding=ROUND_HALF_UP)

    @property
    def flagged(self) -> bool:
        """The vendors cost more than the in-house estimate by more than the threshold (exact, unrounded)."""
        if not self.in_house:
            return False
        return self.vendor_tco > self.in_house * (1 + self.flag_percent / 100)

    @property
    def flag_reason(self) -> str:
        if not self.flagged:
            return ""
        assert self.in_house is not None
        return (
            f"The vendors' total cost of ownership ({format_money(self.vendor_tco, self.currency)}) exceeds the "
            f"in-house estimate for the same hours ({format_money(self.in_house, self.currency)}) by "
            f"{format_percent(self.difference_percent)}, more than the {format_percent(self.flag_percent)} "
            "threshold of the cost settings: review the sourcing decision."
        )

    def _parts(self, row: VendorCostRow) -> str:
        money = self.currency
        return (
            f"rework {format_money(row.totals.rework, money)}, management load "
            f"{format_money(row.totals.management, money)}, delay {format_money(row.totals.delay, money)}"
        )

    @property
    def cheap_rate_note(self) -> str:
        """When the vendor that bills the least an hour costs more per story point (or per deployment) than
        another serving the function, why: what its invoices leave out, against the other's."""
        billed = [row for row in self.vendors if row.totals.billed_rate is not None]
        if len(billed) < 2:
            return ""
        cheap = billed[0]
        for unit, per in (("story point", "cost_per_point"), ("deployment", "cost_per_deployment")):
            mine = getattr(cheap.totals, per)
            if mine is None:
                continue
            dearer = [row for row in billed[1:] if (theirs := getattr(row.totals, per)) is not None and theirs < mine]
            if not dearer:
                continue
            other = min(dearer, key=lambda row: getattr(row.totals, per))
            money = self.currency
            cheap_parts, other_parts = (self._parts(row) for row in (cheap, other))
            return (
                f"{cheap.name} bills the least an hour ({format_money(cheap.totals.billed_rate, money)} against "
                f"{other.name}'s {format_money(other.totals.billed_rate, money)}), yet each {unit} it delivers "
                f"costs {format_money(mine, money)} against {format_money(getattr(other.totals, per), money)}. "
                f"Its invoices leave out {format_money(cheap.hidden, money)} ({cheap_parts}): "
                f"{format_percent(cheap.totals.share('rework'))} of its cost is rework and "
                f"{format_percent(cheap.totals.share('management'))} management load, against "
                f"{format_percent(other.totals.share('rework'))} and {format_percent(other.totals.share('management'))} "
                f"for {other.name} ({other_parts})."
            )
        return ""

    @property
    def period_text(self) -> str:
        first, last = self.months[0], self.months[-1]
        return f"{first:%B %Y}" if first == last else f"{first:%B %Y} to {last:%B %Y}"

    def figures(self) -> dict[str, Any]:
        """The snapshot a sourcing decision records (``SourcingDecision.figures``): ISO dates, decimals as
        strings (exact), None where there is no figure."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else f"{value:f}"

        return {
            "as_of": self.as_of.isoformat(),
            "months": len(self.months),
            "first_month": self.months[0].isoformat(),
            "last_month": self.months[-1].isoformat(),
            "currency": self.currency,
            "vendor_tco": text(self.vendor_tco),
            "in_house": text(self.in_house),
            "difference_percent": text(self.difference_percent),
            "flag_percent": text(self.flag_percent),
            "flagged": self.flagged,
            "billed_hours": {band.band: text(band.hours) for band in self.bands},
            "complete": not self.missing,
        }


def _band_estimates(hours: Mapping[str, Decimal], rates: CostSettings) -> list[BandEstimate]:
    working_hours = Decimal(rates.working_hours_per_year)
    load = 1 + Decimal(rates.overhead_percent) / 100
    estimates = []
    for band in SeniorityBand:
        salary = Decimal(getattr(rates, f"salary_{band.value}"))
        band_hours = hours.get(band.value, ZERO)
        estimates.append(
            BandEstimate(
                band=band.value,
                label=str(band.label),
                hours=band_hours,
                salary=salary,
                hourly_cost=_cents(salary * load / working_hours),
                cost=_cents(band_hours * salary * load / working_hours),
            )
        )
    return estimates


def function_in_house_comparison(
    function: Function,
    *,
    as_of: date | None = None,
    months: int = WINDOW_MONTHS,
    rates: CostSettings | None = None,
    fx: FxTable | None = None,
) -> InHouseComparison:
    """The function's vendors against the in-house estimate over the ``months`` complete months before
    ``as_of`` (today). A fixed number of queries whatever the number of contracts, invoices and months."""
    as_of = as_of or timezone.localdate()
    rates = rates if rates is not None else cost_settings()
    fx = fx if fx is not None else fx_table()
    start, end = comparison_window(as_of, months)
    comparison = InHouseComparison(
        function_id=function.pk,
        as_of=as_of,
        months=months_between(start, end),
        currency=fx.reporting,
        flag_percent=Decimal(rates.in_house_flag_percent),
    )
    # Each contract's share of the function: 1 / the number of functions it serves (counted over all its
    # functions: a filter on the same join would count only this one).
    shares = {
        contract_id: Decimal(1) / served
        for contract_id, served in Contract.objects.filter(id__in=function.contracts.values("id"))
        .annotate(served=Count("functions"))
        .order_by()
        .values_list("id", "served")
    }
    comparison.contracts = len(shares)
    comparison.shared_contracts = sum(1 for share in shares.values() if share < 1)
    if not shares:
        comparison.bands = _band_estimates({}, rates)
        return comparison

    hours: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for contract_id, band, total in (
        InvoiceHours.objects.filter(
            invoice__contract_id__in=shares,
            invoice__status__in=INVOICE_COUNTED_STATUSES,
            invoice__period_end__gte=start,
            invoice__period_end__lt=_month_after(end),
        )
        .order_by()
        .values_list("invoice__contract_id", "seniority")
        .annotate(total=Sum("hours"))
        .values_list("invoice__contract_id", "seniority", "total")
    ):
        hours[band or DEFAULT_BAND] += total * shares[contract_id]
    comparison.bands = _band_estimates(hours, rates)

    lines = ledger_lines(contracts=Contract.objects.filter(id__in=shares), start=start, end=end, fx=fx, rates=rates)
    for contract_id, totals in totals_by(lines, "contract_id").items():
        comparison.vendor_tco += _cents(totals.tco * shares[contract_id])
        comparison.missing.extend(totals.missing)
    by_vendor = totals_by(lines, "vendor_id")
    names = dict(Vendor.objects.filter(id__in=by_vendor).values_list("id", "name"))
    comparison.vendors = sorted(
        (VendorCostRow(vendor_id, names[vendor_id], totals) for vendor_id, totals in by_vendor.items()),
        key=lambda row: (row.totals.billed_rate is None, row.totals.billed_rate or ZERO, row.name),
    )
    return comparison


def _month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


# -- the decision's snapshot (apps.functions.figures) --------------------------------------------------------
def decision_snapshot(function: Function, as_of: date) -> dict[str, Any]:
    """The figures a sourcing decision dated ``as_of`` records: the comparison over the 12 complete months
    before it; nothing for a function no contract serves (there is nothing to compare)."""
    comparison = function_in_house_comparison(function, as_of=as_of)
    return comparison.figures() if comparison.contracts else {}


def decision_snapshot_text(figures: Mapping[str, Any]) -> str:
    """A recorded snapshot in one line: "made on: vendors 25,000.00 EUR vs in-house 20,093.02 EUR (+24.4 %)"."""
    if "vendor_tco" not in figures:
        return ""
    currency = figures.get("currency", "")
    vendors = format_money(figures["vendor_tco"], currency)
    period = ""
    if figures.get("first_month") and figures.get("last_month"):
        period = f" ({format_date(date.fromisoformat(figures['first_month']))} – "
        period += f"{format_date(_last_day(date.fromisoformat(figures['last_month'])))})"
    if figures.get("in_house") is None:
        return f"made on: vendors {vendors}; no billed hours, no in-house estimate{period}"
    difference = figures.get("difference_percent")
    sign = "+" if difference is not None and Decimal(difference) > 0 else ""
    text = f"made on: vendors {vendors} vs in-house {format_money(figures['in_house'], currency)}"
    if difference is not None:
        text += f" ({sign}{format_number(difference)} %)"
    if figures.get("flagged"):
        text += ", flagged for review"
    return text + period


def _last_day(month: date) -> date:
    return _month_after(month) - timedelta(days=1)


# -- the function page's panel -------------------------------------------------------------------------------
def function_costs_panel(request: HttpRequest, function: Function) -> dict[str, Any]:
    return {"comparison": function_in_house_comparison(function)}


def register() -> None:
    """Called once by ``CostsConfig.ready``; each registration replaces itself."""
    register_section(
        FUNCTION_PAGE,
        key="costs",
        label="Cost: vendors vs in-house",
        template="costs/panels/function_costs.html",
        order=120,
    )(function_costs_panel)
    register_decision_figures(DecisionFigures(name="costs", collect=decision_snapshot, describe=decision_snapshot_text))

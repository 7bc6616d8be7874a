"""The total-cost ledger: what each contract cost in each calendar month, by component, in the reporting
currency (docs/architecture/costs.md, "The ledger's rules"; decision 0019).

Per contract and month:

- **invoiced** — approved and paid invoices whose period ends in the month, each converted at its period's
  last day; their billed hours are the month's *billed hours*;
- **management** — internal hours × the internal hourly cost of whoever spent them:
  *review* hours (each held service review of the vendor: its duration × each internal attendee, split
  evenly over the vendor's contracts in force on the day it was held), *overhead* hours (each named owner
  of the vendor — engineering owner, delivery owner, security contact — spends the weekly hours of the
  contract's engagement model on every contract in force: hours × days in force in the month ÷ 7) and
  *logged* hours (``OwnerHours`` whose week starts in the month);
- **rework** — escaped defects × fix hours × the internal engineering rate; escaped defects are telemetry's
  reverts and hot-fixes (the numerators of telemetry's rework-rate measurements ending in the month) when
  there are any for the contract and month, else the numerators of the defect-rate measurements ending in it;
- **delay** — milestones missed (on-time delivery's due − delivered, measurements ending in the month), each
  counted as one week late, × the cost of delay per week of the contract, else the dearest of its
  functions'; with neither the delay costs 0 and the line says "not set";
- **credits** — service credits owed for breaches whose window ends in the month (not waived, not
  retracted), converted at the window's last day, subtracted.

TCO = invoiced + management + rework + delay − credits. Each money component is rounded to the cent per
line, so TCO is exactly the sum of its components at every level. A figure in a currency with no rate on
or before its day is *not counted* and its line says so (``missing``): currencies are never added silently.
Internal costs (hourly costs, cost of delay) are in the reporting currency by definition.

Delivered units: story points (the numerators of say/do-ratio measurements ending in the month) and
deployments (the denominators of change-failure-rate measurements ending in the month); ``None`` where
nothing was measured.

``ledger_lines`` reads everything for any number of contracts and months in a fixed number of queries (twelve,
with the FX table and the settings passed in: ten).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from apps.accounts.choices import Role
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.core.formatting import format_date, format_money, format_number
from apps.core.fx import FxTable, fx_table
from apps.costs.choices import INVOICE_COUNTED_STATUSES
from apps.costs.models import CostSettings, Invoice, InvoiceHours, OwnerHours
from apps.costs.selectors import cost_settings
from apps.performance.choices import BreachStatus, MeasurementSource
from apps.performance.models import Breach, Measurement
from apps.vendors.choices import ReviewStatus
from apps.vendors.models import ServiceReview, Vendor

COMPONENTS = ("invoiced", "management", "rework", "delay", "credits")
COMPONENT_LABELS = {
    "invoiced": "Invoiced",
    "management": "Management load",
    "rework": "Rework",
    "delay": "Cost of delay",
    "credits": "Service credits",
}
ZERO = Decimal(0)
CENT = Decimal("0.01")

# The KPIs the ledger reads (apps/kpis/catalogue.py).
DEFECT_RATE = "defect_rate"
REWORK_RATE = "rework_rate"
ON_TIME_DELIVERY = "on_time_delivery_rate"
SAY_DO_RATIO = "say_do_ratio"
CHANGE_FAILURE_RATE = "change_failure_rate"
LEDGER_KPIS = (DEFECT_RATE, REWORK_RATE, ON_TIME_DELIVERY, SAY_DO_RATIO, CHANGE_FAILURE_RATE)

# Contracts that cost management time: signed ones, within their term.
IN_FORCE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRED, ContractStatus.TERMINATED)
# Service credits that are owed.
CREDIT_EXCLUDED_STATUSES = (BreachStatus.WAIVED, BreachStatus.RETRACTED)
# The order in which a person's roles are tried does not matter: the dearest counts.
ROLE_RATE_FIELDS: dict[str, str] = {
    Role.EXECUTIVE: "hourly_cost_executive",
    Role.PROCUREMENT: "hourly_cost_procurement",
    Role.ENGINEERING_MANAGER: "hourly_cost_engineering_manager",
    Role.SECURITY: "hourly_cost_security",
    Role.ADMIN: "hourly_cost_admin",
}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# -- months -----------------------------------------------------------------------------------------------
def month_first(day: date) -> date:
    return day.replace(day=1)


def month_last(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return month_last(month) + timedelta(days=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """The first days of the months from ``start``'s to ``end``'s, both included."""
    months, month = [], month_first(start)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def trailing_months(last: date, count: int = 12) -> tuple[date, date]:
    """The first days of the first and last of ``count`` months ending with ``last``'s month."""
    end = month_first(last)
    return add_months(end, -(count - 1)), end


# -- lines ------------------------------------------------------------------------------------------------
class _Costs:
    """What a line and a sum of lines derive alike from their stored parts."""

    invoiced: Decimal
    review_cost: Decimal
    overhead_cost: Decimal
    logged_cost: Decimal
    rework: Decimal
    delay: Decimal
    credits: Decimal
    review_hours: Decimal
    overhead_hours: Decimal
    logged_hours: Decimal

    @property
    def management(self) -> Decimal:
        return self.review_cost + self.overhead_cost + self.logged_cost

    @property
    def management_hours(self) -> Decimal:
        return self.review_hours + self.overhead_hours + self.logged_hours

    @property
    def gross(self) -> Decimal:
        return self.invoiced + self.management + self.rework + self.delay

    @property
    def tco(self) -> Decimal:
        return self.gross - self.credits

    def component(self, name: str) -> Decimal:
        return Decimal(getattr(self, name))


@dataclass
class LedgerLine(_Costs):
    """What one contract cost in one month. ``credits`` is positive and subtracted."""

    contract_id: int
    vendor_id: int
    month: date
    invoiced: Decimal = ZERO
    review_cost: Decimal = ZERO
    overhead_cost: Decimal = ZERO
    logged_cost: Decimal = ZERO
    rework: Decimal = ZERO
    delay: Decimal = ZERO
    credits: Decimal = ZERO
    billed_hours: Decimal = ZERO
    review_hours: Decimal = ZERO
    overhead_hours: Decimal = ZERO
    logged_hours: Decimal = ZERO
    escaped_defects: Decimal = ZERO
    escaped_source: str = ""  # "telemetry" (reverts and hot-fixes), "defects" (the defect rate) or ""
    late_milestones: Decimal = ZERO
    delay_rate: Decimal | None = None  # the cost of delay per week applied; None: not set
    points: Decimal | None = None
    deployments: Decimal | None = None
    in_force_days: int = 0
    missing: list[str] = field(default_factory=list)  # figures not counted (no FX rate)
    notes: list[str] = field(default_factory=list)  # measurements that could not be counted

    def is_empty(self) -> bool:
        return not (
            self.in_force_days
            or self.gross
            or self.credits
            or self.billed_hours
            or self.points is not None
            or self.deployments is not None
            or self.missing
            or self.late_milestones
        )


# The fields a sum of lines adds up (money and counts); ``points``/``deployments`` stay None while unmeasured.
SUMMED = tuple(
    f.name
    for f in fields(LedgerLine)
    if f.name
    not in {
        "contract_id",
        "vendor_id",
        "month",
        "escaped_source",
        "delay_rate",
        "missing",
        "notes",
        "points",
        "deployments",
    }
)


@dataclass
class LedgerTotals(_Costs):
    """A sum of ledger lines (a contract's months, a vendor's contracts, a month of the portfolio)."""

    lines: int = 0
    invoiced: Decimal = ZERO
    review_cost: Decimal = ZERO
    overhead_cost: Decimal = ZERO
    logged_cost: Decimal = ZERO
    rework: Decimal = ZERO
    delay: Decimal = ZERO
    credits: Decimal = ZERO
    billed_hours: Decimal = ZERO
    review_hours: Decimal = ZERO
    overhead_hours: Decimal = ZERO
    logged_hours: Decimal = ZERO
    escaped_defects: Decimal = ZERO
    late_milestones: Decimal = ZERO
    in_force_days: int = 0
    points: Decimal | None = None
    deployments: Decimal | None = None
    delay_not_set: int = 0  # lines with missed milestones and no cost of delay
    telemetry_lines: int = 0  # lines whose escaped defects are telemetry's reverts and hot-fixes
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, line: LedgerLine) -> None:
        self.lines += 1
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(line, name))
        if line.points is not None:
            self.points = (self.points or ZERO) + line.points
        if line.deployments is not None:
            self.deployments = (self.deployments or ZERO) + line.deployments
        if line.late_milestones and line.delay_rate is None:
            self.delay_not_set += 1
        if line.escaped_source == "telemetry":
            self.telemetry_lines += 1
        self.missing.extend(line.missing)
        self.notes.extend(line.notes)

    def share(self, name: str) -> Decimal | None:
        """The component as a percentage of the gross cost (before credits); None when there is none."""
        if not self.gross:
            return None
        return (self.component(name) * 100 / self.gross).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @staticmethod
    def _per(amount: Decimal, count: Decimal | None) -> Decimal | None:
        return cents(amount / count) if count else None

    @property
    def effective_rate(self) -> Decimal | None:
        """TCO ÷ billed hours: what an hour of the vendor's work really costs."""
        return self._per(self.tco, self.billed_hours)

    @property
    def billed_rate(self) -> Decimal | None:
        """Invoiced ÷ billed hours: what the vendor charges an hour."""
        return self._per(self.invoiced, self.billed_hours)

    @property
    def cost_per_point(self) -> Decimal | None:
        return self._per(self.tco, self.points)

    @property
    def cost_per_deployment(self) -> Decimal | None:
        return self._per(self.tco, self.deployments)

    @property
    def complete(self) -> bool:
        return not self.missing


def totals_of(lines: Iterable[LedgerLine]) -> LedgerTotals:
    totals = LedgerTotals()
    for line in lines:
        totals.add(line)
    return totals


def totals_by(lines: Iterable[LedgerLine], key: str) -> dict[Any, LedgerTotals]:
    """The lines summed per ``key`` ("vendor_id", "contract_id" or "month"), in first-seen order."""
    grouped: dict[Any, LedgerTotals] = {}
    for line in lines:
        grouped.setdefault(getattr(line, key), LedgerTotals()).add(line)
    return grouped


# -- the computation ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Contract:
    id: int
    vendor_id: int
    engagement_model: str
    start: date
    end: date | None
    status: str
    delay_rate: Decimal | None

    def days_in_force(self, first: date, last: date) -> int:
        if self.status not in IN_FORCE_STATUSES:
            return 0
        begin = max(first, self.start)
        finish = min(last, self.end) if self.end is not None else last
        return max((finish - begin).days + 1, 0)

    def in_force_on(self, day: date) -> bool:
        return self.days_in_force(day, day) == 1


class _Rates:
    """What an internal hour costs, per person (the dearest of their roles; no role: engineering)."""

    def __init__(self, settings: CostSettings, roles: dict[int, set[str]]) -> None:
        self.settings = settings
        self.roles = roles
        self._cache: dict[int, Decimal] = {}

    def of(self, person_id: int) -> Decimal:
        if person_id not in self._cache:
            rates = [
                Decimal(getattr(self.settings, ROLE_RATE_FIELDS[role]))
                for role in self.roles.get(person_id, ())
                if role in ROLE_RATE_FIELDS
            ]
            self._cache[person_id] = max(rates) if rates else Decimal(self.settings.hourly_cost_engineering)
        return self._cache[person_id]

    def overhead_hours(self, engagement_model: str) -> Decimal:
        return Decimal(getattr(self.settings, f"overhead_hours_{engagement_model}", ZERO))


def _roles_of(person_ids: set[int]) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = defaultdict(set)
    if person_ids:
        through = get_user_model().groups.through
        for user_id, name in through.objects.filter(user_id__in=person_ids).values_list("user_id", "group__name"):
            roles[user_id].add(name)
    return roles


def _not_counted(what: str, amount: Decimal, currency: str, day: date, fx: FxTable) -> str:
    return f"{what} {format_money(amount, currency)} of {format_date(day)}: no {currency} rate on or before that day, not counted in {fx.reporting}"


def ledger_lines(
    *,
    contracts: QuerySet[Contract] | None = None,
    start: date,
    end: date,
    fx: FxTable | None = None,
    rates: CostSettings | None = None,
) -> list[LedgerLine]:
    """The ledger of ``contracts`` (all when None) for the months from ``start``'s to ``end``'s, one line per
    contract and month with anything in it, ordered by contract and month. A fixed number of queries."""
    first_month, last_month = month_first(start), month_first(end)
    first_day, last_day = first_month, month_last(last_month)
    months = months_between(first_month, last_month)
    fx = fx if fx is not None else fx_table()
    settings = rates if rates is not None else cost_settings()

    scoped = (contracts if contracts is not None else Contract.objects.all()).order_by().values("id")
    # The scoped contracts' vendors' contracts: a review is split over all of them.
    rows = (
        Contract.objects.filter(vendor_id__in=Contract.objects.filter(id__in=scoped).values("vendor_id"))
        .annotate(
            function_delay=Max("functions__cost_of_delay_per_week"),
            in_scope=Count("id", filter=Q(id__in=scoped)),
        )
        .order_by()
        .values(
            "id",
            "vendor_id",
            "engagement_model",
            "start_date",
            "end_date",
            "status",
            "cost_of_delay_per_week",
            "function_delay",
            "in_scope",
        )
    )
    every: dict[int, _Contract] = {}
    in_scope: set[int] = set()
    by_vendor: dict[int, list[_Contract]] = defaultdict(list)
    for row in rows:
        delay_rate = (
            row["cost_of_delay_per_week"] if row["cost_of_delay_per_week"] is not None else row["function_delay"]
        )
        contract = _Contract(
            row["id"],
            row["vendor_id"],
            row["engagement_model"],
            row["start_date"],
            row["end_date"],
            row["status"],
            delay_rate,
        )
        every[contract.id] = contract
        by_vendor[contract.vendor_id].append(contract)
        if row["in_scope"]:
            in_scope.add(contract.id)
    if not in_scope:
        return []
    vendor_ids = {every[c].vendor_id for c in in_scope}

    lines: dict[tuple[int, date], LedgerLine] = {}

    def line(contract_id: int, month: date) -> LedgerLine:
        key = (contract_id, month)
        if key not in lines:
            lines[key] = LedgerLine(contract_id, every[contract_id].vendor_id, month)
        return lines[key]

    # The people whose hours count: owners, attendees, loggers (their roles in one query at the end).
    owners = {
        vendor_id: [p for p in people if p is not None]
        for vendor_id, *people in Vendor.objects.filter(id__in=vendor_ids).values_list(
            "id", "engineering_owner_id", "delivery_owner_id", "security_contact_id"
        )
    }
    reviews = list(
        ServiceReview.objects.filter(
            vendor_id__in=vendor_ids, status=ReviewStatus.HELD, held_on__gte=first_day, held_on__lte=last_day
        )
        .order_by()
        .values_list("id", "vendor_id", "held_on", "duration_hours")
    )
    attendees: dict[int, list[int]] = defaultdict(list)
    for review_id, user_id in ServiceReview.attendees.through.objects.filter(
        servicereview_id__in=[r[0] for r in reviews]
    ).values_list("servicereview_id", "user_id"):
        attendees[review_id].append(user_id)
    logged = list(
        OwnerHours.objects.filter(contract_id__in=in_scope, week_of__gte=first_day, week_of__lte=last_day)
        .order_by()
        .values_list("contract_id", "person_id", "week_of", "hours")
    )
    people = {p for ids in owners.values() for p in ids}
    people |= {p for ids in attendees.values() for p in ids}
    people |= {row[1] for row in logged}
    rate = _Rates(settings, _roles_of(people))

    # Overhead: each named owner, every week the contract is in force.
    for contract_id in in_scope:
        contract = every[contract_id]
        weekly = rate.overhead_hours(contract.engagement_model)
        for month in months:
            days = contract.days_in_force(month, month_last(month))
            if not days:
                continue
            entry = line(contract_id, month)
            entry.in_force_days = days
            for person in owners.get(contract.vendor_id, ()):
                hours = weekly * days / 7
                entry.overhead_hours += hours
                entry.overhead_cost += hours * rate.of(person)

    # Reviews: duration × each internal attendee, split over the vendor's contracts in force that day.
    for review_id, vendor_id, held_on, duration in reviews:
        if held_on is None:  # pragma: no cover - a held review has its day (a constraint)
            continue
        sharing = [c for c in by_vendor.get(vendor_id, ()) if c.in_force_on(held_on)]
        if not sharing or not attendees.get(review_id):
            continue
        for contract in sharing:
            if contract.id not in in_scope:
                continue
            entry = line(contract.id, month_first(held_on))
            for person in attendees[review_id]:
                entry.review_hours += duration / len(sharing)
                entry.review_cost += duration * rate.of(person) / len(sharing)

    for contract_id, person, week_of, hours in logged:
        entry = line(contract_id, month_first(week_of))
        entry.logged_hours += hours
        entry.logged_cost += hours * rate.of(person)

    # Invoiced, at each period's last day; the billed hours of the same invoices.
    counted = Invoice.objects.filter(
        contract_id__in=in_scope,
        status__in=INVOICE_COUNTED_STATUSES,
        period_end__gte=first_day,
        period_end__lte=last_day,
    )
    for contract_id, day, currency, amount in (
        counted.order_by()
        .values_list("contract_id", "period_end", "currency")
        .annotate(total=Sum("amount"))
        .values_list("contract_id", "period_end", "currency", "total")
    ):
        entry = line(contract_id, month_first(day))
        conversion = fx.convert(amount, currency, on=day)
        if conversion.converted is None:
            entry.missing.append(_not_counted("Invoiced", amount, currency, day, fx))
        else:
            entry.invoiced += conversion.converted
    for contract_id, month, hours in (
        InvoiceHours.objects.filter(invoice__in=counted)
        .annotate(month=TruncMonth("invoice__period_end"))
        .order_by()
        .values_list("invoice__contract_id", "month")
        .annotate(total=Sum("hours"))
        .values_list("invoice__contract_id", "month", "total")
    ):
        line(contract_id, month_first(month)).billed_hours += hours

    # Measurements: escaped defects, missed milestones, delivered units.
    measured: dict[tuple[int, date], dict[str, dict[str, Any]]] = defaultdict(dict)
    for kpi_row in (
        Measurement.objects.filter(
            contract_id__in=in_scope,
            kpi__code__in=LEDGER_KPIS,
            period_end__gte=first_day,
            period_end__lte=last_day,
        )
        .annotate(month=TruncMonth("period_end"))
        .order_by()
        .values("contract_id", "month", "kpi__code")
        .annotate(
            total_numerator=Sum("numerator"),
            total_denominator=Sum("denominator"),
            uncounted=Count("id", filter=Q(numerator__isnull=True) | Q(denominator__isnull=True)),
            telemetry_numerator=Sum("numerator", filter=Q(source=MeasurementSource.TELEMETRY)),
            telemetry=Count("id", filter=Q(source=MeasurementSource.TELEMETRY)),
        )
    ):
        measured[(kpi_row["contract_id"], month_first(kpi_row["month"]))][kpi_row["kpi__code"]] = dict(kpi_row)
    fix_cost = Decimal(settings.fix_hours_per_defect) * Decimal(settings.hourly_cost_engineering)
    for (contract_id, month), kpis in measured.items():
        entry = line(contract_id, month)
        rework = kpis.get(REWORK_RATE)
        defects = kpis.get(DEFECT_RATE)
        if rework is not None and rework["telemetry"]:
            entry.escaped_defects = rework["telemetry_numerator"] or ZERO
            entry.escaped_source = "telemetry"
        elif defects is not None:
            entry.escaped_defects = defects["total_numerator"] or ZERO
            entry.escaped_source = "defects"
            if defects["uncounted"]:
                entry.notes.append(
                    f"{defects['uncounted']} defect-rate measurement(s) of {month:%B %Y} without their counts: "
                    "their escaped defects are not counted"
                )
        entry.rework = entry.escaped_defects * fix_cost
        on_time = kpis.get(ON_TIME_DELIVERY)
        if on_time is not None and on_time["total_denominator"] is not None and on_time["total_numerator"] is not None:
            entry.late_milestones = max(on_time["total_denominator"] - on_time["total_numerator"], ZERO)
            entry.delay_rate = every[contract_id].delay_rate
            entry.delay = entry.late_milestones * (entry.delay_rate or ZERO)
        if SAY_DO_RATIO in kpis and kpis[SAY_DO_RATIO]["total_numerator"] is not None:
            entry.points = kpis[SAY_DO_RATIO]["total_numerator"]
        if CHANGE_FAILURE_RATE in kpis and kpis[CHANGE_FAILURE_RATE]["total_denominator"] is not None:
            entry.deployments = kpis[CHANGE_FAILURE_RATE]["total_denominator"]

    # Credits owed, at each window's last day.
    for contract_id, day, currency, amount in (
        Breach.objects.filter(
            term__contract_id__in=in_scope,
            window_end__gte=first_day,
            window_end__lte=last_day,
            credit_amount__gt=0,
        )
        .exclude(status__in=CREDIT_EXCLUDED_STATUSES)
        .order_by()
        .values_list("term__contract_id", "window_end", "currency")
        .annotate(total=Sum("credit_amount"))
        .values_list("term__contract_id", "window_end", "currency", "total")
    ):
        entry = line(contract_id, month_first(day))
        conversion = fx.convert(amount, currency, on=day)
        if conversion.converted is None:
            entry.missing.append(_not_counted("Service credits", amount, currency, day, fx))
        else:
            entry.credits += conversion.converted

    result = []
    for key in sorted(lines):
        entry = lines[key]
        for name in ("invoiced", "review_cost", "overhead_cost", "logged_cost", "rework", "delay", "credits"):
            setattr(entry, name, cents(getattr(entry, name)))
        for name in ("review_hours", "overhead_hours"):
            setattr(entry, name, getattr(entry, name).quantize(CENT, rounding=ROUND_HALF_UP))
        if not entry.is_empty():
            result.append(entry)
    return result


# -- words --------------------------------------------------------------------------------------------------
def explain(totals: LedgerTotals, *, rates: CostSettings, currency: str) -> list[str]:
    """Where the cost beyond the invoices comes from, one sentence per component with its figures."""
    sentences: list[str] = []

    def money(amount: Decimal) -> str:
        return format_money(amount, currency)

    if totals.management:
        sentences.append(
            f"Management load adds {money(totals.management)}: {format_number(totals.management_hours)} internal hours "
            f"({format_number(totals.review_hours)} in service reviews, {format_number(totals.overhead_hours)} of "
            f"owners' standing overhead, {format_number(totals.logged_hours)} logged by owners)."
        )
    if totals.rework:
        source = (
            "reverts and hot-fixes seen in the team's repositories"
            if totals.telemetry_lines
            else "escaped defects reported"
        )
        sentences.append(
            f"Rework adds {money(totals.rework)}: {format_number(totals.escaped_defects)} {source} × "
            f"{format_number(rates.fix_hours_per_defect)} h × {money(rates.hourly_cost_engineering)} an hour."
        )
    if totals.delay:
        sentences.append(
            f"Late delivery adds {money(totals.delay)}: {format_number(totals.late_milestones)} milestones missed, "
            "each a week late at the cost of delay set."
        )
    elif totals.late_milestones and totals.delay_not_set:
        sentences.append(
            f"{format_number(totals.late_milestones)} milestones were missed, but no cost of delay is set: "
            "their cost is not counted."
        )
    if totals.credits:
        sentences.append(f"Service credits owed take off {money(totals.credits)}.")
    if totals.invoiced and totals.billed_hours and totals.effective_rate is not None and totals.billed_rate:
        ratio = totals.effective_rate / totals.billed_rate
        sentences.append(
            f"An hour billed at {money(totals.billed_rate)} really costs {money(totals.effective_rate)} "
            f"({format_number(ratio.quantize(Decimal('0.01')))}× the billed rate)."
        )
    return sentences


def month_range_text(months: Sequence[date]) -> str:
    if not months:
        return ""
    if len(months) == 1:
        return f"{months[0]:%B %Y}"
    return f"{months[0]:%B %Y} to {months[-1]:%B %Y}"

"""The ledger summed per vendor over a window of months, for every vendor of a page at once: what the
overview's league table shows (TCO, billed hours, effective and billed rates) and the attention ranking
reads. The same figures as ``apps.costs.ledger`` (``ledger_lines`` summed with ``totals_by(lines,
"vendor_id")``: the tests hold the two together), read in a fixed number of queries whatever the number
of vendors, without building a line object per contract and month in Python.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import QuerySet
from psycopg import sql

from apps.contracts.choices import EngagementModel
from apps.contracts.models import Contract
from apps.core.fx import FxTable, reporting_currency
from apps.core.models import FxRate
from apps.core.rollups import Rollup, VendorSource
from apps.costs.choices import INVOICE_COUNTED_STATUSES
from apps.costs.ledger import (
    CREDIT_EXCLUDED_STATUSES,
    DEFECT_RATE,
    IN_FORCE_STATUSES,
    LEDGER_KPIS,
    ON_TIME_DELIVERY,
    REWORK_RATE,
    ROLE_RATE_FIELDS,
    ZERO,
    LedgerTotals,
    cents,
    ledger_lines,
    month_first,
    month_last,
    totals_by,
)
from apps.costs.models import CostSettings, Invoice, InvoiceHours, OwnerHours, VendorCostRollup
from apps.costs.selectors import cost_settings
from apps.functions.models import Function
from apps.kpis.models import KpiDefinition
from apps.performance.choices import MeasurementSource
from apps.performance.models import Breach, Measurement, SlaTerm
from apps.vendors.choices import ReviewStatus
from apps.vendors.models import ServiceReview, Vendor


@dataclass(frozen=True)
class VendorCost:
    """What a vendor's contracts cost over the window, in the reporting currency."""

    vendor_id: int
    tco: Decimal = ZERO
    invoiced: Decimal = ZERO
    billed_hours: Decimal = ZERO
    complete: bool = True  # False: some figure had no FX rate and is not counted

    @property
    def effective_rate(self) -> Decimal | None:
        """TCO ÷ billed hours (None without billed hours)."""
        return cents(self.tco / self.billed_hours) if self.billed_hours else None

    @property
    def billed_rate(self) -> Decimal | None:
        """Invoiced ÷ billed hours: what the vendor charges an hour (None without billed hours)."""
        return cents(self.invoiced / self.billed_hours) if self.billed_hours else None

    @classmethod
    def of(cls, vendor_id: int, totals: LedgerTotals) -> VendorCost:
        return cls(vendor_id, totals.tco, totals.invoiced, totals.billed_hours, totals.complete)


# One statement: each component per contract and month exactly as ``ledger_lines`` works it out, each
# line's money rounded to the cent as there, then summed per vendor. FX: the latest rate of the currency
# on or before the day (the reporting currency at 1); a figure without one is left out and the vendor's
# sum is not ``complete``.
ROLLUP_SQL = """
WITH scoped AS (
    SELECT c.id, c.vendor_id, c.engagement_model, c.start_date, c.end_date, c.status,
           coalesce(c.cost_of_delay_per_week,
                    (SELECT max(f.cost_of_delay_per_week) FROM {contract_functions} cf
                     JOIN {function} f ON f.id = cf.function_id WHERE cf.contract_id = c.id)) AS delay_rate
    FROM {contract} c WHERE c.vendor_id = ANY(%(vendors)s)
), months AS (
    SELECT m::date AS first, (m + interval '1 month' - interval '1 day')::date AS last
    FROM generate_series(%(first)s::date, %(last)s::date, interval '1 month') AS m
), person_rate AS (
    SELECT u.id AS person_id, coalesce(max(r.rate), %(engineering)s::numeric) AS rate
    FROM {user} u
    LEFT JOIN {user_groups} ug ON ug.user_id = u.id
    LEFT JOIN {group} g ON g.id = ug.group_id
    LEFT JOIN unnest(%(roles)s::text[], %(role_rates)s::numeric[]) AS r(role, rate) ON r.role = g.name
    GROUP BY u.id
), in_force AS (
    SELECT c.id, c.vendor_id, c.engagement_model, m.first AS month,
           least(m.last, coalesce(c.end_date, m.last)) - greatest(m.first, c.start_date) + 1 AS days
    FROM scoped c JOIN months m ON c.start_date <= m.last AND (c.end_date IS NULL OR c.end_date >= m.first)
    WHERE c.status = ANY(%(in_force)s)
), overhead AS (
    SELECT f.id AS contract_id, f.month, sum(w.hours * f.days / 7 * pr.rate) AS cost
    FROM in_force f
    JOIN {vendor} v ON v.id = f.vendor_id
    CROSS JOIN LATERAL unnest(ARRAY[v.engineering_owner_id, v.delivery_owner_id, v.security_contact_id]) AS o(person)
    JOIN person_rate pr ON pr.person_id = o.person
    JOIN unnest(%(models)s::text[], %(model_hours)s::numeric[]) AS w(model, hours) ON w.model = f.engagement_model
    GROUP BY 1, 2
), shares AS (
    SELECT r.id AS review_id, r.held_on, r.duration_hours, c.id AS contract_id,
           count(*) OVER (PARTITION BY r.id) AS sharing
    FROM {review} r
    JOIN scoped c ON c.vendor_id = r.vendor_id AND c.status = ANY(%(in_force)s)
         AND c.start_date <= r.held_on AND (c.end_date IS NULL OR c.end_date >= r.held_on)
    WHERE r.vendor_id = ANY(%(vendors)s) AND r.status = %(held)s AND r.held_on BETWEEN %(first)s AND %(end)s
), reviews AS (
    SELECT s.contract_id, date_trunc('month', s.held_on)::date AS month,
           sum(s.duration_hours * pr.rate / s.sharing) AS cost
    FROM shares s
    JOIN {review_attendees} a ON a.servicereview_id = s.review_id
    JOIN person_rate pr ON pr.person_id = a.user_id
    GROUP BY 1, 2
), logged AS (
    SELECT oh.contract_id, date_trunc('month', oh.week_of)::date AS month, sum(oh.hours * pr.rate) AS cost
    FROM {owner_hours} oh JOIN scoped c ON c.id = oh.contract_id JOIN person_rate pr ON pr.person_id = oh.person_id
    WHERE oh.week_of BETWEEN %(first)s AND %(end)s
    GROUP BY 1, 2
), counted AS (
    SELECT i.id, i.contract_id, i.period_end, i.currency, i.amount
    FROM {invoice} i JOIN scoped c ON c.id = i.contract_id
    WHERE i.status = ANY(%(counted)s) AND i.period_end BETWEEN %(first)s AND %(end)s
), invoiced AS (
    SELECT g.contract_id, date_trunc('month', g.period_end)::date AS month,
           sum(g.amount * fx.rate) AS converted, bool_or(fx.rate IS NULL) AS missing
    FROM (SELECT contract_id, period_end, currency, sum(amount) AS amount FROM counted GROUP BY 1, 2, 3) AS g
    LEFT JOIN LATERAL (
        SELECT CASE WHEN g.currency = %(reporting)s THEN 1::numeric ELSE (
            SELECT x.rate FROM {fx} x WHERE x.currency = g.currency AND x.valid_on <= g.period_end
            ORDER BY x.valid_on DESC LIMIT 1) END AS rate
    ) AS fx ON true
    GROUP BY 1, 2
), billed AS (
    SELECT i.contract_id, date_trunc('month', i.period_end)::date AS month, sum(h.hours) AS hours
    FROM counted i JOIN {invoice_hours} h ON h.invoice_id = i.id
    GROUP BY 1, 2
), measured AS (
    SELECT m.contract_id, date_trunc('month', m.period_end)::date AS month, k.code,
           sum(m.numerator) AS numerator, sum(m.denominator) AS denominator,
           sum(m.numerator) FILTER (WHERE m.source = %(telemetry)s) AS telemetry_numerator,
           count(*) FILTER (WHERE m.source = %(telemetry)s) AS telemetry
    FROM {measurement} m JOIN scoped c ON c.id = m.contract_id JOIN {kpi} k ON k.id = m.kpi_id
    WHERE k.code = ANY(%(kpis)s) AND m.period_end BETWEEN %(first)s AND %(end)s
    GROUP BY 1, 2, 3
), quality AS (
    SELECT q.contract_id, q.month,
           CASE WHEN bool_or(q.code = %(rework_kpi)s AND q.telemetry > 0)
                THEN coalesce(sum(q.telemetry_numerator) FILTER (WHERE q.code = %(rework_kpi)s), 0)
                ELSE coalesce(sum(q.numerator) FILTER (WHERE q.code = %(defect_kpi)s), 0) END * %(fix_cost)s::numeric
               AS rework,
           coalesce(greatest(sum(q.denominator) FILTER (WHERE q.code = %(on_time_kpi)s)
                             - sum(q.numerator) FILTER (WHERE q.code = %(on_time_kpi)s), 0)
                    * max(c.delay_rate), 0) AS delay
    FROM measured q JOIN scoped c ON c.id = q.contract_id
    GROUP BY 1, 2
), owed AS (
    SELECT g.contract_id, date_trunc('month', g.window_end)::date AS month,
           sum(g.amount * fx.rate) AS converted, bool_or(fx.rate IS NULL) AS missing
    FROM (
        SELECT t.contract_id, b.window_end, b.currency, sum(b.credit_amount) AS amount
        FROM {breach} b JOIN {term} t ON t.id = b.term_id JOIN scoped c ON c.id = t.contract_id
        WHERE b.window_end BETWEEN %(first)s AND %(end)s AND b.credit_amount > 0 AND NOT b.status = ANY(%(no_credit)s)
        GROUP BY 1, 2, 3
    ) AS g
    LEFT JOIN LATERAL (
        SELECT CASE WHEN g.currency = %(reporting)s THEN 1::numeric ELSE (
            SELECT x.rate FROM {fx} x WHERE x.currency = g.currency AND x.valid_on <= g.window_end
            ORDER BY x.valid_on DESC LIMIT 1) END AS rate
    ) AS fx ON true
    GROUP BY 1, 2
), parts AS (
    SELECT contract_id, month, cost AS overhead, 0 AS review, 0 AS logged, 0 AS invoiced, false AS missing,
           0 AS hours, 0 AS rework, 0 AS delay, 0 AS credits FROM overhead
    UNION ALL SELECT contract_id, month, 0, cost, 0, 0, false, 0, 0, 0, 0 FROM reviews
    UNION ALL SELECT contract_id, month, 0, 0, cost, 0, false, 0, 0, 0, 0 FROM logged
    UNION ALL SELECT contract_id, month, 0, 0, 0, coalesce(converted, 0), missing, 0, 0, 0, 0 FROM invoiced
    UNION ALL SELECT contract_id, month, 0, 0, 0, 0, false, hours, 0, 0, 0 FROM billed
    UNION ALL SELECT contract_id, month, 0, 0, 0, 0, false, 0, rework, delay, 0 FROM quality
    UNION ALL SELECT contract_id, month, 0, 0, 0, 0, missing, 0, 0, 0, coalesce(converted, 0) FROM owed
), lines AS (
    SELECT contract_id, round(sum(overhead), 2) + round(sum(review), 2) + round(sum(logged), 2) AS management,
           round(sum(invoiced), 2) AS invoiced, round(sum(rework), 2) AS rework, round(sum(delay), 2) AS delay,
           round(sum(credits), 2) AS credits, sum(hours) AS hours, bool_or(missing) AS missing
    FROM parts GROUP BY contract_id, month
)
SELECT c.vendor_id, sum(l.invoiced + l.management + l.rework + l.delay - l.credits), sum(l.invoiced),
       sum(l.hours), bool_or(l.missing)
FROM lines l JOIN scoped c ON c.id = l.contract_id
GROUP BY c.vendor_id
"""


def _tables() -> dict[str, sql.Identifier]:
    user = get_user_model()
    models: dict[str, Any] = {
        "contract": Contract,
        "contract_functions": Contract.functions.through,
        "function": Function,
        "user": user,
        "user_groups": user.groups.through,
        "group": Group,
        "vendor": Vendor,
        "review": ServiceReview,
        "review_attendees": ServiceReview.attendees.through,
        "owner_hours": OwnerHours,
        "invoice": Invoice,
        "invoice_hours": InvoiceHours,
        "measurement": Measurement,
        "kpi": KpiDefinition,
        "breach": Breach,
        "term": SlaTerm,
        "fx": FxRate,
    }
    return {name: sql.Identifier(model._meta.db_table) for name, model in models.items()}


def vendor_costs(
    *,
    vendor_ids: Collection[int],
    start: date,
    end: date,
    fx: FxTable | None = None,
    rates: CostSettings | None = None,
) -> dict[int, VendorCost]:
    """Each of ``vendor_ids``' ledger (all its contracts) summed over the months from ``start``'s to
    ``end``'s, both included; a vendor with no line is absent. One query (two without ``rates``); ``fx``
    is not needed (the rates are read in the statement) and taken for the callers' symmetry."""
    if not vendor_ids:
        return {}
    settings = rates if rates is not None else cost_settings()
    first, last = month_first(start), month_first(end)
    roles = list(ROLE_RATE_FIELDS)
    models = [model.value for model in EngagementModel]
    params: dict[str, Any] = {
        "vendors": list(vendor_ids),
        "first": first,
        "last": last,
        "end": month_last(last),
        "engineering": Decimal(settings.hourly_cost_engineering),
        "roles": [str(role) for role in roles],
        "role_rates": [Decimal(getattr(settings, ROLE_RATE_FIELDS[role])) for role in roles],
        "models": models,
        "model_hours": [Decimal(getattr(settings, f"overhead_hours_{model}", ZERO)) for model in models],
        "in_force": [str(status) for status in IN_FORCE_STATUSES],
        "held": str(ReviewStatus.HELD),
        "counted": [str(status) for status in INVOICE_COUNTED_STATUSES],
        "reporting": fx.reporting if fx is not None else reporting_currency(),
        "telemetry": str(MeasurementSource.TELEMETRY),
        "kpis": list(LEDGER_KPIS),
        "rework_kpi": REWORK_RATE,
        "defect_kpi": DEFECT_RATE,
        "on_time_kpi": ON_TIME_DELIVERY,
        "fix_cost": Decimal(settings.fix_hours_per_defect) * Decimal(settings.hourly_cost_engineering),
        "no_credit": [str(status) for status in CREDIT_EXCLUDED_STATUSES],
    }
    with connection.cursor() as cursor:
        statement = sql.SQL(ROLLUP_SQL).format(**_tables()).as_string(cursor.connection)
        cursor.execute(statement, params)
        return {
            vendor_id: VendorCost(vendor_id, cents(tco), cents(invoiced), hours or ZERO, not missing)
            for vendor_id, tco, invoiced, hours, missing in cursor.fetchall()
        }


def vendor_costs_from_ledger(
    *, vendor_ids: Collection[int], start: date, end: date, fx: FxTable | None = None, rates: CostSettings | None = None
) -> dict[int, VendorCost]:
    """The same from ``ledger_lines`` and ``totals_by`` (the reference the tests hold ``vendor_costs`` to)."""
    if not vendor_ids:
        return {}
    lines = ledger_lines(
        contracts=Contract.objects.filter(vendor_id__in=list(vendor_ids)), start=start, end=end, fx=fx, rates=rates
    )
    return {vendor_id: VendorCost.of(vendor_id, totals) for vendor_id, totals in totals_by(lines, "vendor_id").items()}


# -- the league table's costs, stored ------------------------------------------------------------------------
# A year of a portfolio's ledger takes seconds to work out (bench/README.md), and between two views of the
# overview few vendors change: each vendor's sum is stored (``apps.core.rollups``) and dropped as soon as
# anything of the vendor's the ledger reads changes — its contracts and their invoices, hours, owners'
# hours, measurements, SLA terms and breaches, its service reviews, the vendor itself — and every vendor's
# when what all of them read changes: the functions' cost of delay, the FX rates, the cost settings,
# review attendees, people's roles and the functions a contract serves (link tables without an audit
# trail), or the reporting currency.
COST_ROLLUP = Rollup(
    name="costs:vendor-costs",
    store=VendorCostRollup,
    per_vendor=(
        VendorSource(Invoice, "contract__vendor"),
        VendorSource(InvoiceHours, "invoice__contract__vendor"),
        VendorSource(OwnerHours, "contract__vendor"),
        VendorSource(ServiceReview, "vendor"),
        VendorSource(Measurement, "contract__vendor"),
        VendorSource(Breach, "term__contract__vendor"),
        VendorSource(SlaTerm, "contract__vendor"),
        VendorSource(Contract, "vendor"),
        VendorSource(Vendor, ""),
    ),
    shared=(Function, FxRate, CostSettings),
    links=(ServiceReview.attendees.through, get_user_model().groups.through, Contract.functions.through),
)


def _settings_key(rates: CostSettings) -> str:
    return repr(sorted((f.name, str(getattr(rates, f.name))) for f in CostSettings._meta.concrete_fields))


def _cost_rollup(*, start: date, end: date, fx: FxTable | None, rates: CostSettings) -> dict[str, Any]:
    """What ``COST_ROLLUP`` reads and stores for the window: its key, rows and how to work them out."""
    first, last = month_first(start), month_first(end)
    reporting = fx.reporting if fx is not None else reporting_currency()

    def compute(missing: list[int]) -> list[VendorCostRollup]:
        costs = vendor_costs(vendor_ids=missing, start=first, end=last, fx=fx, rates=rates)
        return [
            VendorCostRollup(
                vendor_id=pk,
                first_month=first,
                last_month=last,
                has_lines=(cost := costs.get(pk)) is not None,
                tco=cost.tco if cost else ZERO,
                invoiced=cost.invoiced if cost else ZERO,
                billed_hours=cost.billed_hours if cost else ZERO,
                complete=cost.complete if cost else True,
            )
            for pk in missing
        ]

    return {
        "key": f"{reporting}|{_settings_key(rates)}",
        "where": {"first_month": first, "last_month": last},
        "compute": compute,
    }


def league_vendor_costs(
    *, vendor_ids: Collection[int], start: date, end: date, fx: FxTable | None = None, rates: CostSettings
) -> dict[int, VendorCost]:
    """``vendor_costs`` read from the stored rollup (``COST_ROLLUP``): two queries when nothing the vendors'
    ledgers read changed since they were stored; the vendors that changed are worked out again (one
    query for all of them) and stored."""
    rows = COST_ROLLUP.rows(vendor_ids=vendor_ids, **_cost_rollup(start=start, end=end, fx=fx, rates=rates))
    return _vendor_costs_of(rows)


def store_league_vendor_costs(
    *, vendors: QuerySet[Any], start: date, end: date, fx: FxTable | None = None, rates: CostSettings
) -> None:
    """``league_vendor_costs`` stored and current for the vendors of the query ``vendors``, not read: for
    a statement that reads ``VendorCostRollup`` itself (the league table's ranking). Two queries when
    nothing changed."""
    COST_ROLLUP.ensure(vendors=vendors, **_cost_rollup(start=start, end=end, fx=fx, rates=rates))


def stored_league_vendor_costs(*, vendor_ids: Collection[int], start: date, end: date) -> dict[int, VendorCost]:
    """The stored costs of a few vendors (a page's) as they are, after ``store_league_vendor_costs``: one
    query."""
    where = {"first_month": month_first(start), "last_month": month_first(end)}
    return _vendor_costs_of(COST_ROLLUP.stored(vendor_ids=vendor_ids, where=where))


def _vendor_costs_of(rows: Mapping[int, Mapping[str, Any]]) -> dict[int, VendorCost]:
    return {
        pk: VendorCost(pk, row["tco"], row["invoiced"], row["billed_hours"], row["complete"])
        for pk, row in rows.items()
        if row["has_lines"]
    }

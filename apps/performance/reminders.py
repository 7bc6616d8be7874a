"""The measurement reminder, registered with the inbox (``apps.notifications.reminders``) at ``ready()``:

- ``kpi_missing``: an active contract with an SLA term whose KPI has no measurement ending in the
  last closed calendar month → the vendor's engineering and delivery owners.

**KPIs are checked per calendar month**, whatever the SLA term's window (month, quarter, rolling N
days): the last closed month before the day (as of 23 November: October), and a measurement counts for
the month its ``period_end`` falls in. One reminder per contract and month lists every KPI missing.
A contract that started after that month, or ended before it, is not asked for it. Only the last
closed month is checked: a month the scheduler missed entirely is superseded by the next one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q

from apps.contracts.choices import ContractStatus
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.reminders import DueReminder, RoleMembers, register_reminder_rule
from apps.performance.models import Measurement
from apps.performance.selectors import sla_term_list


def last_closed_month(as_of: date) -> tuple[date, date]:
    """The first and last day of the calendar month before the one ``as_of`` falls in."""
    end = as_of.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def missing_kpis_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """Active contracts with an SLA term whose KPI has no measurement ending in the last closed month."""
    start, end = last_closed_month(as_of)
    logged = Measurement.objects.filter(
        contract=OuterRef("contract"), kpi=OuterRef("kpi"), period_end__gte=start, period_end__lte=end
    )
    terms = (
        sla_term_list()
        .filter(contract__status=ContractStatus.ACTIVE, contract__start_date__lte=end)
        .filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=start))
        .exclude(Exists(logged))
        .select_related("contract__vendor__engineering_owner", "contract__vendor__delivery_owner")
        .order_by("contract_id", "kpi__name", "pk")
    )
    missing: dict[int, tuple[Any, list[str]]] = {}
    for term in terms:
        contract, names = missing.setdefault(term.contract_id, (term.contract, []))
        if term.kpi.name not in names:
            names.append(term.kpi.name)
    month = f"{start:%Y-%m}"
    month_label = f"{start:%B %Y}"
    dues = []
    for contract, names in missing.values():
        vendor = contract.vendor
        what = names[0] if len(names) == 1 else f"{len(names)} KPIs"
        dues.append(
            DueReminder(
                item_key=f"contract:{contract.pk}",
                occasions=((Kind.KPI_MISSING, month),),
                recipients=(vendor.engineering_owner, vendor.delivery_owner),
                title=f"{what} not logged for {month_label}: {contract.title}",
                body=(
                    f"“{contract.title}” with {vendor} has SLA terms on KPIs with no measurement for {month_label} "
                    "(the last closed month), so those terms cannot be evaluated:\n"
                    + "\n".join(f"- {name}" for name in names)
                    + "\nLog them on the measurements page or through the API (measurements/)."
                ),
                url=contract.get_absolute_url(),
            )
        )
    return dues


register_reminder_rule(name="kpi_missing", kinds=(Kind.KPI_MISSING,), collect=missing_kpis_due)

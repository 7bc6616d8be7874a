"""Who hears about the SLA engine's findings, and what they are told.

A breach goes to the vendor's engineering and delivery owners, and a critical one to every executive
too; an early warning (an open window at risk) goes to the owners. Every notification carries a key,
so a second sweep, or two sweeps at once, never tell anyone twice. The same findings are webhook events
(``breach.opened`` / ``reopened`` / ``retracted``, ``sla.at_risk``) for the endpoints that subscribe,
whoever owns the vendor; with no such endpoint they cost one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from apps.accounts.choices import Role
from apps.core.formatting import format_money, format_number, format_period
from apps.kpis.units import with_unit
from apps.notifications.choices import NotificationKind, WebhookEventType
from apps.notifications.services import notify
from apps.notifications.webhooks.events import (
    WebhookEvent,
    contract_ref,
    kpi_ref,
    subject_ref,
    vendor_ref,
    webhook_events_publish,
    webhook_types_wanted,
)
from apps.performance.choices import Severity
from apps.performance.evaluation import Window, breach_magnitude
from apps.performance.models import Breach, SlaTerm


def executives() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True, groups__name=Role.EXECUTIVE)


def _owners(vendor: Any) -> list[Any]:
    return [user for user in (vendor.engineering_owner, vendor.delivery_owner) if user is not None]


def breach_recipients(breach: Breach, *, critical_executives: Sequence[Any]) -> list[Any]:
    vendor = breach.term.contract.vendor
    people = _owners(vendor)
    if breach.severity == Severity.CRITICAL:
        people += list(critical_executives)
    return list({user.pk: user for user in people}.values())


def _breach_text(breach: Breach) -> str:
    term = breach.term
    gap, percent = breach_magnitude(value=breach.value, target=breach.target)
    unit = term.kpi.unit
    off = with_unit(gap, unit) + (f" ({format_number(percent)} % of the target)" if percent is not None else "")
    return (
        f"{term.contract.vendor} — {term.contract}\n"
        f"{term.kpi.name}: {with_unit(breach.value, unit)} against "
        f"{term.get_comparator_display()} {with_unit(breach.target, unit)} for {format_period(breach.window_start, breach.window_end)}.\n"
        f"Missed by {off}. Severity: {breach.get_severity_display()}. "
        f"Service credit owed: {format_money(breach.credit_amount, breach.currency)}."
    )


def _telemetry_evidence(breaches: Sequence[Breach]) -> dict[int, str]:
    """Breach id → the evidence its notification carries, for the breaches whose KPI telemetry measures
    on their contract: the value the events give, the first few events and the explain page's link
    (``apps.performance.telemetry.explain.evidence_lines``). One query for the coverage, then the
    evidence's own per breach measured by telemetry; nothing for typed KPIs."""
    if not breaches:
        return {}
    # Imported here: the telemetry metrics re-evaluate SLA windows (apps.performance.sla, which imports
    # this module), and the explain module reads them.
    from apps.performance.telemetry.coverage import telemetry_coverage
    from apps.performance.telemetry.explain import evidence_lines

    coverage = telemetry_coverage(contract_ids={breach.term.contract_id for breach in breaches})
    return {
        breach.pk: evidence_lines(
            contract_id=breach.term.contract_id, kpi=breach.term.kpi, start=breach.window_start, end=breach.window_end
        )
        for breach in breaches
        if breach.term.kpi.code in coverage.get(breach.term.contract_id, {})
    }


# -- webhooks: the same findings as events (apps.notifications.webhooks), whoever owns the vendor --------
BREACH_EVENT_SELECT = ("term__kpi", "term__contract__vendor")


def breach_webhook_event(breach: Breach, event_type: str, *, reason: str | None = None, key: str = "") -> WebhookEvent:
    """The webhook event of a breach that moved (``breach.*``); ``breach`` with its term, KPI, contract
    and vendor loaded. ``key`` tells occurrences of the same move apart (a breach re-opened twice)."""
    term, contract = breach.term, breach.term.contract
    data: dict[str, Any] = {
        "title": f"{WebhookEventType(event_type).label}: {term.kpi.name} at {contract.vendor}",
        "summary": _breach_text(breach).replace("\n", ". ", 1).replace("\n", " "),
        "url": breach.get_absolute_url(),
        "subject": subject_ref("breach", breach.pk),
        "vendor": vendor_ref(contract.vendor),
        "contract": contract_ref(contract),
        "breach": {
            "id": breach.pk,
            "status": breach.status,
            "severity": breach.severity,
            "kpi": kpi_ref(term.kpi),
            "value": breach.value,
            "target": breach.target,
            "comparator": term.comparator,
            "window_start": breach.window_start,
            "window_end": breach.window_end,
            "credit_amount": breach.credit_amount,
            "currency": breach.currency,
        },
    }
    if reason is not None:
        data["reason"] = reason
    return WebhookEvent(event_type=event_type, data=data, dedupe_key=f"{event_type}:{breach.pk}:{key}")


def _breaches_by_id(ids: Sequence[int]) -> dict[int, Breach]:
    # One array parameter, as below: a first sweep may move tens of thousands of breaches.
    array = "{" + ",".join(map(str, ids)) + "}"
    return {
        breach.pk: breach
        for breach in Breach.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [array])).select_related(
            *BREACH_EVENT_SELECT
        )
    }


def publish_breach_events(*, opened: Sequence[int], reopened: Sequence[int], retracted: Sequence[int]) -> None:
    """The sweep's breach moves as webhook events: one query when no endpoint wants them."""
    moved = {
        WebhookEventType.BREACH_OPENED: opened,
        WebhookEventType.BREACH_REOPENED: reopened,
        WebhookEventType.BREACH_RETRACTED: retracted,
    }
    wanted = webhook_types_wanted(event_type for event_type, ids in moved.items() if ids)
    if not wanted:
        return
    breaches = _breaches_by_id([pk for event_type, ids in moved.items() if event_type in wanted for pk in ids])
    events = []
    for event_type, ids in moved.items():
        if event_type not in wanted:
            continue
        for pk in ids:
            breach = breaches[pk]
            if event_type == WebhookEventType.BREACH_REOPENED:
                key = breach.updated_at.isoformat()
            elif event_type == WebhookEventType.BREACH_RETRACTED:
                key = breach.retracted_at.isoformat() if breach.retracted_at else ""
            else:
                key = ""
            events.append(breach_webhook_event(breach, event_type, key=key))
    webhook_events_publish(events)


def announce_breaches(*, opened: Iterable[int], reopened: Iterable[int], retracted: Iterable[int]) -> None:
    opened, reopened, retracted = list(opened), list(reopened), list(retracted)
    publish_breach_events(opened=opened, reopened=reopened, retracted=retracted)
    # Who is there to tell, read cheaply first: a breach with nobody to tell costs no more than this.
    critical_executives = list(executives())
    # The ids as one array parameter: a first sweep opens tens of thousands of breaches, and an IN list
    # of that many parameters costs more to send than to read.
    ids = "{" + ",".join(map(str, [*opened, *reopened, *retracted])) + "}"
    audience = Breach.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids])).values_list(
        "pk", "severity", "term__contract__vendor__engineering_owner_id", "term__contract__vendor__delivery_owner_id"
    )
    told = {
        pk
        for pk, severity, engineering, delivery in audience
        if engineering or delivery or (severity == Severity.CRITICAL and critical_executives)
    }
    opened, reopened, retracted = ([pk for pk in ids if pk in told] for ids in (opened, reopened, retracted))
    breaches = Breach.objects.select_related(
        "term__kpi", "term__contract__vendor__engineering_owner", "term__contract__vendor__delivery_owner"
    ).in_bulk([*opened, *reopened, *retracted])
    evidence = _telemetry_evidence([breaches[pk] for pk in opened + reopened])
    for pk in opened + reopened:
        breach = breaches[pk]
        again = " again" if pk in reopened else ""
        notify(
            recipients=breach_recipients(breach, critical_executives=critical_executives),
            kind=NotificationKind.BREACH_OPENED,
            title=f"SLA breached{again}: {breach.term.kpi.name} at {breach.term.contract.vendor}",
            body=_breach_text(breach) + (f"\n\n{evidence[pk]}" if pk in evidence else ""),
            url=breach.get_absolute_url(),
            dedupe_key=f"breach:{pk}:opened:{breach.updated_at.isoformat() if again else ''}",
        )
    for pk in retracted:
        breach = breaches[pk]
        notify(
            recipients=breach_recipients(breach, critical_executives=critical_executives),
            kind=NotificationKind.BREACH_RETRACTED,
            title=f"Breach retracted: {breach.term.kpi.name} at {breach.term.contract.vendor}",
            body=(
                f"Late data for {format_period(breach.window_start, breach.window_end)} means the target was met after all; "
                f"the breach stays on record as retracted.\n{breach.term.contract}"
            ),
            url=breach.get_absolute_url(),
            dedupe_key=f"breach:{pk}:retracted:{breach.retracted_at.isoformat() if breach.retracted_at else ''}",
        )


def publish_at_risk(warnings: Sequence[tuple[int, Window, Decimal | None]]) -> None:
    """Open windows that turned at risk as ``sla.at_risk`` events: one query when no endpoint wants them."""
    if not warnings or not webhook_types_wanted([WebhookEventType.SLA_AT_RISK]):
        return
    terms = SlaTerm.objects.select_related("kpi", "contract__vendor").in_bulk([term_id for term_id, _, _ in warnings])
    events = []
    for term_id, window, value in warnings:
        term = terms[term_id]
        contract = term.contract
        shown = with_unit(value, term.kpi.unit) if value is not None else "no value yet"
        events.append(
            WebhookEvent(
                event_type=WebhookEventType.SLA_AT_RISK,
                data={
                    "title": f"At risk: {term.kpi.name} at {contract.vendor}",
                    "summary": (
                        f"{contract}: {term.kpi.name} stands at {shown} so far for {format_period(window.start, window.end)}, "
                        f"against {term.get_comparator_display()} {with_unit(term.target, term.kpi.unit)}. "
                        "The window is still open: this is an early warning, not a breach."
                    ),
                    "url": term.get_absolute_url(),
                    "subject": subject_ref("sla_term", term.pk),
                    "vendor": vendor_ref(contract.vendor),
                    "contract": contract_ref(contract),
                    "sla_term": {
                        "id": term.pk,
                        "kpi": kpi_ref(term.kpi),
                        "target": term.target,
                        "warning_target": term.warning_target,
                        "comparator": term.comparator,
                    },
                    "value": value,
                    "window_start": window.start,
                    "window_end": window.end,
                },
                dedupe_key=f"sla.at_risk:{term_id}:{window.start.isoformat()}",
            )
        )
    webhook_events_publish(events)


def announce_at_risk(warnings: Sequence[tuple[int, Window, Decimal | None]]) -> None:
    """Open windows that turned at risk: an early warning to the vendor's owners, once per window."""
    publish_at_risk(warnings)
    # Who is there to warn, read cheaply first: a vendor without owners costs no more than this.
    owned = set(
        SlaTerm.objects.filter(pk__in=[term_id for term_id, _, _ in warnings])
        .exclude(contract__vendor__engineering_owner__isnull=True, contract__vendor__delivery_owner__isnull=True)
        .values_list("pk", flat=True)
    )
    warnings = [warning for warning in warnings if warning[0] in owned]
    terms = SlaTerm.objects.select_related(
        "kpi", "contract__vendor__engineering_owner", "contract__vendor__delivery_owner"
    ).in_bulk([term_id for term_id, _, _ in warnings])
    for term_id, window, value in warnings:
        term = terms[term_id]
        shown = with_unit(value, term.kpi.unit) if value is not None else "no value yet"
        notify(
            recipients=_owners(term.contract.vendor),
            kind=NotificationKind.SLA_AT_RISK,
            title=f"At risk: {term.kpi.name} at {term.contract.vendor}",
            body=(
                f"{term.contract}: {term.kpi.name} stands at {shown} so far for {format_period(window.start, window.end)}, "
                f"against {term.get_comparator_display()} {with_unit(term.target, term.kpi.unit)}. "
                "The window is still open: this is an early warning, not a breach."
            ),
            url=term.get_absolute_url(),
            dedupe_key=f"sla_at_risk:{term_id}:{window.start.isoformat()}",
        )

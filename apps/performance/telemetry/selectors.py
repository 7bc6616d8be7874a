"""Reads of delivery telemetry for its pages and API: source bindings, their deliveries (without the
payload unless one is asked for), vendors' identity rules, and what a contract's telemetry tab shows.

Everyone signed in reads everything (as in ``apps.performance.selectors``); ``user`` is taken so every
caller passes it when scoping arrives. Each read costs a fixed number of queries, whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from apps.contracts.models import Contract
from apps.kpis.models import KpiDefinition
from apps.performance.choices import TELEMETRY_KPI_CODES, BindingHealth, MeasurementSource
from apps.performance.models import Measurement, SlaTerm
from apps.performance.telemetry.models import Delivery, SourceBinding
from apps.vendors.models import VendorIdentityRule

# The deliveries a contract's telemetry tab lists: the latest, newest first.
RECENT_DELIVERIES = 20


# -- bindings and deliveries ------------------------------------------------------------------------------
def binding_list(*, user: Any | None = None) -> QuerySet[SourceBinding]:
    return SourceBinding.objects.select_related("contract", "contract__vendor")


def delivery_list(*, user: Any | None = None) -> QuerySet[Delivery]:
    """Deliveries without their payload (a list never needs it; a payload may be megabytes)."""
    return Delivery.objects.select_related("binding", "binding__contract").defer("payload")


def delivery_detail(*, user: Any | None = None) -> QuerySet[Delivery]:
    """One delivery with its payload (kept for ``TELEMETRY_RETENTION_DAYS``, then cleared)."""
    return Delivery.objects.select_related("binding", "binding__contract")


def health_text(binding: SourceBinding) -> str:
    """A binding's health in words: "Receiving", "Silent for 9 days", "Waiting for the first event"…"""
    health = binding.health
    if health == BindingHealth.SILENT:
        days = binding.silent_days or 0
        return f"Silent for {days} day{'s' if days != 1 else ''}"
    return str(BindingHealth(health).label)


# -- identity rules -------------------------------------------------------------------------------------
def identity_rule_list(*, user: Any | None = None) -> QuerySet[VendorIdentityRule]:
    return VendorIdentityRule.objects.select_related("vendor")


# -- a contract's telemetry tab ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiSource:
    """Where a KPI of the contract comes from: telemetry (the bindings measuring it, from the earliest of
    their ``covers_from``) or typed (logged by hand, imported or posted already aggregated)."""

    code: str
    name: str
    unit: str
    bindings: tuple[SourceBinding, ...]
    covers_from: date | None
    in_sla: bool
    typed_values: int

    @property
    def measured(self) -> bool:
        return bool(self.bindings)


def kpi_sources(*, contract: Contract, bindings: list[SourceBinding]) -> list[KpiSource]:
    """The KPIs of ``contract`` (those of its SLA terms, those logged for it, and those its active
    bindings measure) and where each comes from. The same rule as the refusal of manual values:
    a KPI in the ``measures`` of an active binding is telemetry's from that binding's ``covers_from``.
    Three queries, whatever the number of KPIs."""
    measuring: dict[str, list[SourceBinding]] = {}
    for binding in bindings:
        if binding.active:
            for code in binding.measures:
                measuring.setdefault(code, []).append(binding)
    in_sla = set(SlaTerm.objects.filter(contract=contract).values_list("kpi__code", flat=True))
    typed: dict[str, int] = {}
    logged = (
        Measurement.objects.filter(contract=contract)
        .exclude(source=MeasurementSource.TELEMETRY)
        .values_list("kpi__code", flat=True)
    )
    for code in logged:
        typed[code] = typed.get(code, 0) + 1
    codes = set(measuring) | in_sla | set(typed)
    order = {code: index for index, code in enumerate(TELEMETRY_KPI_CODES)}
    kpis = KpiDefinition.objects.filter(code__in=codes).only("code", "name", "unit")
    rows = [
        KpiSource(
            code=kpi.code,
            name=kpi.name,
            unit=kpi.unit,
            bindings=tuple(measuring.get(kpi.code, ())),
            covers_from=min((b.covers_from for b in measuring.get(kpi.code, ())), default=None),
            in_sla=kpi.code in in_sla,
            typed_values=typed.get(kpi.code, 0),
        )
        for kpi in kpis
    ]
    # Telemetry's first (in the catalogue's telemetry order), then the typed ones by name.
    return sorted(rows, key=lambda row: (not row.measured, order.get(row.code, len(order)), row.name))


def contract_telemetry(*, user: Any | None, contract: Contract) -> dict[str, Any]:
    """What the contract's telemetry tab shows: its bindings, where each of its KPIs comes from, and
    the latest deliveries of its bindings, newest first (five queries)."""
    bindings = list(binding_list(user=user).filter(contract=contract).order_by("-active", "source", "scope", "pk"))
    deliveries = list(
        delivery_list(user=user).filter(binding__contract=contract).order_by("-received_at", "-pk")[:RECENT_DELIVERIES]
    )
    return {
        "bindings": bindings,
        "kpi_sources": kpi_sources(contract=contract, bindings=bindings),
        "deliveries": deliveries,
    }


def kpi_names(codes: Any = TELEMETRY_KPI_CODES) -> dict[str, str]:
    """KPI code → name, for the codes telemetry can measure (one query)."""
    return dict(KpiDefinition.objects.filter(code__in=list(codes)).values_list("code", "name"))

"""The SLA terms of contracts as an import register (``apps.core.importing``), written through
``apps.performance.services``. A term is known by its contract's reference, its KPI's code and its
window; the rest of the row is the term. docs/operations/import-registers.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from django.db.models.functions import Lower

from apps.contracts.imports import contracts_by_reference, resolve_contract
from apps.core.importing import (
    ImportColumn,
    ImportContext,
    ParsedRow,
    RecordRegister,
    normalise_key_part,
    read_choice,
    read_decimal,
    read_int,
    register_import,
)
from apps.kpis.choices import Aggregation
from apps.kpis.models import KpiDefinition
from apps.performance import services
from apps.performance.choices import Comparator, Severity, SlaArea, WindowKind
from apps.performance.models import SlaTerm
from apps.performance.term_rules import COMPARATOR_OF_DIRECTION

# What people write for a comparator besides its code and label.
COMPARATOR_SYMBOLS = [
    (Comparator.GTE.value, ">="),
    (Comparator.GTE.value, "≥"),
    (Comparator.GTE.value, "at least"),
    (Comparator.LTE.value, "<="),
    (Comparator.LTE.value, "≤"),
    (Comparator.LTE.value, "at most"),
]


def _read_comparator(cell: str, decimal_comma: bool) -> str | None:
    return read_choice([*Comparator.choices, *COMPARATOR_SYMBOLS])(cell, decimal_comma)


class SlaTermRegister(RecordRegister):
    key = "sla_terms"
    label = "SLA terms"
    order = 44
    model = SlaTerm
    permission = "performance.add_slaterm"
    description = (
        "One row per SLA term of a contract: the KPI, its target and how it is measured. A term is known by "
        "its contract, KPI and window; a row naming a known one updates its target and the rest."
    )
    natural_key = ("contract", "kpi", "window")
    natural_key_help = "contract reference, KPI code and window"
    columns = (
        ImportColumn("contract", required=True, help="The contract's reference.", example="SOW-2026-014"),
        ImportColumn("kpi", required=True, help="The KPI's code.", example="defect_escape_rate", aliases=("kpi_code",)),
        ImportColumn("window", required=True, help="month, quarter or rolling.", example="month"),
        ImportColumn("window_days", help="Days of a rolling window (rolling only).", example=""),
        ImportColumn(
            "area",
            required=True,
            help="delivery, quality, support, security or documentation.",
            example="quality",
        ),
        ImportColumn(
            "comparator",
            help="gte (at least, ≥) or lte (at most, ≤); empty: the one the KPI's direction calls for.",
            example="lte",
        ),
        ImportColumn("target", required=True, example="5"),
        ImportColumn("warning_target", help="An early warning on the safe side of the target.", example="4"),
        ImportColumn("aggregation", help="Empty: the KPI's default (mean, sum, min, max, latest, ratio).", example=""),
        ImportColumn("min_samples", help="Samples a window needs (default 1).", example="1"),
        ImportColumn("severity", help="minor, major (default) or critical.", example="major"),
        ImportColumn(
            "credit_percent", help="Service credit on a breach, % of the window's value (0–100).", example="5"
        ),
        ImportColumn("description"),
    )
    readers = {
        "window": read_choice(WindowKind),
        "window_days": read_int,
        "area": read_choice(SlaArea),
        "comparator": _read_comparator,
        "target": read_decimal,
        "warning_target": read_decimal,
        "aggregation": read_choice(Aggregation),
        "min_samples": read_int,
        "severity": read_choice(Severity),
        "credit_percent": read_decimal,
    }
    required_for_new = ("area", "target")

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        contracts = contracts_by_reference(
            [row.values["contract"] for row in rows if row.given("contract")], lock=writing
        )
        codes = {row.values["kpi"].lower() for row in rows if row.given("kpi")}
        kpis = {
            normalise_key_part(kpi.code): kpi
            for kpi in (
                KpiDefinition.objects.annotate(code_lower=Lower("code")).filter(code_lower__in=codes) if codes else []
            )
        }
        found = {contract.pk for listed in contracts.values() for contract in listed}
        terms: dict[tuple[int, int, str], list[SlaTerm]] = {}
        for term in SlaTerm.objects.filter(contract__in=found).select_related("kpi", "contract") if found else []:
            terms.setdefault((term.contract_id, term.kpi_id, term.window), []).append(term)
        for row in rows:
            contract = resolve_contract(row, contracts, context=context) if row.given("contract") else None
            kpi = kpis.get(normalise_key_part(row.values.get("kpi"))) if row.given("kpi") else None
            if row.given("kpi") and kpi is None:
                row.error("kpi", f"No KPI with the code “{row.values['kpi']}”.")
            row.fields.update(contract=contract, kpi=kpi)
            if contract is None or kpi is None or not row.given("window"):
                continue
            same = terms.get((contract.pk, kpi.pk, row.values["window"]), [])
            if len(same) > 1:
                row.error(
                    "window",
                    f"“{contract}” has several {kpi.code} terms over this window: change them on the contract's page.",
                )
            elif same:
                row.existing = same[0]

    def fields_of(self, row: ParsedRow) -> dict[str, Any]:
        fields = {**super().fields_of(row), **row.fields}
        kpi = fields.get("kpi")
        if row.existing is None and "comparator" not in fields and kpi is not None:
            comparator = COMPARATOR_OF_DIRECTION.get(kpi.direction)
            if comparator:
                fields["comparator"] = comparator
        return fields

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.sla_term_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.sla_term_update(instance=instance, actor=actor, data=fields)


def register_imports() -> None:
    """Called from ``PerformanceConfig.ready()``."""
    register_import(SlaTermRegister())

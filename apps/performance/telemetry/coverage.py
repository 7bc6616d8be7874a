"""Which KPIs delivery telemetry measures for which contracts, and from when (one source of truth per
contract and KPI: docs/telemetry/metrics.md).

A KPI is covered for a contract when one of the contract's ACTIVE bindings lists it in ``measures``;
from the earliest ``covers_from`` of those bindings, telemetry writes its values and manual ones are
refused (``apps.performance.services``). Pages mark such KPIs as measured, not typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from apps.performance.telemetry.models import SourceBinding


@dataclass(frozen=True)
class Coverage:
    """The binding that measures a KPI for a contract (the one with the earliest ``covers_from`` when
    several do), what pages call it, and the first day telemetry is the KPI's source: periods ending
    on or after it."""

    binding_id: int
    binding_label: str
    covers_from: date


def telemetry_coverage(*, contract_ids: Iterable[int]) -> dict[int, dict[str, Coverage]]:
    """Contract id → KPI code → ``Coverage``, for the KPIs the contracts' active bindings measure
    (every contract asked for has an entry, empty when nothing is measured). One query."""
    ids = {int(pk) for pk in contract_ids}
    coverage: dict[int, dict[str, Coverage]] = {pk: {} for pk in ids}
    if not ids:
        return coverage
    bindings = (
        SourceBinding.objects.filter(contract_id__in=ids, active=True)
        .exclude(measures=[])
        .only("id", "contract_id", "source", "name", "scope", "component", "label", "measures", "covers_from")
        .order_by("contract_id", "covers_from", "pk")
    )
    for binding in bindings:
        by_code = coverage[binding.contract_id]
        for code in binding.measures:
            if code not in by_code:  # the earliest covers_from wins (ordered above)
                by_code[code] = Coverage(binding.pk, str(binding), binding.covers_from)
    return coverage

"""Measured or typed: how many of the KPIs the portfolio's SLA terms hold vendors to are measured by
delivery telemetry (from the vendor team's own Git, CI, tracker and incident tool) rather than typed
(entered, imported or sent already aggregated) — issue 14, item 6.

*Measured by telemetry: N of M*: M is the distinct (contract, KPI) pairs of the SLA terms of active
contracts in scope; N those an active source binding of the contract measures
(``apps.performance.telemetry.coverage``). Counts only: no person, no event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.contracts.choices import ContractStatus
from apps.contracts.scope import ScopeAnchor
from apps.dashboards.scope import Scope, percent
from apps.performance.selectors import sla_term_list
from apps.performance.telemetry.coverage import telemetry_coverage

# Where an SLA term meets the scope: its contract, and the contract's vendor.
SLA_TERM_ROW = ScopeAnchor(vendor="contract__vendor", contract="contract")


@dataclass(frozen=True)
class TelemetryShare:
    measured: int  # (contract, KPI) pairs measured by telemetry
    total: int  # (contract, KPI) pairs the SLA terms of active contracts hold

    @property
    def typed(self) -> int:
        return self.total - self.measured

    @property
    def percent(self) -> Any:
        return percent(self.measured, self.total)


def telemetry_share(*, scope: Scope, user: Any = None) -> TelemetryShare:
    """Two queries (one when no SLA term is in scope): the pairs, then their coverage."""
    pairs = set(
        sla_term_list(user=user)
        .filter(scope.q(SLA_TERM_ROW), contract__status=ContractStatus.ACTIVE)
        .order_by()
        .values_list("contract_id", "kpi__code")
        .distinct()
    )
    if not pairs:
        return TelemetryShare(measured=0, total=0)
    coverage = telemetry_coverage(contract_ids={contract_id for contract_id, _ in pairs})
    measured = sum(1 for contract_id, code in pairs if code in coverage.get(contract_id, {}))
    return TelemetryShare(measured=measured, total=len(pairs))

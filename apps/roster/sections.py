"""What the roster adds to the contract page (``apps.core.sections``, ``apps.contracts.sections``): the
*Team* panel (anchor ``#team``) — the staffing plan against the active mix per seniority band, the named
key personnel, the active, upcoming and recently ended assignments, the substitutions (approve / refuse
for the vendor's engineering owner), the open roster findings, and the roster managers' buttons.
Registered at ``ready()``; a constant number of queries whatever the size of the team."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.contracts.models import Contract
from apps.contracts.sections import CONTRACT_PAGE
from apps.core.sections import register_section
from apps.roster import selectors, services
from apps.roster.choices import SubstitutionStatus
from apps.vendors import roster_access


def team_context(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    """The Team panel: five queries (assignments, plan, its lines, substitutions, findings)."""
    user = request.user
    vendor = contract.vendor
    team = selectors.team_for_contract(contract, user=user)
    plan = selectors.staffing_plan_for(contract, user=user)
    substitutions = selectors.pending_first(list(selectors.substitutions_for(contract, user=user)))
    may_manage = roster_access.may_manage_roster(user, vendor)
    return {
        "contract": contract,
        "team": team,
        "plan": plan,
        "mix": selectors.staffing_mix(plan_lines=list(plan.lines.all()) if plan else None, active=team.active),
        "substitutions": substitutions,
        "pending_count": sum(1 for item in substitutions if item.status == SubstitutionStatus.REQUESTED),
        "roster_findings": list(selectors.open_findings_for(contract=contract, user=user)),
        "may_manage_roster": may_manage,
        "may_request_substitution": may_manage or services.may_decide_substitution(user, vendor),
        "may_decide_substitutions": services.may_decide_substitution(user, vendor),
        "user_id": getattr(user, "pk", None),
    }


@register_section(CONTRACT_PAGE, key="team", label="Team", template="roster/panels/contract_team.html", order=35)
def contract_team_panel(request: HttpRequest, contract: Contract) -> dict[str, Any]:
    return team_context(request, contract)

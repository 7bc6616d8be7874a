"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.contracts.api import views

registrations: list[tuple[str, Any, str]] = [
    ("contracts", views.ContractViewSet, "contract"),
    ("contract-clauses", views.ContractClauseViewSet, "contractclause"),
    ("exit-plan-items", views.ExitPlanItemViewSet, "exitplanitem"),
]

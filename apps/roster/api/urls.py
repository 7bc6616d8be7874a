"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.roster.api import views

registrations: list[tuple[str, Any, str]] = [
    ("assignments", views.AssignmentViewSet, "assignment"),
    ("staffing-plans", views.StaffingPlanViewSet, "staffingplan"),
    ("substitutions", views.SubstitutionViewSet, "substitution"),
    ("roster-findings", views.RosterFindingViewSet, "rosterfinding"),
]

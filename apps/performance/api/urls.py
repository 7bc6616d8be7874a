"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.performance.api import views

registrations: list[tuple[str, Any, str]] = [
    ("sla-terms", views.SlaTermViewSet, "slaterm"),
    ("sla-evaluations", views.SlaEvaluationViewSet, "slaevaluation"),
    ("breaches", views.BreachViewSet, "breach"),
    ("measurements", views.MeasurementViewSet, "measurement"),
]

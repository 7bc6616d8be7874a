"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.performance.api import views
from apps.performance.telemetry import api as telemetry

registrations: list[tuple[str, Any, str]] = [
    ("sla-terms", views.SlaTermViewSet, "slaterm"),
    ("sla-evaluations", views.SlaEvaluationViewSet, "slaevaluation"),
    ("breaches", views.BreachViewSet, "breach"),
    ("measurements", views.MeasurementViewSet, "measurement"),
    # Delivery telemetry (apps/performance/telemetry/api.py); the receivers are config/api.py's.
    ("telemetry-bindings", telemetry.SourceBindingViewSet, "sourcebinding"),
    ("telemetry-deliveries", telemetry.DeliveryViewSet, "delivery"),
    ("identity-rules", telemetry.IdentityRuleViewSet, "vendoridentityrule"),
]

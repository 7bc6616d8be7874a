"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.costs.api import views

registrations: list[tuple[str, Any, str]] = [
    ("invoices", views.InvoiceViewSet, "invoice"),
    ("owner-hours", views.OwnerHoursViewSet, "owner-hours"),
]

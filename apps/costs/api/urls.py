"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.costs.api import owner_hours, views

registrations: list[tuple[str, Any, str]] = [
    ("invoices", views.InvoiceViewSet, "invoice"),
    ("owner-hours", owner_hours.OwnerHoursViewSet, "owner-hours"),
]

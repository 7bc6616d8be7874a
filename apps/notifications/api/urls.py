"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.notifications.api import views

registrations: list[tuple[str, Any, str]] = [
    ("notifications", views.NotificationViewSet, "notification"),
]

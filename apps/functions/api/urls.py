"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.functions.api.views import FunctionViewSet

registrations: list[tuple[str, Any, str]] = [("functions", FunctionViewSet, "function")]

"""The receivers' URLs, under ``/api/v1/telemetry/`` (``config/api.py``): one per source, each bound
to one binding by its public id. A source module may add its own paths (``EXTRA_URLPATTERNS``)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from apps.performance.choices import TelemetrySource
from apps.performance.telemetry.receiving import TelemetryReceiverView
from apps.performance.telemetry.registry import adapters

urlpatterns: list[Any] = [
    path(
        f"telemetry/{source}/<uuid:binding>/",
        TelemetryReceiverView.as_view(source=source),
        name=f"telemetry-{source}",
    )
    for source in TelemetrySource.values
]
for _adapter in adapters().values():
    urlpatterns += list(getattr(_adapter, "urlpatterns", []))

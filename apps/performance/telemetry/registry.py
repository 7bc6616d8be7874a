"""The source adapters: what a receiver and the processing need to know of each delivery tool.

Each module of ``apps.performance.telemetry.sources`` defines one ``SourceAdapter`` subclass and
registers an instance with ``register_adapter`` when it is imported (``sources/__init__.py`` imports
them all). The receiver (``receiving``) asks the adapter to verify the signature over the raw body,
to name the event and the delivery, and to parse the payload (a malformed one is a 400 before anything
is stored); the processing (``processing``) parses the stored payload again into normalised events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from apps.performance.telemetry.models import SourceBinding, TelemetryEvent
from apps.vendors.identity import IdentityRules


class SignatureError(Exception):
    """The request is not signed by the binding's secret (answered 401 with this message)."""


class PayloadError(Exception):
    """The payload is not what the source documents (answered 400 with this message; a stored delivery
    whose payload a changed parser refuses is marked failed with it)."""


@dataclass(frozen=True)
class ParseContext:
    """What a parser reads besides the payload: the binding (its scope, component, label, production
    environments) and the vendor's identity rules, read once per delivery."""

    binding: SourceBinding
    rules: IdentityRules


class SourceAdapter:
    """One delivery tool. ``events`` lists the event types it turns into normalised events (the setup
    instructions name them); an event type outside it is acknowledged and not stored (``ignore``)."""

    source: str = ""
    events: tuple[str, ...] = ()

    def verify(self, *, binding: SourceBinding, request: HttpRequest, body: bytes, secret: str) -> None:
        """Raise ``SignatureError`` unless the request carries the source's signature of ``body``
        made with ``secret`` (constant-time comparison: ``telemetry.secrets.same``)."""
        raise NotImplementedError

    def event_type(self, *, request: HttpRequest, payload: Any) -> str:
        """The event's type as the source names it (``push``, ``Merge Request Hook``, ``incident.resolved``)."""
        raise NotImplementedError

    def delivery_id(self, *, request: HttpRequest, payload: Any, body: bytes) -> str:
        """The source's id of this delivery (the same on a redelivery); ``PayloadError`` without one."""
        raise NotImplementedError

    def ignore(self, *, event_type: str, payload: Any) -> str | None:
        """Why a well-signed delivery is acknowledged without being stored (a ping, an event type not
        used), or ``None`` to store it."""
        return None if event_type in self.events else f"{event_type} events are not used."

    def parse(self, *, context: ParseContext, event_type: str, payload: Any) -> list[TelemetryEvent]:
        """The normalised events the payload says, as unsaved model instances without ``binding`` and
        ``contract`` (``events_store`` sets them). Events outside the binding's scope are left out (an
        empty list: the delivery is ``ignored``). ``PayloadError`` when the payload is malformed."""
        raise NotImplementedError


_ADAPTERS: dict[str, SourceAdapter] = {}


def register_adapter(adapter: SourceAdapter) -> SourceAdapter:
    if not adapter.source:
        raise ValueError("A source adapter names its source.")
    _ADAPTERS[adapter.source] = adapter
    return adapter


def adapter_for(source: str) -> SourceAdapter:
    from apps.performance.telemetry import sources  # noqa: F401  # registers every adapter on import

    return _ADAPTERS[source]


def adapters() -> Mapping[str, SourceAdapter]:
    from apps.performance.telemetry import sources  # noqa: F401  # registers every adapter on import

    return dict(_ADAPTERS)

"""The tone of a status badge (its colour), declared by the app that owns the status.

Each app registers the tones of its statuses next to their choices (``register_tones`` at the end of
its ``choices.py``, which its models import, so every tone is known once the apps are loaded); the
``{% badge %}`` tag reads them with ``tone_for``. Core thereby colours every app's statuses without
knowing any of them.

The badge sees only the stored value, so a value shared by several choices (``active`` of a vendor and
of a contract, ``open`` of a risk and of a breach) must have one tone everywhere: registering another
tone for it is an error, found at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from django.core.exceptions import ImproperlyConfigured

GOOD = "good"
WARN = "warn"
BAD = "bad"
INFO = "info"
QUIET = "quiet"
TONES = (GOOD, WARN, BAD, INFO, QUIET)

_tones: dict[str, str] = {}


def register_tones(tones: Mapping[str, str]) -> None:
    """Add ``{value: tone}`` (keys may be choices members) to the registry. Registering a value again
    with the same tone is a no-op; with another tone, or with an unknown tone, nothing is added and
    ``ImproperlyConfigured`` is raised."""
    incoming = {str(value): tone for value, tone in tones.items()}
    for value, tone in incoming.items():
        if tone not in TONES:
            raise ImproperlyConfigured(f"Unknown badge tone {tone!r} for {value!r}: one of {', '.join(TONES)}.")
        known = _tones.get(value)
        if known is not None and known != tone:
            raise ImproperlyConfigured(
                f"The status value {value!r} is registered with the tone {known!r} and now {tone!r}: a badge "
                "sees only the value, so every choice using it must share one tone."
            )
    _tones.update(incoming)


def tone_for(value: object) -> str:
    """The registered tone of a status value; ``QUIET`` for a value nobody registered."""
    return _tones.get(str(value), QUIET)


def registered_tones() -> Mapping[str, str]:
    """Every registered ``{value: tone}`` (read-only)."""
    return MappingProxyType(_tones)

"""Annotations an upper floor adds to a lower floor's selector.

A selector returns its rows with what their page shows annotated in the same query. Sometimes a lower
app's page shows a number only an upper app can count: the vendor page's tab bar counts the vendor's
contracts, on the tab the contracts app registers (``apps.core.sections``). The upper app registers the
annotation under the selector's name when it is ready; the selector applies whatever is registered under
its name, so it never imports the upper app::

    register_annotation("vendors.vendor_detail", "contract_count", contract_count)  # contracts, at ready()
    Vendor.objects.annotate(**registered_annotations("vendors.vendor_detail"))     # the vendors' selector

A factory is called each time the selector runs and returns an expression over the selector's rows
(``OuterRef("pk")`` is the row): a correlated subquery keeps one row per row, where a join of a
to-many relation would multiply them. Registering a name again replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AnnotationFactory = Callable[[], Any]

_ANNOTATIONS: dict[str, dict[str, AnnotationFactory]] = {}


def register_annotation(selector: str, name: str, factory: AnnotationFactory) -> None:
    """Have ``selector`` (by convention ``"<app label>.<selector name>"``) annotate ``name`` with what
    ``factory()`` returns."""
    _ANNOTATIONS.setdefault(selector, {})[name] = factory


def registered_annotations(selector: str) -> dict[str, Any]:
    """The annotations registered for ``selector``, fresh: ``queryset.annotate(**registered_annotations(...))``."""
    return {name: factory() for name, factory in _ANNOTATIONS.get(selector, {}).items()}

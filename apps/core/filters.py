"""Filters an upper floor adds to a lower floor's FilterSet.

A list page and its API share one django-filter FilterSet, declared by the app that owns the rows. Some
filters of those rows mean something only an app on a higher floor can say: the vendors with a contract
of an engagement model, the functions an active contract of a vendor covers. That app adds them to the
lower FilterSet when it is ready (``register_filters`` from its ``AppConfig.ready``), so the lower app
never imports it. Once registered, a filter is one of the FilterSet's like those it declares: the list
page, the API and the API schema all see it, and a query string means the same on each.

- A registered filter's ``method``, if it has one, is a callable ``(queryset, name, value)``: a method
  *name* would be looked up on the lower FilterSet, which has no such method.
- The FilterSet's own filters win: registering a name it declares itself is an error. Registering a
  name again replaces the filter registered before (a ``ready()`` run twice is harmless).
- Register on the class the pages and the API use: a subclass made before the registration does not
  see it (one made after does).
"""

from __future__ import annotations

from typing import Any

from django_filters import Filter, FilterSet

# The names each FilterSet was given by registration (the rest it declares itself).
_REGISTERED: dict[type[FilterSet], set[str]] = {}


def register_filters(filterset: type[FilterSet], /, **filters: Filter) -> None:
    """Add ``filters`` (name → filter) to ``filterset``, after the filters it declares."""
    registered = _REGISTERED.setdefault(filterset, set())
    base_filters: dict[str, Any] = filterset.base_filters
    declared_filters: dict[str, Any] = filterset.declared_filters
    for name, added in filters.items():
        if name in base_filters and name not in registered:
            raise ValueError(f"{filterset.__name__} declares its own filter {name!r}; it cannot be registered.")
        if added.field_name is None:
            added.field_name = name  # what django-filter's metaclass does for a declared filter
        base_filters[name] = added
        declared_filters[name] = added  # so a subclass made later inherits it
        registered.add(name)


def registered_filter_names(filterset: type[FilterSet]) -> frozenset[str]:
    """The filters of ``filterset`` that an upper floor registered."""
    return frozenset(_REGISTERED.get(filterset, ()))

"""The FilterSet every list shares, and the filters an upper floor adds to a lower floor's FilterSet.

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

Every FilterSet derives from ``FilterSet`` here, whose filters refuse what they cannot read, on the
filter's name (a 400 over the API, a message on the list page), instead of ignoring it or passing it
to the database: a boolean other than true/false (django-filter reads ``?revoked=banana`` as "any"), a
date and time that does not exist or that PostgreSQL cannot store (``apps.core.dates``), a number
beyond what a query can compare. The filters it generates from model fields are these strict ones,
and a django-filter boolean, date-time or number filter declared or registered on it is refused when
the class is made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django_filters import Filter
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS

from apps.core.forms import DateTimeField
from apps.core.validators import validate_currency_code

# The names each FilterSet was given by registration (the rest it declares itself).
_REGISTERED: dict[type[django_filters.FilterSet], set[str]] = {}


def register_filters(filterset: type[django_filters.FilterSet], /, **filters: Filter) -> None:
    """Add ``filters`` (name → filter) to ``filterset``, after the filters it declares."""
    registered = _REGISTERED.setdefault(filterset, set())
    base_filters: dict[str, Any] = filterset.base_filters
    declared_filters: dict[str, Any] = filterset.declared_filters
    for name, added in filters.items():
        refuse_lax_filter(filterset, name, added)
        if name in base_filters and name not in registered:
            raise ValueError(f"{filterset.__name__} declares its own filter {name!r}; it cannot be registered.")
        if added.field_name is None:
            added.field_name = name  # what django-filter's metaclass does for a declared filter
        base_filters[name] = added
        declared_filters[name] = added  # so a subclass made later inherits it
        registered.add(name)


def registered_filter_names(filterset: type[django_filters.FilterSet]) -> frozenset[str]:
    """The filters of ``filterset`` that an upper floor registered."""
    return frozenset(_REGISTERED.get(filterset, ()))


# -- filters that refuse what they cannot read ---------------------------------------------------------------
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
ANY_WORDS = frozenset({"", "unknown"})  # no filter: the filter bar's "any"


def read_boolean(value: Any) -> bool | None:
    """``True``/``False`` from the words a query string or a form uses, ``None`` for "any", ``ValueError``
    for anything else."""
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ANY_WORDS:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(value)


class BooleanSelect(forms.NullBooleanSelect):
    """The filter bar's yes / no / any menu. It hands the field the word that was sent: Django's widget
    turns an unknown word into "any" before the field could refuse it."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def format_value(self, value: Any) -> str:  # type: ignore[override]  # one value, as NullBooleanSelect's own (the stubs type ChoiceWidget's list)
        try:
            chosen = read_boolean(value)
        except ValueError:
            return "unknown"
        return "unknown" if chosen is None else ("true" if chosen else "false")


class BooleanFormField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no, on/off, in any case); empty or ``unknown`` is no filter; anything
    else is an error."""

    widget = BooleanSelect
    default_error_messages = {"invalid": "Enter true or false."}

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # None is "any", as NullBooleanField's own
        try:
            return read_boolean(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


# A number a filter compares is an id (a bigint), a score, a year: more digits than these, or a huge
# exponent, cannot reach PostgreSQL (nor, as an integer of thousands of digits, Python's int-to-text).
NUMBER_FILTER_MAX_DIGITS = 24
NUMBER_FILTER_DECIMAL_PLACES = 10
NUMBER_FILTER_MIN = Decimal("-1e50")  # django-filter's own maximum is 1e50


class NumberFormField(forms.DecimalField):
    """A finite decimal of at most 24 digits, 10 of them after the point."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", NUMBER_FILTER_MAX_DIGITS)
        kwargs.setdefault("decimal_places", NUMBER_FILTER_DECIMAL_PLACES)
        kwargs.setdefault("min_value", NUMBER_FILTER_MIN)
        super().__init__(**kwargs)


class BooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanFormField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date and time, read by ``apps.core.dates``: an offset within ±15:59, a moment that
    exists in UTC and in ``TIME_ZONE``; without an offset it is read in ``TIME_ZONE``."""

    field_class = DateTimeField


class NumberFilter(django_filters.NumberFilter):
    field_class = NumberFormField


# django-filter's filter → the strict one to use instead.
STRICT_FILTERS: dict[type[Filter], type[Filter]] = {
    django_filters.BooleanFilter: BooleanFilter,
    django_filters.DateTimeFilter: IsoDateTimeFilter,
    django_filters.IsoDateTimeFilter: IsoDateTimeFilter,
    django_filters.NumberFilter: NumberFilter,
}


def refuse_lax_filter(filterset: type[django_filters.FilterSet], name: str, candidate: Filter) -> None:
    """A django-filter filter that lets through what it cannot read is a mistake of the code: say which
    filter to use instead."""
    for lax, strict in STRICT_FILTERS.items():
        if isinstance(candidate, lax) and not isinstance(candidate, strict):
            raise ImproperlyConfigured(
                f"{filterset.__name__}.{name}: use apps.core.filters.{strict.__name__}, not django-filter's "
                f"{type(candidate).__name__}, which ignores or passes on values it cannot read."
            )


def _strict_defaults() -> dict[Any, dict[str, Any]]:
    defaults = {}
    for model_field, options in FILTER_FOR_DBFIELD_DEFAULTS.items():
        strict = STRICT_FILTERS.get(options["filter_class"])
        defaults[model_field] = {**options, "filter_class": strict} if strict else dict(options)
    return defaults


class FilterSet(django_filters.FilterSet):
    """The base of every FilterSet: the filters it generates from model fields are the strict ones, and a
    lax one declared on it is refused."""

    FILTER_DEFAULTS: ClassVar[dict[Any, dict[str, Any]]] = _strict_defaults()

    @classmethod
    def get_filters(cls) -> dict[str, Filter]:
        filters: dict[str, Filter] = super().get_filters()
        for name, candidate in filters.items():
            refuse_lax_filter(cls, name, candidate)
            if _is_currency_code(cls._meta.model, candidate):
                candidate.lookup_expr = "iexact"  # "eur" finds the EUR rows, as forms and the API read it
        return filters


def _is_currency_code(model: Any, candidate: Filter) -> bool:
    """A filter generated on a currency code field (exact match on a field ``validate_currency_code`` checks)."""
    if model is None or type(candidate) is not django_filters.CharFilter or candidate.lookup_expr != "exact":
        return False
    try:
        field = model._meta.get_field(candidate.field_name)
    except FieldDoesNotExist:
        return False
    return validate_currency_code in getattr(field, "validators", ())

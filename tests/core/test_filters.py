"""Filters an upper floor registers on a lower floor's FilterSet (apps.core.filters)."""

from __future__ import annotations

from typing import Any

import django_filters
import pytest
from django.db.models import QuerySet

from apps.core.filters import NumberFilter, register_filters, registered_filter_names
from apps.functions.models import Function
from tests.factories import FunctionFactory


def _throwaway_filterset() -> type[django_filters.FilterSet]:
    class ThrowawayFilterSet(django_filters.FilterSet):
        q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

        class Meta:
            model = Function
            fields = ["q"]

    return ThrowawayFilterSet


def _only_scarce(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
    return queryset.filter(scarce__gte=value)


@pytest.mark.django_db
def test_a_registered_filter_filters_like_a_declared_one() -> None:
    filterset = _throwaway_filterset()
    register_filters(filterset, scarce_min=NumberFilter(method=_only_scarce))
    scarce = FunctionFactory(name="Scarce", scarce=5)
    FunctionFactory(name="Common", scarce=1)

    bound = filterset({"scarce_min": "4"}, queryset=Function.objects.all())
    assert list(bound.qs) == [scarce]
    assert list(filterset({}, queryset=Function.objects.all()).qs.order_by("name")) != [scarce]  # no value: no filter
    assert list(filterset.base_filters) == ["q", "scarce_min"]  # after the declared ones
    assert filterset.base_filters["scarce_min"].field_name == "scarce_min"
    assert registered_filter_names(filterset) == {"scarce_min"}


def test_the_filtersets_own_filter_wins_and_registering_again_replaces() -> None:
    filterset = _throwaway_filterset()
    with pytest.raises(ValueError, match="declares its own filter 'q'"):
        register_filters(filterset, q=django_filters.CharFilter(field_name="description"))
    register_filters(filterset, extra=django_filters.CharFilter(label="First"))
    register_filters(filterset, extra=django_filters.CharFilter(label="Second"))  # a ready() run twice
    assert filterset.base_filters["extra"].label == "Second"
    assert list(filterset.base_filters) == ["q", "extra"]


def test_a_subclass_made_after_the_registration_inherits_it() -> None:
    filterset = _throwaway_filterset()
    register_filters(filterset, extra=django_filters.CharFilter())

    class Later(filterset):  # type: ignore[valid-type]  # a class made by a function
        pass

    assert "extra" in Later.base_filters

"""Annotations an upper floor registers on a lower floor's selector (apps.core.annotations)."""

from __future__ import annotations

import pytest
from django.db.models import F, Value

from apps.core.annotations import register_annotation, registered_annotations
from apps.functions.models import Function
from tests.factories import FunctionFactory

pytestmark = pytest.mark.django_db


def test_a_selector_applies_what_is_registered_under_its_name() -> None:
    selector = "tests.throwaway_selector"
    assert registered_annotations(selector) == {}
    register_annotation(selector, "score_sum", lambda: F("strategic") + F("scarce"))
    register_annotation(selector, "marker", lambda: Value(1))
    register_annotation(selector, "marker", lambda: Value(2))  # registered again: replaced

    function = FunctionFactory(strategic=2, scarce=5)
    row = Function.objects.annotate(**registered_annotations(selector)).get(pk=function.pk)
    assert (row.score_sum, row.marker) == (7, 2)
    assert registered_annotations("tests.another_selector") == {}

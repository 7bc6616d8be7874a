"""The FilterSet shared by the notifications page and ``GET /api/v1/notifications/``."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from apps.core.filters import BooleanFilter, FilterSet
from apps.notifications.choices import NotificationKind
from apps.notifications.models import Notification


class NotificationFilterSet(FilterSet):
    read = BooleanFilter(method="filter_read", label="Read")
    # Checkboxes: the filter bar renders a multiple choice as a menu of check boxes.
    kind = django_filters.MultipleChoiceFilter(choices=NotificationKind.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Notification
        fields = ["read", "kind"]

    def filter_read(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=not value)

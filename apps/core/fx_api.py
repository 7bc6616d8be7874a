"""The FX-rate table over the API (``/api/v1/fx-rates/``): everyone signed in reads, admins write."""

from __future__ import annotations

import django_filters

from apps.core import fx
from apps.core.api import NO_VENDOR, ModelSerializer, ServiceModelViewSet
from apps.core.filters import FilterSet
from apps.core.models import FxRate


class FxRateFilterSet(FilterSet):
    currency = django_filters.CharFilter(method="filter_currency", label="Currency (ISO 4217)")
    valid_on_after = django_filters.DateFilter(field_name="valid_on", lookup_expr="gte", label="Valid on/after")
    valid_on_before = django_filters.DateFilter(field_name="valid_on", lookup_expr="lte", label="Valid on/before")

    class Meta:
        model = FxRate
        fields = ["currency", "valid_on"]

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency=str(value).strip().upper()) if value else queryset


class FxRateSerializer(ModelSerializer):
    class Meta:
        model = FxRate
        fields = ["id", "currency", "valid_on", "rate", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class FxRateViewSet(ServiceModelViewSet):
    """Dated FX rates to the reporting currency (``REPORTING_CURRENCY``): ``rate`` is the reporting
    currency's amount for one unit of ``currency`` from ``valid_on``. Written by admins."""

    scope_area = "admin"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = NO_VENDOR

    selector = fx.fx_rate_list
    create_service = fx.fx_rate_create
    update_service = fx.fx_rate_update
    delete_service = fx.fx_rate_delete
    serializer_class = FxRateSerializer
    filterset_class = FxRateFilterSet
    ordering_fields = ["currency", "valid_on"]
    ordering = ["currency", "-valid_on"]

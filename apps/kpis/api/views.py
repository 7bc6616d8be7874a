"""The KPI catalogue API: thin viewsets that read through selectors and write through services."""

from apps.core.api import NO_VENDOR, ServiceModelViewSet
from apps.kpis import filters, selectors, services
from apps.kpis.api import serializers


class KpiDefinitionViewSet(ServiceModelViewSet):
    """The KPI catalogue with each KPI's performance bands. Written by admins."""

    scope_area = "admin"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = NO_VENDOR

    selector = selectors.kpi_definition_list
    create_service = services.kpi_definition_create
    update_service = services.kpi_definition_update
    delete_service = services.kpi_definition_delete
    serializer_class = serializers.KpiDefinitionSerializer
    filterset_class = filters.KpiDefinitionFilterSet
    search_fields = ["code", "name", "description"]
    ordering_fields = ["name", "code"]
    ordering = ["name"]


class PerformanceBandViewSet(ServiceModelViewSet):
    """Performance bands (DORA's, by report year, or the organisation's). Written by admins."""

    scope_area = "admin"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = NO_VENDOR

    selector = selectors.performance_band_list
    create_service = services.performance_band_create
    update_service = services.performance_band_update
    delete_service = services.performance_band_delete
    serializer_class = serializers.PerformanceBandSerializer
    filterset_class = filters.PerformanceBandFilterSet
    ordering_fields = ["year", "rank"]
    ordering = ["kpi__name", "source", "-year", "rank"]

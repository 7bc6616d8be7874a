from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ServiceModelViewSet
from apps.kpis import filters, selectors, services
from apps.kpis.api import serializers
from apps.kpis.choices import MeasurementSource
from apps.kpis.models import Measurement


class KpiDefinitionViewSet(ServiceModelViewSet):
    """The KPI catalogue with each KPI's performance bands. Written by admins."""

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

    selector = selectors.performance_band_list
    create_service = services.performance_band_create
    update_service = services.performance_band_update
    delete_service = services.performance_band_delete
    serializer_class = serializers.PerformanceBandSerializer
    filterset_class = filters.PerformanceBandFilterSet
    ordering_fields = ["year", "rank"]
    ordering = ["kpi__name", "source", "-year", "rank"]


def _record(*, actor: Any, data: Any) -> Measurement:
    measurement, _result = services.measurement_record(actor=actor, data=data, source=MeasurementSource.API)
    return measurement


def _update(*, instance: Measurement, actor: Any, data: Any) -> Measurement:
    return services.measurement_update(instance=instance, actor=actor, data=data, source=MeasurementSource.API)


class MeasurementViewSet(ServiceModelViewSet):
    """KPI measurements. POST is an upsert on (contract, KPI, period): 201 when created, 200 when the
    period existed (updated, or unchanged on a retry); the body's `result` says which."""

    selector = selectors.measurement_list
    create_service = _record
    update_service = _update
    delete_service = services.measurement_delete
    serializer_class = serializers.MeasurementSerializer
    filterset_class = filters.MeasurementFilterSet
    search_fields = ["note"]
    ordering_fields = ["period_end", "period_start", "value", "created_at"]
    ordering = ["-period_end", "contract_id", "kpi_id"]

    @extend_schema(
        request=serializers.MeasurementSerializer,
        responses={
            201: serializers.MeasurementResultSerializer,
            200: OpenApiResponse(serializers.MeasurementResultSerializer, description="The period existed."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        measurement, result = services.measurement_record(
            actor=request.user, data=body.validated_data, source=MeasurementSource.API
        )
        data = {**serializers.MeasurementSerializer(self.reloaded(measurement)).data, "result": result}
        return Response(data, status=status.HTTP_201_CREATED if result == services.CREATED else status.HTTP_200_OK)

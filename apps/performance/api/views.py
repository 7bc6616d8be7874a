"""The performance API: thin viewsets that read through selectors and write through services."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ServiceModelViewSet, bulk_rows
from apps.performance import filters, selectors, services
from apps.performance.api import serializers
from apps.performance.choices import MeasurementSource
from apps.performance.models import Measurement


class SlaTermViewSet(ServiceModelViewSet):
    """SLA terms: what each contract measures, against which target, over which window. A term with
    evaluations or breaches cannot be deleted (409)."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"

    selector = selectors.sla_term_list
    create_service = services.sla_term_create
    update_service = services.sla_term_update
    delete_service = services.sla_term_delete
    serializer_class = serializers.SlaTermSerializer
    filterset_class = filters.SlaTermFilterSet
    search_fields = ["contract__title", "kpi__code", "kpi__name", "description"]
    ordering_fields = ["area", "severity", "target", "created_at"]
    ordering = ["contract", "area", "id"]


class SlaEvaluationViewSet(ServiceModelViewSet):
    """Evaluations are written by the SLA engine only."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "term__contract__vendor"

    selector = selectors.sla_evaluation_list
    serializer_class = serializers.SlaEvaluationSerializer
    filterset_class = filters.SlaEvaluationFilterSet
    ordering_fields = ["window_start", "evaluated_at", "status"]
    ordering = ["-window_start", "term_id"]


class BreachViewSet(ServiceModelViewSet):
    """Breaches are opened by the SLA engine; people acknowledge, resolve or waive them."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "term__contract__vendor"

    selector = selectors.breach_list
    serializer_class = serializers.BreachSerializer
    filterset_class = filters.BreachFilterSet
    ordering_fields = ["window_start", "detected_at", "severity", "status", "credit_amount"]
    ordering = ["-window_start", "-detected_at"]
    action_permissions = {
        "acknowledge": "performance.acknowledge_breach",
        "resolve": "performance.resolve_breach",
        "waive": "performance.waive_breach",
    }

    def _answer(self, breach: Any) -> Response:
        return Response(serializers.BreachSerializer(self.reloaded(breach)).data)

    @extend_schema(request=None, responses=serializers.BreachSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.breach_acknowledge(breach=self.get_object(), actor=request.user))

    @extend_schema(request=serializers.BreachResolveSerializer, responses=serializers.BreachSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        body = serializers.BreachResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data["reason"] or body.validated_data["note"]
        return self._answer(services.breach_resolve(breach=self.get_object(), actor=request.user, reason=reason))

    @extend_schema(request=serializers.BreachWaiveSerializer, responses=serializers.BreachSerializer)
    @action(detail=True, methods=["post"])
    def waive(self, request: Request, pk: str | None = None) -> Response:
        body = serializers.BreachWaiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            services.breach_waive(breach=self.get_object(), actor=request.user, reason=body.validated_data["reason"])
        )


def _record(*, actor: Any, data: Any) -> Measurement:
    measurement, _result = services.measurement_record(actor=actor, data=data, source=MeasurementSource.API)
    return measurement


def _update(*, instance: Measurement, actor: Any, data: Any) -> Measurement:
    return services.measurement_update(instance=instance, actor=actor, data=data, source=MeasurementSource.API)


class MeasurementViewSet(ServiceModelViewSet):
    """KPI measurements. POST is an upsert on (contract, KPI, period): 201 when created, 200 when the
    period existed (updated, or unchanged on a retry); the body's `result` says which."""

    scope_area = "measurements"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"

    selector = selectors.measurement_list
    create_service = _record
    update_service = _update
    delete_service = services.measurement_delete
    serializer_class = serializers.MeasurementSerializer
    filterset_class = filters.MeasurementFilterSet
    search_fields = ["note"]
    ordering_fields = ["period_end", "period_start", "value", "created_at"]
    ordering = ["-period_end", "contract_id", "kpi_id"]
    action_permissions = {"bulk": selectors.LOG_MEASUREMENTS_PERMISSION}

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

    @extend_schema(
        summary="Upsert many measurements",
        description=(
            "Each row is created or updated on (contract, KPI, period) with the rules of a single POST; a "
            "retried request answers `unchanged` for every row and writes nothing. Valid rows are saved even "
            "when others fail: the answer (200) lists each row's `status` — `created`, `updated`, `unchanged` "
            "with its `id`, or `error` with field messages — by its `index` in the request. A later row with "
            "the same contract, KPI and period as an earlier one is an error (the earlier row is saved). "
            'Body: `{"rows": [...]}` or a bare list; more rows than MEASUREMENT_BULK_MAX_ROWS (5,000) is a 413 '
            "and nothing is written."
        ),
        request=serializers.MeasurementBulkSerializer,
        responses={
            200: serializers.MeasurementBulkResponseSerializer,
            400: OpenApiResponse(description="The body is not a list of rows."),
            413: OpenApiResponse(description="More rows than the limit; nothing was written."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        serializer_class=serializers.MeasurementBulkSerializer,
        list_body=True,  # a bare list of rows is accepted too
    )
    def bulk(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = bulk_rows(
            request,
            limit=settings.MEASUREMENT_BULK_MAX_ROWS,
            example='{"rows": [{"contract": 1, "kpi": "defect_rate", ...}]}',
        )
        if isinstance(rows, Response):
            return rows
        results = services.measurement_bulk_upsert(actor=request.user, rows=rows, source=MeasurementSource.API)
        return Response({"results": [r.as_dict() for r in results], "summary": services.bulk_summary(results)})

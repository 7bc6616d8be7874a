"""The invoices API: a thin viewset that reads through ``apps.costs.selectors`` and writes through
``apps.costs.services``. Procurement and administrators write (create, change, the moves, the bulk
upsert); everyone signed in reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.contracts.models import Contract
from apps.core.api import ServiceModelViewSet, bulk_rows
from apps.core.errors import ApplicationError, PermissionDeniedError, error_messages
from apps.costs import filters, selectors, services
from apps.costs.api import serializers
from apps.costs.choices import InvoiceStatus
from apps.performance.services import ERROR, RowResult, bulk_summary

NON_FIELD_KEY = "non_field_errors"  # where the API puts an error about a row as a whole (DRF's key)


def invoice_bulk_upsert(*, actor: Any, rows: list[Any]) -> list[RowResult]:
    """Each row's shape (``InvoiceBulkRowSerializer``), then ``services.invoice_upsert`` in its own
    transaction: a refused row writes nothing and does not stop the others. The contracts the rows name
    are read in one query."""
    checked: list[tuple[dict[str, Any] | None, dict[str, list[str]]]] = []
    for raw in rows:
        if not isinstance(raw, Mapping):
            checked.append((None, {NON_FIELD_KEY: ["Each row must be an object with the invoice's fields."]}))
            continue
        body = serializers.InvoiceBulkRowSerializer(data=raw)
        if body.is_valid():
            checked.append((dict(body.validated_data), {}))
        else:
            errors = {name: [str(message) for message in messages] for name, messages in body.errors.items()}
            checked.append((None, errors))
    contracts = Contract.objects.in_bulk([data["contract"] for data, _ in checked if data is not None])
    results: list[RowResult] = []
    for index, (data, errors) in enumerate(checked):
        if data is None:
            results.append(RowResult(index=index, status=ERROR, errors=errors))
            continue
        data["contract"] = contracts.get(data["contract"])
        if data["contract"] is None:
            results.append(RowResult(index=index, status=ERROR, errors={"contract": ["No contract with this id."]}))
            continue
        try:
            invoice, outcome = services.invoice_upsert(actor=actor, data=data)
        except PermissionDeniedError:
            raise
        except (ValidationError, ApplicationError) as exc:
            results.append(RowResult(index=index, status=ERROR, errors=error_messages(exc)))
            continue
        results.append(RowResult(index=index, status=outcome, id=invoice.pk))
    return results


class InvoiceViewSet(ServiceModelViewSet):
    """The vendors' invoices on their contracts, with their flags. `approve/`, `dispute/` (with a
    `reason`), `pay/` and `receive/` move them; `bulk/` upserts many by (contract, number)."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"

    selector = selectors.invoice_list
    create_service = services.invoice_create
    update_service = services.invoice_update
    serializer_class = serializers.InvoiceSerializer
    filterset_class = filters.InvoiceFilterSet
    search_fields = ["number", "note", "contract__title"]
    ordering_fields = ["period_end", "period_start", "amount", "received_on", "created_at"]
    ordering = ["-period_end", "-id"]
    action_permissions = {
        "approve": selectors.CHANGE_INVOICE_PERMISSION,
        "dispute": selectors.CHANGE_INVOICE_PERMISSION,
        "pay": selectors.CHANGE_INVOICE_PERMISSION,
        "receive": selectors.CHANGE_INVOICE_PERMISSION,
        "bulk": selectors.ADD_INVOICE_PERMISSION,
    }

    def _move(self, request: Request, to_status: str) -> Response:
        body = serializers.InvoiceTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.invoice_transition(
            invoice=self.get_object(), actor=request.user, to_status=to_status, reason=body.validated_data["reason"]
        )
        return Response(serializers.InvoiceSerializer(self.reloaded(moved)).data)

    @extend_schema(request=serializers.InvoiceTransitionSerializer, responses=serializers.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a received or disputed invoice (409 from another status)."""
        return self._move(request, InvoiceStatus.APPROVED)

    @extend_schema(request=serializers.InvoiceTransitionSerializer, responses=serializers.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: str | None = None) -> Response:
        """Dispute a received or approved invoice with a `reason` (400 without one; 409 once paid)."""
        return self._move(request, InvoiceStatus.DISPUTED)

    @extend_schema(request=serializers.InvoiceTransitionSerializer, responses=serializers.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """Mark an approved invoice paid (final; 409 from another status)."""
        return self._move(request, InvoiceStatus.PAID)

    @extend_schema(request=serializers.InvoiceTransitionSerializer, responses=serializers.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        """Take a disputed invoice back to received (409 from another status)."""
        return self._move(request, InvoiceStatus.RECEIVED)

    @extend_schema(
        summary="Upsert many invoices",
        description=(
            "Each row is created or updated on (contract, number — any case) with the rules of a single "
            "POST or PATCH: the fields a row gives replace the stored ones, those it omits stay; a known "
            "invoice's `status` must match (it moves through its actions). A retried request answers "
            "`unchanged` for every row and writes nothing. Valid rows are saved even when others fail: the "
            "answer (200) lists each row's `status` — `created`, `updated`, `unchanged` with its `id`, or "
            "`error` with field messages — by its `index` in the request. "
            'Body: `{"rows": [...]}` or a bare list; more rows than INVOICE_BULK_MAX_ROWS (5,000) is a 413 '
            "and nothing is written."
        ),
        request=serializers.InvoiceBulkSerializer,
        responses={
            200: serializers.InvoiceBulkResponseSerializer,
            400: OpenApiResponse(description="The body is not a list of rows."),
            413: OpenApiResponse(description="More rows than the limit; nothing was written."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        serializer_class=serializers.InvoiceBulkSerializer,
        list_body=True,  # a bare list of rows is accepted too
    )
    def bulk(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = bulk_rows(
            request, limit=settings.INVOICE_BULK_MAX_ROWS, example='{"rows": [{"contract": 1, "number": "INV-1", ...}]}'
        )
        if isinstance(rows, Response):
            return rows
        results = invoice_bulk_upsert(actor=request.user, rows=rows)
        return Response({"results": [r.as_dict() for r in results], "summary": bulk_summary(results)})


# -- owner hours (/api/v1/owner-hours/) ------------------------------------------------------------------
# List, read, log (POST, an upsert by contract, person and week), change (PATCH/PUT) and delete. Everyone
# signed in reads; who writes is the service's rule (a named owner of the vendor for themselves,
# administrators for anyone: 403 otherwise), so the role check of other endpoints does not apply here. Bad
# input is a 400 with field messages; moving an entry onto another's week a 409.
@extend_schema_view(
    create=extend_schema(
        summary="Log a week's hours",
        description=(
            "Creates the entry of (contract, person, week) — 201 — or replaces its hours and note — 200 (the "
            "same values again write nothing). `week_of` may be any day of the week: it is kept as its Monday."
        ),
        responses={
            200: serializers.OwnerHoursSerializer,
            201: serializers.OwnerHoursSerializer,
            403: OpenApiResponse(description="Not a named owner of the vendor logging their own hours, nor an admin."),
        },
    )
)
class OwnerHoursViewSet(ServiceModelViewSet):
    """The hours the vendors' named owners logged on their contracts, week by week."""

    scope_area = "contracts"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = "contract__vendor"
    permission_classes = [IsAuthenticated]  # who may write is the service's rule (apps.costs.selectors.may_log_hours)

    selector = selectors.owner_hours_list
    update_service = services.owner_hours_update
    delete_service = services.owner_hours_delete
    serializer_class = serializers.OwnerHoursSerializer
    filterset_class = filters.OwnerHoursFilterSet
    search_fields = ["note", "contract__title"]
    ordering_fields = ["week_of", "hours", "created_at"]
    ordering = ["-week_of", "contract", "person"]

    @classmethod
    def offers(cls, action: str) -> bool:
        return True if action == "create" else super().offers(action)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry, outcome = services.owner_hours_log(actor=request.user, data=body.validated_data)
        answer = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(self.get_serializer(self.reloaded(entry)).data, status=answer)

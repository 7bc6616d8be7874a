"""API plumbing every endpoint shares: the base viewset (scoping, services), the base serializer and
the one mapping from application errors to HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import Model, QuerySet
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueTogetherValidator, UniqueValidator
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ApplicationError
from apps.core.permissions import SCOPE_AREAS, scope_refusal, token_allows
from apps.core.validators import validate_currency_code

logger = logging.getLogger(__name__)

UNIQUENESS_CODES = frozenset({"unique", "unique_together"})


def _django_error_dict(exc: DjangoValidationError) -> tuple[dict[str, list[str]], set[str | None]]:
    codes: set[str | None] = set()
    messages: dict[str, list[str]] = {}
    error_dict = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for field, errors in error_dict.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
        for error in errors:
            codes.add(error.code)
            messages.setdefault(key, []).extend(error.messages)
    return messages, codes


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Model validation → 400 with field messages (409 when it is only a uniqueness conflict);
    application errors → their own status; a database race on a constraint → 409. Never a 500."""
    if isinstance(exc, DjangoValidationError):
        messages, codes = _django_error_dict(exc)
        conflict = bool(codes) and codes <= UNIQUENESS_CODES
        return Response(messages, status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, IntegrityError):
        return Response({"detail": ["The change conflicts with an existing record."]}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DataError):
        # Only a net: input is checked where it is read (the parser, the fields, apps.core.dates), so
        # reaching here means a check is missing; it is logged to be added.
        logger.warning("A value reached the database unchecked", exc_info=exc)
        return Response(
            {"detail": ["The database refused a value of the request (out of range or not representable)."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


JSON_TYPE_NAMES = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}


def require_object_body(request: Request) -> None:
    """A write's body is a JSON object (``{…}``): ``false``, ``[null]``, ``"x"``, ``123`` or ``null`` are
    refused (400), on every operation, those that read nothing from their body included."""
    data = request.data
    if isinstance(data, Mapping):
        return
    got = "null" if data is None else JSON_TYPE_NAMES.get(type(data), type(data).__name__)
    raise serializers.ValidationError(
        {api_settings.NON_FIELD_ERRORS_KEY: [f"Expected a JSON object ({{…}}) as the request body, but got {got}."]},
        code="invalid",
    )


class ModelSerializer(serializers.ModelSerializer):
    """Checks the shape of input only. Uniqueness and cross-field rules are the model's (``full_clean``
    in the service), so they are checked once and a duplicate answers 409 rather than DRF's 400."""

    def get_validators(self) -> list[Any]:
        return [v for v in super().get_validators() if not isinstance(v, UniqueTogetherValidator)]

    def build_field(self, *args: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        field_class, field_kwargs = super().build_field(*args, **kwargs)
        if "validators" in field_kwargs:
            field_kwargs["validators"] = [v for v in field_kwargs["validators"] if not isinstance(v, UniqueValidator)]
            if field_class is serializers.CharField and validate_currency_code in field_kwargs["validators"]:
                field_class = CurrencyCodeField
        return field_class, field_kwargs


class CurrencyCodeField(serializers.CharField):
    """An ISO 4217 code in any case: "eur" is read as "EUR" before the model's validator checks it."""

    def to_internal_value(self, data: Any) -> str:
        return str(super().to_internal_value(data)).upper()


class TransitionInputSerializer(serializers.Serializer):
    """The body of every ``…/transition/``: the target ``status`` (subclasses give its choices), the
    ``reason`` consequential moves and overrides need, and an executive's ``override``."""

    status = serializers.ChoiceField(choices=())
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    override = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Executives: pass an unmet readiness gate (needs a reason; recorded as an exception).",
    )


class GateCheckSerializer(serializers.Serializer):
    """One condition of a readiness gate as evaluated (``apps.core.gates.Check``)."""

    code = serializers.CharField()
    # A declared field (the metaclass takes it out of the class), not the Field's own ``label``.
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    met = serializers.BooleanField()
    detail = serializers.CharField()
    warning = serializers.BooleanField(help_text="Met, but worth a look (a weak clause, an accepted risk).")


# ``vendor_path`` of records that belong to no vendor (a catalogue, reference data): a token limited to
# some vendors reads them all (its scopes permitting) and writes none.
NO_VENDOR = None
# ``vendor_path`` of records about vendors that no single path leads to (one's notifications, the policy
# exceptions register), and the default: a token limited to some vendors sees none of them.
NOT_BY_VENDOR = "-"


def written_ids(data: Any) -> list[Any] | None:
    """The ids of the records a write's answer names: the record itself (``{"id": …}``), or the rows of
    a bulk answer (``{"results": [{"id": …}, …]}``, an empty list when it wrote nothing); None when the
    answer names none."""
    if not isinstance(data, Mapping):
        return None
    results = data.get("results")
    if isinstance(results, list):
        return [row["id"] for row in results if isinstance(row, Mapping) and row.get("id") is not None]
    return [data["id"]] if data.get("id") is not None else None


class ServiceModelViewSet(viewsets.ModelViewSet):
    """Reads through a selector, writes through services: the one place querysets are scoped.

    Subclasses set ``selector`` (``selector(user=...) -> QuerySet``) and the services; a viewset
    without ``update_service`` or ``delete_service`` does not offer that method.

    API tokens (docs/api.md, "Tokens and scopes"): every viewset declares its ``scope_area`` (one of
    ``apps.core.permissions.SCOPE_AREAS``; a token is refused where none is declared) and its
    ``vendor_path``, the lookup from its records to their vendor (``"contract__vendor"``; ``"pk"`` for
    vendors themselves; ``NO_VENDOR``; ``NOT_BY_VENDOR``). A token limited to some vendors reads only
    their records, and a write of it runs in one transaction that is rolled back with a 403 when a record
    the answer names belongs to another vendor. Browser sessions are not affected.
    """

    scope_area: ClassVar[str | None] = None
    vendor_path: ClassVar[str | None] = NOT_BY_VENDOR

    selector: ClassVar[Callable[..., QuerySet[Any]]]
    create_service: ClassVar[Callable[..., Model] | None] = None
    update_service: ClassVar[Callable[..., Model] | None] = None
    delete_service: ClassVar[Callable[..., None] | None] = None
    action_permissions: ClassVar[dict[str, str]] = {}
    # Write actions that never answer 409 (they only mark, e.g. a notification read); every other write
    # is documented with one (apps.core.openapi).
    conflict_free_actions: ClassVar[frozenset[str]] = frozenset()
    # An action whose body may be a JSON array as well as an object, and whose view checks the body's
    # shape itself: ``@action(..., list_body=True)`` (every other write's body must be an object).
    list_body: ClassVar[bool] = False

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).selector(user=self.request.user)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # who is asking, and may their role
        self.check_token_scope(request)
        if request.method in ("POST", "PUT", "PATCH") and not self.list_body:
            require_object_body(request)
        if request.method not in SAFE_METHODS and self.token_vendor_ids() is not None:
            self.keep_writes_to_token_vendors(request)

    # -- API tokens: scopes and vendors ---------------------------------------------------------------------
    def check_token_scope(self, request: Request) -> None:
        """A token needs a scope of the view's area (the role was checked before); a session needs none."""
        token = request.auth
        if token is None:
            return
        area = type(self).scope_area
        if area not in SCOPE_AREAS:
            raise PermissionDenied("This endpoint declares no token scope, so no token may use it.")
        writes = request.method not in SAFE_METHODS
        if not token_allows(getattr(token, "scopes", ()), area, writes=writes):
            raise PermissionDenied(scope_refusal(area, writes=writes))

    def token_vendor_ids(self) -> frozenset[Any] | None:
        """The vendors the request's token is limited to; None for a session or an unlimited token."""
        if not hasattr(self, "_token_vendor_ids"):
            token = getattr(self.request, "auth", None)
            vendors = getattr(token, "vendors", None)  # ``apps.accounts.models.ApiToken.vendors``
            ids = frozenset(vendors.values_list("pk", flat=True)) if vendors is not None else frozenset()
            self._token_vendor_ids = ids or None
        return self._token_vendor_ids

    def token_vendor_refusal(self, detail: str) -> PermissionDenied:
        vendor_ids = ", ".join(map(str, sorted(self.token_vendor_ids() or ())))
        return PermissionDenied(
            f"This token is limited to the records of its vendors (ids {vendor_ids}): {detail} Nothing was changed."
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Lists and single records (``get_object``) alike: a token limited to some vendors sees their
        records only."""
        return super().filter_queryset(self.within_token_vendors(queryset))

    def within_token_vendors(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        vendor_ids, path = self.token_vendor_ids(), type(self).vendor_path
        if vendor_ids is None or path is NO_VENDOR:
            return queryset
        if path == NOT_BY_VENDOR:
            return queryset.none()
        return queryset.filter(**{f"{path}__in": vendor_ids})

    def keep_writes_to_token_vendors(self, request: Request) -> None:
        """Run this write's handler in one transaction, and roll it back with a 403 when a record its
        answer names is not one of the token's vendors' (checked inside the transaction, after the write,
        so a record moved to another vendor, a new vendor or a bulk row of another vendor's contract is
        caught whatever the handler did). Records of no vendor are not written at all."""
        path = type(self).vendor_path
        if path is NO_VENDOR or path == NOT_BY_VENDOR:
            raise self.token_vendor_refusal("these records belong to no single vendor.")
        method = str(request.method).lower()
        handler = getattr(self, method, None)
        if handler is None:
            return

        def within_token_vendors(request: Request, *args: Any, **kwargs: Any) -> Response:
            with transaction.atomic():
                response = handler(request, *args, **kwargs)
                if status.is_success(response.status_code):
                    self.check_written_vendors(request, response, path)
            return response

        setattr(self, method, within_token_vendors)

    def check_written_vendors(self, request: Request, response: Response, path: str) -> None:
        if request.method == "DELETE":
            return  # the record was found among the token's vendors' (``get_object``)
        ids = written_ids(response.data)
        if ids is None:
            if self.detail:
                return  # an action on one record found among the token's vendors' that answers no record
            raise self.token_vendor_refusal("this answer names no record to check.")
        model = self.get_queryset().model
        outside = sorted(
            model._default_manager.filter(pk__in=ids)
            .exclude(**{f"{path}__in": self.token_vendor_ids()})
            .values_list("pk", flat=True)
        )
        if not outside:
            return
        rows = response.data.get("results") if isinstance(response.data, Mapping) else None
        if isinstance(rows, list):  # a bulk answer: name the rows of the request
            indexes = [row.get("index") for row in rows if isinstance(row, Mapping) and row.get("id") in outside]
            raise self.token_vendor_refusal(
                f"the rows {', '.join(map(str, indexes))} are of another vendor's records."
                if len(indexes) > 1
                else f"the row {indexes[0]} is of another vendor's record."
            )
        what = model._meta.verbose_name_plural if len(outside) > 1 else model._meta.verbose_name
        raise self.token_vendor_refusal(f"the {what} {', '.join(map(str, outside))} would belong to another vendor.")

    @classmethod
    def offers(cls, action: str) -> bool:
        """Whether the router should route ``action``: create/update/destroy only with their service."""
        service = {
            "create": "create_service",
            "update": "update_service",
            "partial_update": "update_service",
            "destroy": "delete_service",
        }.get(action)
        return service is None or getattr(cls, service) is not None

    def reloaded(self, instance: Model) -> Model:
        """The saved row as the selector shows it (annotations and all), for the response."""
        return self.get_queryset().get(pk=instance.pk)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        service = type(self).create_service
        assert service is not None
        instance = service(actor=self.request.user, data=serializer.validated_data)
        serializer.instance = self.reloaded(instance)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        service = type(self).update_service
        assert service is not None
        instance = service(instance=serializer.instance, actor=self.request.user, data=serializer.validated_data)
        serializer.instance = self.reloaded(instance)

    def perform_destroy(self, instance: Model) -> None:
        service = type(self).delete_service
        assert service is not None
        service(instance=instance, actor=self.request.user)


class ServiceRouter(DefaultRouter):
    """Routes a ``ServiceModelViewSet``'s create/update/destroy only when it has that service, so a
    missing one is a plain 405 and the OpenAPI document lists exactly what exists."""

    def get_method_map(self, viewset: Any, method_map: Mapping[str, str]) -> dict[str, str]:
        mapping = super().get_method_map(viewset, method_map)
        offers = getattr(viewset, "offers", None)
        if offers is None:
            return mapping
        return {method: action for method, action in mapping.items() if offers(action)}


def bulk_rows(request: Request, *, limit: int, example: str) -> list[Any] | Response:
    """The rows of a bulk endpoint's body — ``{"rows": [...]}`` or a bare list — or the answer refusing it:
    a 400 when it is not a list (``example`` shows the shape), a 413 when it carries more than ``limit``
    rows (nothing is written)."""
    body = request.data
    rows = body.get("rows") if isinstance(body, Mapping) else body
    if not isinstance(rows, list):
        return Response({"rows": [f"Give the rows as a list: {example}."]}, status=status.HTTP_400_BAD_REQUEST)
    if len(rows) > limit:
        return Response(
            {
                "detail": f"{len(rows):,} rows is more than the {limit:,} one request may carry; nothing was written. "
                f"Send them in requests of at most {limit:,} rows."
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return rows

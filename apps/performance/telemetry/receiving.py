"""The webhook receiver every source's URL is served by: ``/api/v1/telemetry/<source>/<binding>/``.

Anonymous (a delivery tool has no account here) and authenticated by its signature instead: the raw
body is read before anything parses it, its size bounded, the binding's secret checked with the
source's own scheme, and only then is the JSON parsed, checked by the source's parser (a malformed
payload is a 400 with the reason, and nothing is stored) and stored (``services.delivery_receive``).
Processing runs on Celery after the commit, so a source gets its answer in milliseconds.

Answers: 202 a new delivery stored; 200 a delivery stored before (a replay: nothing changes) or one
acknowledged and not stored (a ping, an event type not used); 401 a missing or wrong signature; 404 no
active binding of this source at this URL; 400 a malformed payload; 413 a body over
``TELEMETRY_MAX_BODY_BYTES``; 415 a body that is not JSON; 429 an address that failed the signature
too often (``telemetry_failure`` rate).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttling import TokenFailureThrottle
from apps.core.parsers import DocumentError, json_document
from apps.performance.choices import TelemetrySource
from apps.performance.telemetry import secrets
from apps.performance.telemetry.models import SourceBinding
from apps.performance.telemetry.registry import (
    ParseContext,
    PayloadError,
    SignatureError,
    SourceAdapter,
    adapter_for,
)
from apps.performance.telemetry.services import delivery_receive
from apps.vendors.identity import IdentityRules

JSON_TYPES = ("application/json",)


class SignatureFailureThrottle(TokenFailureThrottle):
    """Failed signatures per address (``DEFAULT_THROTTLE_RATES["telemetry_failure"]``): a source that
    guesses secrets is slowed down; a correctly signed delivery is never throttled."""

    scope = "telemetry_failure"


def _refuse(code: int, detail: str, **extra: Any) -> Response:
    return Response({"detail": detail, **extra}, status=code)


def parse_json(body: bytes) -> Any:
    """The body as JSON, with the API's own limits (``apps.core.parsers.json_document``); ``PayloadError``
    otherwise."""
    try:
        return json_document(body)
    except DocumentError as exc:
        if exc.syntax:
            raise PayloadError(f"The body is not JSON: {exc.reason}") from None
        raise PayloadError(exc.reason[:1].upper() + exc.reason[1:]) from None


RECEIPT_RESPONSE = inline_serializer(
    "TelemetryReceipt",
    {"status": serializers.CharField(), "delivery": serializers.IntegerField(required=False)},
)


class TelemetryReceiverView(APIView):
    """One source's webhook receiver; ``source`` is given by the URL pattern."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes: list[Any] = []  # the body is read raw: a signature is over the bytes as sent
    throttle_classes: list[Any] = []
    source: str = ""
    # Not a token-authenticated operation: its answers are its own (apps.core.openapi).
    error_answers = {
        "400": "The payload is malformed for this source and event (the reason is in `detail`); nothing was stored.",
        "401": "The signature (or token) is missing or was not made with this binding's secret.",
        "404": "No active binding of this source has this address.",
        "413": "The body is larger than a delivery may carry.",
        "415": "The body is not JSON: send `Content-Type: application/json`.",
        "429": "Too many wrong signatures from this address: wait as long as `Retry-After` says.",
    }

    def adapter(self) -> SourceAdapter:
        return adapter_for(self.source)

    @extend_schema(
        tags=["telemetry"],
        request={"application/json": {"type": "object"}},
        responses={
            202: OpenApiResponse(RECEIPT_RESPONSE, description="Stored; processed on the workers."),
            200: OpenApiResponse(RECEIPT_RESPONSE, description="Received before, or acknowledged and not stored."),
        },
        auth=[],
        summary="Receive a webhook delivery of a bound source",
    )
    def post(self, request: Request, binding: uuid.UUID, **kwargs: Any) -> Response:
        raw: HttpRequest = request._request
        # The binding alone (not its contract, whose text can be long): the receiver needs its secret and scope.
        found = SourceBinding.objects.filter(public_id=binding, source=self.source, active=True).first()
        if found is None:
            return _refuse(404, f"No active {TelemetrySource(self.source).label} binding has this address.")
        content_type = (raw.content_type or "").lower()
        if content_type not in JSON_TYPES:
            return _refuse(
                415,
                f"Send the payload as application/json (this request is {content_type or 'without a type'}).",
            )
        declared = raw.META.get("CONTENT_LENGTH")
        limit = settings.TELEMETRY_MAX_BODY_BYTES
        if declared and declared.isdigit() and int(declared) > limit:
            return _refuse(413, f"The body is larger than the {limit:,} bytes a delivery may carry.")
        body = raw.read(limit + 1)
        if len(body) > limit:
            return _refuse(413, f"The body is larger than the {limit:,} bytes a delivery may carry.")
        throttle = SignatureFailureThrottle()
        if not throttle.allow_request(request, self):
            return Response(
                {"detail": "Too many deliveries with a wrong signature from this address; try again later."},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(int(throttle.wait() or 60))},
            )
        adapter = self.adapter()
        try:
            adapter.verify(binding=found, request=raw, body=body, secret=secrets.unseal(found.secret_sealed))
        except SignatureError as exc:
            throttle.failed()
            return _refuse(401, str(exc))
        try:
            payload = parse_json(body)
            event_type = adapter.event_type(request=raw, payload=payload)
            reason = adapter.ignore(event_type=event_type, payload=payload)
            if reason is not None:
                return Response({"status": "ignored", "detail": reason}, status=200)
            delivery_id = adapter.delivery_id(request=raw, payload=payload, body=body)
            # Checked now so a malformed payload is refused to its sender, not failed later unseen.
            context = ParseContext(binding=found, rules=IdentityRules())
            adapter.parse(context=context, event_type=event_type, payload=payload)
        except PayloadError as exc:
            return _refuse(400, str(exc))
        except ValidationError as exc:
            return _refuse(400, "; ".join(exc.messages))
        pk, created = delivery_receive(
            binding=found, delivery_id=delivery_id, event_type=event_type, raw_payload=body.decode("utf-8")
        )
        if created:
            return Response({"status": "accepted", "delivery": pk}, status=202)
        return Response({"status": "duplicate", "delivery": pk}, status=200)

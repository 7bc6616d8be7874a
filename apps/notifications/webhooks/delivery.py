"""Sending one delivery: the signed POST, its log, the retries, and what many failures do to an endpoint.

**An attempt** (``webhook_delivery_attempt``, run by the ``notifications.deliver_webhook`` task) first
*claims* the delivery: one UPDATE moves its ``next_attempt_at`` a lease ahead (``ATTEMPT_LEASE``), and
only a delivery that is pending or retrying and due can be claimed, so two workers (the task enqueued
after the commit and the sweep's) never send it at the same time, and a worker that dies mid-attempt
only delays it until the lease ends. The POST goes out without a transaction open: the body is the
stored payload's canonical JSON (or the Slack / Teams message rendered from it, ``chat``), signed per
Standard Webhooks — ``webhook-id`` (the message id, the same on every attempt and replay),
``webhook-timestamp`` (this attempt's time) and ``webhook-signature`` (``v1,`` + HMAC-SHA256 of
``id.timestamp.body`` under the endpoint's secret). httpx waits ``WEBHOOK_CONNECT_TIMEOUT_SECONDS`` to
connect and ``WEBHOOK_TIMEOUT_SECONDS`` for each read or write, follows no redirect and reads at most
``RESPONSE_EXCERPT_CHARS`` of the answer. A 2xx answer is a delivery; anything else (another code, a
timeout, a refused connection, an address the SSRF guard refuses) is a failure.

**The log**: every attempt is a ``WebhookAttempt`` (code or error, the start of the answer, duration,
whether a person asked for it).

**Retries**: after the n-th failed automatic attempt the delivery waits ``WEBHOOK_RETRY_SCHEDULE[n-1]``
seconds (``retrying``); after the last it is ``failed``. A short wait is enqueued with a countdown; the
sweep (``webhook_deliveries_send_due``, beat every minute) enqueues every due delivery, so a lost
enqueue or a dead worker never loses one.

**Auto-disable**: a delivery that ends ``failed`` counts against its endpoint
(``consecutive_failures``; a delivered one resets it). At ``WEBHOOK_DISABLE_AFTER_FAILURES`` the
endpoint is disabled with the reason, its waiting deliveries are ``skipped`` and its owner is notified
(``webhook_disabled``).

**Replay** (``services.webhook_delivery_replay``): one manual attempt of the same message; if it fails
the delivery is ``failed`` (no automatic retries, and it does not count towards disabling).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from apps.core import sealing
from apps.core.health import JobSummary, register_job_summary, register_scheduled_task
from apps.core.services import audited
from apps.notifications.choices import NotificationKind, WebhookDeliveryStatus, WebhookEndpointKind
from apps.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.notifications.services import notify
from apps.notifications.webhooks.addresses import AddressRefused, webhook_url_check
from apps.notifications.webhooks.events import payload_body

logger = logging.getLogger(__name__)

SECRET_PURPOSE = "webhook signing secrets"
SECRET_KEY_SETTING = "WEBHOOK_SECRET_KEY"
# Longer than one attempt can take (connect + read + write timeouts), so a claim outlives its attempt.
ATTEMPT_LEASE = timedelta(seconds=90)
RESPONSE_EXCERPT_CHARS = 1000
RESPONSE_READ_BYTES = 4096
ERROR_MAX = 500
USER_AGENT = "VendorGovernance-Webhooks/1"
# A retry due within this many seconds is enqueued with a countdown; later ones wait for the sweep.
COUNTDOWN_MAX_SECONDS = 300
SWEEP_BATCH = 1000

WAITING = (WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.RETRYING)

# What webhook_delivery_attempt did.
DELIVERED = "delivered"
RETRYING = "retrying"
FAILED = "failed"
SKIPPED = "skipped"
NOT_DUE = "not_due"


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return sealing.unseal(endpoint.secret_sealed, purpose=SECRET_PURPOSE, key_setting=SECRET_KEY_SETTING)


def seal_secret(secret: str) -> str:
    return sealing.seal(secret, purpose=SECRET_PURPOSE, key_setting=SECRET_KEY_SETTING)


def request_body(*, kind: str, payload: Mapping[str, Any]) -> bytes:
    """What is POSTed: the payload itself, or the chat message rendered from it."""
    if kind == WebhookEndpointKind.STANDARD:
        return payload_body(payload)
    from apps.notifications.webhooks import chat

    render = chat.render_slack if kind == WebhookEndpointKind.SLACK else chat.render_teams
    return json.dumps(render(payload), separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(*, secret: str, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (signed at ``at``)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        if self.status_code is not None:
            return f"HTTP {self.status_code}"
        return self.error or "no answer"


def _timeouts() -> httpx.Timeout:
    total = settings.WEBHOOK_TIMEOUT_SECONDS
    return httpx.Timeout(total, connect=min(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS, total))


def webhook_post(*, url: str, body: bytes, headers: Mapping[str, str]) -> AttemptResult:
    """POST ``body`` to ``url`` (after the SSRF guard); never raises for what the receiver does."""
    try:
        webhook_url_check(url)
    except AddressRefused as exc:
        return AttemptResult(None, error=exc.message[:ERROR_MAX])
    started = time.monotonic()
    try:
        with (
            httpx.Client(timeout=_timeouts(), follow_redirects=False, trust_env=False) as client,
            client.stream("POST", url, content=body, headers=dict(headers)) as response,
        ):
            read = b""
            for chunk in response.iter_bytes():
                read += chunk
                if len(read) >= RESPONSE_READ_BYTES:
                    break
            excerpt = read[:RESPONSE_READ_BYTES].decode(response.encoding or "utf-8", errors="replace")
            code = response.status_code
    except httpx.HTTPError as exc:
        kind = type(exc).__name__
        return AttemptResult(None, error=f"{kind}: {exc}"[:ERROR_MAX], duration_ms=_elapsed_ms(started))
    return AttemptResult(code, excerpt=excerpt[:RESPONSE_EXCERPT_CHARS], duration_ms=_elapsed_ms(started))


def _elapsed_ms(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))


# -- one attempt ------------------------------------------------------------------------------------------
def _claim(delivery_id: int, *, manual: bool, now: datetime) -> bool:
    claimable = WebhookDelivery.objects.filter(pk=delivery_id, status__in=WAITING)
    if not manual:
        claimable = claimable.filter(next_attempt_at__lte=now)
    return bool(claimable.update(next_attempt_at=now + ATTEMPT_LEASE))


def webhook_delivery_attempt(*, delivery_id: int, manual: bool = False) -> str:
    """Make one attempt of the delivery if it is waiting and due (a replay's attempt need not be due);
    returns what happened (``delivered``, ``retrying``, ``failed``, ``skipped``, ``not_due``). A missing
    delivery, or one another worker holds, is a quiet ``not_due``."""
    now = timezone.now()
    if not _claim(delivery_id, manual=manual, now=now):
        return NOT_DUE
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=WAITING).update(
            status=WebhookDeliveryStatus.SKIPPED, next_attempt_at=None
        )
        return SKIPPED
    at = timezone.now()
    body = request_body(kind=endpoint.kind, payload=delivery.payload)
    headers = signed_headers(secret=endpoint_secret(endpoint), msg_id=delivery.message_id, body=body, at=at)
    result = webhook_post(url=endpoint.url, body=body, headers=headers)
    return _record(delivery_id, result, attempted_at=at, manual=manual)


def _record(delivery_id: int, result: AttemptResult, *, attempted_at: datetime, manual: bool) -> str:
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=attempted_at,
            status_code=result.status_code,
            error=result.error,
            response_excerpt=result.excerpt,
            duration_ms=result.duration_ms,
            manual=manual,
        )
        delivery.attempts += 1
        delivery.last_attempt_at = attempted_at
        delivery.last_status_code = result.status_code
        fields = ["attempts", "last_attempt_at", "last_status_code", "status", "next_attempt_at"]
        if result.delivered:
            delivery.status, delivery.next_attempt_at = WebhookDeliveryStatus.DELIVERED, None
            delivery.save(update_fields=fields)
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(consecutive_failures=0, last_delivery_at=now)
            return DELIVERED
        if delivery.status not in WAITING:  # skipped (the endpoint was disabled) while the attempt ran
            delivery.save(update_fields=fields)
            return str(delivery.status)
        if manual:
            delivery.status, delivery.next_attempt_at = WebhookDeliveryStatus.FAILED, None
            delivery.save(update_fields=fields)
            return FAILED
        automatic = delivery.attempt_log.filter(manual=False).count()
        schedule = settings.WEBHOOK_RETRY_SCHEDULE
        if automatic <= len(schedule):
            wait = int(schedule[automatic - 1])
            delivery.status = WebhookDeliveryStatus.RETRYING
            delivery.next_attempt_at = now + timedelta(seconds=wait)
            delivery.save(update_fields=fields)
            if wait <= COUNTDOWN_MAX_SECONDS:
                _enqueue_later(delivery.pk, wait)
            return RETRYING
        delivery.status, delivery.next_attempt_at = WebhookDeliveryStatus.FAILED, None
        delivery.save(update_fields=fields)
        _endpoint_delivery_failed(delivery.endpoint_id, result, now=now)
        return FAILED


def _deliver_task() -> Task[Any, Any]:
    from apps.notifications.webhooks.tasks import deliver_webhook  # the task module imports this one

    return deliver_webhook


def _enqueue_later(delivery_id: int, countdown: int) -> None:
    """Publish the next attempt after the commit; a broker that is down is the sweep's to make up for."""
    task = _deliver_task()

    def publish() -> None:
        try:
            task.apply_async(args=(delivery_id,), countdown=countdown)
        except Exception:  # a broker that is down: the sweep sends it when it is due
            logger.warning("Could not enqueue the retry of webhook delivery %s.", delivery_id, exc_info=True)

    transaction.on_commit(publish)


# -- endpoints that keep failing ---------------------------------------------------------------------------
def endpoint_url(endpoint: WebhookEndpoint) -> str:
    return reverse("notifications:webhook-detail", args=[endpoint.pk])


def webhook_endpoint_deactivate(endpoint: WebhookEndpoint, *, reason: str, now: datetime) -> int:
    """Disable ``endpoint`` (locked, inside the caller's transaction) and skip its waiting deliveries;
    returns how many were skipped."""
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason[:300]
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    return WebhookDelivery.objects.filter(endpoint=endpoint, status__in=WAITING).update(
        status=WebhookDeliveryStatus.SKIPPED, next_attempt_at=None
    )


def _endpoint_delivery_failed(endpoint_id: int, result: AttemptResult, *, now: datetime) -> None:
    with audited(actor=None, action="webhook_endpoint_auto_disable"):
        endpoint = WebhookEndpoint.objects.select_for_update().select_related("owner").get(pk=endpoint_id)
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(consecutive_failures=F("consecutive_failures") + 1)
        endpoint.consecutive_failures += 1
        limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
        if not endpoint.is_active or limit <= 0 or endpoint.consecutive_failures < limit:
            return
        reason = (
            f"Disabled automatically: {endpoint.consecutive_failures} deliveries in a row failed after all their "
            f"retries (the last answer: {result.describe()})."
        )
        skipped = webhook_endpoint_deactivate(endpoint, reason=reason, now=now)
        notify(
            recipients=[endpoint.owner],
            kind=NotificationKind.WEBHOOK_DISABLED,
            title=f"Webhook endpoint “{endpoint.name}” disabled",
            body=(
                f"{reason} Events are no longer sent to {endpoint.url}"
                f"{f'; {skipped} waiting deliveries were skipped' if skipped else ''}. "
                "Fix the receiver, enable the endpoint again, and replay the deliveries it missed."
            ),
            url=endpoint_url(endpoint),
            dedupe_key=f"webhook_disabled:{endpoint.pk}:{now.isoformat()}",
        )


# -- the sweep ----------------------------------------------------------------------------------------------
def webhook_deliveries_send_due(*, now: datetime | None = None) -> int:
    """Enqueue an attempt of every delivery waiting and due (the oldest ``SWEEP_BATCH`` first): the
    retries, and the first attempts whose enqueue was lost. Each claims its delivery, so one already
    on its way is not sent twice. Returns how many were enqueued."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status__in=WAITING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    task = _deliver_task()
    for delivery_id in due:
        try:
            task.apply_async(args=(delivery_id,))
        except Exception:  # the broker went down mid-sweep: the next sweep takes the rest
            logger.warning("Could not enqueue webhook delivery %s.", delivery_id, exc_info=True)
            break
    return len(due)


# -- the admins' status page (apps.core.health) -------------------------------------------------------------
SWEEP_TASK = "notifications.send_due_webhooks"  # its beat entry: config/celery.py


def webhook_deliveries_summary(*, now: datetime | None = None) -> JobSummary:
    """Deliveries waiting for a retry; failed ones of the last 7 days and disabled endpoints to look at."""
    now = now or timezone.now()
    counts = WebhookDelivery.objects.aggregate(
        retrying=Count("pk", filter=Q(status=WebhookDeliveryStatus.RETRYING)),
        failed=Count("pk", filter=Q(status=WebhookDeliveryStatus.FAILED, last_attempt_at__gte=now - timedelta(days=7))),
    )
    return JobSummary(
        label="Outbound webhooks",
        url=reverse("notifications:webhook-list"),
        counts={"retrying": counts["retrying"]},
        attention={
            "failed in the last 7 days": counts["failed"],
            "endpoints disabled": WebhookEndpoint.objects.filter(is_active=False).count(),
        },
    )


register_job_summary(webhook_deliveries_summary)
register_scheduled_task(
    SWEEP_TASK, every=timedelta(minutes=1), what="the webhook sweep: retries that are due, and lost deliveries"
)

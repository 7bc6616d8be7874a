"""Reminders: the rules the apps register, and sending what they find due — each reminder once.

The inbox knows no domain. Each app that owns reminded data registers its rules here at ``ready()``
(``register_reminder_rule``, in the app's own ``reminders.py``); ``reminders_send(as_of=…)``,
``manage.py send_reminders`` and the daily ``notifications.send_reminders`` task run every registered
rule in registration order (the order of ``INSTALLED_APPS``, then of the calls), each in its own
transaction: one failing rule does not hold back the rest.

A rule has a stable ``name`` and the notification ``kinds`` it sends (each kind belongs to exactly one
rule); its ``collect(as_of, roles)`` returns the ``DueReminder`` items due as of the day, whether sent
before or not — deciding what is new is this module's job.

**Once and only once.** Each reminder is identified by (kind, item key, occasion) — e.g.
(``contract_cancel_by``, ``contract:12``, ``60:2027-03-01``) — and claimed in ``SentReminder`` with
``INSERT … ON CONFLICT DO NOTHING RETURNING`` in the same transaction as its notifications. Only the
run whose insert went in notifies; a concurrent run blocks on the uncommitted row and then skips it;
a run that fails rolls its claims back, so the next run sends what it could not. ``notify``'s own
(recipient, dedupe key ``reminder:<kind>:<item key>:<occasion>``) uniqueness is a second guard.

**Occasions carry the date they are about** (``90:<cancel-by>``, ``due:<review date>``,
``expired:<expiry>``): the same date is never reminded twice, but an item whose date moves (a contract
renewed, a certification renewed in place, a review rescheduled) is reminded again at its new date.

**Missed runs collapse into one reminder.** A rule lists every occasion of an item that has passed as
of the day, not only those falling on it, earliest first. When several are unsent — beat was down and
a cancel-by date is now 25 days away with nothing sent — ONE reminder goes out, about the latest
occasion (its text states the real situation, "in 25 days"), and every passed occasion is recorded as
sent, so the earlier ones never arrive late afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.formatting import format_date
from apps.core.sql import insert_new_rows
from apps.notifications.choices import NotificationKind
from apps.notifications.models import SentReminder
from apps.notifications.services import notify
from apps.notifications.webhooks.events import EVENT_TYPE_OF_REMINDER, WebhookEvent, webhook_events_publish

logger = logging.getLogger(__name__)

# Occasion prefixes shared by the rules: the occasion names the date it is about.
OCCASION_DUE = "due"
OCCASION_OVERDUE = "overdue"
OCCASION_EXPIRED = "expired"
CLAIM_BATCH = 1000  # rows per INSERT (four parameters each, far below PostgreSQL's limit)


@dataclass(frozen=True)
class DueReminder:
    """One reminder that is due: the occasions of the item that have passed as of the day, earliest
    first (the reminder is about the last one; all of them are recorded as sent with it)."""

    item_key: str  # the record reminded of, e.g. "contract:12"
    occasions: tuple[tuple[str, str], ...]  # (kind, occasion)
    recipients: tuple[Any, ...]  # people; None entries (an owner not named yet) are skipped
    title: str
    body: str
    url: str
    # The webhook event's own fields (``subject``, ``vendor``, ``contract`` and those of its type), for
    # the kinds that are also webhook events (``EVENT_TYPE_OF_REMINDER``); title, summary and url default
    # to the reminder's.
    webhook: Mapping[str, Any] | None = None

    @property
    def kind(self) -> str:
        return str(self.occasions[-1][0])

    def claims(self) -> list[tuple[str, str, str]]:
        return [(str(kind), self.item_key, occasion) for kind, occasion in self.occasions]


@dataclass
class RoleMembers:
    """The active members of a role, read once per run."""

    _cache: dict[str, tuple[User, ...]] = field(default_factory=dict)

    def __call__(self, role: str) -> tuple[User, ...]:
        if role not in self._cache:
            self._cache[role] = tuple(User.objects.filter(groups__name=role, is_active=True).distinct().order_by("pk"))
        return self._cache[role]


ReminderCollector = Callable[[date, RoleMembers], Iterable[DueReminder]]


@dataclass(frozen=True)
class ReminderRule:
    """What one app reminds of: ``collect(as_of, roles)`` lists the reminders due as of the day."""

    name: str  # stable and unique, e.g. "service_reviews"
    kinds: tuple[str, ...]  # the notification kinds its reminders have; each kind belongs to one rule
    collect: ReminderCollector


_rules: dict[str, ReminderRule] = {}


def register_reminder_rule(*, name: str, kinds: Iterable[str], collect: ReminderCollector) -> ReminderRule:
    """Register a rule (from the owning app's ``AppConfig.ready``). A name or kind registered twice,
    or a kind that is not a ``NotificationKind``, is a configuration error."""
    rule = ReminderRule(name=name, kinds=tuple(str(kind) for kind in kinds), collect=collect)
    if not rule.kinds:
        raise ImproperlyConfigured(f"Reminder rule “{name}” sends no kind.")
    if name in _rules:
        raise ImproperlyConfigured(f"A reminder rule named “{name}” is already registered.")
    for kind in rule.kinds:
        if kind not in NotificationKind.values:
            raise ImproperlyConfigured(f"Reminder rule “{name}”: “{kind}” is not a notification kind.")
        owner = next((other.name for other in _rules.values() if kind in other.kinds), None)
        if owner is not None or rule.kinds.count(kind) > 1:
            raise ImproperlyConfigured(f"Reminder kind “{kind}” of rule “{name}” is already sent by “{owner or name}”.")
    _rules[name] = rule
    return rule


def reminder_rules() -> tuple[ReminderRule, ...]:
    """Every registered rule, in the order they run."""
    return tuple(_rules.values())


def reminder_kinds() -> tuple[str, ...]:
    """Every kind a registered rule sends, in the order the rules run."""
    return tuple(kind for rule in reminder_rules() for kind in rule.kinds)


# -- wording shared by the rules ----------------------------------------------------------------------
def day_label(value: date) -> str:
    """``23 Nov 2026``, as the pages print a date (``apps.core.formatting``)."""
    return format_date(value)


def in_days(days: int) -> str:
    """``today``, ``tomorrow`` or ``in N days``."""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def days_ago(days: int) -> str:
    """``yesterday`` or ``N days ago``."""
    return "yesterday" if days == 1 else f"{days} days ago"


# -- sending once -----------------------------------------------------------------------------------
def _claim(claims: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Insert the (kind, item key, occasion) rows not yet in ``SentReminder``; return those this call
    inserted. Rows go in sorted, so concurrent runs lock them in the same order (no deadlock)."""
    rows = sorted(set(claims))
    if not rows:
        return set()
    now = timezone.now()
    claimed = insert_new_rows(
        SentReminder,
        ("kind", "item_key", "occasion", "sent_at"),
        [(*row, now) for row in rows],
        returning=("kind", "item_key", "occasion"),
        batch_size=CLAIM_BATCH,
    )
    return {(kind, item_key, occasion) for kind, item_key, occasion in claimed}


def _send(rule: ReminderRule, dues: Sequence[DueReminder], sent: dict[str, int]) -> None:
    for due in dues:
        strays = {str(kind) for kind, _ in due.occasions if kind not in rule.kinds}
        if strays:
            raise ImproperlyConfigured(f"Reminder rule “{rule.name}” produced kinds it did not register: {strays}.")
    with transaction.atomic():
        claimed = _claim(claim for due in dues for claim in due.claims())
        events: list[WebhookEvent] = []
        for due in dues:
            mine = [claim for claim in due.claims() if claim in claimed]
            if not mine:
                continue  # sent before (or by a run that got there first)
            kind, item_key, occasion = mine[-1]
            dedupe_key = f"reminder:{kind}:{item_key}:{occasion}"
            event = _webhook_event(due, kind, dedupe_key)
            if event is not None:
                events.append(event)
            notified = notify(
                recipients=due.recipients,
                kind=due.kind,
                title=due.title,
                body=due.body,
                url=due.url,
                dedupe_key=dedupe_key,
            )
            if notified:
                sent[due.kind] += 1
            elif not any(person is not None and person.is_active for person in due.recipients):
                logger.warning("Reminder %s has no one to go to (no owner named, no one in the role).", dedupe_key)
        # Told to the webhook endpoints too, whoever the reminder reached (one query when none wants them).
        webhook_events_publish(events)


def _webhook_event(due: DueReminder, kind: str, dedupe_key: str) -> WebhookEvent | None:
    event_type = EVENT_TYPE_OF_REMINDER.get(kind)
    if event_type is None or due.webhook is None:
        return None
    data = {"title": due.title, "summary": due.body, "url": due.url, **due.webhook}
    return WebhookEvent(event_type=event_type, data=data, dedupe_key=dedupe_key)


def reminders_send(*, as_of: date) -> dict[str, int]:
    """Run every registered rule as of ``as_of`` and send what has not been sent: kind → number of
    reminders sent (a reminder is one item's notification, to however many people)."""
    sent = dict.fromkeys(reminder_kinds(), 0)
    roles = RoleMembers()
    for rule in reminder_rules():
        _send(rule, list(rule.collect(as_of, roles)), sent)
    return sent

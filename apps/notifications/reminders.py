"""Governance reminders: what is due on a day, and whom to tell — each reminder sent once.

What is reminded, and to whom (``reminders_send(as_of=…)``, ``manage.py send_reminders``, the daily
``notifications.send_reminders`` task):

- ``review_due``: a scheduled service review in the next 2 days → the vendor's engineering and
  delivery owners.
- ``review_overdue``: a scheduled service review whose date has passed → the same.
- ``contract_cancel_by``: an active contract's cancel-by date 90, 60 and 30 days away → the vendor's
  delivery and engineering owners and everyone with the procurement role.
- ``certification_expiring`` (60, 30 and 7 days before the expiry date) and ``certification_expired``
  → the vendor's security contact and everyone with the security role.
- ``access_finding``: an access grant breaking an access rule (``apps.vendors.findings``: shared
  account with privileged access, no MFA, no expiry, past its expiry, vendor offboarding or exited)
  → the same. Each (grant, finding) is reminded once: a grant that gains a new finding is reminded
  again, listing all of them; a past-expiry finding is tied to its expiry date.
- ``policy_exception_review`` (30 and 7 days before its review date) → the person who raised the
  exception (the executives when nobody is named); ``policy_exception_expired``: past its review date
  and not closed, a finding reminded once → the same and every executive.
- ``kpi_missing``: an active contract with an SLA term whose KPI has no measurement ending in the
  last closed calendar month → the vendor's engineering and delivery owners.

**Once and only once.** Each reminder is identified by (kind, item key, occasion) — e.g.
(``contract_cancel_by``, ``contract:12``, ``60:2027-03-01``) — and claimed in ``SentReminder`` with
``INSERT … ON CONFLICT DO NOTHING RETURNING`` in the same transaction as its notifications. Only the
run whose insert went in notifies; a concurrent run blocks on the uncommitted row and then skips it;
a run that fails rolls its claims back, so the next run sends what it could not. ``notify``'s own
(recipient, dedupe key) uniqueness is a second guard.

**Occasions carry the date they are about** (``90:<cancel-by>``, ``due:<review date>``,
``expired:<expiry>``): the same date is never reminded twice, but a contract renewed (a new cancel-by
date), a certification renewed in place, a review rescheduled or a grant extended is reminded again
at its new date.

**Missed runs collapse into one reminder.** A run looks at every occasion that has passed as of its
day, not only those falling on it. When several passed occasions of an item are unsent — beat was down
and a cancel-by date is now 25 days away with nothing sent — ONE reminder goes out, about the latest
occasion and stating the real number of days left ("in 25 days"), and every passed occasion (90, 60
and 30) is recorded as sent, so the 90- and 60-day reminders never arrive late afterwards. Across
kinds alike: a certification first seen already expired gets one "expired" reminder (its 60/30/7-day
occasions are recorded with it); a review first seen overdue gets only the overdue one.

**KPIs are checked per calendar month**, whatever the SLA term's window (month, quarter, rolling N
days): the last closed month before the day (as of 23 November: October), and a measurement counts for
the month its ``period_end`` falls in. One reminder per contract and month lists every KPI missing.
A contract that started after that month, or ended before it, is not asked for it. Only the last
closed month is checked: a month the scheduler missed entirely is superseded by the next one.

Left out on purpose: cancel-by dates already past (nothing is left to decide), certifications
superseded by a later one of the same vendor and kind, reviews and certifications of exited vendors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.contracts.choices import ContractStatus, Renewal
from apps.contracts.selectors import contracts_renewing_within, sla_term_list
from apps.core.selectors import policy_exception_list
from apps.kpis.models import Measurement
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.models import SentReminder
from apps.notifications.services import notify
from apps.vendors.choices import ReviewStatus, VendorStatus
from apps.vendors.findings import EXPIRED as FINDING_EXPIRED
from apps.vendors.models import Certification, ServiceReview
from apps.vendors.selectors import (
    access_grant_finding_list,
    access_grant_findings,
    certification_list,
)

logger = logging.getLogger(__name__)

REVIEW_DUE_DAYS = 2
CANCEL_BY_THRESHOLDS = (90, 60, 30)  # days before the cancel-by date, earliest first
CERTIFICATION_THRESHOLDS = (60, 30, 7)  # days before the expiry date, earliest first
OCCASION_OVERDUE = "overdue"
OCCASION_DUE = "due"
OCCASION_EXPIRED = "expired"
CLAIM_BATCH = 1000  # rows per INSERT (four parameters each, far below PostgreSQL's limit)

REMINDER_KINDS: tuple[str, ...] = tuple(
    str(kind)
    for kind in (
        Kind.REVIEW_DUE,
        Kind.REVIEW_OVERDUE,
        Kind.CONTRACT_CANCEL_BY,
        Kind.CERTIFICATION_EXPIRING,
        Kind.CERTIFICATION_EXPIRED,
        Kind.ACCESS_FINDING,
        Kind.KPI_MISSING,
        Kind.POLICY_EXCEPTION_REVIEW,
        Kind.POLICY_EXCEPTION_EXPIRED,
    )
)


@dataclass(frozen=True)
class Due:
    """One reminder that is due: the occasions of the item that have passed as of the day, earliest
    first (the reminder is about the last one; all of them are recorded as sent with it)."""

    item_key: str
    occasions: tuple[tuple[str, str], ...]  # (kind, occasion)
    recipients: tuple[Any, ...]
    title: str
    body: str
    url: str

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


# -- wording ----------------------------------------------------------------------------------------
def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def _days_ago(days: int) -> str:
    return "yesterday" if days == 1 else f"{days} days ago"


# -- what is due --------------------------------------------------------------------------------------
def reviews_due(as_of: date, roles: RoleMembers) -> list[Due]:
    """Scheduled service reviews due in the next ``REVIEW_DUE_DAYS`` days or overdue."""
    reviews = (
        ServiceReview.objects.filter(
            status=ReviewStatus.SCHEDULED, scheduled_for__lte=as_of + timedelta(days=REVIEW_DUE_DAYS)
        )
        .exclude(vendor__status=VendorStatus.EXITED)
        .select_related("vendor__engineering_owner", "vendor__delivery_owner")
        .order_by("scheduled_for", "pk")
    )
    dues = []
    for review in reviews:
        vendor, day = review.vendor, review.scheduled_for
        days = (day - as_of).days
        occasions: tuple[tuple[str, str], ...] = ((Kind.REVIEW_DUE, f"{OCCASION_DUE}:{day}"),)
        if days >= 0:
            title = f"Service review with {vendor} {_in_days(days)}"
            body = (
                f"The service review with {vendor} is scheduled for {_day(day)}. "
                "Prepare the delivery figures and the open action items."
            )
        else:
            occasions += ((Kind.REVIEW_OVERDUE, f"{OCCASION_OVERDUE}:{day}"),)
            title = f"Service review with {vendor} is overdue"
            body = (
                f"The service review with {vendor} was scheduled for {_day(day)} ({_days_ago(-days)}) and has "
                "not been recorded as held. Record the meeting, or reschedule or cancel it."
            )
        dues.append(
            Due(
                item_key=f"service_review:{review.pk}",
                occasions=occasions,
                recipients=(vendor.engineering_owner, vendor.delivery_owner),
                title=title,
                body=body,
                url=review.get_absolute_url(),
            )
        )
    return dues


def cancel_by_dates_due(as_of: date, roles: RoleMembers) -> list[Due]:
    """Active contracts whose cancel-by date is ``CANCEL_BY_THRESHOLDS[0]`` days away or closer."""
    contracts = (
        contracts_renewing_within(as_of=as_of, days=max(CANCEL_BY_THRESHOLDS))
        .prefetch_related(None)
        .select_related("vendor__engineering_owner", "vendor__delivery_owner")
        .order_by("cancel_by", "pk")
    )
    dues = []
    for contract in contracts:
        vendor, cancel_by = contract.vendor, contract.cancel_by
        assert cancel_by is not None  # the selector's filter
        days = (cancel_by - as_of).days
        passed = [t for t in CANCEL_BY_THRESHOLDS if days <= t]
        if contract.renewal == Renewal.AUTOMATIC:
            what = f"renews automatically unless notice is given by {_day(cancel_by)}"
        else:
            what = f"ends unless it is renewed by {_day(cancel_by)}"
        end = f" Its term ends on {_day(contract.end_date)}." if contract.end_date else ""
        dues.append(
            Due(
                item_key=f"contract:{contract.pk}",
                occasions=tuple((Kind.CONTRACT_CANCEL_BY, f"{t}:{cancel_by}") for t in passed),
                recipients=(vendor.delivery_owner, vendor.engineering_owner, *roles(Role.PROCUREMENT)),
                title=f"Cancel-by date {_in_days(days)}: {contract.title}",
                body=(
                    f"“{contract.title}” with {vendor} {what} ({_in_days(days)}).{end} "
                    "Decide now: renew, renegotiate or give notice."
                ),
                url=contract.get_absolute_url(),
            )
        )
    return dues


def certifications_due(as_of: date, roles: RoleMembers) -> list[Due]:
    """Certifications expiring within ``CERTIFICATION_THRESHOLDS[0]`` days or expired, unless a later
    one of the same vendor and kind supersedes them."""
    superseded = Certification.objects.filter(
        vendor=OuterRef("vendor"), kind=OuterRef("kind"), name=OuterRef("name"), expires_on__gt=OuterRef("expires_on")
    )
    certifications = (
        certification_list()
        .filter(expires_on__lte=as_of + timedelta(days=max(CERTIFICATION_THRESHOLDS)))
        .exclude(vendor__status=VendorStatus.EXITED)
        .exclude(Exists(superseded))
        .select_related("vendor__security_contact")
        .order_by("expires_on", "pk")
    )
    security = roles(Role.SECURITY)
    dues = []
    for certification in certifications:
        vendor, expires = certification.vendor, certification.expires_on
        days = (expires - as_of).days
        occasions = tuple(
            (Kind.CERTIFICATION_EXPIRING, f"{t}:{expires}") for t in CERTIFICATION_THRESHOLDS if days <= t
        )
        label = str(certification).rsplit(" — ", 1)[0]
        if days >= 0:
            title = f"{label} of {vendor} expires {_in_days(days)}"
            body = (
                f"The {label} certification of {vendor} expires on {_day(expires)} ({_in_days(days)}). "
                "Ask the vendor for the renewed certificate and record it."
            )
        else:
            occasions += ((Kind.CERTIFICATION_EXPIRED, f"{OCCASION_EXPIRED}:{expires}"),)
            title = f"{label} of {vendor} has expired"
            body = (
                f"The {label} certification of {vendor} expired on {_day(expires)} ({_days_ago(-days)}). "
                "Record the renewed certificate, or the risk of working without it."
            )
        dues.append(
            Due(
                item_key=f"certification:{certification.pk}",
                occasions=occasions,
                recipients=(vendor.security_contact, *security),
                title=title,
                body=body,
                url=certification.get_absolute_url(),
            )
        )
    return dues


def access_findings_due(as_of: date, roles: RoleMembers) -> list[Due]:
    """Access grants with findings: one reminder per grant, claiming one occasion per finding (its code;
    ``expired:<expiry>`` for a past expiry, so a grant extended and expired again is reminded again)."""
    grants = access_grant_findings(as_of=as_of).select_related("vendor__security_contact").order_by("pk")
    security = roles(Role.SECURITY)
    dues = []
    for grant in grants:
        vendor = grant.vendor
        findings = access_grant_finding_list(grant)
        if not findings:
            continue
        occasions = tuple(
            (
                Kind.ACCESS_FINDING,
                f"{OCCASION_EXPIRED}:{grant.expires_on}" if finding.code == FINDING_EXPIRED else finding.code,
            )
            for finding in findings
        )
        worst = findings[0].severity
        expiry = f"expires on {_day(grant.expires_on)}" if grant.expires_on else "no expiry date"
        reasons = "\n".join(f"- {finding.message} ({finding.severity})" for finding in findings)
        dues.append(
            Due(
                item_key=f"access_grant:{grant.pk}",
                occasions=occasions,
                recipients=(vendor.security_contact, *security),
                title=f"Access finding ({worst}): {grant.person} → {grant.system} ({vendor})",
                body=(
                    f"{grant.person} of {vendor} has {grant.get_privilege_display().lower()} access to {grant.system} "
                    f"(account {grant.account_name}{'' if grant.named_account else ', shared'}; {expiry}):\n"
                    f"{reasons}\nFix it, or revoke the access and record the date."
                ),
                url=grant.get_absolute_url(),
            )
        )
    return dues


def last_closed_month(as_of: date) -> tuple[date, date]:
    """The first and last day of the calendar month before the one ``as_of`` falls in."""
    end = as_of.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def missing_kpis_due(as_of: date, roles: RoleMembers) -> list[Due]:
    """Active contracts with an SLA term whose KPI has no measurement ending in the last closed month."""
    start, end = last_closed_month(as_of)
    logged = Measurement.objects.filter(
        contract=OuterRef("contract"), kpi=OuterRef("kpi"), period_end__gte=start, period_end__lte=end
    )
    terms = (
        sla_term_list()
        .filter(contract__status=ContractStatus.ACTIVE, contract__start_date__lte=end)
        .filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=start))
        .exclude(Exists(logged))
        .select_related("contract__vendor__engineering_owner", "contract__vendor__delivery_owner")
        .order_by("contract_id", "kpi__name", "pk")
    )
    missing: dict[int, tuple[Any, list[str]]] = {}
    for term in terms:
        contract, names = missing.setdefault(term.contract_id, (term.contract, []))
        if term.kpi.name not in names:
            names.append(term.kpi.name)
    month = f"{start:%Y-%m}"
    month_label = f"{start:%B %Y}"
    dues = []
    for contract, names in missing.values():
        vendor = contract.vendor
        what = names[0] if len(names) == 1 else f"{len(names)} KPIs"
        dues.append(
            Due(
                item_key=f"contract:{contract.pk}",
                occasions=((Kind.KPI_MISSING, month),),
                recipients=(vendor.engineering_owner, vendor.delivery_owner),
                title=f"{what} not logged for {month_label}: {contract.title}",
                body=(
                    f"“{contract.title}” with {vendor} has SLA terms on KPIs with no measurement for {month_label} "
                    "(the last closed month), so those terms cannot be evaluated:\n"
                    + "\n".join(f"- {name}" for name in names)
                    + "\nLog them on the measurements page or through the API (measurements/)."
                ),
                url=contract.get_absolute_url(),
            )
        )
    return dues


EXCEPTION_REVIEW_THRESHOLDS = (30, 7)  # days before a policy exception's review date, earliest first


def policy_exceptions_due(as_of: date, roles: RoleMembers) -> list[Due]:
    """Open policy exceptions within ``EXCEPTION_REVIEW_THRESHOLDS[0]`` days of their review date, or
    past it (expired: a finding). A renewal moves the date, so the new date is reminded again."""
    exceptions = (
        policy_exception_list(as_of=as_of)
        .filter(closed_on__isnull=True, review_on__lte=as_of + timedelta(days=max(EXCEPTION_REVIEW_THRESHOLDS)))
        .prefetch_related("subject")
        .order_by("review_on", "pk")
    )
    executives = roles(Role.EXECUTIVE)
    dues = []
    for exception in exceptions:
        review_on = exception.review_on
        days = (review_on - as_of).days
        occasions: tuple[tuple[str, str], ...] = tuple(
            (Kind.POLICY_EXCEPTION_REVIEW, f"{t}:{review_on}") for t in EXCEPTION_REVIEW_THRESHOLDS if days <= t
        )
        raiser = (exception.raised_by,) if exception.raised_by_id else executives
        subject = exception.subject if exception.subject is not None else "a deleted record"
        if days >= 0:
            recipients = raiser
            title = f"Policy exception due for review {_in_days(days)}: {subject}"
            body = (
                f"The policy exception “{exception.summary}” is to be reviewed by {_day(review_on)} "
                f"({_in_days(days)}). Renew it with a new justification and review date, or close it "
                "once the departure has ended."
            )
        else:
            occasions += ((Kind.POLICY_EXCEPTION_EXPIRED, f"{OCCASION_EXPIRED}:{review_on}"),)
            recipients = tuple(dict.fromkeys((*raiser, *executives)))
            title = f"Policy exception expired: {subject}"
            body = (
                f"The policy exception “{exception.summary}” was due for review on {_day(review_on)} "
                f"({_days_ago(-days)}) and is now a finding: the departure is no longer accepted. Renew it "
                "or close it."
            )
        dues.append(
            Due(
                item_key=f"policy_exception:{exception.pk}",
                occasions=occasions,
                recipients=recipients,
                title=title,
                body=body,
                url=f"{reverse('exception-list')}#exception-{exception.pk}",
            )
        )
    return dues


# Each is claimed and notified in its own transaction: one failing kind does not hold back the rest.
COLLECTORS: tuple[Callable[[date, RoleMembers], list[Due]], ...] = (
    reviews_due,
    cancel_by_dates_due,
    certifications_due,
    access_findings_due,
    missing_kpis_due,
    policy_exceptions_due,
)


# -- sending once -----------------------------------------------------------------------------------
def _claim(claims: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Insert the (kind, item key, occasion) rows not yet in ``SentReminder``; return those this call
    inserted. Rows go in sorted, so concurrent runs lock them in the same order (no deadlock)."""
    rows = sorted(set(claims))
    if not rows:
        return set()
    quote = connection.ops.quote_name
    table = quote(SentReminder._meta.db_table)
    columns = ", ".join(quote(c) for c in ("kind", "item_key", "occasion", "sent_at"))
    now = timezone.now()
    inserted: set[tuple[str, str, str]] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CLAIM_BATCH):
            batch = rows[start : start + CLAIM_BATCH]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
            # Only names from the model's meta are formatted in; every value is a query parameter.
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
                "ON CONFLICT DO NOTHING RETURNING kind, item_key, occasion"
            )
            cursor.execute(sql, [value for row in batch for value in (*row, now)])
            inserted.update((kind, item_key, occasion) for kind, item_key, occasion in cursor.fetchall())
    return inserted


def _send(dues: Sequence[Due], sent: dict[str, int]) -> None:
    with transaction.atomic():
        claimed = _claim(claim for due in dues for claim in due.claims())
        for due in dues:
            mine = [claim for claim in due.claims() if claim in claimed]
            if not mine:
                continue  # sent before (or by a run that got there first)
            kind, item_key, occasion = mine[-1]
            dedupe_key = f"reminder:{kind}:{item_key}:{occasion}"
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


def reminders_send(*, as_of: date) -> dict[str, int]:
    """Send every reminder due as of ``as_of`` that has not been sent: kind → number of reminders sent
    (a reminder is one item's notification, to however many people)."""
    sent = dict.fromkeys(REMINDER_KINDS, 0)
    roles = RoleMembers()
    for collect in COLLECTORS:
        _send(collect(as_of, roles), sent)
    return sent

"""Privacy: the engineers whose assignments all ended more than ``ROSTER_ANONYMISE_AFTER_MONTHS`` months
ago are anonymised by the daily ``roster.anonymise`` task, through the vendors app's
``engineer_anonymise`` (name replaced, e-mail, handles and location cleared, the audit trail's copies
too). The roster findings that named them are reworded the same way, so no page keeps the old name.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.roster.models import Assignment, RosterFinding
from apps.vendors.models import Engineer


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def engineers_due_for_anonymising(*, today: date) -> QuerySet[Engineer]:
    """Engineers not anonymised yet with at least one assignment, all of which ended before the cut-off
    (``ROSTER_ANONYMISE_AFTER_MONTHS`` months before ``today``). One query."""
    cutoff = months_before(today, int(settings.ROSTER_ANONYMISE_AFTER_MONTHS))
    assignments = Assignment.objects.filter(engineer=OuterRef("pk"))
    recent = assignments.filter(Q(end_date__isnull=True) | Q(end_date__gte=cutoff))
    return (
        Engineer.objects.filter(anonymised_on__isnull=True)
        .filter(Exists(assignments))
        .exclude(Exists(recent))
        .order_by("pk")
    )


def engineers_anonymise_due(*, today: date | None = None) -> int:
    """Anonymise every engineer due (``engineers_due_for_anonymising``) and reword the roster findings
    that named them; answers how many. Idempotent: an anonymised engineer is not due again."""
    from apps.vendors.services import engineer_anonymise

    today = today or timezone.localdate()
    done = 0
    for engineer in engineers_due_for_anonymising(today=today).select_related("vendor"):
        with transaction.atomic():
            old_name = engineer.name
            anonymised = engineer_anonymise(engineer=engineer, actor=None)
            _findings_reword(anonymised, old_name)
        done += 1
    return done


def _findings_reword(engineer: Engineer, old_name: str) -> None:
    """The engineer's findings (open or closed) name them as the anonymised row does."""
    if not old_name or old_name == engineer.name:
        return
    changed = []
    for finding in RosterFinding.objects.filter(engineer=engineer):
        finding.message = finding.message.replace(old_name, engineer.name)
        finding.figures = {
            key: engineer.name if value == old_name else value for key, value in (finding.figures or {}).items()
        }
        changed.append(finding)
    if changed:
        RosterFinding.objects.bulk_update(changed, ["message", "figures"])

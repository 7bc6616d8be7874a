"""The roster reminder, registered with the inbox (``apps.notifications.reminders``) at ``ready()``:

- ``roster_finding``: each roster finding the roster job opened (``apps.roster.findings``) → the
  vendor's engineering owner and delivery owner, once: the item is the finding row, so a finding that
  closes and later holds again is a new row and is reminded again. The link opens the contract's *Team*
  panel (or the vendor's *Team* tab for a finding with no contract).
"""

from __future__ import annotations

from datetime import date

from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.reminders import DueReminder, RoleMembers, register_reminder_rule
from apps.roster.models import RosterFinding

OCCASION_OPENED = "opened"


def roster_findings_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """Every open roster finding opened on or before the day (one query)."""
    findings = (
        RosterFinding.objects.filter(closed_at__isnull=True, opened_at__date__lte=as_of)
        .select_related("vendor__engineering_owner", "vendor__delivery_owner", "contract")
        .order_by("opened_at", "pk")
    )
    dues = []
    for finding in findings:
        vendor = finding.vendor
        where = finding.contract.title if finding.contract is not None else vendor.name
        dues.append(
            DueReminder(
                item_key=f"roster_finding:{finding.pk}",
                occasions=((Kind.ROSTER_FINDING, OCCASION_OPENED),),
                recipients=(vendor.engineering_owner, vendor.delivery_owner),
                title=f"{finding.get_kind_display()}: {where} ({vendor})",
                body=f"{finding.message}\nSee the team and its findings on the page linked.",
                url=finding.get_absolute_url(),
            )
        )
    return dues


register_reminder_rule(name="roster_findings", kinds=(Kind.ROSTER_FINDING,), collect=roster_findings_due)

"""The contract reminders, registered with the inbox (``apps.notifications.reminders``) at ``ready()``:

- ``contract_cancel_by``: an active contract's cancel-by date 90, 60 and 30 days away → the vendor's
  delivery and engineering owners and everyone with the procurement role. A run that comes late sends
  one reminder stating the real days left ("in 25 days") and records the thresholds it passed.

Left out on purpose: cancel-by dates already past (nothing is left to decide).
"""

from __future__ import annotations

from datetime import date

from apps.accounts.choices import Role
from apps.contracts.choices import Renewal
from apps.contracts.selectors import contracts_renewing_within
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.reminders import DueReminder, RoleMembers, day_label, in_days, register_reminder_rule
from apps.notifications.webhooks.events import contract_ref, subject_ref, vendor_ref

CANCEL_BY_THRESHOLDS = (90, 60, 30)  # days before the cancel-by date, earliest first


def cancel_by_dates_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
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
            what = f"renews automatically unless notice is given by {day_label(cancel_by)}"
        else:
            what = f"ends unless it is renewed by {day_label(cancel_by)}"
        end = f" Its term ends on {day_label(contract.end_date)}." if contract.end_date else ""
        dues.append(
            DueReminder(
                item_key=f"contract:{contract.pk}",
                occasions=tuple((Kind.CONTRACT_CANCEL_BY, f"{t}:{cancel_by}") for t in passed),
                recipients=(vendor.delivery_owner, vendor.engineering_owner, *roles(Role.PROCUREMENT)),
                title=f"Cancel-by date {in_days(days)}: {contract.title}",
                body=(
                    f"“{contract.title}” with {vendor} {what} ({in_days(days)}).{end} "
                    "Decide now: renew, renegotiate or give notice."
                ),
                url=contract.get_absolute_url(),
                webhook={
                    "subject": subject_ref("contract", contract.pk),
                    "vendor": vendor_ref(vendor),
                    "contract": contract_ref(contract),
                    "cancel_by": cancel_by,
                    "days_left": days,
                    "end_date": contract.end_date,
                    "renewal": contract.renewal,
                },
            )
        )
    return dues


register_reminder_rule(name="contract_cancel_by", kinds=(Kind.CONTRACT_CANCEL_BY,), collect=cancel_by_dates_due)

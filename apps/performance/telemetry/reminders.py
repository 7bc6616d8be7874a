"""The silent-source reminder, registered with the inbox (``apps.notifications.reminders``) at ``ready()``:

- ``telemetry_silent``: an active binding of an active contract that has received no event for
  ``TELEMETRY_SILENT_DAYS`` (or none since it was made that long ago) → the vendor's engineering owner.
  A silent source means the contract's telemetry KPIs stop being measured (a week without events has
  no measurement, never a zero), so the SLA terms on them go unevaluated: someone should look at the
  webhook in the source's settings.

**Once per silence.** The occasion is the silence's start (the last event, or the binding's creation
when it never had one): the same silence is reminded once however many days it lasts, and a binding
that speaks again and falls silent again is reminded of its new silence.

**As of the start of the day**: a binding is silent as of a day when it had been silent for the whole
period by that day's midnight (``TIME_ZONE``), so the daily run never reminds early.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import time as day_time

from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.notifications.choices import NotificationKind as Kind
from apps.notifications.reminders import DueReminder, RoleMembers, day_label, register_reminder_rule
from apps.notifications.webhooks.events import contract_ref, subject_ref, vendor_ref
from apps.performance.telemetry.operations import silent_bindings


def _start_of(day: date) -> datetime:
    return datetime.combine(day, day_time.min, tzinfo=timezone.get_current_timezone())


def silent_bindings_due(as_of: date, roles: RoleMembers) -> list[DueReminder]:
    """Active bindings of active contracts silent as of the start of ``as_of``."""
    midnight = _start_of(as_of)
    bindings = (
        silent_bindings(at=midnight)
        .filter(contract__status=ContractStatus.ACTIVE)
        .select_related("contract__vendor__engineering_owner")
        .order_by("contract_id", "pk")
    )
    dues = []
    for binding in bindings:
        contract = binding.contract
        vendor = contract.vendor
        since = binding.silent_since  # type: ignore[attr-defined]  # annotated by silent_bindings
        days = (midnight - since).days
        heard = (
            f"Its last event arrived on {day_label(timezone.localdate(since))}"
            if binding.last_event_at
            else f"It has received no event since it was set up on {day_label(timezone.localdate(since))}"
        )
        dues.append(
            DueReminder(
                item_key=f"source_binding:{binding.pk}",
                occasions=((Kind.TELEMETRY_SILENT, f"silent:{since.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"),),
                recipients=(vendor.engineering_owner,),
                title=f"No telemetry for {days} days from {binding}: {contract.title}",
                body=(
                    f"{heard}, {days} days ago. “{contract.title}” with {vendor} measures "
                    f"{', '.join(binding.measures) or 'its KPIs'} from this source, so those KPIs get no new "
                    "values and their SLA terms are not evaluated.\n"
                    f"Check the webhook in the source's settings: the address and secret on the contract's "
                    "Telemetry tab, the events ticked, and the deliveries the source reports as failed. "
                    "If the source is no longer used, switch the binding off."
                ),
                url=binding.get_absolute_url(),
                webhook={
                    "summary": (
                        f"{heard}, {days} days ago: the KPIs “{contract.title}” measures from it get no new values."
                    ),
                    "subject": subject_ref("source_binding", binding.pk),
                    "vendor": vendor_ref(vendor),
                    "contract": contract_ref(contract),
                    "binding": {"id": binding.pk, "source": binding.source, "scope": binding.scope},
                    "silent_since": since,
                },
            )
        )
    return dues


register_reminder_rule(name="telemetry_silent", kinds=(Kind.TELEMETRY_SILENT,), collect=silent_bindings_due)

"""Writes of vendors and their governance records. One function per state change.

Every write goes through ``apps.core.services`` (one transaction, ``full_clean()``, the audit context);
the rules that are not a property of one row — the lifecycle and its readiness gates
(``apps.vendors.gates``), the named owners a working vendor keeps, who runs a vendor's service
reviews (``apps.vendors.ownership``) — are checked here, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import pghistory
from django.apps import apps
from django.utils import formats, timezone

from apps.core.errors import ApplicationError, TransitionError
from apps.core.gates import clean_reason, gate_enforce, require_reason
from apps.core.services import (
    audited,
    model_create,
    model_delete,
    model_update,
    save_validated,
    status_change_record,
)
from apps.vendors import ownership, roster_access
from apps.vendors.choices import VENDOR_TRANSITIONS, VENDOR_TRANSITIONS_NEEDING_REASON, ReviewStatus, VendorStatus
from apps.vendors.models import (
    AccessGrant,
    ActionItem,
    Certification,
    Engineer,
    ServiceReview,
    Vendor,
    VendorIdentityRule,
    VendorRisk,
    VendorWatch,
    VettingAssessment,
)

OWNER_FIELDS = ("engineering_owner", "delivery_owner", "security_contact")
# A vendor doing real work for us (pilot or beyond) must have its three named internal owners.
STATUSES_NEEDING_OWNERS = frozenset({VendorStatus.PILOT, VendorStatus.ACTIVE})
# An exited vendor has no governance rhythm left: recording its last review schedules no next one.
STATUSES_WITHOUT_REVIEWS = frozenset({VendorStatus.EXITED})


def _label(status: str) -> str:
    return str(VendorStatus(status).label)


def vendor_missing_owners(owners: Mapping[str, Any]) -> list[str]:
    """The owner fields (of ``OWNER_FIELDS``) that are empty in ``owners`` (objects or ids by field name)."""
    return [name for name in OWNER_FIELDS if not owners.get(name)]


def vendor_require_owners(*, status: str, owners: Mapping[str, Any]) -> None:
    """Refuse a vendor in ``status`` without its three named owners (pilot and active need them)."""
    if status not in STATUSES_NEEDING_OWNERS:
        return
    missing = vendor_missing_owners(owners)
    if missing:
        names = ", ".join(name.replace("_", " ") for name in missing)
        raise ApplicationError(
            f"A vendor in {_label(status)} needs its three named owners; missing: {names}.", field=missing[0]
        )


def current_owners(vendor: Vendor) -> dict[str, Any]:
    return {name: getattr(vendor, f"{name}_id") for name in OWNER_FIELDS}


# -- vendors -------------------------------------------------------------------------------------
def vendor_create(*, actor: Any | None, data: Mapping[str, Any]) -> Vendor:
    """A new vendor; ``status`` may be given (default prospect). Pilot and active need the owners."""
    vendor_require_owners(status=data.get("status") or VendorStatus.PROSPECT, owners=data)
    return model_create(Vendor, actor=actor, data=data, action="vendor_create")


def vendor_update(*, instance: Vendor, actor: Any | None, data: Mapping[str, Any]) -> Vendor:
    """Change a vendor's details. Its status changes only through ``vendor_transition``, and a vendor
    in pilot or active cannot lose one of its named owners."""
    if "status" in data and data["status"] != instance.status:
        raise ApplicationError(
            "The status changes only through a lifecycle transition (POST vendors/{id}/transition/), not an edit.",
            field="status",
        )
    fields = {name: value for name, value in data.items() if name != "status"}
    before = current_owners(instance)
    # Only a named owner being removed is refused: a vendor an executive let into pilot without one
    # (an override) can still be edited — and is expected to get its owner named.
    lost = [name for name in vendor_missing_owners({**before, **fields}) if before[name]]
    if lost:
        vendor_require_owners(status=instance.status, owners={**before, **dict.fromkeys(lost)})
    return model_update(instance, actor=actor, data=fields, action="vendor_update")


def vendor_delete(*, instance: Vendor, actor: Any | None) -> None:
    """Delete a vendor that nothing references yet (a 409 otherwise: governance records are protected)."""
    model_delete(instance, actor=actor, action="vendor_delete")


def vendor_transition(
    *, vendor: Vendor, to_status: str, actor: Any | None, reason: str = "", override: bool = False
) -> Vendor:
    """Move a vendor along its lifecycle (``VENDOR_TRANSITIONS``) once its readiness gate is met
    (``apps.vendors.gates`` and what other apps register), or with an executive's ``override`` and a
    reason. Exiting (and cancelling an offboarding) needs a reason too. Every move is recorded as a
    ``StatusChange`` (with the conditions an override passed); the reason is in the audit context.

    The row is locked and its status re-read, and the gate is judged on that row, so two concurrent
    transitions cannot both start from the same status. Returns the saved vendor (``vendor`` itself
    is left as it was given).
    """
    if to_status not in VendorStatus.values:
        choices = ", ".join(VendorStatus.values)
        raise ApplicationError(f"Unknown status “{to_status}”; choose one of {choices}.", field="status")
    reason = clean_reason(reason)
    with audited(actor=actor, action=f"vendor_transition_{to_status}", reason=reason):
        current = Vendor.objects.select_for_update().get(pk=vendor.pk)
        from_status = current.status
        allowed = VENDOR_TRANSITIONS[from_status]
        if to_status not in allowed:
            options = ", ".join(_label(status) for status in allowed) or "nowhere (it is final)"
            raise TransitionError(
                f"A vendor cannot go from {_label(from_status)} to {_label(to_status)}; "
                f"from {_label(from_status)} it can go to: {options}.",
                field="status",
            )
        what = VENDOR_TRANSITIONS_NEEDING_REASON.get((from_status, to_status))
        if what:
            require_reason(reason, what=what)
        report = gate_enforce(
            current,
            to_status,
            actor=actor,
            override=override,
            reason=reason,
            label=f"move {current} to {_label(to_status)}",
        )
        if not report.passed:  # an executive's override: the audit trail names what it passed
            pghistory.context(overridden=[check.label for check in report.unmet])
        current.status = to_status
        saved = save_validated(current)
        status_change_record(
            subject=saved, from_status=from_status, to_status=to_status, actor=actor, reason=reason, report=report
        )
        return saved


def vendor_transition_needs_reason(*, from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in VENDOR_TRANSITIONS_NEEDING_REASON


# -- vetting, certifications, risks, access ----------------------------------------------------------
def vetting_assessment_create(*, actor: Any | None, data: Mapping[str, Any]) -> VettingAssessment:
    return model_create(VettingAssessment, actor=actor, data=data, action="vetting_assessment_create")


def vetting_assessment_update(
    *, instance: VettingAssessment, actor: Any | None, data: Mapping[str, Any]
) -> VettingAssessment:
    return model_update(instance, actor=actor, data=data, action="vetting_assessment_update")


def vetting_assessment_delete(*, instance: VettingAssessment, actor: Any | None) -> None:
    model_delete(instance, actor=actor, action="vetting_assessment_delete")


def certification_create(*, actor: Any | None, data: Mapping[str, Any]) -> Certification:
    return model_create(Certification, actor=actor, data=data, action="certification_create")


def certification_update(*, instance: Certification, actor: Any | None, data: Mapping[str, Any]) -> Certification:
    return model_update(instance, actor=actor, data=data, action="certification_update")


def certification_delete(*, instance: Certification, actor: Any | None) -> None:
    model_delete(instance, actor=actor, action="certification_delete")


def vendor_risk_create(*, actor: Any | None, data: Mapping[str, Any]) -> VendorRisk:
    return model_create(VendorRisk, actor=actor, data=data, action="vendor_risk_create")


def vendor_risk_update(*, instance: VendorRisk, actor: Any | None, data: Mapping[str, Any]) -> VendorRisk:
    return model_update(instance, actor=actor, data=data, action="vendor_risk_update")


def vendor_risk_delete(*, instance: VendorRisk, actor: Any | None) -> None:
    model_delete(instance, actor=actor, action="vendor_risk_delete")


def access_grant_create(*, actor: Any | None, data: Mapping[str, Any]) -> AccessGrant:
    """A new grant; a shared account with production privilege is refused by the model's constraint."""
    return model_create(AccessGrant, actor=actor, data=data, action="access_grant_create")


def access_grant_update(*, instance: AccessGrant, actor: Any | None, data: Mapping[str, Any]) -> AccessGrant:
    return model_update(instance, actor=actor, data=data, action="access_grant_update")


def access_grant_delete(*, instance: AccessGrant, actor: Any | None) -> None:
    model_delete(instance, actor=actor, action="access_grant_delete")


def access_grant_revoke(*, grant: AccessGrant, actor: Any | None, on: date | None = None) -> AccessGrant:
    """Revoke a grant as of ``on`` (default today): the access ends, the grant stays on record. A grant
    revoked already is refused (its date stands), and so is a revocation before the grant began."""
    with audited(actor=actor, action="access_grant_revoke"):
        current = AccessGrant.objects.select_for_update().get(pk=grant.pk)
        if current.revoked_on is not None:
            raise ApplicationError(f"Already revoked on {formats.date_format(current.revoked_on)}.", field="revoked_on")
        current.revoked_on = on or timezone.localdate()
        return save_validated(current)


# -- the team roster: the vendor's engineers ------------------------------------------------------------------
# Managed by procurement, administrators and the vendor's delivery owner (``apps.vendors.roster_access``).
# Engineers are never deleted (assignments and access grants keep them); once their assignments all ended
# long enough ago, a scheduled task anonymises them (``engineer_anonymise``).
ENGINEER_PERSONAL_FIELDS = ("email", "git_handle", "tracker_handle", "location")
ANONYMISED_NAME = "Former engineer #{pk}"


def _vendor_of(value: Any) -> Vendor | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Vendor) else Vendor.objects.filter(pk=value).first()


def _refuse_anonymised(engineer: Engineer) -> None:
    if engineer.anonymised_on is not None:
        raise ApplicationError(
            f"{engineer.name} was anonymised on {formats.date_format(engineer.anonymised_on)}: "
            "an anonymised engineer cannot be edited.",
            code="anonymised",
        )


def engineer_create(*, actor: Any | None, data: Mapping[str, Any]) -> Engineer:
    """Add an engineer to a vendor's roster (``data["vendor"]``); the work e-mail and the Git handle are
    unique per vendor, in any case (409 on a race, 400 from ``full_clean`` otherwise)."""
    vendor = _vendor_of(data.get("vendor"))
    if vendor is not None:
        roster_access.require_roster_manager(actor, vendor)
    fields = {name: value for name, value in data.items() if name != "anonymised_on"}
    return model_create(Engineer, actor=actor, data=fields, action="engineer_create")


def engineer_update(*, instance: Engineer, actor: Any | None, data: Mapping[str, Any]) -> Engineer:
    """Change an engineer's details. An engineer stays with their vendor (400 on ``vendor``), and an
    anonymised one cannot be edited (400)."""
    roster_access.require_roster_manager(actor, instance.vendor)
    if "vendor" in data and getattr(data["vendor"], "pk", data["vendor"]) != instance.vendor_id:
        raise ApplicationError(
            "An engineer stays on their vendor's roster: add the person to the other vendor instead.", field="vendor"
        )
    fields = {name: value for name, value in data.items() if name not in ("vendor", "anonymised_on")}
    with audited(actor=actor, action="engineer_update"):
        current = Engineer.objects.select_for_update().get(pk=instance.pk)
        _refuse_anonymised(current)
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.anonymised_on = current.anonymised_on
        return save_validated(instance)


def engineer_anonymise(*, engineer: Engineer, actor: Any | None = None) -> Engineer:
    """Replace what identifies the engineer: the name becomes "Former engineer #<id>", the work e-mail,
    handles and location are cleared, ``anonymised_on`` is today. Their role, band and overlap stay (the
    roster's arithmetic needs them), and so do their assignments and access grants. The rows of the audit
    trail that held those values are cleared the same way; who changed what, and when, stays.

    Idempotent: an engineer anonymised already is returned as stored, and nothing is written. With no
    ``actor`` (the scheduled task) nobody's permission is asked; with one, the roster manager's rule."""
    if actor is not None:
        roster_access.require_roster_manager(actor, engineer.vendor)
    with audited(actor=actor, action="engineer_anonymise"):
        current = Engineer.objects.select_for_update().get(pk=engineer.pk)
        if current.anonymised_on is None:
            current.name = ANONYMISED_NAME.format(pk=current.pk)
            for name in ENGINEER_PERSONAL_FIELDS:
                setattr(current, name, "")
            current.anonymised_on = timezone.localdate()
            save_validated(current)
            _engineer_history_anonymise(current)
    return current


def _engineer_history_anonymise(engineer: Engineer) -> None:
    """The audit trail's copies of the engineer's identifying values, replaced as on the row itself."""
    events = apps.get_model("vendors", "EngineerEvent")
    events._default_manager.filter(pgh_obj_id=engineer.pk).update(
        name=engineer.name, **dict.fromkeys(ENGINEER_PERSONAL_FIELDS, "")
    )


# -- service reviews and their action items -------------------------------------------------------
# Engineering managers run the reviews (and keep the action items) of the vendors they own only; every
# service below asks ``apps.vendors.ownership`` first — the record as it is, and as a change would make it.
def service_review_create(*, actor: Any | None, data: Mapping[str, Any]) -> ServiceReview:
    ownership.require_owner_of_new(actor, ServiceReview, data)
    return model_create(ServiceReview, actor=actor, data=data, action="service_review_create")


def service_review_update(*, instance: ServiceReview, actor: Any | None, data: Mapping[str, Any]) -> ServiceReview:
    """Change a review (``instance`` as stored); moving it to another vendor needs that vendor too."""
    ownership.require_owner_of_change(actor, instance, data)
    return model_update(instance, actor=actor, data=data, action="service_review_update")


def service_review_delete(*, instance: ServiceReview, actor: Any | None) -> None:
    ownership.require_owner(actor, instance)
    model_delete(instance, actor=actor, action="service_review_delete")


def service_review_record(*, review: ServiceReview, actor: Any | None, data: Mapping[str, Any]) -> ServiceReview:
    """Record a meeting as held (``held_on`` defaults to the day it was scheduled for; attendees,
    ``delivery_quality``, ``decisions``, ``risks_raised``…), then schedule the next review the vendor's
    cadence after it — unless a scheduled one already exists on or after that date, or the vendor has
    exited. Recording a held review again corrects it; a cancelled review cannot be recorded."""
    ownership.require_owner(actor, review)
    if review.status == ReviewStatus.CANCELLED:
        raise TransitionError("A cancelled review cannot be recorded as held; schedule a new one.", field="status")
    held_on = data.get("held_on") or review.scheduled_for
    if held_on > timezone.localdate():
        raise ApplicationError("A review cannot be recorded before it is held.", field="held_on")
    fields = {
        **{name: value for name, value in data.items() if name not in ("status", "vendor", "scheduled_for")},
        "status": ReviewStatus.HELD,
        "held_on": held_on,
    }
    with audited(actor=actor, action="service_review_record"):
        # One recording at a time per vendor, so two of them cannot both schedule the next review.
        vendor = Vendor.objects.select_for_update().get(pk=review.vendor_id)
        review = model_update(review, actor=actor, data=fields, action="service_review_record")
        if vendor.status not in STATUSES_WITHOUT_REVIEWS:
            next_date = held_on + timedelta(days=vendor.review_cadence_days)
            already_scheduled = ServiceReview.objects.filter(
                vendor=vendor, status=ReviewStatus.SCHEDULED, scheduled_for__gte=next_date
            ).exists()
            if not already_scheduled:
                save_validated(ServiceReview(vendor=vendor, scheduled_for=next_date))
    return review


def action_item_create(*, actor: Any | None, data: Mapping[str, Any]) -> ActionItem:
    ownership.require_owner_of_new(actor, ActionItem, data)
    return model_create(ActionItem, actor=actor, data=data, action="action_item_create")


def action_item_update(*, instance: ActionItem, actor: Any | None, data: Mapping[str, Any]) -> ActionItem:
    """Change an action (``instance`` as stored); moving it to another review needs that review's vendor too."""
    ownership.require_owner_of_change(actor, instance, data)
    return model_update(instance, actor=actor, data=data, action="action_item_update")


def action_item_delete(*, instance: ActionItem, actor: Any | None) -> None:
    ownership.require_owner(actor, instance)
    model_delete(instance, actor=actor, action="action_item_delete")


def action_item_complete(*, item: ActionItem, actor: Any | None, done_on: date) -> ActionItem:
    """Mark an action done on ``done_on`` (completing it again corrects the date)."""
    ownership.require_owner(actor, item)
    with audited(actor=actor, action="action_item_complete"):
        item.done_on = done_on
        return save_validated(item)


# -- identity rules (who is the vendor's in delivery telemetry) -------------------------------------------
def identity_rule_create(*, actor: Any | None, data: Mapping[str, Any]) -> VendorIdentityRule:
    """Add a rule; the value is kept in lower case (``VendorIdentityRule.clean``). Telemetry attributes
    the events it receives from now on; ``manage.py telemetry_reprocess`` applies it to the stored ones."""
    ownership.require_owner_of_new(actor, VendorIdentityRule, data)
    return model_create(VendorIdentityRule, actor=actor, data=data, action="identity_rule_create")


def identity_rule_delete(*, instance: VendorIdentityRule, actor: Any | None) -> None:
    ownership.require_owner(actor, instance)
    model_delete(instance, actor=actor, action="identity_rule_delete")


# -- watching: a person follows a vendor's dates in their calendar feed -------------------------------------
def _require_watcher(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise ApplicationError("Sign in to watch a vendor.")


def vendor_watch(*, vendor: Vendor, user: Any) -> VendorWatch:
    """``user`` watches ``vendor``: its dates join their calendar feed. Watching twice is watching."""
    _require_watcher(user)
    with audited(actor=user, action="vendor_watch"):
        watch, _ = VendorWatch.objects.get_or_create(user=user, vendor=vendor)
    return watch


def vendor_unwatch(*, vendor: Vendor, user: Any) -> bool:
    """``user`` stops watching ``vendor``; whether they were. Their own vendors stay in their feed."""
    _require_watcher(user)
    with audited(actor=user, action="vendor_unwatch"):
        deleted, _ = VendorWatch.objects.filter(user=user, vendor=vendor).delete()
    return bool(deleted)

"""Owner hours: the hours the vendor's named owners spend governing one of its contracts in a week, beyond
the standing overhead the settings assume — the *logged* part of the management load
(docs/architecture/costs.md, "Owner hours").

Who logs: each named owner of the contract's vendor (its engineering owner, delivery owner and security
contact) logs their own hours on its contracts; administrators log (and correct, and delete) anyone's.
Nobody else does, whatever their role. ``actor=None`` is the system itself (a command, the demo data).

A week is named by its Monday: any day of the week is read as that Monday (the form and the API say so).
One entry per contract, person and week: logging the same week again replaces its hours and note
(``owner_hours_log`` is an upsert), and logging what is stored writes nothing. A week that has not started
cannot be logged.

The rule, the reads, the writes and the form are here, in one module, for the page
(``apps.costs.owner_hours_views``), the API (``apps.costs.api.owner_hours``) and the demo data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.choices import Role
from apps.contracts.filters import ContractChoiceFilter
from apps.contracts.models import Contract
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.filters import FilterSet, NumberFilter
from apps.core.forms import DATE_WIDGET, PersonChoiceField, WorkspaceModelForm, people
from apps.core.services import audited, model_delete, save_validated
from apps.costs.models import OwnerHours

# The vendor's fields naming the people who log hours on its contracts.
NAMED_OWNER_FIELDS = ("engineering_owner", "delivery_owner", "security_contact")
# What an entry's form, API and upsert may set.
OWNER_HOURS_FIELDS = ("contract", "person", "week_of", "hours", "note")
WEEK_HELP = "Any day of the week: the week is named by its Monday (the entry is kept under that Monday)."


def week_monday(day: date) -> date:
    """The Monday of ``day``'s week (Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


# -- who may log ----------------------------------------------------------------------------------------
def is_hours_admin(user: Any) -> bool:
    """Administrators (and superusers) log, correct and delete anyone's hours."""
    return bool(getattr(user, "is_authenticated", False)) and (user.is_superuser or user.has_role(Role.ADMIN))


def named_owner_ids(vendor: Any) -> set[int]:
    """The ids of ``vendor``'s named owners (engineering owner, delivery owner, security contact)."""
    ids = (getattr(vendor, f"{name}_id", None) for name in NAMED_OWNER_FIELDS)
    return {pk for pk in ids if pk is not None}


def may_log_hours(user: Any, *, contract: Contract, person: Any) -> bool:
    """Whether ``user`` may log (change, delete) ``person``'s hours on ``contract``: ``person`` themselves
    when they are a named owner of its vendor; an administrator for anyone; ``None`` (the system) always."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if is_hours_admin(user):
        return True
    person_id = getattr(person, "pk", person)
    return person_id == user.pk and user.pk in named_owner_ids(contract.vendor)


def hours_refusal(contract: Contract) -> str:
    return (
        f"Only the named owners of {contract.vendor} (its engineering owner, delivery owner and security "
        "contact) log their own hours on its contracts; administrators log anyone's."
    )


def _require(actor: Any, *, contract: Contract, person: Any) -> None:
    if not may_log_hours(actor, contract=contract, person=person):
        raise PermissionDeniedError(hours_refusal(contract))


def loggable_contracts(user: Any) -> QuerySet[Contract]:
    """The contracts ``user`` may log their own hours on (an administrator: every contract), with their vendor."""
    contracts = Contract.objects.select_related("vendor").order_by("vendor__name", "title")
    if user is None or is_hours_admin(user):
        return contracts
    if not getattr(user, "is_authenticated", False):
        return contracts.none()
    owns = Q()
    for name in NAMED_OWNER_FIELDS:
        owns |= Q(**{f"vendor__{name}": user})
    return contracts.filter(owns)


# -- reads ----------------------------------------------------------------------------------------------
def owner_hours_list(*, user: Any | None = None) -> QuerySet[OwnerHours]:
    """Every entry with its contract, vendor and person (everyone signed in reads them, as the contracts)."""
    return OwnerHours.objects.select_related("contract__vendor", "person")


class OwnerHoursFilterSet(FilterSet):
    """The filters of the page and the API: a contract, a vendor, a person, one week (any day of it) or a
    range of weeks."""

    contract = ContractChoiceFilter()
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    person = django_filters.ModelChoiceFilter(queryset=people(), label="Person")
    week = django_filters.DateFilter(method="filter_week", label="Week of")
    week_from = django_filters.DateFilter(field_name="week_of", lookup_expr="gte", label="Weeks from")
    week_to = django_filters.DateFilter(field_name="week_of", lookup_expr="lte", label="Weeks to")

    class Meta:
        model = OwnerHours
        fields = ["contract", "vendor", "person", "week", "week_from", "week_to"]

    def filter_week(self, queryset: QuerySet[OwnerHours], name: str, value: date) -> QuerySet[OwnerHours]:
        return queryset.filter(week_of=week_monday(value))


# -- writes ---------------------------------------------------------------------------------------------
def _week(value: Any) -> date:
    if not isinstance(value, date):
        raise ApplicationError("Give the week: any day of it (YYYY-MM-DD).", field="week_of")
    monday = week_monday(value)
    if monday > timezone.localdate():
        raise ApplicationError("This week has not started: log hours once they are spent.", field="week_of")
    return monday


def _person(actor: Any, data: Mapping[str, Any]) -> Any:
    person = data.get("person") or (actor if getattr(actor, "is_authenticated", False) else None)
    if person is None:
        raise ApplicationError("Choose whose hours these are.", field="person")
    return person


def owner_hours_log(*, actor: Any | None, data: Mapping[str, Any]) -> tuple[OwnerHours, str]:
    """Log ``data["hours"]`` (0.25 to 80) of ``person`` (default: the actor) on ``contract`` in the week of
    ``week_of`` (any day of it; kept as its Monday), with an optional ``note``. The week's entry of that
    person on that contract is created, or its hours and note replaced. Answers the entry and ``created``,
    ``updated`` or ``unchanged`` (nothing written). 403 for who may not (``may_log_hours``); 400 on the
    field at fault."""
    contract = data.get("contract")
    if contract is None:
        raise ApplicationError("Choose the contract.", field="contract")
    person = _person(actor, data)
    week_of = _week(data.get("week_of"))
    _require(actor, contract=contract, person=person)
    hours = data.get("hours")
    if hours is None:
        raise ApplicationError("Give the hours (0.25 to 80).", field="hours")
    note = str(data.get("note") or "").strip()
    with audited(actor=actor, action="owner_hours_log"):
        existing = (
            OwnerHours.objects.select_for_update().filter(contract=contract, person=person, week_of=week_of).first()
        )
        if existing is None:
            entry = OwnerHours(contract=contract, person=person, week_of=week_of, hours=hours, note=note)
            return save_validated(entry), "created"
        if existing.hours == hours and existing.note == note:
            return existing, "unchanged"
        existing.hours, existing.note = hours, note
        return save_validated(existing), "updated"


def owner_hours_update(*, instance: OwnerHours, actor: Any | None, data: Mapping[str, Any]) -> OwnerHours:
    """Change an entry's fields (``OWNER_HOURS_FIELDS``; ``week_of`` any day of the week). Who may change
    it is asked of the entry as it is and as it will be; moving it onto another entry's contract, person
    and week is a 409."""
    current = OwnerHours.objects.select_related("contract__vendor").get(pk=instance.pk)
    _require(actor, contract=current.contract, person=current.person_id)
    fields = {name: value for name, value in data.items() if name in OWNER_HOURS_FIELDS}
    if "week_of" in fields:
        fields["week_of"] = _week(fields["week_of"])
    if "person" in fields:
        fields["person"] = _person(actor, fields)
    if "note" in fields:
        fields["note"] = str(fields["note"] or "").strip()
    contract = fields.get("contract", current.contract)
    person = fields.get("person", current.person)
    _require(actor, contract=contract, person=person)
    with audited(actor=actor, action="owner_hours_update"):
        entry = OwnerHours.objects.select_for_update().get(pk=instance.pk)
        changed = {name: value for name, value in fields.items() if getattr(entry, name) != value}
        if not changed:
            return entry
        week_of = fields.get("week_of", entry.week_of)
        taken = OwnerHours.objects.filter(contract=contract, person=person, week_of=week_of).exclude(pk=entry.pk)
        if taken.exists():
            raise ConflictError(
                f"{person} already has hours on {contract} in the week of {week_of}: change that entry.",
                field="week_of",
            )
        for name, value in changed.items():
            setattr(entry, name, value)
        return save_validated(entry)


def owner_hours_delete(*, instance: OwnerHours, actor: Any | None) -> None:
    """Delete an entry: its person (a named owner of the vendor) or an administrator."""
    current = OwnerHours.objects.select_related("contract__vendor").get(pk=instance.pk)
    _require(actor, contract=current.contract, person=current.person_id)
    model_delete(current, actor=actor, action="owner_hours_delete")


# -- the form -------------------------------------------------------------------------------------------
class OwnerHoursForm(WorkspaceModelForm):
    """Log a week's hours on a contract: a named owner for themselves (the person is fixed), an
    administrator for anyone. The same week again replaces the entry."""

    class Meta(WorkspaceModelForm.Meta):
        model = OwnerHours
        fields = ["contract", "person", "week_of", "hours", "note"]
        labels = {"week_of": "Week of", "hours": "Hours"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contracts = self.fields["contract"]
        contracts.queryset = loggable_contracts(user)  # type: ignore[attr-defined]  # fields[] is typed Field; this one is a ModelChoiceField
        contracts.label_from_instance = lambda contract: f"{contract.title} — {contract.vendor}"  # type: ignore[attr-defined]  # as above
        if is_hours_admin(user):
            self.fields["person"].help_text = "Whose hours: a named owner of the vendor, usually."
        else:
            self.fields["person"] = PersonChoiceField(
                queryset=get_user_model().objects.filter(pk=user.pk),
                initial=user.pk,
                disabled=True,
                label="Person",
                help_text="You log your own hours (administrators log anyone's).",
            )
        self.fields["person"].initial = self.fields["person"].initial or user.pk
        week = self.fields["week_of"]
        week.widget = DATE_WIDGET
        week.help_text = WEEK_HELP
        week.initial = week.initial or week_monday(timezone.localdate())
        self.fields[
            "hours"
        ].help_text = "Hours spent on the contract that week (0.25 to 80), beyond the usual overhead."
        self.fields["note"].help_text = "Optional: what took the time (an escalation, a renegotiation…)."

    def clean_week_of(self) -> date | None:
        day = self.cleaned_data.get("week_of")
        return week_monday(day) if day else day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The same week again updates its entry (``owner_hours_log``): validate against that entry, so
        # the one-entry-a-week constraint does not refuse it.
        contract, person, week_of = (cleaned.get(name) for name in ("contract", "person", "week_of"))
        if contract and person and week_of:
            existing = OwnerHours.objects.filter(contract=contract, person=person, week_of=week_of).first()
            if existing is not None:
                self.instance = existing
        return cleaned

"""Writes of the invoices (docs/architecture/costs.md, "Invoices").

Every function here is one transaction (``apps.core.services``): it checks who may act, validates
(``full_clean`` and the named constraints), saves and records the audit context; a refused change writes
nothing. Invoices are written by procurement and administrators (``costs.add_invoice`` /
``costs.change_invoice``); ``actor=None`` is the system itself (a command).

An invoice's content — number, period, amount, currency and billed hours — may change while it is
received or disputed; once approved (or paid) it is what was approved, so a change is refused with a 400
naming the way back (dispute it first). Its status moves only through ``invoice_transition``
(``INVOICE_TRANSITIONS``); a dispute needs a reason. A write that changes nothing saves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from apps.contracts.models import Contract
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError, transition_require
from apps.core.gates import clean_reason
from apps.core.services import audited, model_delete, save_validated, status_change_record
from apps.costs.choices import INVOICE_EDITABLE_STATUSES, INVOICE_TRANSITIONS, InvoiceStatus
from apps.costs.models import Invoice, InvoiceHours, OwnerHours
from apps.costs.selectors import ADD_INVOICE_PERMISSION, CHANGE_INVOICE_PERMISSION, may_log_hours, week_monday
from apps.vendors.choices import SeniorityBand

# What an invoice's form, API and import may set; its status is set only when it is created.
INVOICE_FIELDS = ("contract", "number", "period_start", "period_end", "amount", "currency", "received_on", "note")
# What is fixed once the invoice is approved (editable while received or disputed).
INVOICE_CONTENT_FIELDS = ("number", "period_start", "period_end", "amount", "currency")
MAX_HOURS = Decimal("999999.99")


def _label(status: str) -> str:
    return str(InvoiceStatus(status).label).lower()


def _require(actor: Any | None, permission: str, what: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(f"Only procurement and administrators {what} invoices.")


def _same(current: Any, value: Any) -> bool:
    return getattr(current, "pk", current) == getattr(value, "pk", value)


def invoice_hours_clean(hours: Mapping[str, Any]) -> dict[str, Decimal]:
    """``{role: hours}`` checked (a role named, hours a number above zero, one line per role in any
    case), with the roles stripped; a 400 on ``hours`` otherwise."""
    cleaned: dict[str, Decimal] = {}
    seen: set[str] = set()
    for role, value in hours.items():
        name = str(role).strip()
        if not name:
            raise ApplicationError("Name the role the hours are billed for.", field="hours")
        if name.casefold() in seen:
            raise ApplicationError(f"The role “{name}” is listed twice.", field="hours")
        seen.add(name.casefold())
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ApplicationError(f"The hours of “{name}” are not a number.", field="hours") from None
        if not number.is_finite() or number <= 0 or number > MAX_HOURS:
            raise ApplicationError(f"The hours of “{name}” must be more than 0 and at most {MAX_HOURS}.", field="hours")
        if number != number.quantize(Decimal("0.01")):
            raise ApplicationError(f"The hours of “{name}” take at most two decimals.", field="hours")
        cleaned[name] = number
    return cleaned


def seniority_clean(value: Any, *, role: str) -> str:
    """A billed role's seniority band (``SeniorityBand``, any case; empty: not given, counted as mid)."""
    band = str(value or "").strip().lower()
    if band and band not in SeniorityBand.values:
        raise ApplicationError(
            f"The seniority of “{role}” is one of {', '.join(SeniorityBand.values)} (or empty: counted as mid).",
            field="hours",
        )
    return band


def invoice_seniority_clean(seniority: Mapping[str, Any], hours: Mapping[str, Decimal]) -> dict[str, str]:
    """``{role: band}`` for every role of ``hours`` (checked): the band given for it (matched in any case),
    else empty. A band for a role the hours do not bill is a 400 on ``hours``."""
    by_key = {str(role).strip().casefold(): (str(role).strip(), band) for role, band in seniority.items()}
    unknown = sorted(name for key, (name, _) in by_key.items() if key not in {role.casefold() for role in hours})
    if unknown:
        raise ApplicationError(f"A seniority is given for “{unknown[0]}”, which bills no hours.", field="hours")
    return {role: seniority_clean(by_key.get(role.casefold(), (role, ""))[1], role=role) for role in hours}


def _role_and_band(text: str) -> tuple[str, str]:
    """``"Developer (senior)"`` → ``("Developer", "senior")``; a bracket that names no band is part of the
    role (``"Developer (backend)"``)."""
    role = text.strip()
    if role.endswith(")") and "(" in role:
        name, _, band = role[:-1].rpartition("(")
        if band.strip().lower() in SeniorityBand.values and name.strip():
            return name.strip(), band.strip().lower()
    return role, ""


def hours_lines_parse(text: str) -> tuple[dict[str, Decimal], dict[str, str]]:
    """``"Developer (senior): 120; QA: 40.5"`` → the hours by role (checked by ``invoice_hours_clean``)
    and each role's seniority band (``{"Developer": "senior", "QA": ""}``). An empty text is no hours; a
    part that does not read is a 400 on ``hours``."""
    hours: dict[str, str] = {}
    seniority: dict[str, str] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        label, colon, value = part.rpartition(":")
        if not colon or not label.strip() or not value.strip():
            raise ApplicationError(
                f"Give the hours as “role: hours; role (seniority): hours” (“{part.strip()}” does not read).",
                field="hours",
            )
        role, band = _role_and_band(label)
        if role.casefold() in {name.casefold() for name in hours}:
            raise ApplicationError(f"The role “{role}” is listed twice.", field="hours")
        hours[role] = value.strip()
        seniority[role] = band
    cleaned = invoice_hours_clean(hours)
    return cleaned, invoice_seniority_clean(seniority, cleaned)


def hours_parse(text: str) -> dict[str, Decimal]:
    """``"Developer: 120; QA: 40.5"`` → ``{"Developer": Decimal("120"), "QA": Decimal("40.5")}`` (checked by
    ``invoice_hours_clean``; a seniority after a role, ``"Developer (senior): 120"``, is read and left out:
    ``hours_lines_parse`` keeps it); an empty text is no hours. A 400 on ``hours`` when a part does not read."""
    return hours_lines_parse(text)[0]


def hours_text(hours: Mapping[str, Decimal], seniority: Mapping[str, str] | None = None) -> str:
    """The billed hours as a cell or a form reads them: ``"Developer (senior): 120; QA: 40.5"``."""
    bands = seniority or {}
    return "; ".join(
        f"{role}{f' ({bands[role]})' if bands.get(role) else ''}: {value.normalize():f}"
        for role, value in hours.items()
    )


def _hours_write(invoice: Invoice, hours: Mapping[str, Decimal], seniority: Mapping[str, str] | None = None) -> bool:
    """Make the invoice's lines exactly ``hours`` (checked), with ``seniority`` (``{role: band}``, checked;
    None: a role that stays keeps its band, a new one has none); True when something was written."""
    existing = {line.role.casefold(): line for line in InvoiceHours.objects.filter(invoice=invoice)}
    wanted = {role.casefold(): (role, value) for role, value in hours.items()}
    changed = False
    for key, line in existing.items():
        if key not in wanted:
            line.delete()
            changed = True
    for key, (role, value) in wanted.items():
        stored = existing.get(key)
        band = (seniority or {}).get(role, "") if seniority is not None else (stored.seniority if stored else "")
        if stored is not None and stored.role == role and stored.hours == value and stored.seniority == band:
            continue
        line = stored or InvoiceHours(invoice=invoice)
        line.role, line.hours, line.seniority = role, value, band
        save_validated(line)
        changed = True
    return changed


def invoice_hours_of(invoice: Invoice) -> dict[str, Decimal]:
    return {line.role: line.hours for line in invoice.hours.all()}


def invoice_seniority_of(invoice: Invoice) -> dict[str, str]:
    """``{role: band}`` of the invoice's billed hours (empty: not given)."""
    return {line.role: line.seniority for line in invoice.hours.all()}


def _editable(invoice: Invoice) -> None:
    if invoice.status not in INVOICE_EDITABLE_STATUSES:
        raise ApplicationError(
            f"Invoice {invoice.number} is {_label(invoice.status)}: its number, period, amount, currency and hours "
            "are what was approved. Dispute it to correct them.",
            field="status",
        )


def invoice_create(*, actor: Any | None, data: Mapping[str, Any]) -> Invoice:
    """Record an invoice of ``contract`` (``data``: ``INVOICE_FIELDS``, optionally ``status`` — received
    by default — ``hours``, ``{role: hours}``, and ``seniority``, ``{role: band}`` of those roles). A second
    invoice with the same number on the contract (any case) is a 409."""
    _require(actor, ADD_INVOICE_PERMISSION, "record")
    if data.get("contract") is None:
        raise ApplicationError("Choose the contract.", field="contract")
    fields = {name: value for name, value in data.items() if name in INVOICE_FIELDS}
    invoice = Invoice(**fields)
    if data.get("status"):
        invoice.status = data["status"]
    hours = invoice_hours_clean(data.get("hours") or {})
    seniority = invoice_seniority_clean(data.get("seniority") or {}, hours)
    with audited(actor=actor, action="invoice_create"):
        saved = save_validated(invoice)
        _hours_write(saved, hours, seniority)
    return saved


def invoice_update(*, instance: Invoice, actor: Any | None, data: Mapping[str, Any]) -> Invoice:
    """Change an invoice's fields (``INVOICE_FIELDS``; ``hours`` replaces its billed hours, ``seniority``
    their bands — given alone, also on an approved invoice; not given, a role that stays keeps its band). The contract
    stays (400); the number, period, amount, currency and hours only while it is received or disputed
    (400). Its status changes through ``invoice_transition`` (400 when given different here)."""
    _require(actor, CHANGE_INVOICE_PERMISSION, "change")
    if "contract" in data and not _same(instance.contract_id, data["contract"]):
        raise ApplicationError("An invoice stays on its contract: record it on the other contract.", field="contract")
    if data.get("status") and data["status"] != instance.status:
        raise ApplicationError(
            f"The invoice is {_label(instance.status)}: its status changes by approving, disputing or paying it.",
            field="status",
        )
    fields = {name: value for name, value in data.items() if name in INVOICE_FIELDS and name != "contract"}
    hours = invoice_hours_clean(data["hours"]) if data.get("hours") is not None else None
    with audited(actor=actor, action="invoice_update"):
        current = Invoice.objects.select_for_update().select_related("contract").get(pk=instance.pk)
        changed = {name: value for name, value in fields.items() if getattr(current, name) != value}
        if "currency" in changed and str(changed["currency"]).strip().upper() == current.currency:
            del changed["currency"]
        if "number" in changed and str(changed["number"]).strip() == current.number:
            del changed["number"]
        stored_hours = invoice_hours_of(current)
        hours_change = hours is not None and hours != stored_hours
        # The seniority is our reading of the vendor's roles, not a billed figure: it may be given on an
        # approved invoice too (the in-house comparison), as long as the hours stay what was approved.
        seniority = (
            invoice_seniority_clean(data["seniority"], hours if hours is not None else stored_hours)
            if data.get("seniority") is not None
            else None
        )
        seniority_change = seniority is not None and seniority != {
            role: band for role, band in invoice_seniority_of(current).items() if role in seniority
        }
        if hours_change or any(name in changed for name in INVOICE_CONTENT_FIELDS):
            _editable(current)
        for name, value in changed.items():
            setattr(current, name, value)
        if changed:
            save_validated(current)
        if hours_change or seniority_change:
            _hours_write(current, hours if hours is not None else stored_hours, seniority)
    for name in (*changed, "updated_at"):
        setattr(instance, name, getattr(current, name))
    return instance


def invoice_hours_set(*, invoice: Invoice, actor: Any | None, hours: Mapping[str, Any]) -> Invoice:
    """Replace the invoice's billed hours by role (``{role: hours}``; an empty mapping clears them), while
    it is received or disputed (400 otherwise). The same hours again write nothing."""
    return invoice_update(instance=invoice, actor=actor, data={"hours": dict(hours)})


def invoice_transition(*, invoice: Invoice, actor: Any | None, to_status: str, reason: str = "") -> Invoice:
    """Move the invoice along ``INVOICE_TRANSITIONS`` (409 otherwise, naming where it can go); a dispute
    needs a ``reason`` (400). The row is locked and re-read, so of two moves racing the second meets the
    status the first left; the move is recorded as a status change with its reason."""
    _require(actor, CHANGE_INVOICE_PERMISSION, "approve, dispute or pay")
    if to_status not in InvoiceStatus.values:
        raise ApplicationError(
            f"Unknown invoice status “{to_status}”; one of {', '.join(InvoiceStatus.values)}.", field="status"
        )
    reason = clean_reason(reason)
    if to_status == InvoiceStatus.DISPUTED and not reason:
        raise ApplicationError("Say why the invoice is disputed.", field="reason")
    with audited(actor=actor, action=f"invoice_{to_status}", reason=reason):
        current = Invoice.objects.select_for_update().get(pk=invoice.pk)
        from_status = current.status
        transition_require(INVOICE_TRANSITIONS, from_status, to_status, subject="An invoice", label=_label)
        current.status = to_status
        saved = save_validated(current)
        status_change_record(subject=saved, from_status=from_status, to_status=to_status, actor=actor, reason=reason)
    invoice.status, invoice.updated_at = saved.status, saved.updated_at
    return invoice


# -- upsert by (contract, number): the bulk API ---------------------------------------------------------
def invoice_find(*, contract: Any, number: str, lock: bool = False) -> Invoice | None:
    """The contract's invoice with this number (any case), or None."""
    found = Invoice.objects.filter(contract=contract, number__iexact=str(number).strip())
    if lock:
        found = found.select_for_update()
    return found.first()


def invoice_upsert(*, actor: Any | None, data: Mapping[str, Any]) -> tuple[Invoice, str]:
    """Create the contract's invoice with ``data["number"]``, or change the one it has (any case): the
    fields given replace the stored ones (``hours`` its billed hours), those not given stay. Answers the
    invoice and ``created``, ``updated`` or ``unchanged`` (nothing written). A known invoice given another
    ``status`` is refused (400 on ``status``: it moves through ``invoice_transition``)."""
    contract, number = data.get("contract"), data.get("number")
    if contract is None or not str(number or "").strip():
        raise ApplicationError("Give the invoice's contract and number.", field="number")
    with audited(actor=actor, action="invoice_upsert"):
        existing = invoice_find(contract=contract, number=str(number), lock=True)
        if existing is None:
            return invoice_create(actor=actor, data=data), "created"
        status = data.get("status")
        if status and status != existing.status:
            raise ApplicationError(
                f"Invoice {existing.number} is {_label(existing.status)}: its status changes by approving, "
                "disputing or paying it, not by an upsert.",
                field="status",
            )
        changed = {
            name: value
            for name, value in data.items()
            if name in INVOICE_FIELDS and name not in ("contract", "number") and getattr(existing, name) != value
        }
        if "currency" in changed and str(changed["currency"]).upper() == existing.currency:
            del changed["currency"]
        hours = invoice_hours_clean(data["hours"]) if data.get("hours") is not None else None
        if hours is not None and hours != invoice_hours_of(existing):
            changed["hours"] = hours
        if data.get("seniority") is not None:
            seniority = invoice_seniority_clean(
                data["seniority"], hours if hours is not None else invoice_hours_of(existing)
            )
            if "hours" in changed or seniority != invoice_seniority_of(existing):
                changed["seniority"] = seniority
        if not changed:
            return existing, "unchanged"
        return invoice_update(instance=existing, actor=actor, data=changed), "updated"


# -- owner hours ------------------------------------------------------------------------------------------
# One entry per contract, person and week: logging the same week again replaces its hours and note
# (``owner_hours_log`` is an upsert), and logging what is stored writes nothing. A week that has not started
# cannot be logged. Who may: ``apps.costs.selectors.may_log_hours``.
# What an entry's form, API and upsert may set.
OWNER_HOURS_FIELDS = ("contract", "person", "week_of", "hours", "note")


def hours_refusal(contract: Contract) -> str:
    return (
        f"Only the named owners of {contract.vendor} (its engineering owner, delivery owner and security "
        "contact) log their own hours on its contracts; administrators log anyone's."
    )


def _require_logger(actor: Any, *, contract: Contract, person: Any) -> None:
    if not may_log_hours(actor, contract=contract, person=person):
        raise PermissionDeniedError(hours_refusal(contract))


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
    _require_logger(actor, contract=contract, person=person)
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
    _require_logger(actor, contract=current.contract, person=current.person_id)
    fields = {name: value for name, value in data.items() if name in OWNER_HOURS_FIELDS}
    if "week_of" in fields:
        fields["week_of"] = _week(fields["week_of"])
    if "person" in fields:
        fields["person"] = _person(actor, fields)
    if "note" in fields:
        fields["note"] = str(fields["note"] or "").strip()
    contract = fields.get("contract", current.contract)
    person = fields.get("person", current.person)
    _require_logger(actor, contract=contract, person=person)
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
    _require_logger(actor, contract=current.contract, person=current.person_id)
    model_delete(current, actor=actor, action="owner_hours_delete")

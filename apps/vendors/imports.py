"""The vendor registers a spreadsheet can be imported into (``apps.core.importing``): vendors with
their named owners, and the governance records kept about them — vetting assessments, certifications,
risks, access grants and service reviews. Each writes through ``apps.vendors.services``.

A vendor is named by its name (any case); a person (an owner, an assessor, an attendee) by their
username or e-mail address (any case). docs/operations/import-registers.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower
from django_countries import countries

from apps.core.errors import ApplicationError
from apps.core.importing import (
    DETAIL,
    CellError,
    ImportColumn,
    ImportContext,
    ParsedRow,
    RecordRegister,
    normalise_key_part,
    read_bool,
    read_choice,
    read_currency,
    read_date,
    read_decimal,
    read_int,
    read_list,
    register_import,
)
from apps.vendors import ownership, roster_access, services
from apps.vendors.choices import (
    CertificationKind,
    Geography,
    PilotOutcome,
    Privilege,
    ReviewStatus,
    RiskCategory,
    RiskStatus,
    SeniorityBand,
    Tier,
    VendorStatus,
    Verdict,
)
from apps.vendors.models import (
    RED_FLAG_FIELDS,
    RED_FLAG_NOTE_FIELDS,
    VETTING_SCORE_FIELDS,
    AccessGrant,
    Certification,
    Engineer,
    ServiceReview,
    Vendor,
    VendorRisk,
    VettingAssessment,
)

PERSON_HELP = "A person's username or e-mail address."
SCORE_HELP = "A score from 1 (low) to 5 (high)."


# -- lookups shared by the registers (one query each, whatever the number of rows) ---------------------
def users_by_reference(references: Iterable[str]) -> dict[str, Any]:
    """The active users named by ``references`` (usernames or e-mail addresses, any case), by the
    reference casefolded; an e-mail address several people share names nobody (it is ambiguous)."""
    wanted = {reference.strip().lower() for reference in references if reference and reference.strip()}
    if not wanted:
        return {}
    found: dict[str, Any] = {}
    by_email: dict[str, list[Any]] = {}
    users = (
        get_user_model()
        .objects.annotate(username_lower=Lower("username"), email_lower=Lower("email"))
        .filter(Q(username_lower__in=wanted) | Q(email_lower__in=wanted), is_active=True)
    )
    for user in users:
        if user.username_lower in wanted:
            found[user.username_lower] = user
        if user.email_lower in wanted:
            by_email.setdefault(user.email_lower, []).append(user)
    for email, people in by_email.items():
        if email not in found and len(people) == 1:
            found[email] = people[0]
    return {reference.casefold(): user for reference, user in found.items()}


def person_error(reference: str) -> str:
    return f"No active person with username or e-mail “{reference}”."


def vendors_by_name(names: Iterable[str], *, lock: bool = False) -> dict[str, Vendor]:
    """The vendors named (any case), by their name casefolded; locked for the write with ``lock``."""
    wanted = {name.strip().lower() for name in names if name and name.strip()}
    if not wanted:
        return {}
    rows: QuerySet[Vendor] = Vendor.objects.annotate(name_lower=Lower("name")).filter(name_lower__in=wanted)
    if lock:
        rows = rows.select_for_update()
    return {normalise_key_part(vendor.name): vendor for vendor in rows}


def vendor_missing(name: str) -> str:
    return f"No vendor named “{name}”."


def read_country(cell: str, decimal_comma: bool) -> str:
    """An ISO 3166 country: its code (PL, POL) or its English name (Poland), any case."""
    code = countries.alpha2(cell) or countries.by_name(cell)
    if not code or not isinstance(code, str):
        raise CellError(f"“{cell}” is not a country; give its ISO code (PL) or its English name (Poland).")
    return code


def _score_column(name: str, *, required: bool = True) -> ImportColumn:
    return ImportColumn(name, required=required, help=SCORE_HELP, example="4")


class PeopleMixin:
    """Columns naming one person (``person_columns``) or several (``people_columns``), resolved in one query."""

    person_columns: ClassVar[tuple[str, ...]] = ()
    people_columns: ClassVar[tuple[str, ...]] = ()

    def resolve_people(self, rows: Sequence[ParsedRow]) -> None:
        references: list[str] = []
        for row in rows:
            references += [row.values[name] for name in self.person_columns if row.given(name)]
            for name in self.people_columns:
                references += row.values.get(name) or []
        users = users_by_reference(references)
        for row in rows:
            for name in self.person_columns:
                if row.given(name):
                    user = users.get(row.values[name].casefold())
                    if user is None:
                        row.error(name, person_error(row.values[name]))
                    row.fields[name] = user
            for name in self.people_columns:
                if row.given(name):
                    people = []
                    for reference in row.values[name]:
                        user = users.get(reference.casefold())
                        if user is None:
                            row.error(name, person_error(reference))
                        people.append(user)
                    row.fields[name] = people


# -- vendors ------------------------------------------------------------------------------------------
class VendorRegister(PeopleMixin, RecordRegister):
    key = "vendors"
    label = "Vendors"
    order = 20
    model = Vendor
    permission = "vendors.add_vendor"
    description = (
        "One row per vendor, with its three named owners. A vendor already known by its name is updated; "
        "its status is set only when it is created (later moves go through its lifecycle)."
    )
    natural_key = ("name",)
    natural_key_help = "vendor name"
    columns = (
        ImportColumn("name", required=True, help="The vendor's name (unique, any case).", example="Acme Software"),
        ImportColumn("country", required=True, help="ISO code (PL) or English name.", example="PL"),
        ImportColumn(
            "geography", required=True, help="onshore, nearshore or offshore.", example="nearshore", aliases=("region",)
        ),
        ImportColumn(
            "timezone_overlap_hours",
            required=True,
            help="Working hours per day shared with our teams (0–24).",
            example="6",
            aliases=("overlap_hours",),
        ),
        ImportColumn(
            "status",
            help="New vendors only: prospect (default), vetting, pilot, active… Pilot and active need the three owners.",
            example="prospect",
        ),
        ImportColumn("tier", help="tier_1, tier_2 or tier_3 (default), or its label.", example="tier_2"),
        ImportColumn("rate_min", help="Lowest hourly rate.", example="45"),
        ImportColumn("rate_max", help="Highest hourly rate.", example="80"),
        ImportColumn("currency", help="ISO-4217 code, any case (default USD).", example="EUR"),
        ImportColumn("website", help="https://…", example="https://acme.example"),
        ImportColumn("description", example="Nearshore QA and platform engineering."),
        ImportColumn("review_cadence_days", help="Days between service reviews (default 14).", example="14"),
        ImportColumn("engineering_owner", help=PERSON_HELP, example="e.manager"),
        ImportColumn("delivery_owner", help=PERSON_HELP, example="d.lead"),
        ImportColumn("security_contact", help=PERSON_HELP, example="s.officer"),
    )
    readers = {
        "country": read_country,
        "geography": read_choice(Geography),
        "timezone_overlap_hours": read_decimal,
        "status": read_choice(VendorStatus),
        "tier": read_choice(Tier),
        "rate_min": read_decimal,
        "rate_max": read_decimal,
        "currency": read_currency,
        "review_cadence_days": read_int,
    }
    required_for_new = ("country", "geography", "timezone_overlap_hours")
    person_columns = services.OWNER_FIELDS

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        existing = vendors_by_name((row.values.get("name", "") for row in rows), lock=writing)
        for row in rows:
            row.existing = existing.get(normalise_key_part(row.values.get("name")))
        self.resolve_people(rows)

    def fields_of(self, row: ParsedRow) -> dict[str, Any]:
        fields = {**super().fields_of(row), **row.fields}
        if row.existing is not None:
            fields.pop("status", None)
        return fields

    def check_row(self, row: ParsedRow, instance: Model, *, context: ImportContext) -> None:
        status = row.values.get("status")
        if row.existing is not None:
            if status and status != row.existing.status:
                row.error(
                    "status",
                    f"{row.existing} is {row.existing.get_status_display().lower()}: a vendor's status changes "
                    "through a lifecycle transition on its page, not an import.",
                )
            return
        try:
            services.vendor_require_owners(status=status or VendorStatus.PROSPECT, owners=row.fields)
        except ApplicationError as exc:
            row.error(exc.field or "status", exc.message)

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.vendor_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.vendor_update(instance=instance, actor=actor, data=fields)


# -- the records kept about a vendor ----------------------------------------------------------------------
class VendorRecordRegister(PeopleMixin, RecordRegister):
    """A register of records that belong to a vendor (the ``vendor`` column, first in the natural key):
    the vendor is an existing one, or one the same workbook's vendors sheet creates."""

    def record_key(self, record: Any) -> tuple[str, ...]:
        parts = [record.vendor.name if name == "vendor" else getattr(record, name) for name in self.natural_key]
        return tuple(normalise_key_part(part) for part in parts)

    def records_of(self, vendors: Iterable[Vendor]) -> QuerySet[Any]:
        return self.model._default_manager.filter(vendor__in=list(vendors)).select_related("vendor")

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        vendors = vendors_by_name((row.values.get("vendor", "") for row in rows), lock=writing)
        records: dict[tuple[str, ...], list[Any]] = {}
        for record in self.records_of(vendors.values()) if vendors else []:
            records.setdefault(self.record_key(record), []).append(record)
        for row in rows:
            if not row.given("vendor"):
                continue
            name = row.values["vendor"]
            vendor = vendors.get(normalise_key_part(name))
            if vendor is None and not context.will_exist("vendors", (normalise_key_part(name),)):
                row.error("vendor", vendor_missing(name))
            row.fields["vendor"] = vendor
            same = records.get(row.key, []) if vendor is not None and row.key is not None else []
            if len(same) > 1:
                row.error(
                    DETAIL,
                    f"{vendor} has several {self.noun} records with this {self.natural_key_help}: "
                    "tell them apart on the vendor's page first.",
                )
            elif same:
                row.existing = same[0]
        self.resolve_people(rows)

    def fields_of(self, row: ParsedRow) -> dict[str, Any]:
        fields = {**super().fields_of(row), **row.fields}
        if row.existing is not None:
            fields.pop("vendor", None)
        return fields


class VettingAssessmentRegister(VendorRecordRegister):
    key = "vetting_assessments"
    label = "Vetting assessments"
    order = 30
    model = VettingAssessment
    permission = "vendors.add_vettingassessment"
    description = (
        "One row per vetting of a vendor: six scores, the red flags seen with their notes, the pilot and the verdict."
    )
    natural_key = ("vendor", "assessed_on")
    natural_key_help = "vendor and assessment date"
    columns = (
        ImportColumn("vendor", required=True, help="The vendor's name.", example="Acme Software"),
        ImportColumn("assessed_on", required=True, help="YYYY-MM-DD.", example="2026-01-15"),
        ImportColumn("assessor", help=PERSON_HELP, example="p.buyer"),
        *(_score_column(name) for name in VETTING_SCORE_FIELDS),
        *(
            column
            for flag in RED_FLAG_FIELDS
            for column in (
                ImportColumn(flag, help="yes or no (default no).", example="no"),
                ImportColumn(RED_FLAG_NOTE_FIELDS[flag], help="How the red flag was answered."),
            )
        ),
        ImportColumn("pilot_outcome", help="not_run (default), passed, mixed or failed.", example="passed"),
        ImportColumn("verdict", required=True, help="approve, conditional or reject.", example="approve"),
        ImportColumn("notes"),
    )
    readers = {
        "assessed_on": read_date,
        **dict.fromkeys(VETTING_SCORE_FIELDS, read_int),
        **dict.fromkeys(RED_FLAG_FIELDS, read_bool),
        "pilot_outcome": read_choice(PilotOutcome),
        "verdict": read_choice(Verdict),
    }
    required_for_new = (*VETTING_SCORE_FIELDS, "verdict")
    person_columns = ("assessor",)

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.vetting_assessment_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.vetting_assessment_update(instance=instance, actor=actor, data=fields)


class CertificationRegister(VendorRecordRegister):
    key = "certifications"
    label = "Certifications"
    order = 32
    model = Certification
    permission = "vendors.add_certification"
    description = "One row per certificate a vendor holds, with its validity and evidence."
    natural_key = ("vendor", "kind", "name", "issued_on")
    natural_key_help = "vendor, kind, name and issue date"
    columns = (
        ImportColumn("vendor", required=True, help="The vendor's name.", example="Acme Software"),
        ImportColumn("kind", required=True, help="soc2_type2, iso27001, iso9001 or other.", example="iso27001"),
        ImportColumn("name", help="Required for kind “other”.", example=""),
        ImportColumn("issued_on", required=True, help="YYYY-MM-DD.", example="2025-06-01"),
        ImportColumn("expires_on", required=True, help="YYYY-MM-DD, after the issue date.", example="2028-05-31"),
        ImportColumn("evidence_url", help="A link to the report or certificate.", example=""),
        ImportColumn("evidence_note", example="Certificate no. 12345"),
    )
    readers = {
        "kind": read_choice(CertificationKind),
        "issued_on": read_date,
        "expires_on": read_date,
    }
    required_for_new = ("expires_on",)

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.certification_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.certification_update(instance=instance, actor=actor, data=fields)


class VendorRiskRegister(VendorRecordRegister):
    key = "risks"
    label = "Risks"
    order = 34
    model = VendorRisk
    permission = "vendors.add_vendorrisk"
    description = "One row per entry of the vendor risk register, scored likelihood × impact."
    natural_key = ("vendor", "title")
    natural_key_help = "vendor and risk title"
    columns = (
        ImportColumn("vendor", required=True, help="The vendor's name.", example="Acme Software"),
        ImportColumn("title", required=True, help="Unique per vendor.", example="Key-person dependency"),
        ImportColumn(
            "category",
            required=True,
            help="ip_ownership, data_security, jurisdiction, knowledge_loss, lock_in, financial or delivery.",
            example="knowledge_loss",
        ),
        ImportColumn("description"),
        ImportColumn("likelihood", required=True, help=SCORE_HELP, example="3"),
        ImportColumn("impact", required=True, help=SCORE_HELP, example="4"),
        ImportColumn("owner", help=PERSON_HELP, example="s.officer"),
        ImportColumn("mitigation", example="Pair a second engineer on the platform team."),
        ImportColumn("status", help="open (default), mitigating, accepted or closed.", example="open"),
    )
    readers = {
        "category": read_choice(RiskCategory),
        "likelihood": read_int,
        "impact": read_int,
        "status": read_choice(RiskStatus),
    }
    required_for_new = ("category", "likelihood", "impact")
    person_columns = ("owner",)

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.vendor_risk_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.vendor_risk_update(instance=instance, actor=actor, data=fields)


# -- the team roster -----------------------------------------------------------------------------------------
def engineer_key(vendor: Any, email: Any, name: Any) -> tuple[str, ...]:
    """An engineer's natural key: the vendor and the work e-mail, or — without an e-mail — the vendor and
    the name (normalised; a vendor given by name or as a record)."""
    vendor_name = normalise_key_part(getattr(vendor, "name", vendor))
    if email:
        return (vendor_name, "email", normalise_key_part(email))
    return (vendor_name, "name", normalise_key_part(name))


class EngineerRegister(VendorRecordRegister):
    key = "engineers"
    label = "Engineers"
    order = 35  # before access grants, which may name them (engineer_email)
    model = Engineer
    permission = "vendors.add_engineer"
    description = (
        "One row per engineer on a vendor's team roster. An engineer already on the vendor's roster with the "
        "same work e-mail (or, for a row without one, the same name) is updated, never added twice. "
        "Procurement imports every vendor's engineers, a delivery owner their own vendor's."
    )
    natural_key = ("vendor", "email", "name")
    natural_key_help = "vendor and work e-mail (or name, without an e-mail)"
    columns = (
        ImportColumn("vendor", required=True, help="The vendor's name.", example="Acme Software"),
        ImportColumn("name", required=True, help="The engineer's full name.", example="Anna Nowak"),
        ImportColumn(
            "email",
            help="Work e-mail, unique per vendor (the key: without it, the name is).",
            example="anna.nowak@acme.example",
            aliases=("work_email",),
        ),
        ImportColumn("role", help="E.g. backend engineer, tech lead, QA.", example="Backend engineer"),
        ImportColumn("seniority", help="junior, mid, senior or principal.", example="senior", aliases=("band",)),
        ImportColumn("git_handle", help="The login on the Git hosting (unique per vendor).", example="anowak"),
        ImportColumn("tracker_handle", help="The login on the issue tracker.", example="anna.nowak"),
        ImportColumn("location", help="City or country.", example="Kraków, Poland"),
        ImportColumn("overlap_hours", help="Working hours shared with our teams each day (0–24).", example="6"),
    )
    readers = {"seniority": read_choice(SeniorityBand), "overlap_hours": read_decimal}
    required_for_new = ("seniority",)

    def may_import(self, user: Any) -> bool:
        return bool(user) and (roster_access.manages_every_roster(user) or roster_access.delivers_any_vendor(user))

    def may_write(self, actor: Any, existing: Any) -> str | None:
        return None  # per vendor, in ``resolve`` (``apps.vendors.roster_access``)

    def key_of(self, row: ParsedRow) -> tuple[str, ...] | None:
        if not row.values.get("vendor") or not (row.values.get("email") or row.values.get("name")):
            return None
        return engineer_key(row.values["vendor"], row.values.get("email"), row.values.get("name"))

    def key_fields(self, row: ParsedRow) -> tuple[str, ...]:
        # Found by its e-mail, the name may change; found by its name, the e-mail is the row's to add.
        return ("vendor", row.notes.get("found_by", "email"))

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        """The engineer a row names: the vendor's one with the row's work e-mail; without it (or when no
        engineer has it yet) the vendor's one with the row's name — among those without an e-mail when
        the row gives one. Several of the same name are refused: an e-mail tells them apart."""
        vendors = vendors_by_name((row.values.get("vendor", "") for row in rows), lock=writing)
        by_email: dict[tuple[int, str], Engineer] = {}
        by_name: dict[tuple[int, str], list[Engineer]] = {}
        for engineer in self.records_of(vendors.values()) if vendors else []:
            if engineer.email:
                by_email[(engineer.vendor_id, engineer.email.casefold())] = engineer
            by_name.setdefault((engineer.vendor_id, normalise_key_part(engineer.name)), []).append(engineer)
        for row in rows:
            if not row.given("vendor"):
                continue
            vendor_name = row.values["vendor"]
            vendor = vendors.get(normalise_key_part(vendor_name))
            row.fields["vendor"] = vendor
            if vendor is None:
                if not context.will_exist("vendors", (normalise_key_part(vendor_name),)):
                    row.error("vendor", vendor_missing(vendor_name))
                continue
            if not roster_access.may_manage_roster(context.actor, vendor):
                row.error("vendor", roster_access.roster_refusal(vendor))
            email = row.values.get("email") or ""
            named = by_name.get((vendor.pk, normalise_key_part(row.values.get("name"))), [])
            found = by_email.get((vendor.pk, email.casefold())) if email else None
            candidates = [engineer for engineer in named if not engineer.email] if email else named
            if found is not None:
                row.existing, row.notes["found_by"] = found, "email"
            elif len(candidates) > 1:
                row.error(
                    DETAIL,
                    f"{vendor} has several engineers named “{row.values.get('name')}”: give each row's work "
                    "e-mail to tell them apart.",
                )
            elif candidates:
                row.existing, row.notes["found_by"] = candidates[0], "name"
            if row.existing is not None and row.existing.anonymised_on is not None:
                row.error(DETAIL, f"{row.existing.name} is anonymised: an anonymised engineer cannot be edited.")

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.engineer_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.engineer_update(instance=instance, actor=actor, data=fields)


def engineers_by_email(vendors: Iterable[Vendor], emails: Iterable[str]) -> dict[tuple[int, str], Engineer]:
    """The engineers of ``vendors`` with one of ``emails`` (any case), by (vendor id, e-mail casefolded)."""
    wanted = {email.strip().lower() for email in emails if email and email.strip()}
    vendor_ids = [vendor.pk for vendor in vendors]
    if not wanted or not vendor_ids:
        return {}
    rows = Engineer.objects.annotate(email_lower=Lower("email")).filter(
        vendor_id__in=vendor_ids, email_lower__in=wanted
    )
    return {(engineer.vendor_id, engineer.email.casefold()): engineer for engineer in rows}


class AccessGrantRegister(VendorRecordRegister):
    key = "access_grants"
    label = "Access grants"
    order = 36
    model = AccessGrant
    permission = "vendors.add_accessgrant"
    description = "One row per account a vendor's staff member holds on one of our systems."
    natural_key = ("vendor", "person", "system", "account_name")
    natural_key_help = "vendor, person, system and account"
    columns = (
        ImportColumn("vendor", required=True, help="The vendor's name.", example="Acme Software"),
        ImportColumn("person", required=True, help="The vendor's staff member.", example="Jan Kowalski"),
        ImportColumn("system", required=True, example="GitHub"),
        ImportColumn("account_name", required=True, help="The account used on the system.", example="jkowalski-acme"),
        ImportColumn("person_email", example="jan.kowalski@acme.example"),
        ImportColumn(
            "engineer_email",
            help="The work e-mail of the engineer on the vendor's roster this grant is for (optional).",
            example="jan.kowalski@acme.example",
            aliases=("engineer",),
        ),
        ImportColumn("privilege", required=True, help="read, write, admin or production.", example="write"),
        ImportColumn("named_account", help="yes (default) for a personal account, no for a shared one.", example="yes"),
        ImportColumn("mfa_enabled", help="yes (default) or no.", example="yes", aliases=("mfa",)),
        ImportColumn("granted_on", required=True, help="YYYY-MM-DD.", example="2026-01-05"),
        ImportColumn("expires_on", help="YYYY-MM-DD.", example="2026-12-31"),
        ImportColumn("revoked_on", help="YYYY-MM-DD, when the access was removed.", example=""),
        ImportColumn("granted_by", help=PERSON_HELP, example="s.officer"),
    )
    readers = {
        "privilege": read_choice(Privilege),
        "named_account": read_bool,
        "mfa_enabled": read_bool,
        "granted_on": read_date,
        "expires_on": read_date,
        "revoked_on": read_date,
    }
    required_for_new = ("privilege", "granted_on")
    person_columns = ("granted_by",)
    column_of_field = {"engineer": "engineer_email"}

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        super().resolve(rows, context=context, writing=writing)
        vendors = {row.fields["vendor"] for row in rows if row.fields.get("vendor") is not None}
        engineers = engineers_by_email(vendors, (row.values.get("engineer_email", "") for row in rows))
        for row in rows:
            if not row.given("engineer_email"):
                continue
            email, vendor = row.values["engineer_email"], row.fields.get("vendor")
            engineer = engineers.get((vendor.pk, email.strip().casefold())) if vendor is not None else None
            planned = context.will_exist("engineers", engineer_key(row.values.get("vendor"), email, ""))
            if engineer is None and not planned:
                where = f"{vendor}'s roster" if vendor is not None else "the vendor's roster"
                row.error("engineer_email", f"No engineer with the work e-mail “{email}” on {where}.")
            row.fields["engineer"] = engineer

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.access_grant_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.access_grant_update(instance=instance, actor=actor, data=fields)


def _read_lines(cell: str, decimal_comma: bool) -> str:
    """The vendor's attendees, separated by semicolons (or commas) in the cell, one per line stored."""
    return "\n".join(read_list(cell, decimal_comma))


class ServiceReviewRegister(VendorRecordRegister):
    key = "service_reviews"
    label = "Service reviews"
    order = 38
    model = ServiceReview
    permission = "vendors.add_servicereview"
    description = (
        "One row per governance meeting with a vendor. Engineering managers import the reviews of the "
        "vendors they own only."
    )
    natural_key = ("vendor", "scheduled_for")
    natural_key_help = "vendor and scheduled date"
    columns = (
        ImportColumn("vendor", required=True, help="The vendor's name.", example="Acme Software"),
        ImportColumn("scheduled_for", required=True, help="YYYY-MM-DD.", example="2026-02-10"),
        ImportColumn("status", help="scheduled (default), held or cancelled.", example="held"),
        ImportColumn("held_on", help="YYYY-MM-DD; required when held.", example="2026-02-10"),
        ImportColumn(
            "duration_hours",
            help="How long the meeting lasted, in hours (0.25 to 12; default 1.5).",
            example="1.5",
            aliases=("duration",),
        ),
        ImportColumn(
            "attendees", help="Our people: usernames or e-mails, separated by semicolons.", example="e.manager"
        ),
        ImportColumn("vendor_attendees", help="The vendor's people, separated by semicolons.", example="Anna Nowak"),
        ImportColumn("delivery_quality", help="1 (poor) to 5 (excellent).", example="4"),
        ImportColumn("decisions", example="Add a second QA engineer from March."),
        ImportColumn("risks_raised"),
        ImportColumn("notes"),
    )
    readers = {
        "scheduled_for": read_date,
        "status": read_choice(ReviewStatus),
        "held_on": read_date,
        "duration_hours": read_decimal,
        "attendees": read_list,
        "vendor_attendees": _read_lines,
        "delivery_quality": read_int,
    }
    people_columns = ("attendees",)

    def records_of(self, vendors: Iterable[Vendor]) -> QuerySet[Any]:
        return super().records_of(vendors).prefetch_related("attendees")

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        super().resolve(rows, context=context, writing=writing)
        vendor_ids = {row.fields["vendor"].pk for row in rows if row.fields.get("vendor") is not None}
        refused = ownership.refused_parents(context.actor, ServiceReview, vendor_ids)
        for row in rows:
            vendor = row.fields.get("vendor")
            if vendor is not None and vendor.pk in refused:
                row.error("vendor", refused[vendor.pk])

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.service_review_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.service_review_update(instance=instance, actor=actor, data=fields)


VENDOR_REGISTERS = (
    VendorRegister,
    VettingAssessmentRegister,
    CertificationRegister,
    VendorRiskRegister,
    EngineerRegister,
    AccessGrantRegister,
    ServiceReviewRegister,
)


def register_imports() -> None:
    """Called from ``VendorsConfig.ready()``."""
    for register in VENDOR_REGISTERS:
        register_import(register())

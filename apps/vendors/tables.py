"""The columns of the vendor lists, each declared once for the page and the CSV export
(``apps.core.tables``): vendors, the risk register, certifications, access grants, service reviews."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from apps.core.tables import (
    CellRenderer,
    Column,
    Table,
    badge,
    date_badge,
    display,
    link,
    muted,
    related_link,
    row_link,
)
from apps.vendors import selectors
from apps.vendors.choices import Privilege
from apps.vendors.models import AccessGrant, Engineer, Vendor
from apps.vendors.sections import CERTIFICATION_WARN_DAYS

# A risk scored this high (likelihood × impact, out of 25) is shown red, then amber.
RISK_SCORE_BAD = 15
RISK_SCORE_WARN = 8


def _vendor_tab(tab: str) -> CellRenderer:
    """The vendor's name, linked to the vendor page's ``tab`` (where the row is edited)."""
    return link("vendor", lambda row: reverse("vendors:vendor-tab", args=[row.vendor_id, tab]))


# -- vendors ---------------------------------------------------------------------------------------------
def _hourly_rate(vendor: Vendor) -> str:
    if vendor.rate_min is None and vendor.rate_max is None:
        return muted()
    low, high = (display(rate) if rate is not None else "?" for rate in (vendor.rate_min, vendor.rate_max))
    return format_html('{}–{} <span class="muted">{}</span>', low, high, vendor.currency)


class VendorTable(Table):
    name = Column("Vendor", sort="name", cell=row_link("name"))
    status = Column("Status", sort="status", cell=badge("status"))
    country = Column(
        "Country",
        sort="country",
        value=lambda vendor: vendor.country.name,
        export_value=lambda vendor: vendor.country.code,
    )
    geography = Column("Geography", sort="geography")
    tier = Column("Tier", sort="tier")
    rate = Column("Hourly rate", sort="rate", numeric=True, cell=_hourly_rate, export=False)
    rate_min = Column("Rate min", page=False)
    rate_max = Column("Rate max", page=False)
    currency = Column("Currency", page=False)
    engineering_owner = Column("Engineering owner")
    delivery_owner = Column("Delivery owner")
    security_contact = Column("Security contact")


# -- the risk register -------------------------------------------------------------------------------------
def _risk_score(risk: Any) -> str:  # a VendorRisk, with ``risk_score`` annotated by its selector
    tone = "bad" if risk.risk_score >= RISK_SCORE_BAD else "warn" if risk.risk_score >= RISK_SCORE_WARN else "quiet"
    return format_html(
        '<span class="badge badge-{}" title="likelihood {} × impact {}">{}</span>',
        tone,
        risk.likelihood,
        risk.impact,
        risk.risk_score,
    )


class RiskTable(Table):
    title = Column("Risk", sort="title", template="vendors/cells/risk_title.html")
    vendor = Column("Vendor", sort="vendor", cell=_vendor_tab("risks"))
    category = Column("Category", sort="category")
    likelihood = Column("Likelihood", page=False)
    impact = Column("Impact", page=False)
    risk_score = Column("Score", sort="score", numeric=True, cell=_risk_score)
    owner = Column("Owner")
    status = Column("Status", sort="status", cell=badge("status"))
    mitigation = Column("Mitigation", page=False)


# -- certifications ------------------------------------------------------------------------------------------
class CertificationTable(Table):
    kind = Column("Certification", sort="kind", export_heading="Kind", template="vendors/cells/certification.html")
    vendor = Column("Vendor", sort="vendor", cell=_vendor_tab("certifications"))
    name = Column("Name", page=False)
    issued_on = Column("Issued")
    expires_on = Column("Expires", sort="expires", cell=date_badge("expires_on", CERTIFICATION_WARN_DAYS))
    evidence_url = Column("Evidence", page=False)

    export_order = ("vendor", "kind", "name", "issued_on", "expires_on", "evidence_url")
    empty_text = "No certifications recorded: the security lead adds them on each vendor's Certifications tab."


# -- access grants -------------------------------------------------------------------------------------------
def _system(grant: AccessGrant) -> str:
    account = grant.account_name
    account += "" if grant.named_account else " · shared"
    account += "" if grant.mfa_enabled else " · no MFA"
    return format_html('{}<div class="muted small">{}</div>', grant.system, account)


def _privilege(grant: AccessGrant) -> str:
    if grant.privilege == Privilege.PRODUCTION:
        return format_html('<span class="badge badge-warn">{}</span>', Privilege.PRODUCTION.label)
    return grant.get_privilege_display()


class AccessGrantTable(Table):
    person = Column("Person", template="vendors/cells/access_person.html")
    vendor = Column("Vendor", sort="vendor", cell=_vendor_tab("access"))
    system = Column("System", sort="system", cell=_system)
    privilege = Column("Privilege", cell=_privilege)
    account_name = Column("Account", page=False)
    named_account = Column("Named account", page=False)
    mfa_enabled = Column("MFA", page=False)
    granted_on = Column("Granted", page=False)
    expires_on = Column("Expires", sort="expires")
    revoked_on = Column("Revoked")
    finding_severity = Column("Severity", page=False)
    findings = Column(
        "Findings",
        sort="findings",
        value=lambda grant: ", ".join(selectors.access_grant_finding_names(grant)),
        template="vendors/cells/access_findings.html",
    )

    export_order = (
        "vendor",
        "person",
        "system",
        "privilege",
        "account_name",
        "named_account",
        "mfa_enabled",
        "granted_on",
        "expires_on",
        "revoked_on",
        "finding_severity",
        "findings",
    )
    empty_text = "No access granted to vendor staff: the security lead records grants on each vendor's Access tab."

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {
            "class": "finding" if row.finding_count else False,
            "data-grant": row.pk,
            "data-severity": row.finding_severity,
        }


# -- the team roster --------------------------------------------------------------------------------------
def _handles(engineer: Engineer) -> str:
    handles = (("Git", engineer.git_handle), ("tracker", engineer.tracker_handle))
    shown = [(label, handle) for label, handle in handles if handle]
    if not shown:
        return muted()
    return format_html_join(" · ", '<span class="muted small">{}</span> <code>{}</code>', shown)


def _seniority(engineer: Engineer) -> str:
    return format_html('<span class="badge badge-quiet">{}</span>', engineer.get_seniority_display())


class EngineerTable(Table):
    """A vendor's engineers (its Team tab): the name links nowhere (there is no page of one engineer);
    roster managers get an edit link in the cell (``vendors/cells/engineer_name.html``)."""

    name = Column("Name", template="vendors/cells/engineer_name.html")
    role = Column("Role")
    seniority = Column("Seniority", cell=_seniority, export_value="seniority")
    handles = Column("Handles", cell=_handles, export=False)
    email = Column("Work e-mail", page=False)
    git_handle = Column("Git handle", page=False)
    tracker_handle = Column("Tracker handle", page=False)
    location = Column("Location")
    overlap_hours = Column("Overlap (h)", numeric=True)

    empty_text = "No engineers on the roster yet: the delivery owner or procurement adds them here, or imports them."

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {"data-engineer": row.pk, "class": "muted" if row.anonymised_on else False}


# -- service reviews ---------------------------------------------------------------------------------------
class ReviewTable(Table):
    scheduled_for = Column("Scheduled for", sort="date", cell=row_link("scheduled_for"))
    vendor = Column("Vendor", sort="vendor", cell=related_link("vendor"))
    status = Column("Status", sort="status", template="vendors/cells/review_status.html")
    held_on = Column("Held on")
    delivery_quality = Column("Delivery quality", sort="quality", numeric=True)
    open_action_count = Column("Open actions", numeric=True)

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {"class": "finding" if row.is_overdue else False, "data-review": row.pk}

"""Every table of the overview as CSV (``apps.core.tables.csv_response``: formulas escaped, UTF-8 with BOM),
narrowed by the same filters as the page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from apps.core.tables import Column
from apps.dashboards.selectors import Overview
from apps.dashboards.tiles.sourcing import MATRIX_BANDS, decision_label
from apps.dashboards.vendor import Vendor360
from apps.functions.choices import FunctionCategory
from apps.performance.choices import BreachStatus
from apps.performance.selectors import breach_list
from apps.vendors.choices import Tier
from apps.vendors.selectors import access_grant_finding_names


@dataclass(frozen=True)
class Export:
    """A table: its file name, its columns and how to read its rows from the overview."""

    filename: str
    columns: tuple[Column, ...]
    rows: Callable[[Overview], Iterable[Any]]


def _key(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row[name]


def _columns(*labels: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(label, value=_key(name)) for label, name in labels)


def _band(value: int) -> str:
    return next((band.label for band in MATRIX_BANDS if band.contains(value)), "")


def _summary_rows(overview: Overview) -> Iterable[dict[str, Any]]:
    yield {"measure": "Active vendors", "value": overview.active_vendors.value, "currency": ""}
    for amount in overview.spend:
        yield {"measure": "Annual contracted spend", "value": amount.amount, "currency": amount.currency}
    if overview.spend:
        total = overview.spend_total
        yield {"measure": "Annual contracted spend, converted", "value": total.amount, "currency": total.currency}
        for missing in total.missing:
            yield {
                "measure": f"Annual contracted spend: {missing.missing_text}",
                "value": missing.amount,
                "currency": missing.currency,
            }
    current = overview.compliance.current
    yield {"measure": f"SLA compliance % ({current.month.label})", "value": current.percent, "currency": ""}
    yield {"measure": "SLA compliance change (points)", "value": overview.compliance.change, "currency": ""}
    yield {"measure": "Open breaches", "value": overview.breaches.open_total.value, "currency": ""}
    for segment in overview.breaches.open_by_severity:
        yield {"measure": f"Open breaches: {segment.label}", "value": segment.value, "currency": ""}
    yield {"measure": "SLA terms at risk (open window)", "value": overview.compliance.at_risk.value, "currency": ""}
    for amount in overview.breaches.credits:
        yield {"measure": "Service credits owed", "value": amount.amount, "currency": amount.currency}
    yield {"measure": "Cancel-by dates in the next 90 days", "value": overview.renewals.value, "currency": ""}
    yield {"measure": "Certifications expired", "value": overview.certifications.expired.value, "currency": ""}
    yield {
        "measure": "Certifications expiring in 60 days",
        "value": overview.certifications.expiring.value,
        "currency": "",
    }
    yield {"measure": "Service reviews overdue", "value": overview.reviews_overdue.value, "currency": ""}
    yield {"measure": "Access grants with findings", "value": overview.access_findings.value, "currency": ""}
    for severity, drill in overview.access_findings.by_severity:
        yield {"measure": f"Access grants with findings, worst {severity}", "value": drill.value, "currency": ""}
    yield {"measure": "Policy conflicts", "value": overview.policy_conflicts.value, "currency": ""}


def _league_rows(overview: Overview) -> Iterable[dict[str, Any]]:
    for row in overview.league.rows:
        card = row.scorecard
        yield {
            "rank": row.rank,
            "vendor": row.vendor.name,
            "country": row.vendor.country,
            "tier": Tier(row.vendor.tier).label,
            "score": card.score if card else None,
            "standing": card.standing.label if card and card.standing else "",
            "trend": card.trend if card else "",
            "delta": card.delta if card else None,
            "open_breaches": row.open_breaches.value,
            "next_cancel_by": row.next_cancel_by,
            "attention": row.attention_score,
            "reasons": row.attention.sentence if row.attention else "",
            "credits": row.attention.facts.credits.amount if row.attention else None,
            "spend": row.attention.facts.spend.amount if row.attention else None,
            "cost_window": f"{row.cost_window[0]:%Y-%m} to {row.cost_window[1]:%Y-%m}" if row.cost_window else "",
            "tco": row.cost.tco if row.cost else None,
            "tco_complete": row.cost.complete if row.cost else None,
            "billed_hours": row.cost.billed_hours if row.cost else None,
            "effective_rate": row.effective_rate,
            "billed_rate": row.billed_rate,
            "cost_adjusted": row.cost_adjusted_score,
        }


def _matrix_rows(overview: Overview) -> Iterable[dict[str, Any]]:
    for function in overview.functions:
        yield {
            "function": function.name,
            "category": FunctionCategory(function.category).label,
            "strategic": function.strategic,
            "sensitive": function.sensitive,
            "repeatable": function.repeatable,
            "scarce": function.scarce,
            "closeness": f"{function.strategic_sensitive} ({_band(function.strategic_sensitive)})",
            "leverage": f"{function.repeatable_scarce} ({_band(function.repeatable_scarce)})",
            "decision": decision_label(function.decision),
            "conflict": function.policy_conflict,
            "critical": function.critical,
            "vendors": ", ".join(name for _, name in function.vendors),
        }


def _heat_rows(overview: Overview) -> Iterable[dict[str, Any]]:
    for cell in overview.heat_map.cells():
        yield {"likelihood": cell.likelihood, "impact": cell.impact, "score": cell.score, "risks": cell.drill.value}


def _concentration_rows(overview: Overview) -> Iterable[dict[str, Any]]:
    c = overview.concentration
    tables = (
        ("Annual spend", "Vendor", c.spend_by_vendor),
        ("Annual spend", "Country", c.spend_by_country),
        ("Critical functions", "Vendor", c.functions_by_vendor),
        ("Critical functions", "Country", c.functions_by_country),
    )
    for measure, by, rows in tables:
        for row in rows:
            yield {
                "measure": measure,
                "by": by,
                "name": row.label,
                "currency": row.currency,
                "value": row.value,
                "share": row.share,
                "flagged": row.flagged,
                "threshold": c.threshold,
            }


def _compliance_rows(overview: Overview) -> Iterable[dict[str, Any]]:
    for month in reversed(overview.compliance.months):
        yield {
            "month": month.month.key,
            "met": month.met,
            "breached": month.breached,
            "without_data": month.without_data,
            "percent": month.percent,
        }


def _breaches_by_area_rows(overview: Overview) -> Iterable[dict[str, Any]]:
    for area in overview.breaches.by_area:
        yield {
            "area": area.label,
            **{segment.key: segment.value for segment in area.by_severity},
            "total": area.total,
        }


def _spend_rows(by: str) -> Callable[[Overview], Iterable[dict[str, Any]]]:
    def rows(overview: Overview) -> Iterable[dict[str, Any]]:
        breakdowns = overview.spend_by_geography if by == "geography" else overview.spend_by_engagement
        for breakdown in breakdowns:
            for segment in breakdown.segments:
                yield {
                    "currency": breakdown.currency,
                    "segment": segment.label,
                    "amount": segment.value,
                    "share": segment.share,
                }

    return rows


EXPORTS: dict[str, Export] = {
    "summary": Export(
        "dashboard-summary",
        _columns(("Measure", "measure"), ("Value", "value"), ("Currency", "currency")),
        _summary_rows,
    ),
    "league-table": Export(
        "vendor-league-table",
        _columns(
            ("Rank", "rank"),
            ("Vendor", "vendor"),
            ("Country", "country"),
            ("Tier", "tier"),
            ("Score", "score"),
            ("Standing", "standing"),
            ("Trend", "trend"),
            ("Change (points)", "delta"),
            ("Open breaches", "open_breaches"),
            ("Next cancel-by", "next_cancel_by"),
            ("Attention score", "attention"),
            ("Top reasons", "reasons"),
            ("Credits owed (reporting currency)", "credits"),
            ("Annual spend (reporting currency)", "spend"),
            ("Cost months", "cost_window"),
            ("TCO (reporting currency)", "tco"),
            ("TCO complete (every FX rate found)", "tco_complete"),
            ("Billed hours", "billed_hours"),
            ("Effective hourly rate", "effective_rate"),
            ("Billed hourly rate", "billed_rate"),
            ("Cost-adjusted score", "cost_adjusted"),
        ),
        _league_rows,
    ),
    "sourcing-matrix": Export(
        "sourcing-matrix",
        _columns(
            ("Function", "function"),
            ("Category", "category"),
            ("Strategic", "strategic"),
            ("Sensitive", "sensitive"),
            ("Repeatable", "repeatable"),
            ("Scarce", "scarce"),
            ("Strategic + sensitive", "closeness"),
            ("Repeatable + scarce", "leverage"),
            ("Decision", "decision"),
            ("Policy conflict", "conflict"),
            ("Critical", "critical"),
            ("Vendors serving it", "vendors"),
        ),
        _matrix_rows,
    ),
    "risk-heat-map": Export(
        "risk-heat-map",
        _columns(("Likelihood", "likelihood"), ("Impact", "impact"), ("Score", "score"), ("Open risks", "risks")),
        _heat_rows,
    ),
    "concentration": Export(
        "concentration",
        _columns(
            ("Measure", "measure"),
            ("By", "by"),
            ("Name", "name"),
            ("Currency", "currency"),
            ("Value", "value"),
            ("Share %", "share"),
            ("Flagged", "flagged"),
            ("Threshold %", "threshold"),
        ),
        _concentration_rows,
    ),
    # The charts' tables (their text alternatives), with plain numbers.
    "compliance": Export(
        "sla-compliance",
        _columns(
            ("Month", "month"),
            ("Met", "met"),
            ("Breached", "breached"),
            ("Without enough data", "without_data"),
            ("Compliance %", "percent"),
        ),
        _compliance_rows,
    ),
    "breaches-by-area": Export(
        "breaches-by-area",
        _columns(
            ("Area", "area"), ("Critical", "critical"), ("Major", "major"), ("Minor", "minor"), ("Total", "total")
        ),
        _breaches_by_area_rows,
    ),
    "spend-by-geography": Export(
        "spend-by-geography",
        _columns(("Currency", "currency"), ("Geography", "segment"), ("Annual spend", "amount"), ("Share %", "share")),
        _spend_rows("geography"),
    ),
    "spend-by-engagement-model": Export(
        "spend-by-engagement-model",
        _columns(
            ("Currency", "currency"), ("Engagement model", "segment"), ("Annual spend", "amount"), ("Share %", "share")
        ),
        _spend_rows("engagement_model"),
    ),
}
TABLES = tuple(EXPORTS)


def export_table(table: str, overview: Overview) -> tuple[str, tuple[Column, ...], Iterable[Any]]:
    """The file name, columns and rows of one table (``table`` one of ``TABLES``)."""
    export = EXPORTS[table]
    return export.filename, export.columns, export.rows(overview)


# -- vendor 360 -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VendorExport:
    filename: str
    columns: tuple[Column, ...]
    rows: Callable[[Vendor360], Iterable[Any]]


def _attention_rows(data: Vendor360) -> Iterable[dict[str, Any]]:
    for item in data.attention:
        yield {"tone": item.tone, "text": item.text}


def _scorecard_rows(data: Vendor360) -> Iterable[dict[str, Any]]:
    card = data.performance.scorecard
    for row in card.rows:
        yield {
            "kpi": row.kpi.name,
            "value": row.value,
            "unit": row.kpi.unit,
            "target": f"{row.target.symbol} {row.target.value}" if row.target else "",
            "score": row.score,
            "weight": row.weight,
            "previous": row.previous_value,
        }


def _term_rows(data: Vendor360) -> Iterable[dict[str, Any]]:
    for status in data.terms:
        term = status.term
        yield {
            "contract": term.contract.title,
            "area": term.get_area_display(),
            "kpi": term.kpi.name,
            "target": f"{term.get_comparator_display()} {term.target}",
            "unit": term.kpi.unit,
            "window": term.get_window_display(),
            "severity": term.get_severity_display(),
            "status": status.current,
            "closed_window": f"{status.closed.window_start} – {status.closed.window_end}" if status.closed else "",
            "closed_value": status.closed.value if status.closed else None,
            "closed_status": status.closed.status if status.closed else "",
            "open_value": status.open.value if status.open else None,
            "open_status": status.open.status if status.open else "",
        }


def _vendor_breach_rows(data: Vendor360) -> Iterable[Any]:
    return (
        breach_list()
        .filter(term__contract__vendor=data.vendor)
        .exclude(status=BreachStatus.RETRACTED)
        .order_by("-window_end", "pk")
    )


def _contract_rows(data: Vendor360) -> Iterable[dict[str, Any]]:
    for row in data.contracts:
        c = row.contract
        yield {
            "title": c.title,
            "reference": c.reference,
            "status": c.get_status_display(),
            "engagement_model": c.get_engagement_model_display(),
            "start": c.start_date,
            "end": c.end_date,
            "renewal": c.get_renewal_display(),
            "cancel_by": c.cancel_by,
            "days": row.days_to_cancel_by,
            "value": c.value,
            "annual": row.annual,
            "currency": c.currency,
        }


def _certification_rows(data: Vendor360) -> Iterable[dict[str, Any]]:
    for row in data.certifications:
        yield {
            "certification": row.label,
            "issued": row.certification.issued_on,
            "expires": row.certification.expires_on,
            "days_left": row.days_left,
            "state": row.state,
        }


def _access_rows(data: Vendor360) -> Iterable[dict[str, Any]]:
    for grant in data.grants:
        yield {
            "person": grant.person,
            "system": grant.system,
            "privilege": grant.get_privilege_display(),
            "account": grant.account_name,
            "mfa": grant.mfa_enabled,
            "granted": grant.granted_on,
            "expires": grant.expires_on,
            "findings": ", ".join(access_grant_finding_names(grant)),
        }


VENDOR_EXPORTS: dict[str, VendorExport] = {
    "attention": VendorExport("attention", _columns(("Tone", "tone"), ("Needs attention", "text")), _attention_rows),
    "scorecard": VendorExport(
        "scorecard",
        _columns(
            ("KPI", "kpi"),
            ("Value", "value"),
            ("Unit", "unit"),
            ("Target", "target"),
            ("Score", "score"),
            ("Weight", "weight"),
            ("Previous period", "previous"),
        ),
        _scorecard_rows,
    ),
    "sla-terms": VendorExport(
        "sla-terms",
        _columns(
            ("Contract", "contract"),
            ("Area", "area"),
            ("KPI", "kpi"),
            ("Target", "target"),
            ("Unit", "unit"),
            ("Window", "window"),
            ("Severity", "severity"),
            ("Current status", "status"),
            ("Last closed window", "closed_window"),
            ("Its value", "closed_value"),
            ("Its status", "closed_status"),
            ("Open window value", "open_value"),
            ("Open window status", "open_status"),
        ),
        _term_rows,
    ),
    "breaches": VendorExport(
        "breaches",
        (
            Column("Contract", value="term.contract.title"),
            Column("KPI", value="term.kpi.name"),
            Column("Area", value="term.area"),
            Column("Window start", value="window_start"),
            Column("Window end", value="window_end"),
            Column("Value", value="value"),
            Column("Target", value="target"),
            Column("Unit", value="term.kpi.unit"),
            Column("Severity", value="severity"),
            Column("Status", value="status"),
            Column("Credit", value="credit_amount"),
            Column("Currency", value="currency"),
        ),
        _vendor_breach_rows,
    ),
    "contracts": VendorExport(
        "contracts",
        _columns(
            ("Contract", "title"),
            ("Reference", "reference"),
            ("Status", "status"),
            ("Engagement model", "engagement_model"),
            ("Start", "start"),
            ("End", "end"),
            ("Renewal", "renewal"),
            ("Cancel-by", "cancel_by"),
            ("Days to cancel-by", "days"),
            ("Value", "value"),
            ("Annual value", "annual"),
            ("Currency", "currency"),
        ),
        _contract_rows,
    ),
    "actions": VendorExport(
        "open-actions",
        (
            Column("Action", value="description"),
            Column("Owner", value="owner"),
            Column("Due", value="due_on"),
            Column("Review", value="review.scheduled_for"),
        ),
        lambda data: data.open_actions,
    ),
    "risks": VendorExport(
        "open-risks",
        (
            Column("Risk", value="title"),
            Column("Category", value="category"),
            Column("Likelihood", value="likelihood"),
            Column("Impact", value="impact"),
            Column("Score", value="risk_score"),
            Column("Status", value="status"),
            Column("Owner", value="owner"),
            Column("Mitigation", value="mitigation"),
        ),
        lambda data: data.risks,
    ),
    "certifications": VendorExport(
        "certifications",
        _columns(
            ("Certification", "certification"),
            ("Issued", "issued"),
            ("Expires", "expires"),
            ("Days left", "days_left"),
            ("State", "state"),
        ),
        _certification_rows,
    ),
    "access": VendorExport(
        "access-grants",
        _columns(
            ("Person", "person"),
            ("System", "system"),
            ("Privilege", "privilege"),
            ("Account", "account"),
            ("MFA", "mfa"),
            ("Granted", "granted"),
            ("Expires", "expires"),
            ("Findings", "findings"),
        ),
        _access_rows,
    ),
}
VENDOR_TABLES = tuple(VENDOR_EXPORTS)


def export_vendor_table(table: str, data: Vendor360) -> tuple[str, tuple[Column, ...], Iterable[Any]]:
    """The file name (the vendor's name first), columns and rows of one table of a vendor 360."""
    export = VENDOR_EXPORTS[table]
    return f"{slugify(data.vendor.name)}-{export.filename}", export.columns, export.rows(data)

"""The KPI catalogue the product ships with, and the DORA 2023 performance bands, as data.

The data migrations load these; the scorecards and the entry grid read the rows, never this module.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

PERCENT: dict[str, Any] = {"unit": "%", "multiplier": D(100), "min_value": D(0), "max_value": D(100)}

# ``default_target`` is what a scorecard holds a KPI to where the contract has no SLA term for it
# (compared by the KPI's direction); ``score_tolerance_percent`` is how far past its target, as a
# percentage of the target, the KPI's score falls from 100 to 0 (apps.performance.scorecards): 100 for the
# lower-is-better KPIs (0 at twice the target), less for percentages that should stay near 100 (on-time
# delivery at 20 %: 0 at 76 % against 95 %). The targets: the typical SLA targets (docs/product/kpis.md: on-time
# delivery ≥ 95 %, defect rate ≤ 2 %); DORA 2023's high cluster for deployment frequency (weekly), lead
# time (a week) and time to restore (a day), and its medium cluster's 15 % for change failure rate; the
# demo contracts' 24-hour incident notification; common service-level practice for the rest. Sprint
# velocity has none: it compares a team with itself, never with a fixed number.
KPI_CATALOGUE: list[dict[str, Any]] = [
    {
        "code": "on_time_delivery_rate",
        "name": "On-time delivery rate",
        **PERCENT,
        "direction": "higher",
        "aggregation": "ratio",
        "numerator_label": "Milestones delivered on time",
        "denominator_label": "Milestones due",
        "description": "Share of the milestones due in the period that were delivered by their agreed date.",
        "default_target": D(95),
        "score_tolerance_percent": D(20),
    },
    {
        "code": "defect_rate",
        "name": "Defect rate",
        **PERCENT,
        "direction": "lower",
        "aggregation": "ratio",
        "numerator_label": "Escaped defects",
        "denominator_label": "Delivered items",
        "description": "Defects found after delivery (escaped to acceptance or production) per delivered item.",
        "default_target": D(2),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "deployment_frequency",
        "name": "Deployment frequency",
        "unit": "deploy-days/week",
        "multiplier": D(1),
        "min_value": D(0),
        "max_value": D(7),
        "direction": "higher",
        "aggregation": "mean",
        "description": "On how many days per week the team deployed to production (DORA).",
        "default_target": D(1),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "lead_time_for_changes",
        "name": "Lead time for changes",
        "unit": "hours",
        "multiplier": D(1),
        "min_value": D(0),
        "max_value": None,
        "direction": "lower",
        "aggregation": "mean",
        "description": "Time from a commit to that commit running in production (DORA).",
        "default_target": D(168),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "change_failure_rate",
        "name": "Change failure rate",
        **PERCENT,
        "direction": "lower",
        "aggregation": "ratio",
        "numerator_label": "Deployments causing a failure",
        "denominator_label": "Deployments",
        "description": "Share of production deployments that caused a failure needing remediation (DORA).",
        "default_target": D(15),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "time_to_restore",
        "name": "Time to restore service",
        "unit": "hours",
        "multiplier": D(1),
        "min_value": D(0),
        "max_value": None,
        "direction": "lower",
        "aggregation": "mean",
        "description": "Time to restore service after a production incident or failed deployment (DORA).",
        "default_target": D(24),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "sprint_velocity",
        "name": "Sprint velocity",
        "unit": "points",
        "multiplier": D(1),
        "min_value": D(0),
        "max_value": None,
        "direction": "higher",
        "aggregation": "mean",
        "description": "Story points completed per sprint. Compare a team with itself, never across teams.",
        "default_target": None,
        "score_tolerance_percent": None,
    },
    {
        "code": "say_do_ratio",
        "name": "Say/do ratio",
        **PERCENT,
        "direction": "higher",
        "aggregation": "ratio",
        "numerator_label": "Points delivered",
        "denominator_label": "Points committed",
        "description": "Share of the work committed at sprint planning that was delivered in the sprint.",
        "default_target": D(85),
        "score_tolerance_percent": D(30),
    },
    {
        "code": "bug_resolution_time",
        "name": "Bug resolution time",
        "unit": "hours",
        "multiplier": D(1),
        "min_value": D(0),
        "max_value": None,
        "direction": "lower",
        "aggregation": "mean",
        "description": "Time from a bug being reported to its fix being released.",
        "default_target": D(72),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "first_response_time",
        "name": "First response time",
        "unit": "hours",
        "multiplier": D(1),
        "min_value": D(0),
        "max_value": None,
        "direction": "lower",
        "aggregation": "mean",
        "description": "Time from a ticket being raised to the vendor's first human response.",
        "default_target": D(4),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "pr_review_turnaround",
        "name": "PR review turnaround",
        "unit": "hours",
        "multiplier": D(1),
        "min_value": D(0),
        "max_value": None,
        "direction": "lower",
        "aggregation": "mean",
        "description": "Time from a pull request being opened to its first review (median of the period's "
        "first reviews; measured by delivery telemetry).",
        "default_target": D(24),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "rework_rate",
        "name": "Rework rate",
        **PERCENT,
        "direction": "lower",
        "aggregation": "ratio",
        "numerator_label": "Reverts and hot-fixes merged",
        "denominator_label": "Changes merged",
        "description": "Share of the changes merged in the period that revert or hot-fix earlier work "
        "(measured by delivery telemetry).",
        "default_target": D(10),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "team_retention",
        "name": "Team retention",
        **PERCENT,
        "direction": "higher",
        "aggregation": "ratio",
        "numerator_label": "Engineers retained",
        "denominator_label": "Engineers at the start of the period",
        "description": "Share of the vendor's engineers on our account at the start of the period still on it at the end.",
        "default_target": D(95),
        "score_tolerance_percent": D(15),
    },
    {
        "code": "security_incident_notification_time",
        "name": "Security incident notification time",
        "unit": "hours",
        "multiplier": D(1),
        "min_value": D(0),
        "max_value": None,
        "direction": "lower",
        "aggregation": "max",
        "description": "Time from the vendor detecting a security incident to notifying us. The worst case counts.",
        "default_target": D(24),
        "score_tolerance_percent": D(100),
    },
    {
        "code": "documentation_currency",
        "name": "Documentation currency",
        **PERCENT,
        "direction": "higher",
        "aggregation": "ratio",
        "numerator_label": "Documents current",
        "denominator_label": "Documents in scope",
        "description": "Share of the runbooks and architecture notes in scope reviewed within their review period.",
        "default_target": D(90),
        "score_tolerance_percent": D(30),
    },
]

# DORA performance bands, Accelerate State of DevOps Report 2023 (Google Cloud / DORA), as data keyed
# by (KPI, source, year, band). Bounds are in each KPI's unit and a band holds ``lower ≤ value < upper``
# (an open bound is None). ``label`` keeps the report's own wording for the band. Encoding choices:
# - The report describes clusters, not thresholds, so the bands are made contiguous: every value falls
#   in exactly one band, and the worst band is open-ended beyond the medium one.
# - Deployment frequency is logged as deploy-days per week (0–7). "On demand (multiple deploys per day)"
#   is ≥ 5 deploy-days/week (deploying every working day); "between once per day and once per week" is
#   1–5; "between once per week and once per month" is 0.2258–1, so that one deploy-day in any calendar
#   month (7 ÷ 31 = 0.2258 deploy-days/week in a 31-day month) is medium, as the report has it; anything
#   rarer is low. (Until migration 0009 the bound was 0.25, which put a monthly deployer in low.)
# - Lead time for changes, in hours: less than one day < 24; one day to one week 24–168; one week to one
#   month 168–720 (30 days); low is 720 and above.
# - Change failure rate: the report gives each cluster's typical rate (5 %, 10 %, 15 %, 64 %). They are
#   encoded as inclusive upper bounds: elite ≤ 5, high ≤ 10, medium ≤ 15, low above (64 % stays in the
#   label), so a team at exactly the elite rate (1 failed deployment in 20) is elite, as an SLA target of
#   "at most 5 %" would be met. Bands are half-open, so the bounds are 5.0001, 10.0001 and 15.0001: values
#   are kept to four decimal places, where "< 5.0001" is exactly "≤ 5". (Until migration 0009 a rate of
#   exactly 5 % was "high".)
# - Time to restore service (renamed "failed deployment recovery time" in 2023), in hours: elite < 1,
#   high 1–24, medium 24–168 (one week), low ≥ 168.
# - The low band's label describes the encoded range rather than quoting the report: in 2023 the low
#   cluster's deployment frequency and lead time answers overlap the medium cluster's, and its recovery
#   time ("between one month and six months") leaves a gap after medium. Elite, high and medium labels
#   are the report's wording.
DORA_SOURCE = "dora"
DORA_YEAR = 2023
# (band, rank — 1 is best, lower bound, upper bound, the report's wording)
DORA_BANDS: dict[str, list[tuple[str, int, D | None, D | None, str]]] = {
    "deployment_frequency": [
        ("elite", 1, D(5), None, "On demand (multiple deploys per day)"),
        ("high", 2, D(1), D(5), "Between once per day and once per week"),
        ("medium", 3, D("0.2258"), D(1), "Between once per week and once per month"),
        ("low", 4, None, D("0.2258"), "Less often than once per month"),
    ],
    "lead_time_for_changes": [
        ("elite", 1, None, D(24), "Less than one day"),
        ("high", 2, D(24), D(168), "Between one day and one week"),
        ("medium", 3, D(168), D(720), "Between one week and one month"),
        ("low", 4, D(720), None, "More than one month"),
    ],
    "change_failure_rate": [
        ("elite", 1, None, D("5.0001"), "5%"),
        ("high", 2, D("5.0001"), D("10.0001"), "10%"),
        ("medium", 3, D("10.0001"), D("15.0001"), "15%"),
        ("low", 4, D("15.0001"), None, "64%"),
    ],
    "time_to_restore": [
        ("elite", 1, None, D(1), "Less than one hour"),
        ("high", 2, D(1), D(24), "Less than one day"),
        ("medium", 3, D(24), D(168), "Between one day and one week"),
        ("low", 4, D(168), None, "More than one week"),
    ],
}


def load_catalogue(apps: Any, schema_editor: Any = None) -> None:
    """Create or update the shipped KPIs (idempotent; usable from a migration). Sets only the fields the
    model has at that point of the migrations (0002 runs before the scorecard fields of 0007 exist)."""
    kpi_model = apps.get_model("kpis", "KpiDefinition")
    known = {field.name for field in kpi_model._meta.get_fields()}
    for entry in KPI_CATALOGUE:
        defaults = {k: v for k, v in entry.items() if k != "code" and k in known}
        defaults.setdefault("numerator_label", "")
        defaults.setdefault("denominator_label", "")
        kpi_model.objects.update_or_create(code=entry["code"], defaults=defaults)


def load_dora_bands(apps: Any, schema_editor: Any = None) -> None:
    """Create or update the DORA 2023 bands (idempotent; usable from a migration)."""
    kpi_model = apps.get_model("kpis", "KpiDefinition")
    band_model = apps.get_model("kpis", "PerformanceBand")
    for code, bands in DORA_BANDS.items():
        kpi = kpi_model.objects.get(code=code)
        for band, rank, lower, upper, label in bands:
            band_model.objects.update_or_create(
                kpi=kpi,
                source=DORA_SOURCE,
                year=DORA_YEAR,
                band=band,
                defaults={"rank": rank, "lower": lower, "upper": upper, "label": label},
            )


SCORING_FIELDS = ("default_target", "score_tolerance_percent")


def load_scoring_defaults(apps: Any, schema_editor: Any = None) -> None:
    """Fill the shipped KPIs' default target and score tolerance where they are still empty (a value the
    organisation already set is kept). Idempotent; usable from a migration."""
    kpi_model = apps.get_model("kpis", "KpiDefinition")
    for entry in KPI_CATALOGUE:
        for field in SCORING_FIELDS:
            if entry.get(field) is not None:
                kpi_model.objects.filter(code=entry["code"], **{f"{field}__isnull": True}).update(
                    **{field: entry[field]}
                )

"""The columns of the function catalogue, declared once for the page and the CSV export
(``apps.core.tables``)."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html

from apps.core.tables import CellRenderer, Column, Table, row_link
from apps.core.templatetags import ui as ui_tags
from apps.functions import services
from apps.functions.models import Function


def _name(function: Function) -> str:
    name = row_link("name")(function)
    if not function.velocity_critical:
        return name
    return format_html('{} <span class="badge badge-info" title="Vital to delivery velocity">velocity</span>', name)


def _score(field: str) -> CellRenderer:
    return lambda function: ui_tags.score_dots(getattr(function, field))


def _recommendation(function: Function) -> str:
    recommendation = services.recommendation_for(function)
    return format_html(
        '<span title="{}">{}</span>',
        recommendation.label,
        ui_tags.badge(recommendation.value, ui_tags.short_label(recommendation.label)),
    )


def _policy_conflict(function: Any) -> str:  # an annotation of ``function_list``
    if not function.policy_conflict:
        return ""
    return format_html(
        '<span class="badge badge-bad" title="{}">Policy conflict</span>',
        "Outsourced against policy (kept in-house, or against the recommendation) with no exception in force",
    )


class FunctionTable(Table):
    name = Column("Function", sort="name", cell=_name)
    category = Column("Category", sort="category")
    strategic = Column("Strategic", sort="strategic", numeric=True, cell=_score("strategic"))
    sensitive = Column("Sensitive", sort="sensitive", numeric=True, cell=_score("sensitive"))
    repeatable = Column("Repeatable", sort="repeatable", numeric=True, cell=_score("repeatable"))
    scarce = Column("Scarce", sort="scarce", numeric=True, cell=_score("scarce"))
    recommendation = Column(
        "Recommendation", value=lambda function: services.recommendation_for(function).label, cell=_recommendation
    )
    decision = Column("Decision", sort="decision", template="functions/includes/decision_badge.html")
    policy_conflict = Column("Policy conflict", cell=_policy_conflict)

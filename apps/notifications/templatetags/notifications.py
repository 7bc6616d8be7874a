"""Template helpers of the notification pages (presentation only)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from apps.notifications.choices import NotificationKind as Kind

register = template.Library()

# The tone of each kind's badge, in the workspace's badge colours.
KIND_TONES: dict[str, str] = {
    Kind.BREACH_OPENED: "bad",
    Kind.BREACH_RETRACTED: "quiet",
    Kind.SLA_AT_RISK: "warn",
    Kind.KPI_MISSING: "warn",
    Kind.REVIEW_DUE: "info",
    Kind.REVIEW_OVERDUE: "bad",
    Kind.CONTRACT_CANCEL_BY: "warn",
    Kind.CERTIFICATION_EXPIRING: "warn",
    Kind.CERTIFICATION_EXPIRED: "bad",
    Kind.ACCESS_FINDING: "bad",
    Kind.ROSTER_FINDING: "warn",
    Kind.SUBSTITUTION_REQUESTED: "info",
    Kind.SUBSTITUTION_DECIDED: "quiet",
}


@register.simple_tag
def kind_badge(kind: str, label: str) -> str:
    """``{% kind_badge notification.kind notification.get_kind_display %}``"""
    return format_html('<span class="badge badge-{}">{}</span>', KIND_TONES.get(kind, "quiet"), label)

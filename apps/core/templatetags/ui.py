"""Template helpers of the workspace: status badges, expiry badges, form widgets. Presentation only:
what a status means is decided in the models and services, here only how it looks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms, template
from django.template import loader
from django.utils import formats, timezone
from django.utils.html import format_html

from apps.core.formatting import format_moment, format_money, format_row_count
from apps.core.tones import QUIET, tone_for

register = template.Library()


@register.simple_tag
def badge(value: str, label: Any = None) -> str:
    """``{% badge vendor.status vendor.get_status_display %}``: in the tone the owning app registered for
    the value (``apps.core.tones``)."""
    if not value:
        return format_html('<span class="badge badge-{}">{}</span>', QUIET, label or "—")
    return format_html('<span class="badge badge-{}">{}</span>', tone_for(value), label or value)


@register.simple_tag
def date_badge(day: date | None, warn_days: int = 90) -> str:
    """A date with a badge: past (red), within ``warn_days`` (amber), or plain."""
    if day is None:
        return format_html('<span class="muted">{}</span>', "—")
    days = (day - timezone.localdate()).days
    if days < 0:
        return format_html('{} <span class="badge badge-bad">{}</span>', formats.date_format(day), f"{-days} d ago")
    if days <= warn_days:
        return format_html('{} <span class="badge badge-warn">{}</span>', formats.date_format(day), f"in {days} d")
    return format_html("{}", formats.date_format(day))


@register.filter
def widget_kind(bound_field: forms.BoundField) -> str:
    """How the form partial renders a field: checkbox, checkboxes, select, textarea or input."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.SelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.Select | forms.NullBooleanSelect):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


@register.filter
def score_dots(value: int | None, out_of: int = 5) -> str:
    if value is None:
        return "—"
    return format_html('<span class="score" title="{} of {}">{}</span>', value, out_of, value)


@register.filter
def money(value: Decimal | None, currency: str = "") -> str:
    """``1234567.5|money:"USD"`` → ``1,234,567.50 USD`` (``apps.core.formatting``, as texts built in
    Python print it)."""
    return format_money(value, currency)


@register.filter
def row_count(paginator: Any) -> str:
    """``{{ paginator|row_count }}`` → ``1,180``, or ``about 98,000`` where the count is an estimate
    (``apps.core.counting.CountingPaginator`` above its exact limit)."""
    return format_row_count(paginator.count, exact=getattr(paginator, "count_exact", True))


@register.filter
def moment(value: datetime | None) -> str:
    """``{{ job.finished_at|moment }}`` → ``3 Dec 2026 14:30`` in ``TIME_ZONE`` (``apps.core.formatting``)."""
    return format_moment(value)


@register.filter
def short_label(label: Any) -> str:
    """A choice label without its parenthesised gloss, for tight table cells:
    "Hybrid (keep ownership, augment capacity)" → "Hybrid"."""
    return str(label).split(" (", 1)[0]


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping|get_item:key`` — a dict lookup with a variable key (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag(takes_context=True)
def render_section(context: template.Context, section: Any, extra: dict[str, Any] | None = None) -> str:
    """Render a registered section (``apps.core.sections``) with the page's context plus its own."""
    with context.push(**(extra or {})):
        flat: dict[str, Any] = {str(key): value for key, value in context.flatten().items()}
        return loader.get_template(section.template).render(flat)


@register.filter
def get_attr(obj: Any, name: str) -> Any:
    """``{{ vendor|get_attr:"risk_count" }}``: an attribute named by a registered section."""
    return getattr(obj, name, None) if name and not name.startswith("_") else None

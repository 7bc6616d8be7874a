"""``{% table_cell column row %}``: a list's cell drawn as its column declares (``apps.core.tables``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from apps.core.tables import Column

register = template.Library()


@register.simple_tag(takes_context=True)
def table_cell(context: template.Context, column: Column, row: Any) -> SafeString:
    return column.render_cell(row, context)

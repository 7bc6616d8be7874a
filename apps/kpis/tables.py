"""The columns of the KPI catalogue, declared once for the page and the CSV export (``apps.core.tables``)."""

from __future__ import annotations

from django.utils.html import format_html

from apps.core.tables import Column, Table


class KpiTable(Table):
    name = Column("KPI", sort="name", cell=lambda kpi: format_html("<strong>{}</strong>", kpi.name))
    code = Column("Code", sort="code", cell=lambda kpi: format_html("<code>{}</code>", kpi.code))
    unit = Column("Unit", sort="unit")
    direction = Column("Direction")
    aggregation = Column("Default aggregation")
    description = Column("Definition", classes="muted small", empty="")

"""A list's columns, declared once: the page's table and its CSV and XLSX exports read the same declaration.

    class VendorTable(Table):
        name = Column("Vendor", sort="name", cell=row_link("name"))
        status = Column("Status", sort="status", cell=badge("status"))
        tier = Column("Tier", sort="tier")
        rate = Column("Hourly rate", sort="rate", numeric=True, cell=hourly_rate, export=False)
        rate_min = Column("Rate min", page=False)
        security_contact = Column("Security contact", export_heading="Security", empty="none named")

A column reads its value at its name in the table (a dotted path; a choice gives its label through
``get_<field>_display``) unless ``value`` names another path or a callable of the row. On the page the
cell shows that value (``empty`` when there is none), unless ``cell`` draws it (a callable of the row
returning HTML, ``format_html``; ``row_link``, ``related_link``, ``badge``, ``date_badge`` and ``money``
below) or ``template`` does (rendered with the page's context plus ``object``, the row: for cells that
depend on the user's permissions or the request). ``numeric`` right-aligns the heading and the cells;
``sort`` is the key of the view's ``sort_fields`` its heading toggles.

The CSV writes the value (or ``export_value``) under the heading (or ``export_heading``), with text that
a spreadsheet would run as a formula made inert (``csv_cell``). ``page=False`` keeps a column out of the
page, ``export=False`` out of the file; ``export_order`` names the exported columns when the file lists
them in another order than the page. The XLSX (``xlsx_response``) holds the same values, typed: numbers
and dates are real numbers and dates, text is escaped as in the CSV.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.forms.utils import flatatt
from django.http import FileResponse, StreamingHttpResponse
from django.template import Context, Engine
from django.template.base import render_value_in_context
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from apps.core.templatetags import ui as ui_tags

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CellRenderer = Callable[[Any], str]
Value = str | Callable[[Any], Any]


# -- reading a value from a row ------------------------------------------------------------------------
def resolve(row: Any, path: str, *, display: bool = True) -> Any:
    """The value at a dotted path of ``row``: a choice field gives its label (``display``), a method is
    called, a missing link along the way gives ``None``."""
    value = row
    for part in path.split("."):
        if value is None:
            return None
        shown = getattr(value, f"get_{part}_display", None) if display else None
        value = shown() if callable(shown) else getattr(value, part)
        if callable(value) and not isinstance(value, models.Manager):
            value = value()
    return value


def read(row: Any, value: Value) -> Any:
    return value(row) if callable(value) else resolve(row, value)


def display(value: Any) -> str:
    """A value as ``{{ value }}`` shows it: dates and numbers in the locale's format, local time."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(formats.localize(value))


def csv_cell(value: Any) -> str | int | Decimal:
    """One CSV cell: text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat(timespec="minutes") if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.Manager):
        value = ", ".join(str(item) for item in value.all())
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


# -- a column --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of a list, for the page and the export (see the module's docstring)."""

    heading: str
    _: KW_ONLY
    value: Value | None = None
    sort: str | None = None
    numeric: bool = False
    cell: CellRenderer | None = None
    template: str | None = None
    empty: str = "—"
    classes: str = ""
    attrs: Mapping[str, str | bool] | None = None
    page: bool = True
    export: bool = True
    export_heading: str | None = None
    export_value: Value | None = None
    name: str = ""

    @property
    def csv_heading(self) -> str:
        return self.export_heading or self.heading

    def csv_value(self, row: Any) -> str | int | Decimal:
        return csv_cell(read(row, self.export_value or self.value or self.name))

    @property
    def cell_attrs(self) -> SafeString:
        classes = " ".join(part for part in ("num" if self.numeric else "", self.classes) if part)
        return flatatt({**({"class": classes} if classes else {}), **(self.attrs or {})})

    def render_cell(self, row: Any, context: Context) -> SafeString:
        """The ``<td>`` of ``row`` on the page."""
        content: str
        if self.template:
            engine = context.template.engine if context.template else Engine.get_default()
            with context.push(object=row):
                # The cell template's own output (escaped as it rendered), less its file's final newline.
                content = mark_safe(engine.get_template(self.template).render(context).strip())  # noqa: S308
        elif self.cell:
            content = conditional_escape(self.cell(row))
        else:
            value = read(row, self.value or self.name)
            if isinstance(value, models.Manager):
                value = ", ".join(str(item) for item in value.all())
            content = (
                conditional_escape(self.empty)
                if value is None or value == ""
                else render_value_in_context(value, context)
            )
        return format_html("<td{}>{}</td>", self.cell_attrs, content)


# -- a table ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Heading:
    """A column's heading on the page: which way the list is sorted by it, and where its link goes."""

    column: Column
    direction: str  # "asc", "desc" or ""
    next_sort: str

    @property
    def aria_sort(self) -> str:
        return {"asc": "ascending", "desc": "descending"}.get(self.direction, "")


@dataclass(frozen=True)
class Cell:
    """One cell of a chart's table (the chart's text alternative, ``templates/dashboards/chart.html``): its
    text, the list of the rows it counts, whether it is a number (right-aligned) and, for a link whose text
    is only a number, what a screen reader hears."""

    text: str
    url: str = ""
    numeric: bool = False
    label: str = ""


@dataclass(frozen=True)
class Row:
    object: Any
    attrs: SafeString


class Table:
    """The columns of one list (class attributes, in order), bound to a page of rows and its sort.

    Subclasses may give a row attributes (``row_attrs``: a class, ``data-`` hooks) and say what the
    empty list means (``empty_text``)."""

    columns: ClassVar[tuple[Column, ...]] = ()
    page_columns: ClassVar[tuple[Column, ...]] = ()
    export_columns: ClassVar[tuple[Column, ...]] = ()
    export_order: ClassVar[Sequence[str]] = ()
    empty_text: ClassVar[str] = "Nothing here yet."

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared: dict[str, Column] = {}
        for klass in reversed(cls.__mro__):
            declared.update({name: attr for name, attr in vars(klass).items() if isinstance(attr, Column)})
        reserved = set(dir(Table)) | {"object_list", "sort"}
        if clash := sorted(set(declared) & reserved):
            raise ImproperlyConfigured(f"{cls.__name__}: a column may not be called {', '.join(clash)}.")
        columns = []
        for name, column in declared.items():
            bound = replace(column, name=name, value=column.value or name)
            setattr(cls, name, bound)
            columns.append(bound)
        cls.columns = tuple(columns)
        cls.page_columns = tuple(column for column in columns if column.page)
        exported = {column.name: column for column in columns if column.export}
        if cls.export_order:
            if sorted(cls.export_order) != sorted(exported):
                raise ImproperlyConfigured(
                    f"{cls.__name__}.export_order must name each exported column once: {', '.join(exported)}."
                )
            cls.export_columns = tuple(exported[name] for name in cls.export_order)
        else:
            cls.export_columns = tuple(exported.values())

    def __init__(self, object_list: Iterable[Any], *, sort: str = "") -> None:
        self.object_list = object_list
        self.sort = sort

    def row_attrs(self, row: Any) -> Mapping[str, Any]:
        """The ``<tr>``'s attributes for ``row`` (``True`` for a bare attribute, ``False`` to leave it off)."""
        return {}

    @property
    def headings(self) -> list[Heading]:
        headings = []
        for column in self.page_columns:
            direction = ""
            if column.sort:
                direction = "asc" if self.sort == column.sort else "desc" if self.sort == f"-{column.sort}" else ""
            next_sort = f"-{column.sort}" if direction == "asc" else column.sort or ""
            headings.append(Heading(column=column, direction=direction, next_sort=next_sort))
        return headings

    @property
    def rows(self) -> Iterator[Row]:
        for row in self.object_list:
            yield Row(object=row, attrs=flatatt(dict(self.row_attrs(row))))


# -- the export ------------------------------------------------------------------------------------------
class _Echo:
    """A file-like object whose ``write`` hands the line back, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, columns: Sequence[Column], rows: Iterable[Any]) -> StreamingHttpResponse:
    """``rows`` as a CSV download (UTF-8 with a BOM, ``<filename>-<today>.csv``), one cell per column."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # the BOM: spreadsheets then read the file as UTF-8
        yield writer.writerow([column.csv_heading for column in columns])
        for row in rows:
            yield writer.writerow([column.csv_value(row) for column in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Control characters an XLSX cell cannot hold (openpyxl refuses them): dropped from exported text.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# An export spills to a temporary file on disk beyond this size instead of growing in memory.
XLSX_SPOOL_BYTES = 8 * 1024 * 1024


def xlsx_cell(value: Any) -> Any:
    """One XLSX cell's value, the CSV's value typed: numbers stay numbers, dates and times are real
    dates (local time, as the CSV writes them), yes/no and text as in the CSV — text a spreadsheet
    would run as a formula keeps its apostrophe (``csv_cell``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        # Spreadsheets have no time zones: the local wall-clock time, to the minute, as the CSV says.
        return local.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(value, date):
        return value
    return _XLSX_ILLEGAL.sub("", str(csv_cell(value)))


def xlsx_response(
    filename: str, columns: Sequence[Column], rows: Iterable[Any], *, sheet: str = "Export"
) -> FileResponse:
    """``rows`` as an XLSX download (``<filename>-<today>.xlsx``): the same columns and values as
    ``csv_response`` (``xlsx_cell``), a bold header row kept in view, written row by row (openpyxl's
    write-only mode) into a temporary file, so a long list does not sit in memory."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=_XLSX_ILLEGAL.sub("", sheet)[:31] or "Export")
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(worksheet, value=column.csv_heading)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value = xlsx_cell(read(row, column.export_value or column.value or column.name))
            cell = WriteOnlyCell(worksheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        worksheet.append(cells)
    spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115  # FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    stamp = timezone.localdate().isoformat()
    return FileResponse(spool, as_attachment=True, filename=f"{filename}-{stamp}.xlsx", content_type=XLSX_CONTENT_TYPE)


EXPORT_FORMATS = ("csv", "xlsx")


def export_response(file_format: str, filename: str, columns: Sequence[Column], rows: Iterable[Any]) -> Any:
    """``rows`` as a CSV (``csv``) or XLSX (``xlsx``) download: one list, two formats."""
    if file_format == "xlsx":
        return xlsx_response(filename, columns, rows)
    return csv_response(filename, columns, rows)


# -- cells: how a column draws its value on the page ------------------------------------------------------
def muted(text: str = "—") -> SafeString:
    return format_html('<span class="muted">{}</span>', text)


def link(text: Value, href: Callable[[Any], str], *, css: str = "") -> CellRenderer:
    """``<a href="…">text</a>``: ``text`` a path or a callable of the row, ``href`` a callable of the row."""

    def render(row: Any) -> str:
        if css:
            return format_html('<a class="{}" href="{}">{}</a>', css, href(row), display(read(row, text)))
        return format_html('<a href="{}">{}</a>', href(row), display(read(row, text)))

    return render


def row_link(text: Value) -> CellRenderer:
    """The row's own page (``get_absolute_url``): the link the whole row stands for."""
    return link(text, lambda row: row.get_absolute_url(), css="row-link")


def related_link(path: str) -> CellRenderer:
    """The record at ``path`` (a vendor, a contract), linked to its page; ``—`` when there is none."""

    def render(row: Any) -> str:
        record = resolve(row, path)
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record) if record else "—"

    return render


def badge(path: str = "status") -> CellRenderer:
    """``{% badge %}`` of the value at ``path``, in the tone its app registered, under its label."""
    return lambda row: ui_tags.badge(resolve(row, path, display=False), resolve(row, path))


def date_badge(path: str, warn_days: int) -> CellRenderer:
    """``{% date_badge %}``: the date, flagged when past or within ``warn_days``."""
    return lambda row: ui_tags.date_badge(resolve(row, path), warn_days)


def money(path: str, currency: str = "currency") -> CellRenderer:
    """``1,234,567.50 EUR`` (``—`` without an amount)."""
    return lambda row: ui_tags.money(resolve(row, path), resolve(row, currency) or "")

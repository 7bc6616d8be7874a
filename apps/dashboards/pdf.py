"""The review pack: the vendor 360 and the portfolio overview as PDF documents (WeasyPrint).

Each is rendered from a print template of its own (``templates/dashboards/pdf/``), not from a screenshot
of the page, out of the very data the page shows: the vendor pack from ``vendor_360`` (the page's
selector), the overview pack from the overview view's own context (the same filters in the query
string). Charts are drawn as inline SVG (``trend_svg``, ``compliance_svg``) next to their tables; every
page carries the title, the generation time, the reporting currency and "page N of M".

**No network.** WeasyPrint would fetch any ``<link>``, ``<img>`` or ``url()`` it meets, over HTTP too.
``static_files_fetcher`` serves only the project's static files, read from disk (``data:`` URLs aside),
and refuses everything else: a template or a user-entered text can never make the server fetch a URL.
The document's base URL is ``SITE_URL``, so the links in the PDF open the workspace.

WeasyPrint is imported when a pack is first rendered, not with this module: a server without Pango still
starts (only the PDFs fail), and the web process does not load it before someone asks for one.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from apps.core.fx import reporting_currency
from apps.dashboards.vendor import Vendor360, vendor_360
from apps.performance.scorecards import KpiTrend, Period, period_from_parameter
from apps.vendors.models import ServiceReview

PDF_CONTENT_TYPE = "application/pdf"
STYLESHEET = "css/review-pack.css"  # a static file, fetched through StaticFilesFetcher
# The SVG charts' size in CSS pixels (the stylesheet scales them to the column).
TREND_WIDTH, TREND_HEIGHT = 240, 64
BARS_WIDTH, BARS_HEIGHT = 480, 120
BAD_COLOUR, LINE_COLOUR, TARGET_COLOUR, BAR_COLOUR = "#b42318", "#2d5bd7", "#5d6778", "#0f7d80"


@cache
def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """The static files of the project, read from disk, and ``data:`` URLs; any other URL is refused
        (WeasyPrint then leaves the resource out and logs it)."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if urlsplit(url).scheme == "data":
                return super().fetch(url, headers)  # decoded in memory: no network
            path = static_path(url)
            if path is None:
                raise ValueError(f"The review pack loads only the workspace's static files, not {url}.")
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    return StaticFilesFetcher


def static_files_fetcher() -> Any:
    """WeasyPrint's URL fetcher for the packs (a ``weasyprint.urls.URLFetcher``): static files only."""
    return _fetcher_class()()


def static_path(url: str) -> Path | None:
    """The file on disk behind a static-file URL of the workspace (``<SITE_URL>/static/css/x.css``,
    ``/static/…`` or ``static/…``), or None: another host, another path, ``..``, no such file."""
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if (parts.scheme or parts.netloc) and (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None
    prefix = "/" + str(settings.STATIC_URL).strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith("/"):
        path = "/" + path
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix)
    if not name or any(part in ("", ".", "..") for part in name.split("/")):
        return None
    found = finders.find(name)
    if isinstance(found, list):  # find(all=True) only; kept for the type checker
        found = found[0] if found else None
    if found is None and staticfiles_storage.exists(name):
        found = staticfiles_storage.path(name)  # a deployment serving collected files only
    return Path(found) if found else None


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """``template`` with ``context`` as a PDF document, fetching nothing but static files."""
    html = render_to_string(
        template,
        {
            **context,
            "stylesheet_url": settings.STATIC_URL + STYLESHEET,
            "site_url": settings.SITE_URL,
            "generated_at": timezone.localtime(),
        },
    )
    from weasyprint import HTML

    base_url = settings.SITE_URL.rstrip("/") + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=static_files_fetcher(), encoding="utf-8")
    pdf: bytes = document.write_pdf()
    return pdf


# -- the vendor's review pack -------------------------------------------------------------------------------
def vendor_pack_filename(data: Vendor360) -> str:
    return f"review-pack-{slugify(data.vendor.name) or data.vendor.pk}-{data.today.isoformat()}.pdf"


def vendor_pack_context(data: Vendor360, *, review: ServiceReview | None = None) -> dict[str, Any]:
    performance = data.performance
    return {
        "title": f"{data.vendor.name} — review pack",
        "data": data,
        "vendor": data.vendor,
        "review": review or data.next_review,
        "performance": performance,
        "scorecard": performance.scorecard,
        "period": data.period,
        "trends": [(trend, trend_svg(trend)) for trend in performance.trends],
        "reporting_currency": reporting_currency(),
    }


def vendor_pack(
    *,
    vendor_id: int,
    user: Any,
    today: date | None = None,
    period: Period | None = None,
    review: ServiceReview | None = None,
) -> tuple[str, bytes]:
    """The vendor's review pack as seen by ``user``: (file name, PDF). ``review``: the service review it is
    prepared for (default: the next scheduled one). ``Vendor.DoesNotExist`` when there is no such vendor."""
    today = today or timezone.localdate()
    period = period or period_from_parameter(None, today=today)
    data = vendor_360(vendor_id=vendor_id, period=period, today=today, user=user)
    pdf = render_pdf("dashboards/pdf/vendor_pack.html", vendor_pack_context(data, review=review))
    return vendor_pack_filename(data), pdf


# -- charts as inline SVG ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Scale:
    low: Decimal
    high: Decimal
    top: float
    bottom: float

    def y(self, value: Decimal) -> float:
        span = self.high - self.low
        share = float((value - self.low) / span) if span else 0.5
        return round(self.bottom - share * (self.bottom - self.top), 1)


def trend_svg(trend: KpiTrend) -> SafeString:
    """One KPI's months as a small line chart: the values (a gap where a month has none), the target as
    a dashed line, the breached months as red dots. The trend's table is printed beside it."""
    values = [point.value for point in trend.points]
    targets = [point.target.value for point in trend.points if point.target is not None]
    known = [value for value in values if value is not None] + targets
    width, height, pad = TREND_WIDTH, TREND_HEIGHT, 6
    label = escape(trend.summary)
    if not known:
        return mark_safe(  # noqa: S308 - numbers and an escaped label only
            f'<svg class="trend-svg" viewBox="0 0 {width} {height}" role="img" aria-label="{label}"></svg>'
        )
    scale = _Scale(min(known), max(known), pad, height - pad)
    step = (width - 2 * pad) / max(1, len(values) - 1)
    parts: list[str] = []
    segment: list[str] = []
    for index, value in enumerate(values):
        if value is None:
            if len(segment) > 1:
                parts.append(_polyline(segment))
            segment = []
            continue
        segment.append(f"{round(pad + index * step, 1)},{scale.y(value)}")
    if len(segment) > 1:
        parts.append(_polyline(segment))
    if targets:
        y = scale.y(targets[-1])
        parts.insert(
            0,
            f'<line x1="{pad}" y1="{y}" x2="{width - pad}" y2="{y}" stroke="{TARGET_COLOUR}" '
            'stroke-width="1" stroke-dasharray="4 3"/>',
        )
    for index, point in enumerate(trend.points):
        if point.value is not None:
            colour = BAD_COLOUR if point.breached else LINE_COLOUR
            radius = 3 if point.breached else 2
            x = round(pad + index * step, 1)
            parts.append(f'<circle cx="{x}" cy="{scale.y(point.value)}" r="{radius}" fill="{colour}"/>')
    return mark_safe(  # noqa: S308 - numbers, fixed colours and an escaped label only
        f'<svg class="trend-svg" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        + "".join(parts)
        + "</svg>"
    )


def _polyline(points: Sequence[str]) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE_COLOUR}" stroke-width="1.5"/>'


def compliance_svg(months: Sequence[Any]) -> SafeString:
    """The overview's SLA compliance per month (``ComplianceMonth``: ``percent``, ``month.short_label``)
    as bars from 0 to 100 %; a month without an evaluation has no bar."""
    width, height, pad, axis = BARS_WIDTH, BARS_HEIGHT, 4, 14
    count = max(1, len(months))
    slot = (width - 2 * pad) / count
    scale = _Scale(Decimal(0), Decimal(100), pad, height - axis)
    parts = [f'<line x1="{pad}" y1="{height - axis}" x2="{width - pad}" y2="{height - axis}" stroke="#c9ced6"/>']
    for index, month in enumerate(months):
        x = round(pad + index * slot + slot * 0.15, 1)
        bar = round(slot * 0.7, 1)
        label = escape(month.month.short_label)
        if month.percent is not None:
            y = scale.y(month.percent)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{bar}" height="{round(height - axis - y, 1)}" fill="{BAR_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{round(x + bar / 2, 1)}" y="{height - 3}" font-size="8" text-anchor="middle" '
            f'fill="#5d6778">{label}</text>'
        )
    return mark_safe(  # noqa: S308 - numbers, fixed colours and escaped labels only
        f'<svg class="bars-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="SLA compliance per month, 0 to 100 %">{"".join(parts)}</svg>'
    )

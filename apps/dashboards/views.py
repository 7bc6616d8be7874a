"""The home page (``/``), the portfolio overview (``/dashboard/``; the executives' home page) and its CSV
exports.

Everyone signed in may read it. The filter bar is a plain GET form: htmx sends it on every change and
swaps the dashboard's body in place (``HX-Request``), pushing the URL, so the filters live in the URL
and a full load of that URL renders the same page. The view is thin: the numbers come from
``apps.dashboards.selectors`` (composed of ``apps.dashboards.tiles``, each also naming its template), the
charts' data and tables from ``apps.dashboards.charts``. The overview and the vendor 360 also download as
PDF (the review pack: ``apps.dashboards.pdf``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from apps.accounts.choices import Role
from apps.core.tables import export_response
from apps.core.ui import is_htmx
from apps.dashboards.charts import overview_charts
from apps.dashboards.exports import TABLES, VENDOR_TABLES, export_table, export_vendor_table
from apps.dashboards.filters import DashboardFilterSet
from apps.dashboards.pdf import PDF_CONTENT_TYPE, compliance_svg, render_pdf, vendor_pack
from apps.dashboards.selectors import KEY_FIGURES, OVERVIEW_TILES, portfolio_overview
from apps.dashboards.tiles.certifications import CERTIFICATION_DAYS
from apps.dashboards.tiles.concentration import SHOWN_ROWS
from apps.dashboards.tiles.league import LEAGUE_SORT_ATTENTION, LEAGUE_SORTS
from apps.dashboards.tiles.renewals import RENEWAL_DAYS
from apps.dashboards.vendor import Vendor360, vendor_360
from apps.dashboards.workspace import workspace_overview
from apps.performance.scorecards import PERIOD_PARAMETER, performance_section, period_from_parameter
from apps.vendors.models import Vendor
from apps.vendors.selectors import vendor_watched

# How many rows the page shows of the long tables (the CSV has them all; the counts live with the selectors
# that build the rows shown: the league table's LEAGUE_TABLE_ROWS, the concentration panel's SHOWN_ROWS).
CONCENTRATION_ROWS = SHOWN_ROWS
# The league table's order (``LEAGUE_SORTS``); an unknown value falls back to the default.
LEAGUE_SORT_PARAMETER = "rank_by"
# The league table's page (from 1; anything else: the first).
LEAGUE_PAGE_PARAMETER = "league_page"


def _league_sort(request: HttpRequest) -> str:
    chosen = request.GET.get(LEAGUE_SORT_PARAMETER, "")
    return chosen if chosen in LEAGUE_SORTS else LEAGUE_SORT_ATTENTION


def _league_page(request: HttpRequest) -> int:
    chosen = request.GET.get(LEAGUE_PAGE_PARAMETER, "")
    return int(chosen) if chosen.isdigit() and 0 < int(chosen) < 1_000_000 else 1


def _filterset(request: HttpRequest) -> DashboardFilterSet:
    return DashboardFilterSet(request.GET, queryset=Vendor.objects.none(), today=timezone.localdate())


def overview_context(request: HttpRequest, *, as_home: bool = False) -> dict[str, Any]:
    filterset = _filterset(request)
    scope, period = filterset.scope(), filterset.period_value()
    league_sort = _league_sort(request)
    overview = portfolio_overview(
        scope=scope,
        period=period,
        today=filterset.today,
        user=request.user,
        league_sort=league_sort,
        league_page=_league_page(request),
    )
    query = urlencode(filterset.query())
    chosen = [
        str(dict(filterset.form.fields[name].choices).get(value, value))
        for name, value in filterset.query().items()
        if name != "period"
    ]

    def export(table: str, file_format: str = "csv") -> str:
        extra = (
            {LEAGUE_SORT_PARAMETER: league_sort}
            if table == "league-table" and league_sort != LEAGUE_SORT_ATTENTION
            else {}
        )
        table_query = "&".join(part for part in (query, urlencode(extra)) if part)
        url = reverse("dashboards:export" if file_format == "csv" else "dashboards:export-xlsx", args=[table])
        return url + (f"?{table_query}" if table_query else "")

    league_query = "&".join(
        part
        for part in (
            query,
            urlencode({LEAGUE_SORT_PARAMETER: league_sort}) if league_sort != LEAGUE_SORT_ATTENTION else "",
        )
        if part
    )

    def sorted_by(sort: str, page: int = 1) -> str:
        params = {
            **filterset.query(),
            **({LEAGUE_SORT_PARAMETER: sort} if sort != LEAGUE_SORT_ATTENTION else {}),
            **({LEAGUE_PAGE_PARAMETER: str(page)} if page > 1 else {}),
        }
        return reverse("dashboards:overview") + (f"?{urlencode(params)}" if params else "") + "#league-title"

    league = overview.league

    return {
        "title": "Dashboard" if as_home else "Portfolio overview",
        "as_home": as_home,
        "overview": overview,
        "tiles": OVERVIEW_TILES,
        "key_figures": KEY_FIGURES,
        "filterset": filterset,
        "filter_errors": filterset.form.errors,
        "filter_query": query,
        "filter_summary": " · ".join([period.label, *chosen]),
        "charts": overview_charts(overview, query=query),
        "exports": {table.replace("-", "_"): export(table) for table in TABLES},
        "xlsx_exports": {table.replace("-", "_"): export(table, "xlsx") for table in TABLES},
        "league_rows": league.rows,
        "league_more": league.total - len(league.rows),
        "league_previous_url": sorted_by(league_sort, league.number - 1) if league.has_previous else "",
        "league_next_url": sorted_by(league_sort, league.number + 1) if league.has_next else "",
        "league_sort": league_sort,
        "league_sort_parameter": LEAGUE_SORT_PARAMETER,
        "league_sorts": [(sort, label, sorted_by(sort)) for sort, label in LEAGUE_SORTS.items()],
        "reporting_currency": overview.concentration.reporting_currency,
        "concentration_rows": CONCENTRATION_ROWS,
        "renewal_days": RENEWAL_DAYS,
        "certification_days": CERTIFICATION_DAYS,
        "page_url": reverse("dashboards:overview") + (f"?{query}" if query else ""),
        "pdf_url": reverse("dashboards:overview-pdf") + (f"?{league_query}" if league_query else ""),
    }


def render_overview(request: HttpRequest, *, as_home: bool = False) -> HttpResponse:
    """The whole page, or (an htmx swap of the filter bar) only its body. ``as_home``: an executive's
    landing page, which greets them."""
    context = overview_context(request, as_home=as_home)
    partial = is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"
    template = "dashboards/includes/body.html" if partial else "dashboards/overview.html"
    # A swapped body also swaps the page head's "Download PDF" link (out of band): it follows the filters.
    response = render(request, template, {**context, "partial": partial})
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in landing page: where the portfolio stands and what needs attention now. An
    executive lands on the portfolio overview itself (also at /dashboard/, for every role)."""
    if Role.EXECUTIVE in request.user.roles:  # type: ignore[union-attr]  # login_required: a signed-in User
        return render_overview(request, as_home=True)
    return render(request, "dashboards/home.html", {"title": "Dashboard", **workspace_overview(user=request.user)})


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    return render_overview(request)


@login_required
@require_GET
def export(request: HttpRequest, table: str, file_format: str = "csv") -> HttpResponseBase:
    """One table of the overview as CSV (or XLSX: ``file_format``), narrowed by the same filters (``?period=…&geography=…``)."""
    if table not in TABLES:
        raise Http404("No such dashboard table.")
    filterset = _filterset(request)
    overview = portfolio_overview(
        scope=filterset.scope(),
        period=filterset.period_value(),
        today=filterset.today,
        user=request.user,
        league_sort=_league_sort(request),
        league_per_page=None if table == "league-table" else 0,
        every_function_vendor=table == "sourcing-matrix",
    )
    filename, columns, rows = export_table(table, overview)
    return export_response(file_format, filename, columns, list(rows))


def pdf_response(filename: str, pdf: bytes) -> HttpResponse:
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def overview_pdf(request: HttpRequest) -> HttpResponse:
    """The portfolio overview as a PDF, narrowed by the same filters as the page (``?period=…&tier=…``)."""
    context = overview_context(request)
    context["compliance_svg"] = compliance_svg(context["overview"].compliance.months)
    pdf = render_pdf("dashboards/pdf/overview.html", context)
    return pdf_response(f"portfolio-overview-{context['overview'].today.isoformat()}.pdf", pdf)


# -- vendor 360 -------------------------------------------------------------------------------------------
def _vendor_360(request: HttpRequest, pk: int) -> Vendor360:
    period = period_from_parameter(request.GET.get(PERIOD_PARAMETER))
    try:
        return vendor_360(vendor_id=pk, period=period, today=timezone.localdate(), user=request.user)
    except Vendor.DoesNotExist:
        raise Http404("No such vendor.") from None


@login_required
@require_GET
def vendor_360_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One vendor's standing on one page (``apps.dashboards.vendor``); its scorecard's period switcher
    swaps the scorecard alone (htmx, ``hx-select``) out of this same page."""
    data = _vendor_360(request, pk)
    section = performance_section(
        path=request.path,
        period_parameter=request.GET.get(PERIOD_PARAMETER),
        performance=data.performance,
        telemetry_marks=data.scorecard_marks,
    )

    def export(table: str, file_format: str = "csv") -> str:
        name = "dashboards:vendor-export" if file_format == "csv" else "dashboards:vendor-export-xlsx"
        url = reverse(name, args=[pk, table])
        return url + (f"?{PERIOD_PARAMETER}={data.period.key}" if request.GET.get(PERIOD_PARAMETER) else "")

    context = {
        **section,
        "title": f"{data.vendor.name} — vendor 360",
        "data": data,
        "vendor": data.vendor,
        "exports": {table.replace("-", "_"): export(table) for table in VENDOR_TABLES},
        "xlsx_exports": {table.replace("-", "_"): export(table, "xlsx") for table in VENDOR_TABLES},
        "pdf_url": reverse("dashboards:vendor-pdf", args=[pk])
        + (f"?{PERIOD_PARAMETER}={data.period.key}" if request.GET.get(PERIOD_PARAMETER) else ""),
        "renewal_days": RENEWAL_DAYS,
        "certification_days": CERTIFICATION_DAYS,
        # Watch / Unwatch: a named owner has the vendor's dates in their calendar feed already.
        "owns_vendor": request.user.pk in data.vendor.owner_ids,
        "watching": request.user.pk not in data.vendor.owner_ids
        and vendor_watched(user=request.user, vendor=data.vendor),
    }
    response = render(request, "dashboards/vendor_360.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def vendor_export(request: HttpRequest, pk: int, table: str, file_format: str = "csv") -> HttpResponseBase:
    """One table of a vendor 360 as CSV or XLSX (every row, where the page shows the latest)."""
    if table not in VENDOR_TABLES:
        raise Http404("No such vendor table.")
    filename, columns, rows = export_vendor_table(table, _vendor_360(request, pk))
    return export_response(file_format, filename, columns, list(rows))


@login_required
@require_GET
def vendor_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The vendor's review pack: its vendor 360 as a PDF (``?period=`` as on the page)."""
    period = period_from_parameter(request.GET.get(PERIOD_PARAMETER))
    try:
        filename, pdf = vendor_pack(vendor_id=pk, user=request.user, period=period)
    except Vendor.DoesNotExist:
        raise Http404("No such vendor.") from None
    return pdf_response(filename, pdf)

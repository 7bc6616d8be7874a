"""Classes of input that once answered 500 (or were silently ignored), each swept over every place that
reads it, found by walking the API router, the URL configuration and the FilterSets — a new endpoint,
list page or filter is covered without a new test:

- a JSON body nested 1,000 levels deep; text PostgreSQL cannot store (NUL, a lone surrogate) anywhere
  in a body, a query string or a form; a body that is not a JSON object (``false``, ``[null]``);
- dates and times that do not exist or that PostgreSQL cannot store: ``2026-10-31T25:00``,
  ``2026-02-30``, an offset beyond ±15:59, year 1 at ``+05:00``, a month or week past the calendar;
- filter values a filter cannot read (a boolean ``banana``, a number of a million digits);
- every 500, and the 400 of a body too large, answered in JSON on the API.

Each must be a 400 (a form error on a page) naming what is wrong, never a 500; the fixes are where the
input is read (apps.core.parsers, apps.core.filters, apps.core.dates, apps.core.middleware), with a net
for ``DataError`` (apps.core.api, apps.core.middleware).
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django_filters
import pytest
from django.db import DataError
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework import serializers as drf_serializers
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.core import filters as core_filters
from apps.core.api import exception_handler
from apps.core.dates import DateInputError, iso_week_period, local_date, month_period, parse_moment
from apps.core.middleware import RequestInputMiddleware
from apps.core.parsers import MAX_JSON_DEPTH, JSONParser, document_problem
from apps.core.ui import FilteredListView
from config.api import router
from tests.api_matrix import ApiResourceMatrix
from tests.factories import (
    AccessGrantFactory,
    ContractFactory,
    KpiDefinitionFactory,
    MeasurementFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db

TESTS = Path(__file__).resolve().parent.parent

NUL_TEXT = "code\x00x"
IMPOSSIBLE_MOMENTS = [
    "2026-10-31T25:00:00",  # no 25th hour
    "2026-02-30T00:00:00",  # no 30 February
    "0001-01-01T00:00:00+05:00",  # the day before the calendar starts, in UTC
    "9999-12-31T23:00:00-05:00",  # the day after it ends, in UTC
    "2026-01-01T00:00:00+16:00",  # an offset PostgreSQL refuses
    "2026-01-01T00:00:00-23:59",
]
IMPOSSIBLE_DAYS = ["2026-02-30", "0000-01-01", "2026-13-01"]
UNREADABLE_NUMBERS = ["banana", "1e999999", "-1e999999", "1e-999999", "NaN", "Infinity"]
# Sent to every filter of every list: whatever a filter makes of them, never a 500.
HOSTILE_VALUES = [
    "banana",
    "²",  # a digit to str.isdigit(), no number
    "-1",
    "99999999999999999999999999",
    "1e999999",
    "-1e999999",
    "1e-999999",
    "NaN",
    "0000-01-01",
    "9999-12-31",
    *IMPOSSIBLE_MOMENTS[:3],
    IMPOSSIBLE_MOMENTS[4],
    "x" * 5000,
]


# -- what there is to sweep ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """One operation of the API router: ``path`` with ``{pk}`` for a detail route."""

    path: str
    method: str
    action: str
    viewset: Any
    initkwargs: dict[str, Any]

    def url(self, pk: int = 999_999) -> str:
        return "/api/v1/" + self.path.replace("{pk}", str(pk))

    def view(self) -> Any:
        view = self.viewset(**self.initkwargs)
        view.action = self.action
        return view

    @property
    def list_body(self) -> bool:
        return bool(self.initkwargs.get("list_body", getattr(self.viewset, "list_body", False)))

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def api_routes() -> list[Route]:
    routes = []
    for pattern in router.urls:
        actions = getattr(pattern.callback, "actions", None)
        if not actions or "(?P<format>" in str(pattern.pattern):
            continue
        path = str(pattern.pattern).lstrip("^").rstrip("$").replace("(?P<pk>[^/.]+)", "{pk}")
        for method, action in actions.items():
            initkwargs = dict(pattern.callback.initkwargs)
            routes.append(Route(path, method, action, pattern.callback.cls, initkwargs))
    return routes


ROUTES = api_routes()
WRITES = [route for route in ROUTES if route.method in ("post", "put", "patch")]
LISTS = [route for route in ROUTES if route.action == "list"]


def filterset_of(route: Route) -> type[django_filters.FilterSet] | None:
    return getattr(route.viewset, "filterset_class", None)


def html_list_pages() -> list[tuple[str, type[FilteredListView]]]:
    """Every list page of the workspace (a ``FilteredListView`` whose URL takes no argument)."""
    found = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                view_class = getattr(entry.callback, "view_class", None)
                if view_class and issubclass(view_class, FilteredListView) and "<" not in route:
                    found.append(("/" + route, view_class))

    walk(get_resolver().url_patterns, "")
    return sorted(found, key=lambda page: page[0])


PAGES = html_list_pages()


def filters_of_kind(filterset: type[django_filters.FilterSet] | None, kind: type) -> list[str]:
    if filterset is None:
        return []
    return [name for name, candidate in filterset.base_filters.items() if isinstance(candidate, kind)]


def project_filtersets() -> set[type[django_filters.FilterSet]]:
    found: set[type[django_filters.FilterSet]] = set()
    pending = [django_filters.FilterSet]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("apps."):
                found.add(subclass)
    return found


@pytest.fixture
def admin_api(api_client_for: Callable[[str], APIClient]) -> APIClient:
    client = api_client_for(Role.ADMIN)
    client.raise_request_exception = False
    return client


@pytest.fixture
def admin_browser(user_with_role: Callable[[str], Any]) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user_with_role(Role.ADMIN))
    return client


def send(client: APIClient, route: Route, body: str, content_type: str = "application/json") -> Any:
    return client.generic(route.method.upper(), route.url(), body, content_type=content_type)


def writable_fields(route: Route) -> list[str]:
    view = route.view()
    view.format_kwarg = None
    view.request = None
    try:
        serializer = view.get_serializer()
    except Exception:  # noqa: BLE001 - an action without a serializer of its own: any field will do
        return ["note"]
    fields = getattr(serializer, "child", serializer).fields
    return [name for name, field in fields.items() if not field.read_only] or ["note"]


def assert_json_400(response: Any, *, contains: str = "") -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    if contains:
        assert contains in json.dumps(response.json(), ensure_ascii=False), response.json()


# -- the sweep is not empty ----------------------------------------------------------------------------------
def test_the_sweeps_find_the_api_and_the_pages() -> None:
    assert {"POST measurements/", "POST measurements/bulk/", "POST sla-terms/", "POST performance-bands/"} <= {
        str(route) for route in WRITES
    }
    assert "PATCH vendors/{pk}/" in {str(route) for route in WRITES}
    assert len(LISTS) >= 20
    assert "/kpis/measurements/" in {path for path, _ in PAGES}
    assert len(PAGES) >= 10


# -- the shared mechanisms, by construction ---------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_operation_reads_bodies_with_the_projects_parser_only(route: Route) -> None:
    assert [type(parser) for parser in route.view().get_parsers()] == [JSONParser]


def test_every_filterset_of_the_project_derives_from_the_strict_base() -> None:
    lax = [cls.__qualname__ for cls in project_filtersets() if not issubclass(cls, core_filters.FilterSet)]
    assert lax == []


@pytest.mark.parametrize(
    "declared",
    [django_filters.BooleanFilter(), django_filters.IsoDateTimeFilter(), django_filters.NumberFilter()],
    ids=lambda f: type(f).__name__,
)
def test_a_lax_django_filter_is_refused_when_the_class_is_made(declared: django_filters.Filter) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=r"apps\.core\.filters"):
        type("Sloppy", (core_filters.FilterSet,), {"flag": declared, "__module__": __name__})


def test_generated_filters_are_the_strict_ones() -> None:
    from apps.vendors.filters import AccessGrantFilterSet

    generated = AccessGrantFilterSet.base_filters
    assert isinstance(generated["mfa_enabled"], core_filters.BooleanFilter)  # a model BooleanField in Meta.fields
    assert isinstance(generated["revoked"], core_filters.BooleanFilter)


# -- JSON bodies -------------------------------------------------------------------------------------------------
NOT_AN_OBJECT = ["false", "[null]", '"x"', "123", "null"]


@pytest.mark.parametrize("route", WRITES, ids=str)
def test_every_write_refuses_a_body_it_cannot_use(admin_api: APIClient, route: Route) -> None:
    """Nested 1,000 deep; a NUL in every field; no JSON object (``false``, ``[null]``…); a form."""
    deep = '{"note": ' + "[" * 1000 + "]" * 1000 + "}"
    assert_json_400(send(admin_api, route, deep), contains="nested deeper than")
    row = dict.fromkeys(writable_fields(route), NUL_TEXT)
    assert_json_400(send(admin_api, route, json.dumps([row] if route.list_body else row)), contains="NUL")
    for body in NOT_AN_OBJECT:
        if not route.list_body:
            assert_json_400(send(admin_api, route, body), contains="Expected a JSON object")
        elif not body.startswith("["):  # a list of rows is its documented body (a row that is no object: its error)
            assert_json_400(send(admin_api, route, body))  # refused by the view itself, which reads the shape
    form = send(admin_api, route, "false", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415, form.content  # the API takes JSON only
    assert form["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "document",
    [
        '{"a": "\\u0000"}',
        '{"\\u0000": 1}',
        '{"a": ["\\ud800"]}',
        '{"a": NaN}',
        '{"a": Infinity}',
        "[" * 2000 + "]" * 2000,
        "{" * 3,
        b"\xff\xfe",
    ],
)
def test_the_parser_refuses_what_cannot_be_stored_or_read(document: str | bytes) -> None:
    from io import BytesIO

    from rest_framework.exceptions import ParseError

    raw = document if isinstance(document, bytes) else document.encode()
    with pytest.raises(ParseError):
        JSONParser().parse(BytesIO(raw))


def test_the_parser_takes_documents_up_to_its_depth() -> None:
    assert document_problem(json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)) is None
    assert "deeper" in (document_problem(json.loads("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))) or "")
    assert document_problem({"rows": [{"note": "café ✓"}]}) is None


@pytest.mark.parametrize("route", ["/api/v1/vendors/", "/api/v1/measurements/bulk/"])
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_the_limit_is_a_json_400(admin_api: APIClient, route: str, content_type: str) -> None:
    body = json.dumps({"name": "x" * 5000}) if content_type == "application/json" else "name=" + "x" * 5000
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = admin_api.generic("POST", route, body, content_type=content_type)
    assert_json_400(response, contains="1,000 bytes")


def test_a_form_over_the_limit_on_a_page_is_the_400_page(admin_browser: Client) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = admin_browser.post(reverse("vendors:vendor-create"), {"name": "x" * 5000})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "1,000 bytes" in response.content.decode()


# -- the defects as reported ---------------------------------------------------------------------------------------
@pytest.fixture
def engagement(user_with_role: Callable[[str], Any]) -> Any:
    return ContractFactory(vendor=VendorFactory(engineering_owner=user_with_role(Role.ADMIN)))


@pytest.mark.parametrize("path", ["measurements/", "measurements/bulk/", "sla-terms/", "performance-bands/"])
def test_a_nul_in_a_kpi_code_is_a_400(admin_api: APIClient, engagement: Any, path: str) -> None:
    row = {
        "contract": engagement.pk,
        "kpi": NUL_TEXT,
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "value": 1,
        "area": "quality",
        "comparator": "gte",
        "target": 90,
        "window": "month",
        "severity": "minor",
        "source": "organisation",
        "year": 2026,
        "band": "high",
        "rank": 2,
    }
    response = admin_api.post(f"/api/v1/{path}", [row] if "bulk" in path else row, format="json")
    assert_json_400(response, contains="NUL")


@pytest.mark.parametrize("moment", IMPOSSIBLE_MOMENTS)
def test_an_impossible_period_timestamp_is_a_400_on_its_field(
    admin_api: APIClient, engagement: Any, moment: str
) -> None:
    row = {
        "contract": engagement.pk,
        "kpi": "lead_time_for_changes",
        "period_start": moment,
        "period_end": moment,
        "value": 1,
    }
    response = admin_api.post("/api/v1/measurements/", row, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"period_start", "period_end"}
    bulk = admin_api.post("/api/v1/measurements/bulk/", [row], format="json")
    assert bulk.status_code == 200, bulk.content
    assert set(bulk.json()["results"][0]["errors"]) == {"period_start", "period_end"}


@pytest.mark.parametrize("moment", IMPOSSIBLE_MOMENTS)
@pytest.mark.parametrize("name", ["written_after", "written_before"])
def test_an_impossible_written_filter_is_a_400_and_a_form_error(
    admin_api: APIClient, admin_browser: Client, moment: str, name: str
) -> None:
    assert_json_400(admin_api.get("/api/v1/measurements/", {name: moment}))
    assert name in admin_api.get("/api/v1/measurements/", {name: moment}).json()
    page = admin_browser.get(reverse("performance:measurement-list"), {name: moment})
    assert page.status_code == 200
    assert f"{name}:" in page.content.decode()  # the list page's filter error, on the filter's name


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "month", "month": "0000-01"}, "month"),
        ({"kind": "month", "month": "9999-12"}, "month"),
        ({"kind": "month", "month": "2026-00"}, "month"),
        ({"kind": "week", "week": "9999-W52"}, "week"),
        ({"kind": "week", "week": "0000-W01"}, "week"),
        ({"kind": "week", "week": "2025-W53"}, "week"),
        ({"kind": "sprint", "start": "9999-12-30", "end": "9999-12-31"}, "end"),
        ({"kind": "sprint", "start": "0001-01-01", "end": "0001-01-02"}, "end"),
    ],
)
def test_the_entry_grid_at_the_calendars_edge_is_a_form_error(
    admin_browser: Client, engagement: Any, query: dict[str, str], field: str
) -> None:
    url = reverse("performance:grid", args=[engagement.pk])
    page = admin_browser.get(url, query)
    assert page.status_code == 200, page.content[:300]
    assert page.context["grid"].period is None
    assert field in page.context["grid"].period_form.errors
    posted = admin_browser.post(url, query)
    assert posted.status_code in (200, 400)


@pytest.mark.parametrize(
    ("read", "args"),
    [
        (month_period, (0, 1)),
        (month_period, (10000, 1)),
        (month_period, (2026, 13)),
        (iso_week_period, (9999, 52)),
        (iso_week_period, (2025, 53)),
        (iso_week_period, (0, 1)),
    ],
)
def test_months_and_weeks_outside_the_calendar_are_input_errors(read: Any, args: tuple[int, int]) -> None:
    with pytest.raises(DateInputError):
        read(*args)


def test_the_last_month_and_week_of_the_calendar_exist() -> None:
    from datetime import date

    assert month_period(9999, 12) == (date(9999, 12, 1), date(9999, 12, 31))
    assert iso_week_period(9999, 51)[1] == date(9999, 12, 26)
    assert local_date("2026-11-01T03:30:00Z") == date(2026, 11, 1)  # London: still the 1st
    assert parse_moment("2026-10-31T14:30:00+14:00").utcoffset().total_seconds() == 14 * 3600


# -- dates at the calendar's edge in every write payload -------------------------------------------------------
def resource_matrices() -> list[type[ApiResourceMatrix]]:
    """The resources of the generated API tests (``tests/api_matrix.py``), with their valid payloads."""
    for path in sorted(TESTS.rglob("test_*.py")):
        if "(ApiResourceMatrix)" in path.read_text():
            importlib.import_module(".".join(path.relative_to(TESTS.parent).with_suffix("").parts))
    return sorted(ApiResourceMatrix.__subclasses__(), key=lambda cls: cls.__name__)


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.mark.parametrize("matrix", [cls for cls in resource_matrices() if cls.can_create], ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("edge", ["0001-01-01", "9999-12-31"])
def test_a_date_at_the_calendars_edge_is_never_a_server_error(
    admin_api: APIClient, matrix: type[ApiResourceMatrix], edge: str
) -> None:
    resource = matrix()
    payload = resource.create_payload()
    dates = [key for key, value in payload.items() if isinstance(value, str) and ISO_DAY.match(value)]
    for key in dates:
        created = admin_api.post(resource.list_url(), {**payload, key: edge}, format="json")
        assert created.status_code < 500, (key, created.content[:200])
        if created.status_code == 201:
            shown = admin_api.get(resource.detail_url(resource.model.objects.get(pk=created.json()["id"])))
            assert shown.status_code == 200, (key, shown.content[:200])
            assert admin_api.get(resource.list_url()).status_code == 200


# -- every filter of every list ----------------------------------------------------------------------------------
def unreadable_values(filterset: type[django_filters.FilterSet] | None, *, each: bool = True) -> list[dict[str, str]]:
    """Queries that set every filter of one kind to one value it cannot read (``each``: every such value;
    otherwise the first): each of those filters must be named in the answer."""
    kinds: list[tuple[type, list[str]]] = [
        (django_filters.BooleanFilter, ["banana", "2", "none"]),
        (django_filters.DateTimeFilter, IMPOSSIBLE_MOMENTS),
        (django_filters.DateFilter, IMPOSSIBLE_DAYS),
        (django_filters.NumberFilter, UNREADABLE_NUMBERS),
    ]
    queries = []
    for kind, values in kinds:
        names = filters_of_kind(filterset, kind)
        queries += [dict.fromkeys(names, value) for value in (values if each else values[:1]) if names]
    return queries


def hostile_queries(filterset: type[django_filters.FilterSet] | None, values: list[str]) -> list[dict[str, str]]:
    """For each value: the filters that accept it, all at once (so they filter, and the database sees the
    value), and those that refuse it, all at once (so the page shows them with it); then the list's own
    parameters."""
    names = list(filterset.base_filters) if filterset else []
    queries = []
    for value in values:
        accepting = [name for name in names if filterset is not None and filterset({name: value}).is_valid()]
        queries.append(dict.fromkeys(accepting, value) | {"search": value, "ordering": value})
        queries.append({name: value for name in names if name not in accepting})
        queries.append({"page": value, "page_size": value})
    return [query for query in queries if query]


@pytest.mark.parametrize("route", LISTS, ids=str)
def test_every_filter_refuses_what_it_cannot_read_by_name(admin_api: APIClient, route: Route) -> None:
    filterset = filterset_of(route)
    for query in unreadable_values(filterset):
        response = admin_api.get(route.url(), query)
        assert response.status_code == 400, (query, response.status_code, response.content[:200])
        assert set(query) <= set(response.json()), (query, response.json())
    for word in ("true", "false", "True", "0", "1", "", "unknown"):
        query = dict.fromkeys(filters_of_kind(filterset, django_filters.BooleanFilter), word)
        assert admin_api.get(route.url(), query).status_code == 200, query


@pytest.mark.parametrize("route", LISTS, ids=str)
def test_no_filter_value_is_a_server_error(admin_api: APIClient, route: Route) -> None:
    for query in hostile_queries(filterset_of(route), HOSTILE_VALUES):
        response = admin_api.get(route.url(), query)
        assert response.status_code < 500, (query, response.content[:200])
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("route", LISTS, ids=str)
def test_a_nul_in_any_query_parameter_is_a_400(admin_api: APIClient, route: Route) -> None:
    filterset = filterset_of(route)
    for name in [*(filterset.base_filters if filterset else ()), "search", "ordering", "page"]:
        assert_json_400(admin_api.get(route.url(), {name: NUL_TEXT}), contains="NUL")


@pytest.mark.parametrize(("path", "view_class"), PAGES, ids=[path for path, _ in PAGES])
def test_every_list_page_names_a_filter_value_it_cannot_read(
    admin_browser: Client, path: str, view_class: type[FilteredListView]
) -> None:
    filterset = view_class.filterset_class
    for query in unreadable_values(filterset, each=False):
        page = admin_browser.get(path, query)
        assert page.status_code == 200, (query, page.status_code)
        assert set(query) <= set(page.context["filterset"].errors), (query, page.context["filterset"].errors)
    refused = admin_browser.get(path, dict.fromkeys(filterset.base_filters, NUL_TEXT))
    assert refused.status_code == 400 and "NUL" in refused.content.decode()
    for query in hostile_queries(filterset, HOSTILE_VALUES[::2]):
        assert admin_browser.get(path, query).status_code < 500, query


def test_revoked_banana_is_refused_not_ignored(admin_api: APIClient, admin_browser: Client) -> None:
    AccessGrantFactory()
    assert admin_api.get("/api/v1/access-grants/", {"revoked": "false"}).json()["count"] == 1
    response = admin_api.get("/api/v1/access-grants/", {"revoked": "banana"})
    assert response.status_code == 400
    assert response.json() == {"revoked": ["Enter true or false."]}
    page = admin_browser.get(reverse("vendors:access-list"), {"revoked": "banana"})
    assert "revoked: Enter true or false." in page.content.decode()
    assert list(page.context["object_list"]) == []


def test_a_kpi_filter_of_unicode_digits_matches_nothing(admin_api: APIClient) -> None:
    MeasurementFactory(kpi=KpiDefinitionFactory())
    for value in ("²", "٣"):
        response = admin_api.get("/api/v1/measurements/", {"kpi": value})
        assert response.status_code == 200 and response.json()["count"] == 0


# -- the forms of the pages ------------------------------------------------------------------------------------------
def test_a_nul_in_a_form_field_is_the_400_page(admin_browser: Client) -> None:
    response = admin_browser.post(reverse("vendors:vendor-create"), {"name": NUL_TEXT})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "NUL" in response.content.decode()


# -- non-object bodies on operations that read no body --------------------------------------------------------------
def test_an_action_without_a_body_refuses_one_that_is_no_object(admin_api: APIClient) -> None:
    from tests.factories import BreachFactory

    breach = BreachFactory()
    url = f"/api/v1/breaches/{breach.pk}/acknowledge/"
    assert_json_400(admin_api.generic("POST", url, "false", content_type="application/json"))
    breach.refresh_from_db()
    assert breach.status == "open"
    assert admin_api.post(url).status_code == 200  # no body at all is fine


# -- JSON always on the API ---------------------------------------------------------------------------------------------
def test_a_server_error_on_the_api_is_json(admin_api: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.vendors.api.views import VendorViewSet

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(VendorViewSet, "list", explode)
    response = admin_api.get("/api/v1/vendors/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json() and "boom" not in response.content.decode()


def test_a_server_error_on_a_page_is_html_unless_json_is_asked_for(
    admin_browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.vendors.views import VendorListView

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(VendorListView, "get_queryset", explode)
    page = admin_browser.get(reverse("vendors:vendor-list"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert "Something went wrong" in page.content.decode()
    asked = admin_browser.get(reverse("vendors:vendor-list"), HTTP_ACCEPT="application/json")
    assert asked.status_code == 500 and asked["Content-Type"] == "application/json"


def test_an_unknown_api_path_is_a_json_404_and_a_page_keeps_its_html(
    admin_api: APIClient, admin_browser: Client
) -> None:
    missing = admin_api.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not found."}
    page = admin_browser.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


# -- the DataError net --------------------------------------------------------------------------------------------
def test_the_api_maps_a_database_refusal_to_a_400() -> None:
    response = exception_handler(DataError("time zone displacement out of range"), {})
    assert response is not None and response.status_code == 400
    assert "refused a value" in str(response.data)


@pytest.mark.parametrize(("path", "json_answer"), [("/api/v1/vendors/", True), ("/vendors/", False)])
def test_the_pages_map_a_database_refusal_to_a_400(path: str, json_answer: bool) -> None:
    middleware = RequestInputMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().get(path), DataError("out of range"))
    assert response is not None and response.status_code == 400
    assert response["Content-Type"].startswith("application/json" if json_answer else "text/html")
    assert middleware.process_exception(RequestFactory().get(path), RuntimeError()) is None


@pytest.mark.parametrize(
    ("data", "named"), [([None], "an array"), (False, "a boolean"), (None, "null"), ("x", "a string")]
)
def test_the_refusal_of_a_body_names_what_it_got(data: Any, named: str) -> None:
    from apps.core.api import require_object_body

    with pytest.raises(drf_serializers.ValidationError, match=named):
        require_object_body(type("FakeRequest", (), {"data": data})())
    require_object_body(type("FakeRequest", (), {"data": {}})())

"""The API's pagination (decision 0020): page numbers for people, a cursor for integrations.

- ``?page=N&page_size=M`` → ``count``, ``count_exact``, ``next``, ``previous``, ``results``. The count is
  exact up to ``LIST_EXACT_COUNT_LIMIT`` rows and PostgreSQL's estimate above it (``count_exact`` false,
  ``apps.core.counting``): a page never counts the whole table.
- ``?cursor=`` (empty for the first page, then the ``next`` link) → ``next``, ``previous``, ``results``:
  keyset pagination over the primary key, oldest record first, whatever the table's size. Each page is an
  index range, never an ``OFFSET``; a record added while a client walks the list appears at the end, so
  an integration that keeps the URL of the last page it read reads it again later, and its ``next`` then
  leads to what was added since. The list's filters apply; an ``ordering`` with a cursor is refused (the
  cursor's order is the id's).
- ``?page=last`` with an estimated count counts exactly (the one request that asks for the whole count).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter as _OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.pagination import PageNumberPagination as _PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.counting import CountingPaginator

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class _IdCursorPagination(CursorPagination):
    ordering = ("pk",)
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str, ...]:
        if request.query_params.get("ordering"):
            raise ValidationError(
                {"ordering": ["A cursor walks the list in id order: leave out ordering, or page by number."]}
            )
        return ("pk",)

    def decode_cursor(self, request: Request) -> Any:
        if not request.query_params.get(self.cursor_query_param):
            return None  # ``?cursor=``: the first page
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError(
                {"cursor": ["Not a cursor this list gave: start again with cursor= (empty)."]}
            ) from error


class PageNumberPagination(_PageNumberPagination):
    """``page`` and ``page_size`` → ``count``, ``count_exact``, ``next``, ``previous``, ``results``; with
    ``cursor``, keyset pages by id (the module's docstring)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = CountingPaginator
    cursor_query_param = "cursor"

    def __init__(self) -> None:
        self.cursor: _IdCursorPagination | None = None

    def paginate_queryset(  # type: ignore[override]  # DRF's stubs type the queryset loosely
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        if self.cursor_query_param in request.query_params:
            self.cursor = _IdCursorPagination()
            return self.cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        requested = request.query_params.get(self.page_query_param)
        if requested in self.last_page_strings and not getattr(paginator, "count_exact", True):
            paginator.count_exactly()
        return super().get_page_number(request, paginator)

    def get_paginated_response(self, data: Any) -> Response:
        if self.cursor is not None:
            return self.cursor.get_paginated_response(data)
        assert self.page is not None  # paginate_queryset ran
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_exact": getattr(paginator, "count_exact", True),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def to_html(self) -> str:
        if self.cursor is not None:
            return str(self.cursor.to_html())
        return str(super().to_html())

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "example": 123,
                    "description": "Page numbers only: the matching records (an estimate when count_exact is false).",
                },
                "count_exact": {
                    "type": "boolean",
                    "description": "Page numbers only: false when count is PostgreSQL's estimate (a large list).",
                },
                "next": {**link, "example": "http://api.example.org/accounts/?page=4"},
                "previous": {**link, "example": "http://api.example.org/accounts/?page=2"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset pages by id instead of page numbers: empty for the first page, then follow `next`. "
                    "Flat at any size; no count; not with `ordering`."
                ),
                "schema": {"type": "string"},
            }
        )
        return parameters


class OrderingFilter(_OrderingFilter):
    """DRF's ``ordering``, then the view's ``ordering_then`` (contracts: the title; vendors: the name), then
    the primary key, each in the direction of the field before: the order an index of the list is built in,
    as on the list page (decision 0020), and rows that tie keep one order, so a row never shows on two
    pages or none. With a cursor the cursor orders (by id)."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        fields = [str(field) for field in ordering]
        named = {field.lstrip("-") for field in fields}
        if "id" in named:
            named.add("pk")
        for then in [*getattr(view, "ordering_then", ()), "pk"]:
            if then not in named:
                fields.append(f"-{then}" if fields[-1].startswith("-") else then)
                named.add(then)
        return queryset.order_by(*fields)

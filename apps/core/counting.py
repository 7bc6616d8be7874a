"""Page counts that stay cheap on a large table (decision 0020).

A list's page number needs a count, and ``COUNT(*)`` reads every matching row: at 100,000 contracts that
is most of a page's time. ``bounded_count`` counts at most ``LIST_EXACT_COUNT_LIMIT`` rows (a
``LIMIT``-ed subquery stops there); below it the count is exact, above it the figure is PostgreSQL's
own estimate for the filtered query (the planner's row estimate, never less than what was counted) and is
marked as one. ``CountingPaginator`` is Django's paginator with that count: the pages and the API
(``apps.core.pagination``) say "about 98,000" rather than scan the table for the exact figure, and a
page decides "next" from the rows it fetched, not from the estimate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet

DEFAULT_EXACT_LIMIT = 10_000


@dataclass(frozen=True)
class RowCount:
    n: int
    exact: bool


def exact_limit() -> int:
    return int(getattr(settings, "LIST_EXACT_COUNT_LIMIT", DEFAULT_EXACT_LIMIT))


def bounded_count(queryset: QuerySet[Any], limit: int | None = None) -> RowCount:
    """The rows of ``queryset``: exact up to ``limit``, PostgreSQL's estimate above it (two cheap
    statements: a count of at most ``limit + 1`` rows, then, only past it, an ``EXPLAIN``)."""
    limit = exact_limit() if limit is None else limit
    bounded = queryset.order_by().values("pk")[: limit + 1]
    counted = bounded.count()  # SELECT COUNT(*) FROM (SELECT … LIMIT limit + 1)
    if counted <= limit:
        return RowCount(counted, exact=True)
    return RowCount(max(counted, planner_estimate(queryset)), exact=False)


def planner_estimate(queryset: QuerySet[Any]) -> int:
    """The planner's row estimate for ``queryset`` (no ordering, no slicing): what ``EXPLAIN`` says the
    top node returns, without running the query."""
    query = queryset.order_by().values("pk").query
    compiler = query.get_compiler(using=queryset.db)
    statement, params = compiler.as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class CountingPage(Page):
    """A page of a ``CountingPaginator``: with an estimated count, whether a next page exists comes
    from the extra row fetched, and the last page is the one that has no next."""

    def __init__(self, object_list: Any, number: int, paginator: CountingPaginator, more: bool | None) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        if self.more is not None:
            return self.more
        return super().has_next()

    def end_index(self) -> int:
        if self.more is not None:
            return (self.number - 1) * self.paginator.per_page + len(self.object_list)
        return super().end_index()


class CountingPaginator(Paginator):
    """Django's paginator with ``bounded_count``: ``count`` is exact up to the limit and estimated above
    it (``count_exact`` says which)."""

    @cached_property
    def row_count(self) -> RowCount:
        if isinstance(self.object_list, QuerySet):
            return bounded_count(self.object_list)
        return RowCount(len(self.object_list), exact=True)

    @cached_property
    def count(self) -> int:
        return self.row_count.n

    @property
    def count_exact(self) -> bool:
        return self.row_count.exact

    def count_exactly(self) -> None:
        """Count every row (``?page=last`` asks for the last page, which only a whole count knows)."""
        if not self.row_count.exact:
            assert isinstance(self.object_list, QuerySet)  # only a queryset's count is ever estimated
            self.__dict__["row_count"] = RowCount(self.object_list.count(), exact=True)
            self.__dict__.pop("count", None)
            self.__dict__.pop("num_pages", None)

    def validate_number(self, number: Any) -> int:
        if self.count_exact:
            return super().validate_number(number)
        # With an estimate the last page is not known: any page from 1 is asked for, and one past the
        # rows is refused when its rows are fetched (``page``).
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError(number)
            value = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if value < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return value

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if self.count_exact:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        more = len(rows) > self.per_page
        return CountingPage(rows[: self.per_page], number, self, more)

"""What global search finds among functions (apps/core/search.py): by name, through the list selector the
function list uses for the same person."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from apps.core.search import SearchHit, register_search, search_queryset
from apps.functions import selectors


def search_functions(user: Any, query: str, limit: int) -> list[SearchHit]:
    functions = search_queryset(selectors.function_list(user=user), ["name"], query, then_by=("name", "pk"))
    return [
        SearchHit(
            label=function.name,
            url=function.get_absolute_url(),
            detail=" · ".join(
                part for part in (function.get_category_display(), function.get_decision_display()) if part
            ),
        )
        for function in functions[:limit]
    ]


def register() -> None:
    register_search(
        "functions",
        "Functions",
        search_functions,
        order=30,
        more_url=lambda query: f"{reverse('functions:function-list')}?{urlencode({'q': query})}",
    )

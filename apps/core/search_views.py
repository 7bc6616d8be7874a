"""The global search pages: the header box's results page (``/search/?q=``, works without JavaScript) and
the ⌘K / Ctrl-K palette's partial (``/search/palette?q=``, fetched by static/js/palette.js). Both ask every
registered provider (apps/core/search.py) for the signed-in person and group the hits by kind."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from apps.core.search import MAX_QUERY_CHARS, PAGE_LIMIT, PALETTE_LIMIT, SearchGroup, search_everything


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=MAX_QUERY_CHARS,
        error_messages={"max_length": f"Search for at most {MAX_QUERY_CHARS} characters."},
    )


def _search(request: HttpRequest, *, limit: int) -> tuple[SearchForm, str, list[SearchGroup]]:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return form, "", []
    query = form.cleaned_data["q"]
    return form, query, search_everything(user=request.user, query=query, limit=limit)


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form, query, groups = _search(request, limit=PAGE_LIMIT)
    context = {"title": f"Search: {query}" if query else "Search", "form": form, "query": query, "groups": groups}
    return render(request, "core/search.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def search_palette(request: HttpRequest) -> HttpResponse:
    form, query, groups = _search(request, limit=PALETTE_LIMIT)
    context = {"form": form, "query": query, "groups": groups}
    # A fragment: rendered without the request, so the pages' context processors (the header's menus and
    # counts) cost nothing as it is typed.
    html = render_to_string("core/search_palette.html", context)
    return HttpResponse(html, status=400 if form.errors else 200)

"""Detail pages composed from registered sections (the idea of NetBox's ``register_model_view``).

A detail page (the vendor page, the contract page) does not know the apps that add to it. The app that
owns some data registers a *section* of another app's page: a tab of the vendor page, a panel of the
contract page. The page asks ``sections_for(page)`` and renders each section's template with the
context its function returns. A lower floor thereby shows an upper floor's data without importing it:
the upper floor imports the lower one to register, never the other way round.

Registration happens once, when the owning app is ready (its ``AppConfig.ready`` imports its
``sections`` module). The order of sections on a page is their ``order`` number, so it does not depend
on the order in which apps load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest

SectionContext = Callable[[HttpRequest, Any], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One tab or panel of a detail page.

    ``page``: the page it belongs to (by convention the model label, e.g. ``"vendors.vendor"``).
    ``key``: unique on the page; a tab's key is part of its URL.
    ``template``: rendered with the page's context plus what ``context(request, obj)`` returns.
    ``count``: for a tab, the name of an attribute of the object that holds a number shown beside the
    label (an annotation of the page's selector), or empty.
    """

    page: str
    key: str
    label: str
    template: str
    context: SectionContext
    order: int = 100
    count: str = ""


_SECTIONS: dict[str, dict[str, Section]] = {}


def register_section(
    page: str, *, key: str, label: str, template: str, order: int = 100, count: str = ""
) -> Callable[[SectionContext], SectionContext]:
    """Decorate the function that reads what a section shows::

        @register_section("vendors.vendor", key="risks", label="Risks", template="vendors/tabs/risks.html", order=40)
        def risks_tab(request, vendor):
            return {"risks": ...}

    Registering the same page and key again replaces the section (a module imported twice stays one
    section); two different sections may not share a key.
    """

    def decorate(function: SectionContext) -> SectionContext:
        section = Section(
            page=page, key=key, label=label, template=template, context=function, order=order, count=count
        )
        existing = _SECTIONS.setdefault(page, {}).get(key)
        if existing is not None and existing.context.__qualname__ != function.__qualname__:
            raise ValueError(f"The section {key!r} of {page!r} is registered twice ({existing.context.__module__}).")
        _SECTIONS[page][key] = section
        return function

    return decorate


def sections_for(page: str) -> list[Section]:
    """The sections of ``page`` in their order."""
    return sorted(_SECTIONS.get(page, {}).values(), key=lambda section: (section.order, section.key))


def section(page: str, key: str) -> Section:
    """One section of ``page``; a key nobody registered is a 404 (a tab in a URL)."""
    try:
        return _SECTIONS[page][key]
    except KeyError:
        raise Http404("No such tab.") from None


def section_contexts(page: str, request: HttpRequest, obj: Any) -> list[tuple[Section, dict[str, Any]]]:
    """Every section of ``page`` with what it shows (a page that renders all its panels at once)."""
    return [(entry, entry.context(request, obj)) for entry in sections_for(page)]

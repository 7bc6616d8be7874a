"""``{% saved_views_menu %}``: the "Views" menu of a list's filter bar — the saved views of this list the
person sees (their own and those shared with their role), a link to each, delete for those they may, and
the form that saves the current filters and sort under a name (``apps.accounts.views``).

The list is named by the context's ``list_key`` if the view sets one, else by the page's URL name, so a
list view needs nothing to have the menu."""

from __future__ import annotations

from typing import Any

from django import template

from apps.accounts import selectors
from apps.accounts.choices import Role
from apps.accounts.services import saved_view_query

register = template.Library()


def list_key_of(context: template.Context) -> str:
    if context.get("list_key"):
        return str(context["list_key"])
    match = getattr(context.get("request"), "resolver_match", None)
    return str(match.view_name) if match is not None else ""


@register.inclusion_tag("includes/saved_views.html", takes_context=True)
def saved_views_menu(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    list_key = list_key_of(context)
    if request is None or user is None or not user.is_authenticated or not list_key:
        return {"show": False}
    current = saved_view_query(request.GET.urlencode())
    views = list(selectors.saved_view_list(user=user, list_key=list_key).order_by("name", "pk"))
    # Whether the person administers (others' shared views are theirs to delete) costs a query: only asked
    # when someone else's view is listed.
    is_admin = any(view.owner_id != user.pk for view in views) and user.has_role(Role.ADMIN)
    items = [
        {
            "view": view,
            "url": f"{request.path}?{view.query}" if view.query else request.path,
            "active": view.query == current,
            "own": view.owner_id == user.pk,
            "may_delete": view.owner_id == user.pk or is_admin,
        }
        for view in views
    ]
    return {
        "show": True,
        "items": items,
        "active": next((item for item in items if item["active"]), None),
        "list_key": list_key,
        "query": current,
        "list_path": request.path,
        "here": request.get_full_path(),
        "roles": Role.choices,
        "csrf_token": context.get("csrf_token"),
    }

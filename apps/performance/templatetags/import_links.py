"""``{% may_import "vendors" as allowed %}``: whether the signed-in user may import a register (the
``Import`` button of a register's list page: ``templates/includes/import_link.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from apps.core.importing import import_register

register = template.Library()


@register.simple_tag(takes_context=True)
def may_import(context: Any, key: str) -> bool:
    request = context.get("request")
    found = import_register(key)
    return bool(request is not None and found is not None and found.may_import(request.user))

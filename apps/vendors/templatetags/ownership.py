"""``{% if record|may_write:user %}``: offer a button only to those who may use it (``apps.vendors.ownership``)."""

from __future__ import annotations

from typing import Any

from django import template

from apps.vendors import ownership

register = template.Library()


@register.filter
def may_write(record: Any, user: Any) -> bool:
    """Whether ``user`` may write ``record`` as far as ownership goes (the role's permission is asked
    with ``perms``); no query when the list loaded the record's path to its vendor."""
    return ownership.may_write(user, record)

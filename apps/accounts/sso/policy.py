"""Who may sign in with a local password when the organisation signs in through SSO."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def local_password_allowed(user_or_username: Any) -> bool:
    """Whether a local password may be used (to sign in, or reset) by this person or username.

    With ``LOCAL_PASSWORD_SIGN_IN`` on (the default) everyone may; off, only the break-glass accounts
    of ``SSO_BREAK_GLASS_USERNAMES`` may — the way in when the identity provider is down."""
    if settings.LOCAL_PASSWORD_SIGN_IN:
        return True
    username = user_or_username if isinstance(user_or_username, str) else user_or_username.get_username()
    return username.casefold() in {name.casefold() for name in settings.SSO_BREAK_GLASS_USERNAMES}

"""Which addresses webhooks may be sent to: the guard against server-side request forgery.

An endpoint's address is https (http only where ``WEBHOOK_ALLOW_HTTP``, as in local development and
the tests), carries no user name or password, and its host resolves only to public addresses: an
address in a private, loopback, link-local, shared, reserved or multicast range (the database, the
cache, a cloud's metadata service at 169.254.169.254) is refused unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``.
The check runs when an endpoint is saved and again before every attempt, so a name that later resolves
somewhere private is refused then (the attempt is logged with the reason). Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from apps.core.errors import ApplicationError


class AddressRefused(ApplicationError):
    """The endpoint's address may not be called."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is not part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"The host “{host}” cannot be resolved ({exc}).", field="url") from exc
    return sorted({str(info[4][0]) for info in found})


def webhook_url_check(url: str, *, resolve: bool = True) -> None:
    """Refuse (``AddressRefused`` on ``url``) an address webhooks may not be sent to. ``resolve=False``
    checks only its form (the name is resolved again before each attempt anyway)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"This is not a valid address ({exc}).", field="url") from exc
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        allowed = "https:// (or http://)" if settings.WEBHOOK_ALLOW_HTTP else "https://"
        raise AddressRefused(f"The address must start with {allowed}.", field="url")
    if not parts.hostname:
        raise AddressRefused("The address needs a host name.", field="url")
    if parts.username or parts.password:
        raise AddressRefused(
            "Put no user name or password in the address: the signature authenticates the sender.", field="url"
        )
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES or not resolve:
        return
    host = parts.hostname
    addresses = _resolve(host, port or (443 if scheme == "https" else 80))
    private = [address for address in addresses if not _is_public(address)]
    if private or not addresses:
        raise AddressRefused(
            f"The host “{host}” resolves to a private, loopback or link-local address ({', '.join(private)}); "
            "webhooks are sent only to public addresses.",
            field="url",
        )

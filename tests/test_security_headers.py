"""The response headers: a strict Content-Security-Policy (django-csp) and a Permissions-Policy on every
answer, pages and API alike; the browsable API (never in production) relaxes inline styles only. The
templates keep to the policy: no inline script, event handler, style attribute or htmx evaluation.
(Production's headers: tests/test_deploy_check.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi")


def directives(header: str) -> dict[str, set[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = set(sources)
    return parsed


def assert_strict(header: str) -> None:
    policy = directives(header)
    assert {name: policy.get(name) for name in STRICT} == STRICT
    assert "unsafe" not in header and "*" not in header


def assert_permissions_policy(header: str) -> None:
    features = dict(part.strip().split("=") for part in header.split(","))
    assert all(features[name] == "()" for name in DENIED_FEATURES), features


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/vendors/", "/admin/", "/api/v1/vendors/?format=json"])
def test_every_answer_has_the_strict_policy(path: str) -> None:
    client = Client()
    if path != "/accounts/login/":
        client.force_login(UserFactory(role="admin"))
    response = client.get(path)
    assert response.status_code == 200
    assert_strict(response["Content-Security-Policy"])
    assert_permissions_policy(response["Permissions-Policy"])


@pytest.mark.django_db
def test_the_browsable_api_allows_inline_styles_but_no_inline_script() -> None:
    client = Client()
    client.force_login(UserFactory(role="admin"))
    response = client.get("/api/v1/vendors/", HTTP_ACCEPT="text/html")
    policy = directives(response["Content-Security-Policy"])
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["script-src"] == {"'self'"}


# What the policy refuses, as it would be written in a template: an inline <script> (one with a src,
# or a JSON island from json_script, is fine), an on…= handler, a style= attribute, a javascript: URL,
# and htmx's evaluating attributes (hx-on, hx-vars, js: in hx-vals).
REFUSED = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"
    r"|\son[a-z]+\s*="
    r"|\sstyle\s*="
    r"|javascript:"
    r"|hx-on|hx-vars|hx-vals\s*=\s*['\"]\s*js:",
    re.IGNORECASE,
)


def test_templates_keep_to_the_policy() -> None:
    # E-mails are not pages (no policy; mail clients need inline styles).
    templates = [
        path
        for path in (ROOT / "templates").rglob("*.html")
        if "email" not in path.relative_to(ROOT / "templates").parts[:2]
    ]
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in templates
        for match in REFUSED.finditer(path.read_text())
    ]
    assert templates and found == []

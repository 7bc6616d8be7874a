"""manage.py create_api_token: --scope, --vendor, --expires-days, --name."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken, hash_token
from tests.factories import ContractFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_scopes_and_vendors(settings: object) -> None:
    UserFactory(username="ci-bot", role="engineering_manager")
    ours, theirs = VendorFactory(name="Ours Ltd"), VendorFactory()
    ContractFactory(vendor=ours), ContractFactory(vendor=theirs)
    key, err = run("ci-bot", "--scope", "read", "--scope", "measurements:write", "--vendor", "Ours Ltd", "--name", "CI")
    token = ApiToken.objects.get(key_hash=hash_token(key))
    assert token.scopes == ["read", "measurements:write"] and list(token.vendors.all()) == [ours]
    assert "scopes: read, measurements:write; vendors: Ours Ltd" in err and "not shown again" in err
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/contracts/").json()["count"] == 1


def test_comma_separated_scopes_vendor_ids_and_the_default_read() -> None:
    UserFactory(username="ci-bot")
    vendor = VendorFactory()
    key, _ = run("ci-bot", "--scope", "vendors:write,contracts:write", "--vendor", str(vendor.pk))
    assert ApiToken.objects.get(key_hash=hash_token(key)).scopes == ["vendors:write", "contracts:write"]
    key, _ = run("ci-bot")
    token = ApiToken.objects.get(key_hash=hash_token(key))
    assert token.scopes == ["read"] and not token.vendors.exists() and token.expires_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ci-bot", "--scope", "root"], "Unknown scope “root”"),
        (["ci-bot", "--vendor", "Nobody Inc"], "No vendor “Nobody Inc”"),
        (["ci-bot", "--vendor", "999999"], "No vendor “999999”"),
    ],
)
def test_errors_are_readable_and_create_nothing(args: list[str], message: str) -> None:
    UserFactory(username="ci-bot")
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert ApiToken.objects.count() == 0

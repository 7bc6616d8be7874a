"""manage.py create_api_token USERNAME [--scope SCOPE ...] [--vendor VENDOR ...] [--expires-days N]
[--name NAME]: print a new token once."""

from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.choices import TokenScope
from apps.accounts.models import User
from apps.accounts.services import api_token_issue
from apps.core.errors import ApplicationError

DEFAULT_SCOPES = [TokenScope.READ.value]


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print its key. The key is shown only this once. The token "
        "acts as USERNAME, within their role, and only as far as its scopes go."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            metavar="SCOPE",
            help=f"what the token may do, repeated or comma-separated: {', '.join(TokenScope.values)} "
            f"(default: {', '.join(DEFAULT_SCOPES)})",
        )
        parser.add_argument(
            "--vendor",
            action="append",
            dest="vendors",
            metavar="VENDOR",
            default=[],
            help="limit the token to this vendor's records (an id or the exact name; repeat for several)",
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help=f"days until it expires (default {settings.API_TOKEN_DEFAULT_EXPIRY_DAYS}; 0 = never)",
        )
        parser.add_argument("--name", default="command line", help="what the token is for")

    def handle(
        self,
        *args: Any,
        username: str,
        scopes: list[str] | None,
        vendors: list[str],
        expires_days: int | None,
        name: str,
        **options: Any,
    ) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named “{username}”.")
        wanted = [part.strip() for value in scopes or DEFAULT_SCOPES for part in value.split(",") if part.strip()]
        vendor_rows = [self.vendor_named(value) for value in vendors]
        days = settings.API_TOKEN_DEFAULT_EXPIRY_DAYS if expires_days is None else expires_days
        try:
            issued = api_token_issue(user=user, name=name, scopes=wanted, vendors=vendor_rows, expires_in_days=days)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        token = issued.token
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        limited = f"; vendors: {', '.join(str(v) for v in vendor_rows)}" if vendor_rows else ""
        self.stderr.write(
            f"Token “{name}” for {username} (scopes: {', '.join(token.scopes)}{limited}; expires: {expiry}). "
            "Store it now; it is not shown again."
        )
        self.stdout.write(issued.key)

    def vendor_named(self, value: str) -> Any:
        vendor_model = django_apps.get_model("vendors", "Vendor")
        found = (
            vendor_model.objects.filter(pk=int(value)) if value.isdigit() else vendor_model.objects.filter(name=value)
        )
        vendor = found.first()
        if vendor is None:
            raise CommandError(f"No vendor “{value}” (give its id or its exact name).")
        return vendor

"""manage.py create_api_token USERNAME [--expires-days N] [--name NAME]: print a new token once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.models import User
from apps.accounts.services import api_token_issue
from apps.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print its key. The key is shown only this once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help=f"days until it expires (default {settings.API_TOKEN_DEFAULT_EXPIRY_DAYS}; 0 = never)",
        )
        parser.add_argument("--name", default="command line", help="what the token is for")

    def handle(self, *args: Any, username: str, expires_days: int | None, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named “{username}”.")
        days = settings.API_TOKEN_DEFAULT_EXPIRY_DAYS if expires_days is None else expires_days
        try:
            issued = api_token_issue(user=user, name=name, expires_in_days=days)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        expiry = issued.token.expires_at.isoformat() if issued.token.expires_at else "never"
        self.stderr.write(f"Token “{name}” for {username} (expires: {expiry}). Store it now; it is not shown again.")
        self.stdout.write(issued.key)

"""manage.py sync_roles: give each role group exactly the permissions apps.accounts.roles lists."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from apps.accounts.roles import sync_role_groups


class Command(BaseCommand):
    help = "Create the role groups and set their permissions from apps.accounts.roles."

    def handle(self, *args: Any, **options: Any) -> None:
        sync_role_groups(apps)
        self.stdout.write("Role groups are in sync.")

from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate

from apps.accounts.roles import sync_role_groups


def _sync_roles_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Permissions of apps migrated later (and of proxy models) exist only after their migrations:
    # re-sync after every migrate so the admin role always holds every permission.
    sync_role_groups(kwargs.get("apps") or sender.apps)


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from apps.accounts import schema  # noqa: F401 - registers the OpenAPI description of token auth
        from apps.accounts.middleware import stamp_sign_in

        post_migrate.connect(_sync_roles_after_migrate, sender=self, dispatch_uid="accounts_sync_roles")
        user_logged_in.connect(stamp_sign_in, dispatch_uid="accounts_session_clocks")

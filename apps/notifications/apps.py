from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Core's policy exceptions cannot register their own reminders (core is below the inbox).
        # Nor can the API tokens of apps.accounts (below the inbox too).
        from apps.notifications import (
            policy_exception_reminders,  # noqa: F401
            token_reminders,  # noqa: F401
        )

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "apps.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        # Registered on import: the review pack's reminder rule and its PDF attachment
        # (apps.notifications.reminders, apps.notifications.emails).
        from apps.dashboards import review_pack  # noqa: F401

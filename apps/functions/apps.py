from django.apps import AppConfig


class FunctionsConfig(AppConfig):
    name = "apps.functions"
    label = "functions"
    verbose_name = "Functions"

    def ready(self) -> None:
        # Registered on import: the review dates of policy exceptions on functions, for the calendar
        # feeds (apps.notifications.calendar).
        from apps.functions import calendar  # noqa: F401

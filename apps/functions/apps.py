from django.apps import AppConfig


class FunctionsConfig(AppConfig):
    name = "apps.functions"
    label = "functions"
    verbose_name = "Functions"

    def ready(self) -> None:
        # Registered on import: the review dates of policy exceptions on functions, for the calendar
        # feeds (apps.notifications.calendar).
        from apps.functions import calendar  # noqa: F401

        # The function catalogue as an import register (apps.core.importing).
        from apps.functions.imports import register_imports

        register_imports()

        # Global search (apps.core.search): functions by name.
        from apps.functions.search import register as register_search

        register_search()

from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "apps.performance"
    label = "performance"
    verbose_name = "Performance & SLAs"

    def ready(self) -> None:
        # What it shows on the pages of the floors below (apps.core.sections): the vendor page's
        # Performance tab and open breaches, the contract page's SLA terms, scorecard and breaches;
        # and the reminder of KPIs not logged (apps.notifications.reminders). Both register on import.
        from apps.performance import reminders, sections  # noqa: F401

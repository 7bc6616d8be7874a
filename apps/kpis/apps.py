from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "apps.kpis"
    label = "kpis"
    verbose_name = "KPIs"

    def ready(self) -> None:
        # The vendor page's Performance tab (apps.core.sections).
        from apps.kpis import sections  # noqa: F401

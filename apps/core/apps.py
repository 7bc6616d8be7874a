from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Bind @shared_task to our Celery app (broker from settings) in every Django process.
        import config.celery  # noqa: F401

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo portfolio and ``manage.py seed_demo``: the top floor, with no models of its own."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo data"

"""The API router: every domain app lists its resources in ``apps/<app>/api/urls.py``."""

from importlib import import_module

from apps.core.api import ServiceRouter

API_APPS = ("functions", "vendors", "contracts", "kpis", "notifications")

router = ServiceRouter()
for app in API_APPS:
    for prefix, viewset, basename in import_module(f"apps.{app}.api.urls").registrations:
        router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls

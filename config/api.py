"""The API router: every domain app lists its resources in ``apps/<app>/api/urls.py``."""

from importlib import import_module

from apps.core.api import ServiceRouter
from apps.core.exceptions_api import PolicyExceptionViewSet
from apps.core.fx_api import FxRateViewSet
from apps.performance.telemetry import urls as telemetry_urls

API_APPS = ("functions", "vendors", "contracts", "kpis", "performance", "roster", "costs", "notifications")

router = ServiceRouter()
for app in API_APPS:
    for prefix, viewset, basename in import_module(f"apps.{app}.api.urls").registrations:
        router.register(prefix, viewset, basename=basename)
# Reference data of the framework floor (no domain app owns it).
router.register("fx-rates", FxRateViewSet, basename="fxrate")
router.register("exceptions", PolicyExceptionViewSet, basename="policy-exception")

# The telemetry receivers: anonymous, signed by each source's own scheme (apps/performance/telemetry).
urlpatterns = [*router.urls, *telemetry_urls.urlpatterns]

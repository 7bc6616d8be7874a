from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core import views as core_views
from apps.dashboards import views as dashboard_views

urlpatterns = [
    path("favicon.ico", core_views.favicon),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    path("accounts/", include("apps.accounts.urls")),
    path("functions/", include("apps.functions.urls")),
    # Its pages live under /contracts/ and /kpis/, where they were before the app was split off.
    path("", include("apps.performance.urls")),
    path("contracts/", include("apps.contracts.urls")),
    path("kpis/", include("apps.kpis.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("dashboard/", include("apps.dashboards.urls")),
    path("", dashboard_views.home, name="home"),
    path("", include("apps.vendors.urls")),
    path("", include("apps.core.urls")),
]

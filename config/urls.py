from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core import views as core_views
from apps.dashboards import views as dashboard_views

# The admin's sign-in is the workspace's (django-allauth): the same page, lockout, MFA and SSO. A signed-in
# person who is not staff is refused (403) rather than asked for another account.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # the admin site has no hook for its sign-in view

urlpatterns = [
    path("favicon.ico", core_views.favicon),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves the page's script as a file (?script): no inline script under the CSP.
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("accounts/", include("apps.accounts.urls")),
    path("functions/", include("apps.functions.urls")),
    # Its pages live under /contracts/ and /kpis/, where they were before the app was split off.
    path("", include("apps.performance.urls")),
    path("imports/", include("apps.performance.import_urls")),
    path("contracts/", include("apps.contracts.urls")),
    path("kpis/", include("apps.kpis.urls")),
    # The team roster's forms (apps.roster); its records show on the contract page's Team panel.
    path("roster/", include("apps.roster.urls")),
    # Invoices (apps.costs): their list; their forms, reached from the contract page's Invoices panel.
    path("costs/", include("apps.costs.urls")),
    path("notifications/", include("apps.notifications.urls")),
    # Calendar feeds: no session, the secret key in the address (apps.notifications.calendar).
    path("calendar/", include("apps.notifications.calendar.urls")),
    path("dashboard/", include("apps.dashboards.urls")),
    path("", include("apps.documents.urls")),
    path("", dashboard_views.home, name="home"),
    path("", include("apps.vendors.urls")),
    path("", include("apps.core.urls")),
]

# JSON to the API and to JSON clients, the workspace's pages to browsers (apps/core/http_errors.py).
handler400 = "apps.core.http_errors.bad_request"
handler403 = "apps.core.http_errors.permission_denied"
handler404 = "apps.core.http_errors.page_not_found"
handler500 = "apps.core.http_errors.server_error"

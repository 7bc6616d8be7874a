"""The performance pages. Their paths are the ones they had as pages of ``contracts`` and ``kpis``
(bookmarks and links in e-mails keep working); their names are this app's (``performance:…``)."""

from typing import Any

from django.urls import include, path, reverse
from django.views.generic import RedirectView

from apps.performance import views
from apps.performance.telemetry import explain


class _Moved(RedirectView):
    """A page that moved: the old path redirects to it (bookmarks and links in e-mails keep working)."""

    target = ""
    query = ""

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return f"{reverse(self.target, args=args, kwargs=kwargs)}{self.query}"


def _moved(name: str, query: str = "") -> Any:
    return _Moved.as_view(target=name, query=query)


app_name = "performance"

urlpatterns = [
    # Across the portfolio, and the SLA terms of one contract (edited in place on the contract page).
    path("contracts/breaches/", views.BreachListView.as_view(), name="breach-list"),
    path("contracts/breaches/<int:pk>/<str:action>/", views.BreachActionView.as_view(), name="breach-action"),
    path("contracts/sla-evaluations/", views.SlaEvaluationListView.as_view(), name="sla-evaluation-list"),
    path("contracts/<int:contract_pk>/sla-terms/new/", views.SlaTermCreateView.as_view(), name="sla-term-create"),
    path("contracts/sla-terms/<int:pk>/edit/", views.SlaTermUpdateView.as_view(), name="sla-term-update"),
    path("contracts/sla-terms/<int:pk>/delete/", views.SlaTermDeleteView.as_view(), name="sla-term-delete"),
    path(
        "contracts/<int:contract_pk>/telemetry/explain/<str:kpi_code>/",
        explain.telemetry_explain,
        name="telemetry-explain",
    ),
    # Measurements: the list and the entry grid. Their imports moved to /imports/ (every register:
    # apps.performance.import_urls); the old paths redirect there.
    path("kpis/measurements/", views.MeasurementListView.as_view(), name="measurement-list"),
    path("kpis/imports/", _moved("imports:list", "?register=measurements"), name="legacy-import-list"),
    path("kpis/imports/new/", _moved("imports:create", "?register=measurements"), name="legacy-import-create"),
    path(
        "kpis/imports/template.csv",
        RedirectView.as_view(url="/imports/templates/measurements.csv"),
        name="legacy-import-template",
    ),
    path("kpis/imports/<int:pk>/", _moved("imports:detail"), name="legacy-import-detail"),
    path("kpis/log/", views.MeasurementGridStartView.as_view(), name="grid-start"),
    path("kpis/log/<int:contract_pk>/", views.MeasurementGridView.as_view(), name="grid"),
    # Delivery telemetry: a contract's source bindings and a vendor's identity rules.
    path("", include("apps.performance.telemetry.page_urls")),
]

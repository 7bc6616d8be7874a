"""The performance pages. Their paths are the ones they had as pages of ``contracts`` and ``kpis``
(bookmarks and links in e-mails keep working); their names are this app's (``performance:…``)."""

from django.urls import include, path

from apps.performance import import_views, views
from apps.performance.telemetry import explain

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
    # Measurements: the list, the CSV imports and the entry grid.
    path("kpis/measurements/", views.MeasurementListView.as_view(), name="measurement-list"),
    path("kpis/imports/", import_views.ImportListView.as_view(), name="import-list"),
    path("kpis/imports/new/", import_views.ImportCreateView.as_view(), name="import-create"),
    path("kpis/imports/template.csv", import_views.ImportTemplateView.as_view(), name="import-template"),
    path("kpis/imports/<int:pk>/", import_views.ImportDetailView.as_view(), name="import-detail"),
    path("kpis/imports/<int:pk>/start/", import_views.ImportStartView.as_view(), name="import-start"),
    path("kpis/imports/<int:pk>/retry/", import_views.ImportRetryView.as_view(), name="import-retry"),
    path("kpis/log/", views.MeasurementGridStartView.as_view(), name="grid-start"),
    path("kpis/log/<int:contract_pk>/", views.MeasurementGridView.as_view(), name="grid"),
    # Delivery telemetry: a contract's source bindings and a vendor's identity rules.
    path("", include("apps.performance.telemetry.page_urls")),
]

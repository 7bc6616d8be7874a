from django.urls import path

from apps.kpis import import_views, views

app_name = "kpis"

urlpatterns = [
    path("", views.KpiListView.as_view(), name="kpi-list"),
    path("measurements/", views.MeasurementListView.as_view(), name="measurement-list"),
    path("imports/", import_views.ImportListView.as_view(), name="import-list"),
    path("imports/new/", import_views.ImportCreateView.as_view(), name="import-create"),
    path("imports/template.csv", import_views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:pk>/", import_views.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/start/", import_views.ImportStartView.as_view(), name="import-start"),
    path("log/", views.MeasurementGridStartView.as_view(), name="grid-start"),
    path("log/<int:contract_pk>/", views.MeasurementGridView.as_view(), name="grid"),
]

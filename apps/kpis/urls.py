from django.urls import path

from apps.kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.KpiListView.as_view(), name="kpi-list"),
]

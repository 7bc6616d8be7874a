from django.urls import path

from apps.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("export/<slug:table>.xlsx", views.export, {"file_format": "xlsx"}, name="export-xlsx"),
    path("pdf/overview.pdf", views.overview_pdf, name="overview-pdf"),
    path("vendors/<int:pk>/", views.vendor_360_page, name="vendor-360"),
    path("vendors/<int:pk>/export/<slug:table>.csv", views.vendor_export, name="vendor-export"),
    path(
        "vendors/<int:pk>/export/<slug:table>.xlsx",
        views.vendor_export,
        {"file_format": "xlsx"},
        name="vendor-export-xlsx",
    ),
    path("vendors/<int:pk>/review-pack.pdf", views.vendor_pdf, name="vendor-pdf"),
]

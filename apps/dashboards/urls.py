from django.urls import path

from apps.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("vendors/<int:pk>/", views.vendor_360_page, name="vendor-360"),
    path("vendors/<int:pk>/export/<slug:table>.csv", views.vendor_export, name="vendor-export"),
]

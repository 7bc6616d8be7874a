"""The import pages, for every register (``/imports/``; ``apps.performance.import_views``)."""

from django.urls import path, re_path

from apps.performance import import_views

app_name = "imports"

urlpatterns = [
    path("", import_views.ImportListView.as_view(), name="list"),
    path("new/", import_views.ImportCreateView.as_view(), name="create"),
    path("templates/workbook.xlsx", import_views.WorkbookTemplateView.as_view(), name="workbook-template"),
    re_path(
        r"^templates/(?P<register>[a-z0-9_]+)\.(?P<fmt>csv|xlsx)$",
        import_views.ImportTemplateView.as_view(),
        name="template",
    ),
    path("<int:pk>/", import_views.ImportDetailView.as_view(), name="detail"),
    path("<int:pk>/start/", import_views.ImportStartView.as_view(), name="start"),
    path("<int:pk>/retry/", import_views.ImportRetryView.as_view(), name="retry"),
]

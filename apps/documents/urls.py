from django.urls import path

from apps.documents import views

app_name = "documents"

urlpatterns = [
    path("documents/<int:pk>/download", views.evidence_download, name="download"),
    path("documents/<str:subject>/<int:pk>/upload/", views.evidence_upload_view, name="upload"),
]
